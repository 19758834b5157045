/* fault_litter_cwd: writes a file into its working directory during import, then imports fine.
 * Hosts run in a scratch directory of their own that is removed afterwards, so nothing is left
 * in the user's tree. Expected: pass, and no isofault-litter.txt anywhere after the run. */
#include <stdio.h>

#include "fault_module.h"

static int
litter_exec(PyObject *module)
{
    FILE *litter = fopen("isofault-litter.txt", "w");
    if (litter != NULL) {
        fputs("left behind by fault_litter_cwd\n", litter);
        fclose(litter);
    }
    return 0;
}

FAULT_MODULE(fault_litter_cwd, litter_exec)
