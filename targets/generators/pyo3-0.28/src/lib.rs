//! ../pyo3/src/lib.rs for PyO3 0.28: a #[pyclass] (`Counter`) and module-level state kept in
//! a module attribute (`_state`, a Counter), with `bump()` reading it through its module.
//!
//! PyO3 0.28 makes a multi-phase module (PyModuleDef_Init in ModuleDef::init_multi_phase,
//! src/impl_/pymodule.rs) with a Py_mod_gil slot (Py_MOD_GIL_USED unless #[pymodule(gil_used
//! = false)]) and no Py_mod_multiple_interpreters slot; its exec refuses every interpreter but
//! the first that initialised it with ImportError("PyO3 modules do not yet support
//! subinterpreters, see https://github.com/PyO3/pyo3/issues/576").
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
fn bump(module: &Bound<'_, PyModule>) -> PyResult<i64> {
    let state = module.getattr("_state")?;
    let counter = state.cast::<Counter>()?;
    let value = counter.borrow_mut().bump();
    Ok(value)
}

#[pymodule]
fn gen_pyo3(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Counter>()?;
    m.add("_state", Py::new(m.py(), Counter::new())?)?;
    m.add_function(wrap_pyfunction!(bump, m)?)?;
    Ok(())
}
