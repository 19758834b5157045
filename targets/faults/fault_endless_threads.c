/* fault_endless_threads: during import, starts a C thread and a (non-daemon) Python thread
 * that never end. Interpreter teardown waits for the Python thread forever (Py_EndInterpreter
 * and Py_FinalizeEx join non-daemon threads). Expected: timeout. */
#include <pthread.h>
#include <unistd.h>

#include "fault_module.h"

static void *
endless(void *arg)
{
    for (;;) {
        sleep(1);
    }
    return NULL;
}

static int
threads_exec(PyObject *module)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, endless, NULL) == 0) {
        pthread_detach(thread);
    }
    PyObject *globals = PyDict_New();
    if (globals == NULL) {
        return -1;
    }
    PyObject *done = PyRun_String(
        "import threading, time\n"
        "def forever():\n"
        "    while True:\n"
        "        time.sleep(0.05)\n"
        "threading.Thread(target=forever, name='isofault-thread').start()\n",
        Py_file_input, globals, globals);
    Py_DECREF(globals);
    if (done == NULL) {
        return -1;
    }
    Py_DECREF(done);
    return 0;
}

FAULT_MODULE(fault_endless_threads, threads_exec)
