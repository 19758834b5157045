/* The floor: what CPython itself costs for one isocheck cell, with nothing of isocheck's.
 *
 *   isocheck-floor-3.12 --python-exe EXE --module NAME --check ID --config CFG
 *                       [--variant V] [--cycles N] [--leak-repetitions N] [--path DIR]...
 *
 * One process per cell, as isocheck runs it: Py_InitializeFromConfig with the same program
 * name and the same site policy as the host (site once, in main; see harness/host/interpreter.h),
 * then exactly the interpreters, imports and destructions the check's scenario performs
 * (scenarios/<check>.cpp; the counts are mirrored here, the analysis is not), then
 * Py_FinalizeEx. No probe, no protocol, no JSON, no verdict: bench/bench_main.cpp times a whole
 * plan of these against isocheck running the same plan.
 *
 * With --serve, the same work runs in a child forked per cell from one initialised process, as
 * isocheck's fork servers run cells (harness/host/fork_server.h): the fork floor.
 *
 * Exit status 0 when the work ran; a module that crashes or fails to import makes the floor
 * meaningless, so that is reported and exits 1.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PATHS 16
#define TEARDOWN_INTERPRETERS 3
#define LEAK_WARMUPS 1   /* scenarios/leaks.cpp: kSubinterpreterWarmups */
#define LEAK_BASELINES 1 /* kBaselineRepetitions */

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

/* scenarios/teardown.cpp: 2 interpreters for LIFO, FIFO and finalize, 3 for middle-first. */
static void teardown(const char* config, const char* variant) {
  const int finalize = strcmp(variant, "finalize") == 0;
  if (finalize && PY_VERSION_HEX < 0x030D0000) return; /* the host skips it on 3.12 (gh-113433) */
  const int middle = strcmp(variant, "middle") == 0;
  const int n = middle ? TEARDOWN_INTERPRETERS : 2;
  PyThreadState* ts[TEARDOWN_INTERPRETERS];
  for (int i = 0; i < n; ++i) {
    ts[i] = new_interpreter(config);
    import_in(ts[i], 1);
  }
  if (finalize) return; /* Py_FinalizeEx in main() ends them */
  static const int lifo[] = {1, 0}, fifo[] = {0, 1}, middle_first[] = {1, 0, 2};
  const int* order = middle ? middle_first : strcmp(variant, "lifo") == 0 ? lifo : fifo;
  for (int i = 0; i < n; ++i) end_interpreter(ts[order[i]]);
}

struct cell {
  const char *check, *config, *variant;
  int cycles;
  int leak_repetitions; /* what the host ran (its report's metrics.repetitions); 0: the most it may */
};

/* argv-style options into the globals and `c`; 0 when they make no cell. */
static int parse_cell(int argc, char** argv, struct cell* c) {
  c->check = NULL; c->config = NULL; c->variant = ""; c->cycles = 10; c->leak_repetitions = 0;
  for (int i = 0; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--python-exe") == 0) python_exe = argv[i + 1];
    else if (strcmp(argv[i], "--module") == 0) module_name = argv[i + 1];
    else if (strcmp(argv[i], "--check") == 0) c->check = argv[i + 1];
    else if (strcmp(argv[i], "--config") == 0) c->config = argv[i + 1];
    else if (strcmp(argv[i], "--variant") == 0) c->variant = argv[i + 1];
    else if (strcmp(argv[i], "--cycles") == 0) c->cycles = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--leak-repetitions") == 0) c->leak_repetitions = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--path") == 0 && n_paths < MAX_PATHS) paths[n_paths++] = argv[i + 1];
    else return 0;
  }
  return python_exe && module_name && c->check && c->config;
}

/* The check's interpreter work, in an initialised main interpreter with the paths set. */
static void run_check(const struct cell* c) {
  const char *check = c->check, *config = c->config, *variant = c->variant;
  const int cycles = c->cycles;
  if (strcmp(check, "import") == 0) {
    interpreter_with_imports(config, 1);
  } else if (strcmp(check, "reimport") == 0 || strcmp(check, "heap-types") == 0) {
    interpreter_with_imports(config, 2);
  } else if (strcmp(check, "cycles") == 0) {
    const int n = cycles / 5 > 2 ? cycles / 5 : 2; /* scenarios/cycles.cpp: cycles_of */
    for (int i = 0; i < n; ++i) interpreter_with_imports(config, 1);
  } else if (strcmp(check, "leaks") == 0) {
    if (strcmp(config, "main") != 0) { /* once and twice per round, empty in the first measured one */
      /* scenarios/leaks.cpp: at most --cycles / 3 repetitions (at least 3); fewer when a
         repetition shows no finding, as the report says */
      const int most = cycles / 3 > 3 ? cycles / 3 : 3;
      const int rounds = LEAK_WARMUPS + (c->leak_repetitions > 0 ? c->leak_repetitions : most);
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
}

/* --serve: the fork floor. Python is initialised once; each line on stdin (the options of one
   cell, space-separated) is run in a forked child, as isocheck's fork server does, and its wait
   status is written back as a line. */
static int serve(void) {
  init_main();
  /* As isocheck's server does (harness/host/fork_server.cpp): start-up's objects are not walked
     by the children's collections. */
  if (PyRun_SimpleString("import gc; gc.freeze()") != 0) die("gc.freeze() failed");
  char line[4096];
  while (fgets(line, sizeof line, stdin) != NULL) {
    PyOS_BeforeFork();
    const pid_t pid = fork();
    if (pid == 0) {
      PyOS_AfterFork_Child();
      char* argv[64];
      int argc = 0;
      for (char* tok = strtok(line, " \n"); tok != NULL && argc < 64; tok = strtok(NULL, " \n")) argv[argc++] = tok;
      struct cell c;
      if (!parse_cell(argc, argv, &c)) die("bad cell line");
      prepend_paths();
      run_check(&c);
      if (Py_FinalizeEx() != 0) die("Py_FinalizeEx failed");
      _exit(0);
    }
    PyOS_AfterFork_Parent();
    int status = -1;
    if (pid > 0) waitpid(pid, &status, 0);
    printf("%d\n", status);
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "--serve") == 0 && strcmp(argv[2], "--python-exe") == 0) {
    python_exe = argv[3];
    return serve();
  }
  struct cell c;
  if (!parse_cell(argc - 1, argv + 1, &c)) {
    die("usage: --python-exe EXE --module NAME --check ID --config CFG [--variant V] [--cycles N]\n"
        "       [--leak-repetitions N] [--path DIR]\n"
        "       --serve --python-exe EXE   (cells as lines on stdin, one forked child each)");
  }
  init_main();
  prepend_paths();
  run_check(&c);
  if (Py_FinalizeEx() != 0) die("Py_FinalizeEx failed");
  return 0;
}
