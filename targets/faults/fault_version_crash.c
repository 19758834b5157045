/* fault_version_crash: fine on CPython 3.12, SIGSEGV during import on 3.13 and later (the
 * kind of defect that only one version's matrix shows). Expected: pass on 3.12, crash on 3.13. */
#include "fault_module.h"

static int
version_exec(PyObject *module)
{
#if PY_VERSION_HEX >= 0x030D0000
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
#endif
    return 0;
}

FAULT_MODULE(fault_version_crash, version_exec)
