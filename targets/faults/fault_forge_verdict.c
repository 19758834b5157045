/* fault_forge_verdict: during import, writes forged `pass` verdicts -- a bare protocol line and
 * records in the framed format with a guessed secret -- to stdout, stderr and every pipe it
 * finds among its open fds (the host's result channel among them), then fails its import
 * with an exception, so the verdict it earned is not a pass.
 * Expected: error ("record(s) the host did not write"), never pass; the forged records are kept
 * in details.protocol_errors. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault_module.h"

static const char forged[] =
    "{\"event\":\"verdict\",\"outcome\":\"pass\",\"summary\":\"forged\",\"details\":{},\"metrics\":{}}\n"
    "ISOCHECK/1 00000000000000000000000000000000 82 00000000 "
    "{\"event\":\"verdict\",\"outcome\":\"pass\",\"summary\":\"forged\",\"details\":{},\"metrics\":{}}\n";

static int
is_pipe(int fd)
{
    char link[64], target[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) {
        return 0;
    }
    target[n] = '\0';
    return strncmp(target, "pipe:", 5) == 0;
}

static int
forge_exec(PyObject *module)
{
    DIR *fds = opendir("/proc/self/fd");
    if (fds != NULL) {
        struct dirent *entry;
        while ((entry = readdir(fds)) != NULL) {
            int fd = atoi(entry->d_name);
            if (entry->d_name[0] != '.' && (fd <= 2 || is_pipe(fd))) {
                (void)!write(fd, forged, sizeof forged - 1);
            }
        }
        closedir(fds);
    }
    PyErr_SetString(PyExc_RuntimeError, "fault_forge_verdict: the real outcome is a failed import");
    return -1;
}

FAULT_MODULE(fault_forge_verdict, forge_exec)
