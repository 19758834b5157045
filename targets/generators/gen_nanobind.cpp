// A nanobind module the way its documentation writes one: a class (`Counter`) and module-level
// state kept in a module attribute (`_state`, a Counter), with `bump()` the state's bound
// method. nanobind 3.1 offers no declaration of subinterpreter support: module_new()
// (src/nb_internals.cpp) always adds Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED, so there is
// one shape only.
#include <nanobind/nanobind.h>

namespace nb = nanobind;

namespace {
struct Counter {
  long count = 0;
  long bump() { return ++count; }
};
}  // namespace

NB_MODULE(GEN_MODULE_NAME, m) {
  nb::class_<Counter>(m, "Counter").def(nb::init<>()).def("bump", &Counter::bump);
  nb::object state = m.attr("Counter")();
  m.attr("_state") = state;
  m.attr("bump") = state.attr("bump");
}
