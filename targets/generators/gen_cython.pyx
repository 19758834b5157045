# A Cython 3.x module: a `cdef class` (`Counter`) and module-level state kept in a module
# global (`_state`, a Counter), with `bump()` the state's method, so every module object counts
# from 1 if Cython gives each import its own module object. No cdef globals: Cython warns that
# those stay C statics even with module state ("Global cdef variable used with subinterpreter
# support enabled", Compiler/Symtab.py).
#
# Built twice by build_generators.py from this one file:
#   gen_cython           the default build: no module state, one module object per process
#                        (Py_mod_create returns __pyx_m again; __Pyx_check_single_interpreter
#                        refuses a second interpreter), no Py_mod_multiple_interpreters slot
#   gen_cython_own_gil   -DCYTHON_USE_MODULE_STATE=1 -DCYTHON_USE_TYPE_SPECS=1 and the
#                        directive subinterpreters_compatible=own_gil: module state, heap
#                        types, and the slot Py_MOD_PER_INTERPRETER_GIL_SUPPORTED
#                        (Compiler/ModuleNode.py; the slot is written only with module state)

cdef class Counter:
    cdef long count

    def bump(self):
        self.count += 1
        return self.count


_state = Counter()


def bump():
    return _state.bump()
