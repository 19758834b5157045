# isocheck probe: helpers executed inside every interpreter a cell creates.
#
# This file is compiled into each host as a string and exec'd into a private namespace per
# interpreter; it is never imported, so it adds nothing to sys.modules. It must import no
# extension module the interpreter has not already loaded at start-up: the module under test
# may be one of them, and a cell must start from a process where it was never imported
# (spec/checks.md). Only the stdlib's pure-Python import machinery is used.
import sys
import importlib
import importlib.machinery
import importlib.util

REFUSAL = "does not support loading in subinterpreters"
IMMORTAL_THRESHOLD = 1 << 30   # CPython 3.12+ immortal refcount is >= 2**30 on 64-bit (PEP 683)
MODULE_METADATA = {"__name__", "__doc__", "__loader__", "__spec__", "__package__",
                   "__file__", "__cached__", "__builtins__", "__path__"}
MAX_DEPTH = 3
_module_type = type(sys)
_modules = []       # module objects imported by the cell, named by index from C++
_kept = []          # objects whose lifetime must last as long as this interpreter
_exercise = None


def _load_exercise(exercise_file):
    namespace = {"__name__": "__isocheck_exercise__", "__file__": exercise_file}
    with open(exercise_file, "rb") as f:
        code = compile(f.read(), exercise_file, "exec")
    exec(code, namespace)
    fn = namespace.get("exercise")
    if not callable(fn):
        raise LookupError(f"{exercise_file} defines no exercise(module) function")
    return fn


def setup(paths, exercise_file):
    """Prepend --path dirs to sys.path and load the exercise (None when not given)."""
    global _exercise
    sys.path[0:0] = list(paths)
    if exercise_file:
        _exercise = _load_exercise(exercise_file)


def exercise_problem(exercise_file):
    """Why the exercise file is unusable, in one line, or "" when it is fine."""
    try:
        _load_exercise(exercise_file)
    except SyntaxError as e:
        return f"{exercise_file}:{e.lineno}: SyntaxError: {e.msg}"
    except LookupError as e:
        return str(e)
    except BaseException as e:
        return f"{exercise_file}: loading it raised {_format_exception(e)}"
    return ""


def describe_python():
    return (".".join(map(str, sys.version_info[:3])), sys.executable,
            hasattr(sys, "gettotalrefcount"))


def locate(name, file):
    """Where NAME would be imported from, without importing it: (kind, origin)."""
    if file:
        return ("extension", file)
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as e:   # e.g. the parent package is missing
        return ("missing", f"{type(e).__name__}: {e}")
    if spec is None:
        return ("missing", "")
    if isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return ("extension", spec.origin or "")
    if spec.origin == "built-in":
        return ("builtin", "built-in")
    return ("python", spec.origin or "")


def _format_exception(e):
    return f"{type(e).__qualname__}: {e}"


def _traceback(e):
    import traceback   # only after the import under test has happened
    return "".join(traceback.format_exception(e))


def import_target(name, file):
    """Import the module under test: ("ok", index, "", "") | ("refused"|"raised", -1, text, tb)."""
    try:
        if file:
            loader = importlib.machinery.ExtensionFileLoader(name, file)
            spec = importlib.util.spec_from_file_location(name, file, loader=loader)
            module = importlib._bootstrap._load(spec)
        else:
            module = importlib.import_module(name)
    except ImportError as e:
        if REFUSAL in str(e):
            return ("refused", -1, str(e), "")
        return ("raised", -1, _format_exception(e), _traceback(e))
    except BaseException as e:
        return ("raised", -1, _format_exception(e), _traceback(e))
    _modules.append(module)
    return ("ok", len(_modules) - 1, "", "")


def forget(name):
    """Drop NAME from sys.modules and from its parent package, so the next import is fresh."""
    sys.modules.pop(name, None)
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        try:
            delattr(sys.modules[parent], child)
        except AttributeError:
            pass


def same_object(index_a, index_b):
    return _modules[index_a] is _modules[index_b]


def exercise(index):
    """Run the user's exercise once: ("ok", repr) or ("raised", "Type: message")."""
    try:
        return ("ok", repr(_exercise(_modules[index])))
    except BaseException as e:
        return ("raised", _format_exception(e))


def is_immortal(obj):
    return sys.getrefcount(obj) >= IMMORTAL_THRESHOLD


def _owner(obj):
    """The __module__ a class or function names, or that of an instance's class."""
    if isinstance(obj, type) or callable(obj):
        return getattr(obj, "__module__", None)
    return getattr(type(obj), "__module__", None)


def _defined_by(obj, modname):
    """Whether OBJ belongs to the module under test (or is a plain builtin container it
    made) rather than to another module."""
    owner = _owner(obj)
    if not isinstance(owner, str):
        return True
    return owner in ("builtins", modname) or owner.split(".")[0] == modname.split(".")[0]


def _is_own_class(obj, modname):
    owner = _owner(obj) if isinstance(obj, type) else None
    return isinstance(owner, str) and owner != "builtins" and \
        (owner == modname or owner.split(".")[0] == modname.split(".")[0])


def walk(index):
    """Every non-immortal object reachable from the module namespace (and the dicts of the
    classes it defines, and containers, up to MAX_DEPTH): [(path, id, kind, owned)].

    `owned` is False for objects that evidently belong to another module (a class or
    function whose __module__ names it, an instance of such a class): two module objects in
    one interpreter may legitimately share those."""
    module = _modules[index]
    modname = module.__name__
    seen = set()
    found = []

    def visit(obj, path, depth):
        if id(obj) in seen or isinstance(obj, _module_type):
            return
        # Immortal objects are CPython's to share (PEP 683) -- except the module's own static
        # types, which 3.13 immortalises but which are still one object for all interpreters.
        if is_immortal(obj) and not _is_own_class(obj, modname):
            return
        seen.add(id(obj))
        kind = "type" if isinstance(obj, type) else type(obj).__qualname__
        found.append((path, id(obj), kind, _defined_by(obj, modname)))
        if depth >= MAX_DEPTH:
            return
        if isinstance(obj, type):
            for key, value in list(obj.__dict__.items()):
                if key not in ("__dict__", "__weakref__", "__doc__", "__module__"):
                    visit(value, f"{path}.{key}", depth + 1)
        elif isinstance(obj, dict):
            for key, value in list(obj.items()):
                visit(value, f"{path}[{key!r}]", depth + 1)
        elif isinstance(obj, (list, tuple)):
            for index, value in enumerate(obj):
                visit(value, f"{path}[{index}]", depth + 1)

    for key, value in list(vars(module).items()):
        if key not in MODULE_METADATA:
            visit(value, f"{modname}.{key}", 0)
    return found


def keep_instances(index):
    """Instantiate every class the module defines that takes no arguments and keep the
    instances alive until the interpreter ends (teardown must also free those)."""
    module = _modules[index]
    made = 0
    for value in list(vars(module).values()):
        if isinstance(value, type) and not issubclass(value, BaseException) \
                and _defined_by(value, module.__name__):
            try:
                _kept.append(value())
                made += 1
            except BaseException:
                pass
    return made
