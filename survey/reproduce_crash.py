"""Independent reproduction of an isocheck crash cell with CPython's own subinterpreter module
(_interpreters on 3.13+, _xxsubinterpreters on 3.12): no isocheck code involved.
usage: python survey/reproduce_crash.py MODE CONFIG MODULE PATH...   MODE: main|reimport|import|middle|finalize|lifo|fifo|cycles|concurrent"""
import sys, threading
try:
    import _interpreters as I
except ImportError:
    import _xxsubinterpreters as I
mode, config, module, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
code = f"import sys; sys.path[:0] = {paths!r}\nimport {module}\n"

def new():
    if hasattr(I, "new_config"):
        return I.create(I.new_config(config))
    return I.create(isolated=(config == "isolated"))

def run(i):
    if hasattr(I, "exec"):
        err = I.exec(i, code)
        if err is not None:
            print("exception in interpreter:", getattr(err, "formatted", err), flush=True)
    else:
        try:
            I.run_string(i, code)
        except Exception as e:
            print("exception in interpreter:", type(e).__name__, e, flush=True)

if mode == "import":
    i = new(); run(i); I.destroy(i)
elif mode in ("lifo", "fifo"):
    a, b = new(), new(); run(a); run(b)
    for x in ((b, a) if mode == "lifo" else (a, b)):
        I.destroy(x)
elif mode == "middle":
    a, b, c = new(), new(), new(); run(a); run(b); run(c)
    for x in (b, a, c):
        I.destroy(x)
elif mode == "finalize":
    a, b = new(), new(); run(a); run(b)   # left alive: Py_FinalizeEx ends them at exit
elif mode in ("reimport", "main"):
    exec(code)
    if mode == "reimport":
        for name in [n for n in sys.modules if n == module or n.startswith(module + ".")]:
            del sys.modules[name]
        exec(code)
elif mode == "cycles":
    for _ in range(3):
        i = new(); run(i); I.destroy(i)
elif mode == "concurrent":
    ids = [new(), new()]
    ts = [threading.Thread(target=run, args=(i,)) for i in ids]
    [t.start() for t in ts]; [t.join() for t in ts]
    for i in ids: I.destroy(i)
print("survived", mode, config, module, flush=True)
