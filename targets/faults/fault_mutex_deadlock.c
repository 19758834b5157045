/* fault_mutex_deadlock: locks a (non-recursive) C mutex it already holds during import, and
 * waits forever. Expected: timeout. */
#include <pthread.h>

#include "fault_module.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int
deadlock_exec(PyObject *module)
{
    pthread_mutex_lock(&lock);
    pthread_mutex_lock(&lock); /* never returns: a default mutex does not detect self-deadlock */
    return 0;
}

FAULT_MODULE(fault_mutex_deadlock, deadlock_exec)
