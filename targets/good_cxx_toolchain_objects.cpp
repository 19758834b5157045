/*
 * good_cxx_toolchain_objects -- a clean C++ module full of objects a linter can
 * mistake for state (no defect).
 *
 * Multi-phase init, the bump() counter in module state, no types,
 * Py_MOD_PER_INTERPRETER_GIL_SUPPORTED: isolated by the HOWTO "Isolating
 * Extension Modules" in every section.  What it adds is what C++ compilers put
 * into writable sections of a shared object although the program never changes
 * it after load:
 *   - `kGreeting`, a `static const std::string`: const, but constructed at load
 *     time, so it lives in .bss, not .rodata;
 *   - `module_methods` and `module_slots`, definition tables held in
 *     `std::array` (a struct wrapping the C array);
 *   - the function-local `static const std::string suffix` in greeting(), with
 *     its compiler-made guard variable (`_ZGV...`);
 *   - `DW.ref.__gxx_personality_v0`, the compiler-made pointer to the C++
 *     personality routine that greeting()'s try/catch needs.
 *
 * What the harness should observe: every check passes; `lint` is clean.
 * Before #17 item 5 lint reported kGreeting, module_methods, module_slots,
 * suffix and DW.ref.__gxx_personality_v0 as writable global state.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <array>
#include <stdexcept>
#include <string>

namespace {

struct module_state {
    long counter;
};

const std::string kGreeting("hello from C++");

PyObject *bump(PyObject *module, PyObject *)
{
    auto *st = static_cast<module_state *>(PyModule_GetState(module));
    st->counter += 1;
    return PyLong_FromLong(st->counter);
}

std::string checked_greeting(long n)
{
    if (n < 0) throw std::invalid_argument("negative");
    static const std::string suffix(n % 2 == 0 ? "!" : "?");
    return kGreeting + suffix;
}

PyObject *greeting(PyObject *module, PyObject *)
{
    auto *st = static_cast<module_state *>(PyModule_GetState(module));
    try {
        const std::string text = checked_greeting(st->counter);
        return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
    } catch (const std::exception &e) {
        PyErr_SetString(PyExc_ValueError, e.what());
        return nullptr;
    }
}

std::array<PyMethodDef, 3> module_methods{{
    {"bump", bump, METH_NOARGS, "bump() -> int\n\nIncrement this module object's counter and return it."},
    {"greeting", greeting, METH_NOARGS, "greeting() -> str"},
    {nullptr, nullptr, 0, nullptr},
}};

int module_exec(PyObject *module)
{
    static_cast<module_state *>(PyModule_GetState(module))->counter = 0;
    return 0;
}

std::array<PyModuleDef_Slot, 3> module_slots{{
    {Py_mod_exec, reinterpret_cast<void *>(module_exec)},
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, nullptr},
}};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "good_cxx_toolchain_objects",
    "isocheck fixture: a clean C++ module",
    sizeof(module_state),
    module_methods.data(),
    module_slots.data(),
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit_good_cxx_toolchain_objects(void) { return PyModuleDef_Init(&module_def); }
