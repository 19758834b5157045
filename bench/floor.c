/* The floor: what CPython itself costs for one isocheck cell, with nothing of isocheck's.
 *
 *   isocheck-floor-3.12 --python-exe EXE --module NAME --check ID --config CFG
 *                       [--variant V] [--cycles N] [--path DIR]...
 *
 * One process per cell, as isocheck runs it: Py_InitializeFromConfig with the same program
 * name and the same site policy as the host (site once, in main; see harness/host/interpreter.h),
 * then exactly the interpreters, imports and destructions the check's scenario performs
 * (scenarios/<check>.cpp; the counts are mirrored here, the analysis is not), then
 * Py_FinalizeEx. No probe, no protocol, no JSON, no verdict: bench/bench_main.cpp times a whole
 * plan of these against isocheck running the same plan.
 *
 * Exit status 0 when the work ran; a module that crashes or fails to import makes the floor
 * meaningless, so that is reported and exits 1.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PATHS 16
#define TEARDOWN_INTERPRETERS 3
#define LEAK_WARMUPS 3
#define LEAK_BASELINES 3

static const char* module_name;
static const char* python_exe;
static const char* paths[MAX_PATHS];
static int n_paths;

static void die(const char* what) {
  fprintf(stderr, "isocheck-floor: %s\n", what);
  if (PyErr_Occurred()) PyErr_Print();
  exit(1);
}

static void init_main(void) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 0;
  config.site_import = 0;
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, python_exe);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) die("Py_InitializeFromConfig failed");
  if (PyRun_SimpleString("import site; site.main()") != 0) die("site.main() failed");
}

/* --path dirs, in the current interpreter. */
static void prepend_paths(void) {
  PyObject* sys_path = PySys_GetObject("path");
  for (int i = n_paths - 1; i >= 0; --i) {
    PyObject* s = PyUnicode_FromString(paths[i]);
    if (s == NULL || PyList_Insert(sys_path, 0, s) < 0) die("cannot extend sys.path");
    Py_DECREF(s);
  }
}

static PyObject* import_module(void) {
  PyObject* m = PyImport_ImportModule(module_name);
  if (m == NULL) die("the module did not import");
  return m;
}

static void forget_module(void) {
  PyObject* modules = PyImport_GetModuleDict();
  if (PyDict_DelItemString(modules, module_name) < 0) PyErr_Clear();
}

static PyThreadState* new_interpreter(const char* config_name) {
  PyInterpreterConfig c = {0};
  if (strcmp(config_name, "legacy") == 0) {
    c.use_main_obmalloc = 1; c.allow_fork = 1; c.allow_exec = 1; c.allow_threads = 1;
    c.allow_daemon_threads = 1; c.check_multi_interp_extensions = 0; c.gil = PyInterpreterConfig_SHARED_GIL;
  } else {
    c.use_main_obmalloc = 0; c.allow_fork = 0; c.allow_exec = 0; c.allow_threads = 1;
    c.allow_daemon_threads = 0; c.check_multi_interp_extensions = 1; c.gil = PyInterpreterConfig_OWN_GIL;
  }
  PyThreadState* main_ts = PyThreadState_Get();
  PyThreadState* ts = NULL;
  PyStatus status = Py_NewInterpreterFromConfig(&ts, &c);
  if (PyStatus_Exception(status)) die("Py_NewInterpreterFromConfig failed");
  prepend_paths();
  PyThreadState_Swap(main_ts);
  return ts;
}

static void end_interpreter(PyThreadState* ts) {
  PyThreadState* main_ts = PyThreadState_Swap(ts);
  Py_EndInterpreter(ts);
  PyThreadState_Swap(main_ts);
}

/* In the interpreter of `ts`: import `times` times (dropping the module in between). */
static void import_in(PyThreadState* ts, int times) {
  PyThreadState* main_ts = PyThreadState_Swap(ts);
  for (int i = 0; i < times; ++i) {
    if (i > 0) forget_module();
    Py_DECREF(import_module());
  }
  PyThreadState_Swap(main_ts);
}

/* One interpreter of `config` (main: the main interpreter) importing `times` times. */
static void interpreter_with_imports(const char* config, int times) {
  if (strcmp(config, "main") == 0) {
    for (int i = 0; i < times; ++i) {
      if (i > 0) forget_module();
      Py_DECREF(import_module());
    }
    return;
  }
  PyThreadState* ts = new_interpreter(config);
  import_in(ts, times);
  end_interpreter(ts);
}

static void teardown(const char* config, const char* variant) {
  const int finalize = strcmp(variant, "finalize") == 0;
  if (finalize && PY_VERSION_HEX < 0x030D0000) return; /* the host skips it on 3.12 (gh-113433) */
  PyThreadState* ts[TEARDOWN_INTERPRETERS];
  for (int i = 0; i < TEARDOWN_INTERPRETERS; ++i) {
    ts[i] = new_interpreter(config);
    import_in(ts[i], 1);
  }
  if (finalize) return; /* Py_FinalizeEx in main() ends them */
  static const int lifo[] = {2, 1, 0}, fifo[] = {0, 1, 2}, middle[] = {1, 0, 2};
  const int* order = strcmp(variant, "lifo") == 0 ? lifo : strcmp(variant, "fifo") == 0 ? fifo : middle;
  for (int i = 0; i < TEARDOWN_INTERPRETERS; ++i) end_interpreter(ts[order[i]]);
}

int main(int argc, char** argv) {
  const char *check = NULL, *config = NULL, *variant = "";
  int cycles = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--python-exe") == 0) python_exe = argv[i + 1];
    else if (strcmp(argv[i], "--module") == 0) module_name = argv[i + 1];
    else if (strcmp(argv[i], "--check") == 0) check = argv[i + 1];
    else if (strcmp(argv[i], "--config") == 0) config = argv[i + 1];
    else if (strcmp(argv[i], "--variant") == 0) variant = argv[i + 1];
    else if (strcmp(argv[i], "--cycles") == 0) cycles = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--path") == 0 && n_paths < MAX_PATHS) paths[n_paths++] = argv[i + 1];
    else die("usage: --python-exe EXE --module NAME --check ID --config CFG [--variant V] [--cycles N] [--path DIR]");
  }
  if (!python_exe || !module_name || !check || !config) die("--python-exe, --module, --check and --config are required");

  init_main();
  prepend_paths();
  if (strcmp(check, "import") == 0) {
    interpreter_with_imports(config, 1);
  } else if (strcmp(check, "reimport") == 0 || strcmp(check, "heap-types") == 0) {
    interpreter_with_imports(config, 2);
  } else if (strcmp(check, "cycles") == 0) {
    for (int i = 0; i < cycles; ++i) interpreter_with_imports(config, 1);
  } else if (strcmp(check, "leaks") == 0) {
    if (strcmp(config, "main") != 0) { /* once, twice per round, empty in 3 (scenarios/leaks.cpp) */
      const int rounds = LEAK_WARMUPS + (cycles - LEAK_WARMUPS > 3 ? cycles - LEAK_WARMUPS : 3);
      for (int i = 0; i < rounds; ++i) {
        if (i >= LEAK_WARMUPS && i < LEAK_WARMUPS + LEAK_BASELINES) interpreter_with_imports(config, 0);
        interpreter_with_imports(config, 1);
        interpreter_with_imports(config, 2);
      }
    } /* main without an exercise: nothing to run */
  } else if (strcmp(check, "isolation") == 0) {
    PyThreadState* a = new_interpreter(config);
    import_in(a, 1);
    PyThreadState* b = new_interpreter(config);
    import_in(b, 1);
    end_interpreter(b);
    end_interpreter(a);
  } else if (strcmp(check, "concurrent") == 0) {
    /* A lone interpreter, then two more (the host runs those two on two threads at once;
       sequential here, which can only make the floor lower). */
    for (int i = 0; i < 3; ++i) interpreter_with_imports(config, 1);
  } else if (strcmp(check, "teardown") == 0) {
    teardown(config, variant);
  } else if (strcmp(check, "reinit") == 0) {
    interpreter_with_imports("main", 1);
    if (Py_FinalizeEx() != 0) die("Py_FinalizeEx failed");
    init_main();
    prepend_paths();
    interpreter_with_imports("main", 1);
  } else {
    die("unknown check");
  }
  if (Py_FinalizeEx() != 0) die("Py_FinalizeEx failed");
  return 0;
}
