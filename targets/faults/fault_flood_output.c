/* fault_flood_output: writes 64 MiB to stdout and 16 MiB to stderr during import, then
 * imports fine. isocheck must drain both (no hang on a full pipe), keep only their tails (no
 * memory blow-up) and give the import its honest verdict. Expected: pass, with tails ending
 * in the last line written. 64 MiB is a thousand pipe buffers and far beyond any tail kept;
 * 256 MiB, as before, left a debug build (3.13.15d) on a loaded 2-core machine too little of
 * the corpus's 2 s timeout to finalize in (#14 lane). */
#include <string.h>
#include <unistd.h>

#include "fault_module.h"

static void
flood(int fd, size_t mebibytes, const char *last_line)
{
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    chunk[sizeof chunk - 1] = '\n';
    for (size_t i = 0; i < mebibytes; i++) {
        for (size_t done = 0; done < sizeof chunk;) {
            ssize_t n = write(fd, chunk + done, sizeof chunk - done);
            if (n <= 0) {
                return;
            }
            done += (size_t)n;
        }
    }
    (void)!write(fd, last_line, strlen(last_line));
}

static int
flood_exec(PyObject *module)
{
    flood(STDOUT_FILENO, 64, "fault_flood_output: end of stdout\n");
    flood(STDERR_FILENO, 16, "fault_flood_output: end of stderr\n");
    return 0;
}

FAULT_MODULE(fault_flood_output, flood_exec)
