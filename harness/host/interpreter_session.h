// One interpreter a scenario works in (main, or a subinterpreter it owns), with the probe
// (probe.py) loaded into a private namespace. The scenario talks to the module under test only
// through this class; module objects stay inside the interpreter and are named by index, so no
// Python object ever crosses an interpreter boundary in C++.
#pragma once

#include <Python.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/config.h"
#include "host/interpreter.h"

namespace isocheck::host {

struct ModuleSpec {
  std::string name;
  std::string file;  // NAME=FILE.so: load PyInit_NAME from FILE; empty: import NAME from sys.path
  std::string display() const { return file.empty() ? name : name + "=" + file; }
};

struct TargetSetup {
  ModuleSpec module;
  std::vector<std::string> paths;  // prepended to sys.path in every interpreter
  std::string exercise_file;       // empty: no exercise
};

struct ImportResult {
  enum class Status { ok, refused, raised };
  Status status = Status::raised;
  int module = -1;  // index of the module object inside the interpreter when ok
  std::string message;
  std::string traceback;
  // refused: the module whose refusal stopped the import when it is not the module under test
  // (a dependency that does not support the config), else empty.
  std::string refused_by_dependency;
  bool ok() const { return status == Status::ok; }
  // "ok", "refused: <msg>" or "raised <msg>", for summaries.
  std::string describe() const;
  // What `cycles` compares between cycles (#17 item 1): the outcome and, for a raise, the
  // exception's class, never the wording (CPython 3.13 names a refused module differently
  // from one attempt to the next: `_greenlet`, then `greenlet._greenlet`).
  std::string outcome_class() const;
};

struct ExerciseResult {
  bool raised = false;
  std::string text;  // repr() of the result, or "Type: message" when it raised
  std::string describe() const { return raised ? "raised " + text : text; }
  bool operator==(const ExerciseResult&) const = default;
};

struct WalkedObject {
  std::string path;  // e.g. "mod.Widget.__init__"
  std::uintptr_t id = 0;
  std::string kind;  // "type" or the instance's type name
  bool owned = true;  // belongs to the module under test rather than another module
};

class InterpreterSession {
 public:
  // `main`: the probe is loaded into the main interpreter; otherwise a new subinterpreter of
  // that config is created. Throws HostError when the interpreter cannot be made or set up.
  InterpreterSession(Config config, MainInterpreter& main, const TargetSetup& setup);
  ~InterpreterSession();
  InterpreterSession(const InterpreterSession&) = delete;
  InterpreterSession& operator=(const InterpreterSession&) = delete;

  ImportResult import_target();
  void forget_target();  // remove from sys.modules (and the parent package attribute)
  void release(int module);  // drop our reference to a module object and collect garbage
  // The names in sys.modules, in the order they were added.
  std::vector<std::string> module_names();
  // Imports each of `names`; returns those that failed.
  std::vector<std::string> import_modules(const std::vector<std::string>& names);
  bool has_exercise() const { return has_exercise_; }
  ExerciseResult exercise(int module);
  // `times` consecutive calls in one activation (no GIL hand-over between calls).
  // `once_active` runs first, inside the activation: with an own-GIL interpreter it may block
  // (a barrier) without holding up any other interpreter.
  std::vector<ExerciseResult> exercise_many(int module, int times,
                                            const std::function<void()>& once_active = {});

  // The main-config leak check (probe.leak_run_main): block growth per measured exercise call
  // (measurement overhead already subtracted) and the objects whose reference count grew in
  // every measured repetition.
  struct MainLeakRun {
    std::vector<long> block_deltas;
    long overhead = 0;
    std::vector<std::pair<std::string, std::vector<long>>> leaked_references;
    std::optional<std::vector<long>> total_ref_deltas;  // debug builds (sys.gettotalrefcount)
  };
  MainLeakRun leak_run_main(int module, int warmups, int repetitions);
  std::vector<WalkedObject> walk(int module);
  bool same_object(int module_a, int module_b);
  // Instantiates every class the module defines that takes no arguments and keeps the
  // instances alive; a class whose no-argument constructor crashes a forked copy of the host is
  // left out and named (a crash of the module's own making in any interpreter, not one of
  // isolation: numpy's _ArrayFunctionDispatcher() segfaults so in the main interpreter too).
  struct KeptInstances {
    int kept = 0;
    std::vector<std::string> crashing_constructors;
  };
  KeptInstances keep_instances(int module);
  // heap-types: how many classes the module defines, and what is wrong with them.
  struct TypeFinding {
    std::string howto;
    std::string path;
    std::string problem;
  };
  struct HeapTypeReport {
    int classes = 0;  // the module's own
    std::vector<TypeFinding> findings;
    // Paths of CPython's own classes in the namespace (static builtin types such as
    // _contextvars.Context): the runtime's state, not the module's.
    std::vector<std::string> runtime_classes;
  };
  HeapTypeReport heap_type_findings(int module);
  // Interned strings and type objects in this interpreter: what CPython keeps a block of each
  // for, per destroyed interpreter (probe.runtime_counts).
  struct RuntimeCounts {
    long interned = 0;
    long types = 0;
  };
  RuntimeCounts runtime_counts();
  // (path, id) of the exception classes the module defines.
  std::vector<std::pair<std::string, std::uintptr_t>> exception_classes(int module);

  // Whether the module object came from single-phase init (its PyModuleDef has no slots;
  // PEP 489): such modules cannot be isolated (HOWTO "Isolated Module Objects").
  bool is_single_phase(int module);

  // What the module's PyModuleDef declares to the import system (PEP 489 slots): its kind of
  // init, Py_mod_multiple_interpreters (3.12+) and Py_mod_gil (3.13+, PEP 703). Values are
  // the macros' names; an absent slot is "" (CPython's default applies: multiple interpreters
  // with a shared GIL only, and the GIL used). A module without Py_mod_gil is not thereby
  // unfit for subinterpreters (#14 item 4): the matrix reports it, no check judges it.
  struct Declarations {
    std::string init;  // "single-phase", "multi-phase", or "" when there is no def (a Python module)
    std::string multiple_interpreters;
    std::string gil;
  };
  Declarations declarations(int module);

  // For `describe`: where a module would be imported from, without importing it:
  // kind is "extension", "builtin", "python" or "missing".
  struct Location {
    std::string kind;  // extension, builtin, python, package, missing
    std::string origin;
    // kind "package": (dotted name, file) of every extension module inside it, sorted.
    std::vector<std::pair<std::string, std::string>> extensions;
  };
  Location locate(const ModuleSpec& module);
  struct PythonDescription {
    std::string version;
    std::string executable;
    bool debug_build = false;
  };
  PythonDescription describe_python();
  // For `describe --survey`: every extension module in lib-dynload, (name, file) by name.
  std::vector<std::pair<std::string, std::string>> standard_extensions();
  // Why an exercise file is unusable, in one line; empty when it is fine.
  std::string exercise_problem(const std::string& file);

  // Destroys the interpreter now (for scenarios that control the order).
  void end();
  // For the finalize-with-live-subinterpreters scenario: drop our references but leave the
  // subinterpreter alive for Py_FinalizeEx to end.
  void abandon_to_finalize();

 private:
  PyObject* call(const char* function, std::initializer_list<PyObject*> args);
  PyThreadState* tstate() const;
  // The PyModuleDef of the probe's module MODULE, or null (not a module object, no def); with
  // this session's interpreter active.
  PyModuleDef* module_def(int module);

  MainInterpreter& main_;
  const TargetSetup& setup_;
  std::optional<Subinterpreter> sub_;
  PyObject* probe_ = nullptr;  // the probe namespace, owned by this interpreter
  bool has_exercise_ = false;
};

}  // namespace isocheck::host
