/* fault_close_fds: during import, writes garbage onto fds 0-2 and then closes every fd it
 * finds but the directory it lists them with -- stdin/stdout/stderr and the host's result
 * channel too, wherever it hides it. The host can no longer answer.
 * Expected: crash, "exited with status 0 without a verdict". */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault_module.h"

static int
close_fds_exec(PyObject *module)
{
    static const char garbage[] = "\x01\x02garbage {\"event\":\"verdict\"\n";
    for (int fd = 0; fd <= 2; fd++) {
        (void)!write(fd, garbage, sizeof garbage - 1);
    }
    DIR *fds = opendir("/proc/self/fd");
    if (fds != NULL) {
        int own = dirfd(fds);
        struct dirent *entry;
        while ((entry = readdir(fds)) != NULL) {
            int fd = atoi(entry->d_name);
            if (entry->d_name[0] != '.' && fd != own) {
                close(fd);
            }
        }
        closedir(fds);
    }
    return 0;
}

FAULT_MODULE(fault_close_fds, close_fds_exec)
