/* fault_exit_zero: _exit(0) during import, as os._exit(0) would. The process "succeeds"
 * without ever answering. Expected: crash, "exited with status 0 without a verdict" -- a
 * silent exit is not a pass. */
#include <unistd.h>

#include "fault_module.h"

static int
exit_zero_exec(PyObject *module)
{
    _exit(0);
}

FAULT_MODULE(fault_exit_zero, exit_zero_exec)
