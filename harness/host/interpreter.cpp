#include "host/interpreter.h"

#include <utility>

namespace isocheck::host {

namespace {

std::string status_text(const PyStatus& status, const char* what) {
  std::string text = what;
  if (status.func) text += std::string(" (") + status.func + ")";
  if (status.err_msg) text += std::string(": ") + status.err_msg;
  return text;
}

// site.main() in the current (main) interpreter, then its sys.path as strings.
std::vector<std::string> run_site_and_read_path() {
  PyObject* site = PyImport_ImportModule("site");
  PyObject* done = site ? PyObject_CallMethod(site, "main", nullptr) : nullptr;
  Py_XDECREF(done);
  Py_XDECREF(site);
  if (done == nullptr) {
    PyErr_Print();
    throw HostError("site.main() failed in the main interpreter");
  }
  std::vector<std::string> path;
  PyObject* list = PySys_GetObject("path");  // borrowed
  for (Py_ssize_t i = 0; list != nullptr && PyList_Check(list) && i < PyList_GET_SIZE(list); ++i) {
    PyObject* entry = PyList_GET_ITEM(list, i);
    const char* text = PyUnicode_Check(entry) ? PyUnicode_AsUTF8(entry) : nullptr;
    if (text == nullptr) {
      PyErr_Clear();
      continue;
    }
    path.emplace_back(text);
  }
  return path;
}

}  // namespace

MainInterpreter::MainInterpreter(const std::string& program_name) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 0;
  // The host's own crash handler reports fatal signals (host/crash_handler.h); faulthandler,
  // if PYTHONFAULTHANDLER asked for it, would replace it.
  config.faulthandler = 0;
  config.site_import = 0;  // run once below, not in every subinterpreter (see the header)
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, program_name.c_str());
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    throw HostError(status_text(status, "Py_InitializeFromConfig failed"));
  }
  tstate_ = PyThreadState_Get();
  sys_path_ = run_site_and_read_path();
}

MainInterpreter::~MainInterpreter() { finalize(); }

int MainInterpreter::finalize() {
  if (finalized_) return 0;
  finalized_ = true;
  PyThreadState_Swap(tstate_);
  return Py_FinalizeEx();
}

PyInterpreterConfig interpreter_config_for(Config config) {
  PyInterpreterConfig c{};
  if (config == Config::legacy) {
    c.use_main_obmalloc = 1;
    c.allow_fork = 1;
    c.allow_exec = 1;
    c.allow_threads = 1;
    c.allow_daemon_threads = 1;
    c.check_multi_interp_extensions = 0;
    c.gil = PyInterpreterConfig_SHARED_GIL;
  } else {
    c.use_main_obmalloc = 0;
    c.allow_fork = 0;
    c.allow_exec = 0;
    c.allow_threads = 1;
    c.allow_daemon_threads = 0;
    c.check_multi_interp_extensions = 1;
    c.gil = PyInterpreterConfig_OWN_GIL;
  }
  return c;
}

Subinterpreter Subinterpreter::create(Config config) {
  if (config == Config::main) throw HostError("the main interpreter is not a subinterpreter");
  const PyInterpreterConfig c = interpreter_config_for(config);
  PyThreadState* caller = PyThreadState_Get();
  PyThreadState* tstate = nullptr;
  PyStatus status = Py_NewInterpreterFromConfig(&tstate, &c);
  if (PyStatus_Exception(status)) {
    // On 3.12.1 a failed creation leaves no thread state and no GIL behind; swapping NULL
    // before restoring the caller avoids "drop_gil: GIL is not locked" (spec/primer.md).
    PyThreadState_Swap(nullptr);
    PyEval_RestoreThread(caller);
    throw HostError(status_text(status, "Py_NewInterpreterFromConfig failed"));
  }
  PyThreadState_Swap(caller);
  return Subinterpreter(tstate);
}

Subinterpreter::Subinterpreter(Subinterpreter&& other) noexcept
    : tstate_(std::exchange(other.tstate_, nullptr)) {}

Subinterpreter::~Subinterpreter() { end(); }

void Subinterpreter::end() {
  if (tstate_ == nullptr) return;
  PyThreadState* caller = PyThreadState_Swap(std::exchange(tstate_, nullptr));
  Py_EndInterpreter(PyThreadState_Get());
  // Py_EndInterpreter leaves no current thread state; take the caller's back with its GIL.
  PyThreadState_Swap(caller);
}

ActiveInterpreter::ActiveInterpreter(PyThreadState* tstate)
    : previous_(PyThreadState_Get()), swapped_(previous_ != tstate) {
  if (swapped_) PyThreadState_Swap(tstate);
}

ActiveInterpreter::~ActiveInterpreter() {
  if (swapped_) PyThreadState_Swap(previous_);
}

}  // namespace isocheck::host
