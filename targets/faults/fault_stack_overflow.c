/* fault_stack_overflow: unbounded C recursion during import until the stack runs out.
 * Expected: crash, SIGSEGV (the host's crash handler runs on its own signal stack). */
#include "fault_module.h"

/* Not a tail call, and a frame the compiler cannot drop: the recursion really uses stack. */
static __attribute__((noinline)) unsigned long
descend(unsigned long depth)
{
    volatile char frame[256];
    if (depth == ~0ul) { /* never: 8 MiB of stack is gone long before */
        return 0;
    }
    frame[depth % sizeof frame] = (char)depth;
    return descend(depth + 1) + frame[(depth + 1) % sizeof frame];
}

static int
overflow_exec(PyObject *module)
{
    return descend(0) == 0 ? 0 : 0;
}

FAULT_MODULE(fault_stack_overflow, overflow_exec)
