#include "host/interpreter_session.h"

#include <fmt/format.h>
#include <marshal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <utility>

#include "analysis/module_slots.h"
#include "host/native_origin.h"
#include "host/probe_code.h"
#include "host/probe_source.h"

namespace isocheck::host {

namespace {

// Owned reference, released in the interpreter that is current when it goes out of scope.
struct Ref {
  PyObject* p;
  explicit Ref(PyObject* o) : p(o) {}
  ~Ref() { Py_XDECREF(p); }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& other) noexcept : p(std::exchange(other.p, nullptr)) {}
  Ref& operator=(Ref&& other) noexcept {
    if (this != &other) {
      Py_XDECREF(p);
      p = std::exchange(other.p, nullptr);
    }
    return *this;
  }
};

std::string utf8(PyObject* o) {
  if (o == nullptr || !PyUnicode_Check(o)) return "";
  Py_ssize_t size = 0;
  const char* s = PyUnicode_AsUTF8AndSize(o, &size);
  if (s == nullptr) {
    PyErr_Clear();
    return "<undecodable>";
  }
  return std::string(s, static_cast<size_t>(size));
}

// Turns the pending Python exception into a HostError (an `error` cell: a probe call that
// raises is a harness problem, the module's own exceptions are caught inside the probe).
[[noreturn]] void throw_python_error(const std::string& context) {
  PyObject* exc = PyErr_GetRaisedException();
  std::string text = context;
  if (exc != nullptr) {
    Ref type_name(PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(exc)), "__qualname__"));
    Ref message(PyObject_Str(exc));
    PyErr_Clear();
    text += ": " + utf8(type_name.p) + ": " + utf8(message.p);
    Py_DECREF(exc);
  }
  throw HostError(text);
}

PyObject* item(PyObject* tuple, Py_ssize_t i) { return PyTuple_GetItem(tuple, i); }

PyObject* string_list(const std::vector<std::string>& items) {
  PyObject* list = PyList_New(0);
  if (list == nullptr) throw_python_error("cannot create a list");
  for (const std::string& text : items) {
    Ref s(PyUnicode_FromString(text.c_str()));
    if (s.p == nullptr || PyList_Append(list, s.p) < 0) {
      Py_DECREF(list);
      throw_python_error("cannot build a list of strings");
    }
  }
  return list;
}

// The probe's code object for the current interpreter. Code objects cannot be shared between
// interpreters, so every interpreter gets its own: unmarshalled from the build-time bytes
// (cmake/marshal_probe.py, ~0.1 ms) rather than compiled (~6 ms, paid by every interpreter of
// every cell). The source is the fallback for a libpython whose bytecode magic differs from the
// one the host was built with.
PyObject* load_probe_code() {
  if (PyImport_GetMagicNumber() == kProbeCodeMagic) {
    PyObject* code = PyMarshal_ReadObjectFromString(reinterpret_cast<const char*>(kProbeCode),
                                                    static_cast<Py_ssize_t>(sizeof kProbeCode));
    if (code != nullptr) return code;
    PyErr_Clear();
  }
  // Named, so that tracebacks through the probe say whose frames they are.
  return Py_CompileString(kProbeSource, "<isocheck probe>", Py_file_input);
}

}  // namespace

std::string ImportResult::describe() const {
  switch (status) {
    case Status::ok: return "ok";
    case Status::refused: return "refused: " + message;
    case Status::raised: return "raised " + message;
  }
  return "?";
}

std::string ImportResult::outcome_class() const {
  switch (status) {
    case Status::ok: return "ok";
    case Status::refused: return "refused";
    case Status::raised: return "raised " + message.substr(0, message.find(':'));
  }
  return "?";
}

namespace {
// Whether the module's init has run before in this process (a host runs one cell; a fork
// server never imports it): an import of it succeeded, or CPython refused it, which it does
// only after running PyInit_* (single-phase init, and a multi-phase def's slots, are known only
// from what PyInit_* returns; 3.12 even runs a single-phase PyInit_* inside the refusing
// interpreter). A later ImportError of its own is then the HOWTO's opt-out, "Opt-Out: Limiting
// to One Module Object per Process" (#17 item 6, #15).
bool target_init_ran_in_this_process = false;
}  // namespace

InterpreterSession::InterpreterSession(Config config, MainInterpreter& main,
                                       const TargetSetup& setup)
    : main_(main), setup_(setup) {
  if (config != Config::main) sub_.emplace(Subinterpreter::create(config));
  ActiveInterpreter active(tstate());
  PyObject* ns = PyDict_New();
  if (ns == nullptr) throw_python_error("cannot create the probe namespace");
  probe_ = ns;
  if (PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) < 0 ||
      PyDict_SetItemString(ns, "__name__", Ref(PyUnicode_FromString("__isocheck_probe__")).p) < 0 ||
      add_native_origin_functions(ns) < 0) {
    throw_python_error("cannot prepare the probe namespace");
  }
  Ref code(load_probe_code());
  if (code.p == nullptr) throw_python_error("the probe failed to compile");
  Ref result(PyEval_EvalCode(code.p, ns, ns));
  if (result.p == nullptr) throw_python_error("the probe failed to load");

  Ref paths(string_list(setup.paths));
  // A subinterpreter does not run site (MainInterpreter): it starts from main's sys.path.
  Ref base_path(sub_ ? string_list(main.sys_path()) : Py_NewRef(Py_None));
  Ref exercise(setup.exercise_file.empty() ? Py_NewRef(Py_None)
                                            : PyUnicode_FromString(setup.exercise_file.c_str()));
  Ref ignored(call("setup", {paths.p, exercise.p, base_path.p}));
  has_exercise_ = !setup.exercise_file.empty();
}

InterpreterSession::~InterpreterSession() { end(); }

PyThreadState* InterpreterSession::tstate() const {
  return sub_ ? sub_->thread_state() : main_.thread_state();
}

void InterpreterSession::end() {
  if (probe_ != nullptr) {
    ActiveInterpreter active(tstate());
    Py_CLEAR(probe_);
  }
  if (sub_) sub_->end();
}

void InterpreterSession::abandon_to_finalize() {
  if (probe_ != nullptr) {
    ActiveInterpreter active(tstate());
    Py_CLEAR(probe_);
  }
  if (sub_) sub_->release();
}

PyObject* InterpreterSession::call(const char* function, std::initializer_list<PyObject*> args) {
  if (probe_ == nullptr) throw HostError(std::string("probe.") + function + " after end()");
  PyObject* fn = PyDict_GetItemString(probe_, function);
  if (fn == nullptr) throw HostError(std::string("probe has no ") + function);
  Ref tuple(PyTuple_New(static_cast<Py_ssize_t>(args.size())));
  Py_ssize_t i = 0;
  for (PyObject* arg : args) PyTuple_SET_ITEM(tuple.p, i++, Py_NewRef(arg));
  PyObject* result = PyObject_CallObject(fn, tuple.p);
  if (result == nullptr) throw_python_error(std::string("probe.") + function + " raised");
  return result;
}

ImportResult InterpreterSession::import_target() {
  ActiveInterpreter active(tstate());
  Ref name(PyUnicode_FromString(setup_.module.name.c_str()));
  Ref file(setup_.module.file.empty() ? Py_NewRef(Py_None)
                                      : PyUnicode_FromString(setup_.module.file.c_str()));
  Ref r(call("import_target", {name.p, file.p, target_init_ran_in_this_process ? Py_True : Py_False}));
  ImportResult result;
  const std::string status = utf8(item(r.p, 0));
  result.status = status == "ok"        ? ImportResult::Status::ok
                  : status == "refused" ? ImportResult::Status::refused
                                        : ImportResult::Status::raised;
  result.module = static_cast<int>(PyLong_AsLong(item(r.p, 1)));
  result.message = utf8(item(r.p, 2));
  result.traceback = utf8(item(r.p, 3));
  result.refused_by_dependency = utf8(item(r.p, 4));
  if (result.ok() || (result.status == ImportResult::Status::refused && result.refused_by_dependency.empty())) {
    target_init_ran_in_this_process = true;
  }
  return result;
}

void InterpreterSession::forget_target() {
  ActiveInterpreter active(tstate());
  Ref name(PyUnicode_FromString(setup_.module.name.c_str()));
  Ref ignored(call("forget", {name.p}));
}

void InterpreterSession::release(int module) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref ignored(call("release", {index.p}));
}

namespace {
std::vector<std::string> utf8_list(PyObject* list) {
  std::vector<std::string> names;
  for (Py_ssize_t i = 0; PyList_Check(list) && i < PyList_GET_SIZE(list); ++i) {
    names.push_back(utf8(PyList_GET_ITEM(list, i)));
  }
  return names;
}
}  // namespace

InterpreterSession::RuntimeCounts InterpreterSession::runtime_counts() {
  ActiveInterpreter active(tstate());
  Ref r(call("runtime_counts", {}));
  return RuntimeCounts{PyLong_AsLong(item(r.p, 0)), PyLong_AsLong(item(r.p, 1))};
}
std::vector<std::string> InterpreterSession::module_names() {
  ActiveInterpreter active(tstate());
  Ref r(call("module_names", {}));
  return utf8_list(r.p);
}

std::vector<std::string> InterpreterSession::import_modules(const std::vector<std::string>& names) {
  ActiveInterpreter active(tstate());
  Ref list(PyList_New(0));
  for (const std::string& name : names) {
    Ref item(PyUnicode_FromString(name.c_str()));
    if (item.p == nullptr || PyList_Append(list.p, item.p) != 0) throw HostError("out of memory listing modules");
  }
  Ref r(call("import_modules", {list.p}));
  return utf8_list(r.p);
}

ExerciseResult InterpreterSession::exercise(int module) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref r(call("exercise", {index.p}));
  return ExerciseResult{utf8(item(r.p, 0)) != "ok", utf8(item(r.p, 1))};
}

std::vector<ExerciseResult> InterpreterSession::exercise_many(int module, int times,
                                                             const std::function<void()>& once_active) {
  ActiveInterpreter active(tstate());
  if (once_active) once_active();
  Ref index(PyLong_FromLong(module));
  Ref count(PyLong_FromLong(times));
  Ref r(call("exercise_many", {index.p, count.p}));
  std::vector<ExerciseResult> results;
  for (Py_ssize_t i = 0; i < PyList_Size(r.p); ++i) {
    PyObject* t = PyList_GetItem(r.p, i);
    results.push_back(ExerciseResult{utf8(item(t, 0)) != "ok", utf8(item(t, 1))});
  }
  return results;
}

namespace {
std::vector<long> long_list(PyObject* list) {
  std::vector<long> values;
  for (Py_ssize_t i = 0; i < PyList_Size(list); ++i) values.push_back(PyLong_AsLong(PyList_GetItem(list, i)));
  return values;
}
}  // namespace

InterpreterSession::MainLeakRun InterpreterSession::leak_run_main(int module, int warmups, int repetitions) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref w(PyLong_FromLong(warmups));
  Ref n(PyLong_FromLong(repetitions));
  Ref r(call("leak_run_main", {index.p, w.p, n.p}));
  MainLeakRun run;
  run.block_deltas = long_list(item(r.p, 0));
  run.overhead = PyLong_AsLong(item(r.p, 1));
  PyObject* leaked = item(r.p, 2);
  for (Py_ssize_t i = 0; i < PyList_Size(leaked); ++i) {
    PyObject* t = PyList_GetItem(leaked, i);
    run.leaked_references.emplace_back(utf8(item(t, 0)), long_list(item(t, 1)));
  }
  if (item(r.p, 3) != Py_None) run.total_ref_deltas = long_list(item(r.p, 3));
  return run;
}

std::vector<WalkedObject> InterpreterSession::walk(int module) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref r(call("walk", {index.p}));
  std::vector<WalkedObject> objects;
  const Py_ssize_t n = PyList_Size(r.p);
  objects.reserve(static_cast<size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* t = PyList_GetItem(r.p, i);
    objects.push_back(WalkedObject{utf8(item(t, 0)),
                                   static_cast<std::uintptr_t>(PyLong_AsUnsignedLongLong(item(t, 1))),
                                   utf8(item(t, 2)), PyObject_IsTrue(item(t, 3)) == 1});
  }
  return objects;
}

bool InterpreterSession::same_object(int module_a, int module_b) {
  ActiveInterpreter active(tstate());
  Ref a(PyLong_FromLong(module_a));
  Ref b(PyLong_FromLong(module_b));
  Ref r(call("same_object", {a.p, b.p}));
  return PyObject_IsTrue(r.p) == 1;
}

namespace {

// Whether calling probe.FUNCTION(index, argument) returns in a forked copy of this process (its
// crash handlers reset, so a crash there is the copy's alone and writes no forensics; a copy
// that neither returns nor crashes within kSeconds is stopped by SIGALRM). The child never
// returns to the caller: it leaves with _exit, running no atexit handler and flushing nothing.
bool returns_in_a_fork(PyObject* function, PyObject* index, PyObject* argument) {
  constexpr unsigned kSeconds = 10;
  const pid_t child = ::fork();
  if (child < 0) return true;  // cannot tell: go ahead as if it did
  if (child == 0) {
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
    ::alarm(kSeconds);
    PyObject* r = PyObject_CallFunctionObjArgs(function, index, argument, nullptr);
    ::_exit(r != nullptr ? 0 : 1);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status);
}

Ref list_with(PyObject* list, PyObject* name) {
  Ref extended(PyList_GetSlice(list, 0, PyList_GET_SIZE(list)));
  if (extended.p == nullptr || PyList_Append(extended.p, name) != 0) throw_python_error("keep_instances");
  return extended;
}

}  // namespace

InterpreterSession::KeptInstances InterpreterSession::keep_instances(int module) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref candidates(call("instance_candidates", {index.p}));
  if (!PyList_Check(candidates.p)) throw HostError("probe.instance_candidates returned no list");
  PyObject* construct = PyDict_GetItemString(probe_, "construct");  // borrowed
  PyObject* keep = PyDict_GetItemString(probe_, "keep_instances");  // borrowed
  if (construct == nullptr || keep == nullptr) throw HostError("probe has no construct or keep_instances");
  KeptInstances result;
  // Two rehearsals in forked copies, and a class must pass both. Alone: made and dropped, so
  // a crash in its constructor or deallocator rules it out. Then the very sequence the real
  // call makes, from the very same state: a constructor that reads memory it never
  // initialised (numpy's _ArrayFunctionDispatcher() deallocates a half-built object) crashes
  // or not depending on what earlier instances left in the heap, so it can pass alone and
  // then crash the real call (#15). Usually the whole list passes at once; otherwise each
  // class joins the list of those that passed only if the extended list passes too.
  Ref alone(PyList_New(0));
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(candidates.p); ++i) {
    PyObject* name = PyList_GET_ITEM(candidates.p, i);  // borrowed
    if (returns_in_a_fork(construct, index.p, name)) {
      if (PyList_Append(alone.p, name) != 0) throw_python_error("keep_instances");
    } else {
      result.crashing_constructors.push_back(utf8(name));
    }
  }
  Ref safe(PyList_New(0));
  if (returns_in_a_fork(keep, index.p, alone.p)) {
    safe = std::move(alone);
  } else {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(alone.p); ++i) {
      PyObject* name = PyList_GET_ITEM(alone.p, i);  // borrowed
      Ref extended = list_with(safe.p, name);
      if (returns_in_a_fork(keep, index.p, extended.p)) {
        safe = std::move(extended);
      } else {
        result.crashing_constructors.push_back(utf8(name));
      }
    }
  }
  Ref r(call("keep_instances", {index.p, safe.p}));
  result.kept = static_cast<int>(PyLong_AsLong(r.p));
  return result;
}

InterpreterSession::HeapTypeReport InterpreterSession::heap_type_findings(int module) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref r(call("heap_type_findings", {index.p}));
  HeapTypeReport report;
  report.classes = static_cast<int>(PyLong_AsLong(item(r.p, 0)));
  PyObject* list = item(r.p, 1);
  for (Py_ssize_t i = 0; i < PyList_Size(list); ++i) {
    PyObject* t = PyList_GetItem(list, i);
    report.findings.push_back({utf8(item(t, 0)), utf8(item(t, 1)), utf8(item(t, 2))});
  }
  PyObject* runtime = item(r.p, 2);
  for (Py_ssize_t i = 0; i < PyList_Size(runtime); ++i) report.runtime_classes.push_back(utf8(PyList_GetItem(runtime, i)));
  return report;
}

std::vector<std::pair<std::string, std::uintptr_t>> InterpreterSession::exception_classes(int module) {
  ActiveInterpreter active(tstate());
  Ref index(PyLong_FromLong(module));
  Ref r(call("exception_classes", {index.p}));
  std::vector<std::pair<std::string, std::uintptr_t>> classes;
  for (Py_ssize_t i = 0; i < PyList_Size(r.p); ++i) {
    PyObject* t = PyList_GetItem(r.p, i);
    classes.emplace_back(utf8(item(t, 0)), static_cast<std::uintptr_t>(PyLong_AsUnsignedLongLong(item(t, 1))));
  }
  return classes;
}

PyModuleDef* InterpreterSession::module_def(int module) {
  PyObject* modules = PyDict_GetItemString(probe_, "_modules");  // borrowed
  PyObject* m = modules ? PyList_GetItem(modules, module) : nullptr;
  PyModuleDef* def = m != nullptr && PyModule_Check(m) ? PyModule_GetDef(m) : nullptr;
  PyErr_Clear();
  return def;
}

bool InterpreterSession::is_single_phase(int module) {
  ActiveInterpreter active(tstate());
  PyModuleDef* def = module_def(module);
  return def != nullptr && def->m_slots == nullptr;
}

InterpreterSession::Declarations InterpreterSession::declarations(int module) {
  ActiveInterpreter active(tstate());
  Declarations d;
  PyModuleDef* def = module_def(module);
  if (def == nullptr) return d;
  if (def->m_slots == nullptr) {
    d.init = "single-phase";
    return d;
  }
  d.init = "multi-phase";
  for (const PyModuleDef_Slot* slot = def->m_slots; slot->slot != 0; ++slot) {
    const auto value = reinterpret_cast<std::uintptr_t>(slot->value);
#ifdef Py_mod_multiple_interpreters
    if (slot->slot == Py_mod_multiple_interpreters) {
      d.multiple_interpreters = multiple_interpreters_name(value);
    }
#endif
#ifdef Py_mod_gil
    if (slot->slot == Py_mod_gil) {
      d.gil = gil_name(value);
    }
#endif
  }
  return d;
}

InterpreterSession::Location InterpreterSession::locate(const ModuleSpec& module) {
  ActiveInterpreter active(tstate());
  Ref name(PyUnicode_FromString(module.name.c_str()));
  Ref file(module.file.empty() ? Py_NewRef(Py_None) : PyUnicode_FromString(module.file.c_str()));
  Ref r(call("locate", {name.p, file.p}));
  Location where{utf8(item(r.p, 0)), utf8(item(r.p, 1)), {}};
  PyObject* extensions = item(r.p, 2);
  for (Py_ssize_t i = 0; i < PyTuple_Size(extensions); ++i) {
    PyObject* entry = PyTuple_GetItem(extensions, i);
    where.extensions.emplace_back(utf8(item(entry, 0)), utf8(item(entry, 1)));
  }
  return where;
}

InterpreterSession::PythonDescription InterpreterSession::describe_python() {
  ActiveInterpreter active(tstate());
  Ref r(call("describe_python", {}));
  return PythonDescription{utf8(item(r.p, 0)), utf8(item(r.p, 1)), PyObject_IsTrue(item(r.p, 2)) == 1};
}

std::vector<std::pair<std::string, std::string>> InterpreterSession::standard_extensions() {
  ActiveInterpreter active(tstate());
  Ref r(call("standard_extensions", {}));
  std::vector<std::pair<std::string, std::string>> modules;
  for (Py_ssize_t i = 0; PyList_Check(r.p) && i < PyList_GET_SIZE(r.p); ++i) {
    PyObject* pair = PyList_GET_ITEM(r.p, i);
    modules.emplace_back(utf8(item(pair, 0)), utf8(item(pair, 1)));
  }
  return modules;
}

std::string InterpreterSession::exercise_problem(const std::string& file) {
  ActiveInterpreter active(tstate());
  Ref path(PyUnicode_FromString(file.c_str()));
  Ref r(call("exercise_problem", {path.p}));
  return utf8(r.p);
}

}  // namespace isocheck::host
