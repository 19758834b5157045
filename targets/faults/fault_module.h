/* The boilerplate every fault fixture shares: a multi-phase module (PEP 489) that declares
 * per-interpreter GIL support and does its one misdeed in Py_mod_exec, so that it is imported
 * -- and misbehaves -- in every config (main, legacy, isolated). */
#ifndef ISOCHECK_FAULT_MODULE_H
#define ISOCHECK_FAULT_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define FAULT_MODULE(NAME, EXEC)                                                   \
    static PyModuleDef_Slot NAME##_slots[] = {                                     \
        {Py_mod_exec, EXEC},                                                       \
        {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},      \
        {0, NULL},                                                                 \
    };                                                                             \
    static struct PyModuleDef NAME##_def = {                                       \
        PyModuleDef_HEAD_INIT,                                                     \
        .m_name = #NAME,                                                           \
        .m_size = 0,                                                               \
        .m_slots = NAME##_slots,                                                   \
    };                                                                             \
    PyMODINIT_FUNC PyInit_##NAME(void) { return PyModuleDef_Init(&NAME##_def); }

#endif
