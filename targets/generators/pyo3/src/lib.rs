//! A PyO3 module the way its guide writes one: a #[pyclass] (`Counter`) and module-level
//! state kept in a module attribute (`_state`, a Counter), with `bump()` a #[pyfunction] that
//! reads it through its module (pass_module), so every module object would count from 1.
//!
//! PyO3 0.17 makes a single-phase module (PyModule_Create in ModuleDef::make_module,
//! src/impl_/pymodule.rs) and refuses every PyInit_* after the first in the process with its
//! own ImportError("PyO3 modules may only be initialized once per interpreter process").
use pyo3::prelude::*;

#[pyclass]
struct Counter {
    count: i64,
}

#[pymethods]
impl Counter {
    #[new]
    fn new() -> Self {
        Counter { count: 0 }
    }

    fn bump(&mut self) -> i64 {
        self.count += 1;
        self.count
    }
}

#[pyfunction]
#[pyo3(pass_module)]
fn bump(module: &PyModule) -> PyResult<i64> {
    let state: &PyCell<Counter> = module.getattr("_state")?.downcast()?;
    let value = state.borrow_mut().bump();
    Ok(value)
}

#[pymodule]
fn gen_pyo3(py: Python<'_>, m: &PyModule) -> PyResult<()> {
    m.add_class::<Counter>()?;
    m.add("_state", Py::new(py, Counter::new())?)?;
    m.add_function(wrap_pyfunction!(bump, m)?)?;
    Ok(())
}
