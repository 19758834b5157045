/* fault_fork_orphan: during import, forks a child that sleeps for an hour in the host's process
 * group ("isofault-child"), and a daemon that leaves it (fork, setsid, fork again:
 * "isofault-orphan"). Both would outlive the host; their names let tests find survivors.
 * Expected: fail, "left 2 process(es) running after the host exited", both killed. */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault_module.h"

/* In the child: never returns, never touches Python. */
static void
become_sleeper(const char *name, int ready_fd)
{
    prctl(PR_SET_NAME, name);
    (void)!write(ready_fd, "!", 1);
    close(ready_fd);
    sleep(3600);
    _exit(0);
}

static int
fork_exec(PyObject *module)
{
    int ready[2];
    if (pipe(ready) != 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    if (fork() == 0) {
        close(ready[0]);
        become_sleeper("isofault-child", ready[1]);
    }
    pid_t middle = fork();
    if (middle == 0) {
        close(ready[0]);
        setsid();
        if (fork() == 0) {
            become_sleeper("isofault-orphan", ready[1]);
        }
        _exit(0);
    }
    close(ready[1]);
    waitpid(middle, NULL, 0);
    char byte;
    /* Both sleepers are named before the import goes on. */
    (void)!read(ready[0], &byte, 1);
    (void)!read(ready[0], &byte, 1);
    close(ready[0]);
    return 0;
}

FAULT_MODULE(fault_fork_orphan, fork_exec)
