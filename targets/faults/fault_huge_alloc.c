/* fault_huge_alloc: reserves 48 GiB in 1 GiB blocks during import (never touched, so without
 * a limit the kernel's overcommit would grant them all), raising MemoryError when a block is
 * refused. Under isocheck's address-space limit the import fails with MemoryError.
 * Expected: fail, "MemoryError ... memory limit reached". */
#include <stdlib.h>

#include "fault_module.h"

#define BLOCKS 48

static int
huge_alloc_exec(PyObject *module)
{
    void *blocks[BLOCKS] = {0};
    int got = 0;
    while (got < BLOCKS && (blocks[got] = malloc((size_t)1 << 30)) != NULL) {
        got++;
    }
    for (int i = 0; i < got; i++) {
        free(blocks[i]);
    }
    if (got < BLOCKS) {
        PyErr_Format(PyExc_MemoryError, "fault_huge_alloc: block %d of %d (1 GiB each) refused", got + 1, BLOCKS);
        return -1;
    }
    return 0;
}

FAULT_MODULE(fault_huge_alloc, huge_alloc_exec)
