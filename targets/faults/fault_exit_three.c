/* fault_exit_three: exit(3) from C during import (atexit handlers run, Python's do not).
 * Expected: crash, "exited with status 3 without a verdict". */
#include <stdlib.h>

#include "fault_module.h"

static int
exit_three_exec(PyObject *module)
{
    exit(3);
}

FAULT_MODULE(fault_exit_three, exit_three_exec)
