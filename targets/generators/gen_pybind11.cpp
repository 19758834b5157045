// A pybind11 3.x module the way its documentation writes one: a class (`Counter`) and
// module-level state kept in a module attribute (`_state`, a Counter), with `bump()` the
// state's bound method, so every module object counts from 1 if pybind11 gives each import its
// own module object.
//
// Built twice by build_generators.py from this one file:
//   gen_pybind11          PYBIND11_MODULE with no options: pybind11 3.1 then declares
//                         Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED (detail::multi_interp_slot())
//   gen_pybind11_own_gil  GEN_PER_INTERPRETER_GIL: py::multiple_interpreters::per_interpreter_gil(),
//                         pybind11's documented way to declare Py_MOD_PER_INTERPRETER_GIL_SUPPORTED
#include <pybind11/pybind11.h>

namespace py = pybind11;

namespace {
struct Counter {
  long count = 0;
  long bump() { return ++count; }
};
}  // namespace

#ifdef GEN_PER_INTERPRETER_GIL
PYBIND11_MODULE(GEN_MODULE_NAME, m, py::multiple_interpreters::per_interpreter_gil()) {
#else
PYBIND11_MODULE(GEN_MODULE_NAME, m) {
#endif
  py::class_<Counter>(m, "Counter").def(py::init<>()).def("bump", &Counter::bump);
  py::object state = m.attr("Counter")();
  m.attr("_state") = state;
  m.attr("bump") = state.attr("bump");
}
