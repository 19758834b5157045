# isocheck probe: helpers executed inside every interpreter a cell creates.
#
# This file is compiled into each host as a string and exec'd into a private namespace per
# interpreter; it is never imported, so it adds nothing to sys.modules. It must import no
# extension module the interpreter has not already loaded at start-up: the module under test
# may be one of them, and a cell must start from a process where it was never imported
# (spec/checks.md). Only the stdlib's pure-Python import machinery is used.
import sys
import gc       # built into libpython: never the module under test
# os and importlib are imported by the functions that need them (describe, NAME=FILE): most
# interpreters never do, and importing them cost ~3 ms in every interpreter of every cell
# (os pulls in _collections_abc, importlib pulls in warnings and types).

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


def setup(paths, exercise_file, base_path=None):
    """Prepend --path dirs to sys.path and load the exercise (None when not given).
    base_path: the main interpreter's sys.path, for a subinterpreter (which skips site)."""
    global _exercise
    if base_path is not None:
        sys.path[:] = base_path
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


def _extension_suffixes():
    import importlib.machinery
    return sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True)


def _extension_stem(filename, suffixes):
    """The module name FileFinder would import FILENAME by, or None. Suffixes longest first:
    a bare ".so" also matches another version's "x.cpython-312-....so", whose stem is no
    identifier, so that file is skipped."""
    for suffix in suffixes:
        if filename.endswith(suffix):
            stem = filename[:-len(suffix)]
            return stem if stem.isidentifier() else None
    return None


def _import_rank(filename):
    """Where FILENAME's suffix stands in EXTENSION_SUFFIXES, the order FileFinder tries them
    in. A debug build (Debian's python3.14d) also accepts the release ABI's suffix, and both
    builds' files share one lib-dynload: of two files for one name, the one it imports wins."""
    import importlib.machinery
    for rank, suffix in enumerate(importlib.machinery.EXTENSION_SUFFIXES):
        if filename.endswith(suffix):
            return rank
    return len(importlib.machinery.EXTENSION_SUFFIXES)


def _keep_imported(found, name, path):
    import os
    old = found.get(name)
    if old is None or _import_rank(os.path.basename(path)) < _import_rank(os.path.basename(old)):
        found[name] = path


def _extension_modules_under(package, directories):
    """(dotted name, file) of every extension module inside a package, recursively, sorted.

    A file counts when it ends in one of this interpreter's EXTENSION_SUFFIXES and what is left
    is an identifier: that is the name FileFinder would import it by. A bare ".so" suffix also
    matches another version's "x.cpython-312-....so", whose stem is no identifier, so it is skipped.
    """
    import os
    suffixes = _extension_suffixes()
    found = {}

    def visit(prefix, directory):
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if entry.is_dir():
                if entry.name.isidentifier() and entry.name != "__pycache__":
                    visit(prefix + entry.name + ".", entry.path)
                continue
            stem = _extension_stem(entry.name, suffixes)
            if stem and prefix + stem not in found_in_earlier_directory:
                _keep_imported(found, prefix + stem, entry.path)

    found_in_earlier_directory = set()   # an earlier __path__ entry wins, as for the import
    for directory in directories:
        visit(package + ".", directory)
        found_in_earlier_directory = set(found)
    return tuple(sorted(found.items()))


def locate(name, file):
    """Where NAME would be imported from, without importing it: (kind, origin, extensions).

    For a package, kind is "package" and extensions lists the extension modules inside it.
    """
    if file:
        return ("extension", file, ())
    import importlib.machinery
    import importlib.util
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as e:   # e.g. the parent package is missing
        return ("missing", f"{type(e).__name__}: {e}", ())
    if spec is None:
        return ("missing", "", ())
    if isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
        return ("extension", spec.origin or "", ())
    if spec.origin == "built-in":
        return ("builtin", "built-in", ())
    if spec.submodule_search_locations is not None:
        locations = list(spec.submodule_search_locations)
        return ("package", spec.origin or (locations[0] if locations else ""),
                _extension_modules_under(name, locations))
    return ("python", spec.origin or "", ())


def standard_extensions():
    """The survey's modules: every extension module file in this Python's lib-dynload, as
    [(name, path)] sorted by name. lib-dynload is the sys.path entry of that name (POSIX
    layout, venvs included: they keep the base install's). Names come from the files alone."""
    import os
    suffixes = _extension_suffixes()
    found = {}
    found_in_earlier_entry = set()   # an earlier sys.path entry wins, as for the import
    for entry in sys.path:
        if os.path.basename(entry) != "lib-dynload" or not os.path.isdir(entry):
            continue
        for filename in os.listdir(entry):
            name = _extension_stem(filename, suffixes)
            if name and name not in found_in_earlier_entry:
                _keep_imported(found, name, os.path.join(entry, filename))
        found_in_earlier_entry = set(found)
    return sorted(found.items())


def _format_exception(e):
    try:
        message = str(e)
    except BaseException as inner:
        message = f"<str() of it raised {type(inner).__qualname__}>"
    return f"{type(e).__qualname__}: {message}"


def _traceback(e):
    """The traceback module's text for E, or, when formatting raises, the frames read directly.
    A failed import can leave its interpreter unable to format anything: rpds.rpds (PyO3) in a
    subinterpreter leaves collections.abc broken, so traceback's own isinstance() checks raise
    "_abc_impl is set to a wrong type" (#15). The import's verdict must survive that."""
    try:
        import traceback   # only after the import under test has happened
        return "".join(traceback.format_exception(e))
    except BaseException as inner:
        lines = ["Traceback (most recent call last):\n"]
        frame = e.__traceback__
        while frame is not None:
            code = frame.tb_frame.f_code
            lines.append(f'  File "{code.co_filename}", line {frame.tb_lineno}, in {code.co_name}\n')
            frame = frame.tb_next
        lines.append(_format_exception(e) + "\n")
        lines.append(f"(the traceback module could not format this: {_format_exception(inner)})\n")
        return "".join(lines)


OPT_OUT = ('the module refuses a second load in one process: HOWTO "Opt-Out: Limiting to One '
           'Module Object per Process"')


def _is_own_opt_out(e, name):
    """Whether E, raised importing NAME after it loaded once in this process, is the module's
    own refusal as the HOWTO's opt-out writes it (PyErr_SetString(PyExc_ImportError, ...) in
    exec or PyInit_*): a plain ImportError, not the import system's failure to find
    something (ModuleNotFoundError, or an ImportError naming another module)."""
    return type(e) is ImportError and e.name in (None, name, name.rpartition(".")[2])


def _refuser(message):
    """The module CPython's refusal names ("module NAME does not support loading in ...")."""
    head = message.partition(" " + REFUSAL)[0]
    return head.rpartition("module ")[2] if head.rpartition("module ")[1] else ""


def _load(name, file):
    if file:
        import importlib.machinery
        import importlib.util
        loader = importlib.machinery.ExtensionFileLoader(name, file)
        spec = importlib.util.spec_from_file_location(name, file, loader=loader)
        return importlib._bootstrap._load(spec)
    __import__(name)    # what importlib.import_module does for an absolute name
    return sys.modules[name]


def _init_succeeded_elsewhere(name, file):
    """Whether CPython holds NAME as a single-phase module whose init succeeded earlier in this
    process, in another interpreter: 3.13 runs a single-phase PyInit_* in the main interpreter
    first and then again in the importing subinterpreter (import_run_extension), so a module
    that allows one init per process (PyO3's "may only be initialized once per interpreter
    process") refuses on what is, to the cell, its first import. Asked by importing again with
    the multi-interpreter check forced on: CPython then refuses a module it finds in its cache
    of initialised single-phase modules before running its init again (import_find_extension);
    an init that never succeeded is not in that cache and just fails again. Subinterpreters
    only: CPython offers the override nowhere else."""
    import _imp
    try:
        previous = _imp._override_multi_interp_extensions_check(1)
    except (AttributeError, RuntimeError):
        return False
    try:
        _load(name, file)
    except ImportError as e:
        return REFUSAL in str(e) and _refuser(str(e)) in ("", name, name.rpartition(".")[2])
    except BaseException:
        return False
    finally:
        _imp._override_multi_interp_extensions_check(previous)
    forget(name)
    return False


def import_target(name, file, loaded_before=False):
    """Import the module under test: ("ok", index, "", "", "") | ("refused"|"raised", -1, text,
    tb, dependency), where dependency names the module whose refusal stopped the import when
    it is not the module under test (a multi-phase module importing _decimal on 3.12, #17.7).
    loaded_before: the module's init ran earlier in this process (an import succeeded, or
    CPython refused it after running its PyInit_*)."""
    try:
        module = _load(name, file)
    except ImportError as e:
        if REFUSAL in str(e):
            # 3.13 names a single-phase module by its full name or its last component.
            refuser = _refuser(str(e))
            if refuser and refuser not in (name, name.rpartition(".")[2]):
                return ("refused", -1, f"dependency `{refuser}` refused: {e}", "", refuser)
            return ("refused", -1, str(e), "", "")
        if _is_own_opt_out(e, name) and (loaded_before or _init_succeeded_elsewhere(name, file)):
            return ("refused", -1, f"{e} ({OPT_OUT})", "", "")
        return ("raised", -1, _format_exception(e), _traceback(e), "")
    except BaseException as e:
        return ("raised", -1, _format_exception(e), _traceback(e), "")
    _modules.append(module)
    return ("ok", len(_modules) - 1, "", "", "")


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
    # 3.14 answers itself (sys._is_immortal): its immortal refcounts are no longer one value.
    if _is_immortal is not None:
        return _is_immortal(obj)
    return sys.getrefcount(obj) >= IMMORTAL_THRESHOLD


_is_immortal = getattr(sys, "_is_immortal", None)


def _owner(obj):
    """The __module__ a class or function names, or that of an instance's class."""
    if isinstance(obj, type) or callable(obj):
        return getattr(obj, "__module__", None)
    return getattr(type(obj), "__module__", None)


def _named_after(owner, modname):
    """Whether a __module__ string names the module under test or its package."""
    return isinstance(owner, str) and owner != "builtins" and \
        (owner == modname or owner.split(".")[0] == modname.split(".")[0])


# _Py_TPFLAGS_STATIC_BUILTIN (Include/object.h, 3.12+): a type of CPython's own, made by the
# runtime, immortal, with its per-interpreter state kept by the runtime (_contextvars.Context,
# _io's types). Never a module's shared state, whichever module exposes it (#13).
_Py_TPFLAGS_STATIC_BUILTIN = 1 << 1


class _Ownership:
    """Who made what, for one module under test and one probe call: by where a class's code
    and data live rather than by what its __module__ says (so a verdict does not depend on how
    the module was named, #17 item 4). Each class is asked once per call: the dladdr of every
    descriptor of a type is too dear to repeat for each of its instances in a walk. The ids it
    remembers are of classes the caller holds alive for as long as it uses this object."""

    def __init__(self, module):
        self.module = module
        self._home = _module_home(module)
        self._runtime = _runtime_homes()
        self._origins = {}

    def class_origin(self, cls):
        """"module" (the shared object of the module under test), "runtime" (CPython itself),
        "other" (another extension), or None when the addresses cannot tell (a class made by
        Python code, or an exception class from PyErr_NewException, whose code is all
        libpython's)."""
        key = id(cls)
        if key not in self._origins:
            self._origins[key] = self._find_origin(cls)
        return self._origins[key]

    def _find_origin(self, cls):
        if cls.__flags__ & _Py_TPFLAGS_STATIC_BUILTIN:
            return "runtime"
        home, runtime = self._home, self._runtime
        homes = _type_homes(cls)
        if home is not None and home not in runtime and home in homes:
            return "module"
        if any(h != home and h not in runtime for h in homes):
            return "other"
        if not cls.__flags__ & Py_TPFLAGS_HEAPTYPE and homes and home not in runtime:
            return "runtime"    # a static type inside libpython, exposed by an extension
        return None

    def is_own_class(self, obj):
        """Whether OBJ is a class the module under test made."""
        if not isinstance(obj, type):
            return False
        origin = self.class_origin(obj)
        if origin is not None:
            return origin == "module"
        return _named_after(_owner(obj), self.module.__name__)

    def defined_by(self, obj):
        """Whether OBJ belongs to the module under test (or is a plain builtin container it
        made) rather than to another module or to the runtime."""
        cls = obj if isinstance(obj, type) else type(obj)
        if isinstance(obj, type) or not callable(obj):
            origin = self.class_origin(cls)
            if origin is not None:
                # An instance of a runtime type (a dict, a Context) is still the module's object.
                return origin == "module" or (origin == "runtime" and cls is not obj)
        owner = _owner(obj)
        if not isinstance(owner, str):
            return True
        return owner == "builtins" or _named_after(owner, self.module.__name__)


def _reachable(ownership, roots):
    """[(path, object)] for every object reachable from `roots` ([(path, object)]) through
    class dicts and containers, up to MAX_DEPTH; modules and CPython's immortal objects are
    left out (PEP 683) -- except the module's own static types, which 3.13 immortalises but
    which are still one object for all interpreters."""
    seen = set()
    found = []

    def visit(obj, path, depth):
        if id(obj) in seen or isinstance(obj, _module_type):
            return
        if is_immortal(obj) and not ownership.is_own_class(obj):
            return
        seen.add(id(obj))
        found.append((path, obj))
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
            for i, value in enumerate(obj):
                visit(value, f"{path}[{i}]", depth + 1)

    for path, obj in roots:
        visit(obj, path, 0)
    return found


def _namespace_roots(module):
    return [(f"{module.__name__}.{key}", value) for key, value in list(vars(module).items())
            if key not in MODULE_METADATA]


def walk(index):
    """[(path, id, kind, owned)] for everything reachable from the module namespace.

    `owned` is False for objects that evidently belong to another module (a class or
    function whose __module__ names it, an instance of such a class): two module objects in
    one interpreter may legitimately share those."""
    module = _modules[index]
    ownership = _Ownership(module)
    return [(path, id(obj), "type" if isinstance(obj, type) else type(obj).__qualname__,
             ownership.defined_by(obj))
            for path, obj in _reachable(ownership, _namespace_roots(module))]


def instance_candidates(index):
    """Names of the classes in the module namespace that the module defines (exceptions
    aside): what keep_instances may instantiate (the host rehearses it in a forked copy of
    itself first: some constructors crash the process when called with no arguments)."""
    module = _modules[index]
    ownership = _Ownership(module)
    return [key for key, value in list(vars(module).items())
            if isinstance(value, type) and not issubclass(value, BaseException)
            and ownership.defined_by(value)]


def construct(index, name):
    """Make and drop one instance of the class NAME with no arguments (the host tries it in a
    forked copy of itself: some constructors, or their deallocators, crash the process)."""
    try:
        getattr(_modules[index], name)()
    except BaseException:
        pass


def keep_instances(index, names):
    """Instantiate each of the classes NAMES that takes no arguments and keep the instances
    alive until the interpreter ends (teardown must also free those)."""
    module = _modules[index]
    made = 0
    for name in names:
        try:
            _kept.append(getattr(module, name)())
            made += 1
        except BaseException:
            pass
    return made


Py_TPFLAGS_HEAPTYPE = 1 << 9
Py_TPFLAGS_HAVE_GC = 1 << 14


def _own_classes(ownership):
    """[(path, class)] for the classes in the module namespace that the module defines."""
    module = ownership.module
    return [(f"{module.__name__}.{key}", value) for key, value in list(vars(module).items())
            if ownership.is_own_class(value)]


def _runtime_classes(ownership):
    """[path] of CPython's own classes in the module namespace (heap-types says why it passes)."""
    module = ownership.module
    return [f"{module.__name__}.{key}" for key, value in list(vars(module).items())
            if isinstance(value, type) and ownership.class_origin(value) == "runtime"]


def heap_type_findings(index):
    """(classes, [(section, path, problem)], [runtime class path]) for the heap-types check."""
    ownership = _Ownership(_modules[index])
    classes = _own_classes(ownership)
    findings = []
    for path, cls in classes:
        if not cls.__flags__ & Py_TPFLAGS_HEAPTYPE:
            findings.append(("Heap Types", path, "is a static type, shared by every interpreter"))
            continue
        if not cls.__flags__ & Py_TPFLAGS_HAVE_GC or issubclass(cls, BaseException):
            continue
        try:
            instance = cls()
        except BaseException:
            continue    # not instantiable without arguments: nothing to observe
        # An identity test: `cls in referents` would call each referent's __eq__, and a
        # numpy array's raises ("truth value ... is ambiguous"; pandas._libs.hashtable, #15).
        if not any(referent is cls for referent in gc.get_referents(instance)):
            findings.append(("Garbage-Collection Protocol", path,
                             "instances do not visit their type in tp_traverse"))
        del instance
    return (len(classes), findings, _runtime_classes(ownership))


def runtime_counts():
    """(interned strings, type objects) in this interpreter. CPython keeps, for every destroyed
    interpreter, a block per string interned there and one per class made there (measured on
    3.12.1 and 3.13.0: a Python class keeps exactly one block; for every lib-dynload module an
    interpreter kept no more than these two counts grew by its import). The `leaks` check
    allows a module that much per interpreter and calls the rest its own (#17 item 3)."""
    types = sum(1 for o in gc.get_objects() if isinstance(o, type))
    return (sys.getunicodeinternedsize(), types)


def exception_classes(index):
    """[(path, id)] of the exception classes the module defines."""
    return [(path, id(cls)) for path, cls in _own_classes(_Ownership(_modules[index]))
            if issubclass(cls, BaseException)]


def exercise_many(index, times):
    """The exercise's results for `times` consecutive calls, in one activation."""
    return [exercise(index) for _ in range(times)]


def _clear_caches():
    # regrtest (Lib/test/libregrtest/refleak.py) clears internal caches between repetitions so
    # that refilling them does not look like a leak; these are the ones every interpreter has.
    # 3.14 warns that _clear_type_cache is deprecated (DeprecationWarning, an error under
    # -W error) for _clear_internal_caches, which regrtest uses from 3.13 on; 3.12 and 3.13
    # keep the call their measurements were made with.
    if sys.version_info >= (3, 14):
        sys._clear_internal_caches()
    else:
        sys._clear_type_cache()
    gc.collect()


def _tracked_objects(module):
    """[(path, object)] whose reference counts the main-config leak check follows: the module,
    everything reachable from its namespace, and the exercise file's globals."""
    roots = [(module.__name__ + " (the module object)", module)]
    roots += _namespace_roots(module)
    if _exercise is not None:
        roots += [(f"exercise.{key}", value) for key, value in list(_exercise.__globals__.items())
                  if not key.startswith("__") and value is not _exercise]
    tracked = _reachable(_Ownership(module), roots)
    if not any(obj is module for _, obj in tracked):
        tracked.insert(0, roots[0])
    return tracked


def leak_run_main(index, warmups, reps):
    """Main-config leak check, regrtest-style: warm up, then `reps` measured exercise calls.
    Returns (block_deltas, overhead, [(path, refcount_deltas)] for every tracked object whose
    count grew in every repetition, total_refcount_deltas or None on a release build)."""
    module = _modules[index]
    fn = _exercise

    def call():
        try:
            fn(module)
        except BaseException:
            pass

    def noop():
        pass

    def growth(fn, counter):
        # One extra first repetition settles the loop's own allocations (the list, the ints
        # holding counts); it is dropped.
        deltas = [0] * (reps + 1)
        for r in range(reps + 1):
            before = counter()
            fn()
            _clear_caches()
            deltas[r] = counter() - before
        return deltas[1:]

    for _ in range(warmups):
        call()
        _clear_caches()
    # Measuring allocates too: the same loop around a no-op gives what to subtract.
    overhead = max(growth(noop, sys.getallocatedblocks))
    block_deltas = [d - overhead for d in growth(call, sys.getallocatedblocks)]
    # Debug builds count every reference in the process: a leak that allocates nothing shows.
    total_ref_deltas = None
    if hasattr(sys, "gettotalrefcount"):
        ref_overhead = max(growth(noop, sys.gettotalrefcount))
        total_ref_deltas = [d - ref_overhead for d in growth(call, sys.gettotalrefcount)]

    tracked = _tracked_objects(module)
    counts = [0] * len(tracked)
    deltas = [[0] * reps for _ in tracked]
    for r in range(reps):
        for i in range(len(tracked)):
            counts[i] = sys.getrefcount(tracked[i][1])
        call()
        _clear_caches()
        for i in range(len(tracked)):
            deltas[i][r] = sys.getrefcount(tracked[i][1]) - counts[i]
    leaked = [(tracked[i][0], deltas[i]) for i in range(len(tracked)) if all(d > 0 for d in deltas[i])]
    return (block_deltas, overhead, leaked, total_ref_deltas)


def module_names():
    """Every name in sys.modules, in the order the modules were added."""
    return list(sys.modules)


def import_modules(names):
    """Import NAMES (the modules another interpreter's import of the module under test brought
    in), so that an interpreter holds what the module's dependencies hold without the module
    itself: the `leaks` baseline (#17 item 3). Returns the names that failed to import."""
    failed = []
    for name in names:
        try:
            __import__(name)
        except BaseException:
            failed.append(name)
    return failed


def release(index):
    """Drop the probe's reference to a module object and collect, so that a module nobody else
    holds is deallocated now (m_free runs) rather than at interpreter teardown."""
    import gc
    _modules[index] = None
    gc.collect()
