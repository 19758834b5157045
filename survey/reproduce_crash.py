"""Reproduces one isocheck crash cell with CPython's own subinterpreter module (_interpreters on
3.13+, _xxsubinterpreters on 3.12), no isocheck code involved:

    python survey/reproduce_crash.py MODE CONFIG MODULE PATH...

MODE: import | reimport (in the main interpreter when CONFIG is main, else in one of CONFIG's
subinterpreters), cycles | concurrent (in CONFIG's subinterpreters), lifo | fifo | middle |
finalize (teardown orders, as scenarios/teardown.cpp).
Prints "survived ..." when the process lives to the end; a crash is its exit status."""
import sys
import threading

try:
    import _interpreters as interpreters
except ImportError:
    import _xxsubinterpreters as interpreters

# Teardown orders: how many interpreters, and the order they are destroyed in (None: left
# alive for Py_FinalizeEx at exit).
ORDERS = {"lifo": (2, (1, 0)), "fifo": (2, (0, 1)), "middle": (3, (1, 0, 2)), "finalize": (2, None)}


def new(config):
    if hasattr(interpreters, "new_config"):
        return interpreters.create(interpreters.new_config(config))
    return interpreters.create(isolated=(config == "isolated"))


def run(interp, code):
    """Runs `code` in the interpreter; an exception there is printed, not fatal."""
    if hasattr(interpreters, "exec"):
        err = interpreters.exec(interp, code)
        if err is not None:
            print("exception in interpreter:", getattr(err, "formatted", err), flush=True)
        return
    try:
        interpreters.run_string(interp, code)
    except Exception as e:
        print("exception in interpreter:", type(e).__name__, e, flush=True)


def forget_code(module):
    """Drops the module and its submodules from sys.modules, so the next import is fresh."""
    return (f"for name in [n for n in sys.modules if n == {module!r} or n.startswith({module!r} + '.')]:\n"
            f"    del sys.modules[name]\n")


def main():
    mode, config, module, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    code = f"import sys; sys.path[:0] = {paths!r}\nimport {module}\n"
    if mode == "reimport":
        code = code + forget_code(module) + code
    if mode in ("import", "reimport") and config == "main":
        exec(code)
    elif mode in ORDERS:
        count, order = ORDERS[mode]
        ids = [new(config) for _ in range(count)]
        for i in ids:
            run(i, code)
        for index in order or ():
            interpreters.destroy(ids[index])
    elif mode in ("import", "reimport", "cycles"):
        for _ in range(3 if mode == "cycles" else 1):
            i = new(config)
            run(i, code)
            interpreters.destroy(i)
    elif mode == "concurrent":
        ids = [new(config), new(config)]
        threads = [threading.Thread(target=run, args=(i, code)) for i in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in ids:
            interpreters.destroy(i)
    else:
        sys.exit(f"unknown mode {mode!r}")
    print("survived", mode, config, module, flush=True)


if __name__ == "__main__":
    main()
