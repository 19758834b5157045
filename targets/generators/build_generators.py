#!/usr/bin/env python3
"""Build the binding-generator fixtures (README.md beside this file) for each given CPython.

    build_generators.py --out DIR --python EXE [--python EXE ...]

Per Python: a venv under DIR/venv-X.Y with requirements.txt installed (pinned; only into that
venv), then every module below built into DIR/modules with that Python's EXT_SUFFIX, so one
--path serves every version, as build/targets does for the C fixtures.

DIR/manifest.json says, per Python and module, "built", "unavailable" (the toolchain could not
be had here: PyPI unreachable, no cargo, no PyO3 crates; the test skips with this reason) or
"failed" (the toolchain was there and the build broke: a fixture bug, the test fails). The
script itself exits 0 unless its own arguments are wrong, so a machine without a toolchain
still builds isocheck; the manifest carries the verdict to the tests.

Stamps keep a rebuild cheap: a venv is remade only when requirements.txt changes, a module
only when its sources, flags or the venv change.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
# Debian's PyO3 (librust-pyo3-dev) lives here as a cargo directory source: crates.io is not
# reachable from this project's machines and CI.
DEBIAN_CARGO_REGISTRY = Path("/usr/share/cargo/registry")


class Unavailable(Exception):
    """The toolchain cannot be had on this machine: the test skips, saying this."""


class Failed(Exception):
    """The toolchain is there and the build broke: the test fails, saying this."""


def run(cmd, log, **kw):
    log.write("$ " + " ".join(str(c) for c in cmd) + "\n")
    log.flush()
    proc = subprocess.run([str(c) for c in cmd], stdout=log, stderr=subprocess.STDOUT, **kw)
    return proc.returncode


def tail(path, lines=15):
    text = Path(path).read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def digest(words, files=()):
    """A stamp over a command line (or any words) and the contents of FILES."""
    h = hashlib.sha256()
    for w in words:
        h.update(str(w).encode() + b"\0")
    for f in files:
        h.update(Path(f).read_bytes() + b"\0")
    return h.hexdigest()[:16]


def python_facts(exe):
    # A debug build (Py_DEBUG: sys.gettotalrefcount) is "3.14d": its venv, stamps and logs must
    # not be the release build's of the same minor version (the lane has both).
    code = ("import sys, sysconfig, json; print(json.dumps({'minor': '%d.%d' % sys.version_info[:2] "
            "+ ('d' if hasattr(sys, 'gettotalrefcount') else ''), "
            "'version': '%d.%d.%d' % sys.version_info[:3] + ('d' if hasattr(sys, 'gettotalrefcount') else ''), 'suffix': sysconfig.get_config_var('EXT_SUFFIX'), "
            "'include': sysconfig.get_paths()['include']}))")
    return json.loads(subprocess.check_output([exe, "-c", code], text=True))


def make_venv(py, facts, out, log_dir):
    """The venv with the pinned requirements, or Unavailable (pip could not reach PyPI)."""
    venv = out / f"venv-{facts['minor']}"
    stamp = venv / "isocheck-requirements.sha"
    want = digest([py], [REQUIREMENTS])
    vpy = venv / "bin" / "python"
    if stamp.exists() and stamp.read_text() == want and vpy.exists():
        return vpy
    shutil.rmtree(venv, ignore_errors=True)
    log = log_dir / f"venv-{facts['minor']}.log"
    with open(log, "w") as f:
        if run([py, "-m", "venv", venv], f) != 0:
            raise Failed(f"python -m venv failed:\n{tail(log)}")
        if run([vpy, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", REQUIREMENTS], f) != 0:
            raise Unavailable(f"pip could not install {REQUIREMENTS.name} (is PyPI reachable?):\n{tail(log)}")
    stamp.write_text(want)
    return vpy


def compile_cxx(name, sources, flags, facts, vpy, out, log_dir):
    target = out / "modules" / (name + facts["suffix"])
    cmd = ["g++", "-shared", "-fPIC", "-std=c++17", "-O1", "-g", "-fvisibility=hidden",
           f"-I{facts['include']}", *flags, *sources, "-o", target]
    stamp = out / "stamps" / f"{name}-{facts['minor']}.sha"
    want = digest(cmd, [*sources, vpy.parent.parent / "isocheck-requirements.sha"])
    if target.exists() and stamp.exists() and stamp.read_text() == want:
        return
    log = log_dir / f"{name}-{facts['minor']}.log"
    with open(log, "w") as f:
        if run(cmd, f) != 0:
            raise Failed(f"g++ failed:\n{tail(log)}")
    stamp.write_text(want)


def site_packages(vpy, package):
    path = subprocess.check_output([vpy, "-c", f"import {package}, os; print(os.path.dirname({package}.__file__))"],
                                   text=True).strip()
    return Path(path)


def build_pybind11(name, per_interpreter_gil, facts, vpy, out, log_dir):
    include = site_packages(vpy, "pybind11") / "include"
    flags = [f"-I{include}", f"-DGEN_MODULE_NAME={name}"]
    if per_interpreter_gil:
        flags.append("-DGEN_PER_INTERPRETER_GIL")
    compile_cxx(name, [HERE / "gen_pybind11.cpp"], flags, facts, vpy, out, log_dir)


def build_nanobind(name, facts, vpy, out, log_dir):
    # nanobind's own CMake (nanobind_add_module) compiles its library into every module; the
    # same here without a nested CMake project: nb_combined.cpp is that library in one file.
    nb = site_packages(vpy, "nanobind")
    flags = [f"-I{nb / 'include'}", f"-I{nb / 'ext' / 'robin_map' / 'include'}", f"-DGEN_MODULE_NAME={name}"]
    obj = out / "stamps" / f"nanobind-{facts['minor']}.o"
    lib_stamp = out / "stamps" / f"nanobind-{facts['minor']}.o.sha"
    lib_cmd = ["g++", "-c", "-fPIC", "-std=c++17", "-O1", "-fvisibility=hidden", "-DNB_BUILD", f"-I{facts['include']}",
               *flags, nb / "src" / "nb_combined.cpp", "-o", obj]
    want = digest(lib_cmd, [vpy.parent.parent / "isocheck-requirements.sha"])
    if not (obj.exists() and lib_stamp.exists() and lib_stamp.read_text() == want):
        log = log_dir / f"nanobind-lib-{facts['minor']}.log"
        with open(log, "w") as f:
            if run(lib_cmd, f) != 0:
                raise Failed(f"compiling nanobind's library failed:\n{tail(log)}")
        lib_stamp.write_text(want)
    compile_cxx(name, [HERE / "gen_nanobind.cpp", obj], flags, facts, vpy, out, log_dir)


def build_cython(name, module_state, facts, vpy, out, log_dir):
    # Cython names the module after its .pyx file, so each shape gets its own copy.
    work = out / "cython" / facts["minor"]
    work.mkdir(parents=True, exist_ok=True)
    pyx = work / f"{name}.pyx"
    shutil.copyfile(HERE / "gen_cython.pyx", pyx)
    c_file = work / f"{name}.c"
    cython_cmd = [vpy.parent / "cython", "-3", pyx, "-o", c_file]
    flags = []
    if module_state:
        # Cython's subinterpreter support: module state (a C macro) plus the directive that
        # writes the Py_mod_multiple_interpreters slot; the slot is only emitted with module
        # state (ModuleNode.py: "#if PY_VERSION_HEX >= 0x030C0000 && CYTHON_USE_MODULE_STATE").
        # Module state alone still makes every cdef class a static type (CYTHON_USE_TYPE_SPECS
        # is a switch of its own in ModuleSetupCode.c, off by default): one type object for all
        # interpreters, which crashes own-GIL interpreters. Type specs make them heap types.
        cython_cmd[2:2] = ["-X", "subinterpreters_compatible=own_gil"]
        flags += ["-DCYTHON_USE_MODULE_STATE=1", "-DCYTHON_USE_TYPE_SPECS=1"]
    log = log_dir / f"{name}-{facts['minor']}.cython.log"
    with open(log, "w") as f:
        if run(cython_cmd, f) != 0:
            raise Failed(f"cython failed:\n{tail(log)}")
    target = out / "modules" / (name + facts["suffix"])
    cmd = ["gcc", "-shared", "-fPIC", "-O1", "-g", f"-I{facts['include']}", *flags, c_file, "-o", target]
    stamp = out / "stamps" / f"{name}-{facts['minor']}.sha"
    want = digest(cmd, [c_file])
    if target.exists() and stamp.exists() and stamp.read_text() == want:
        return
    log = log_dir / f"{name}-{facts['minor']}.log"
    with open(log, "w") as f:
        if run(cmd, f) != 0:
            raise Failed(f"gcc failed on Cython's output:\n{tail(log)}")
    stamp.write_text(want)


# The PyO3 crates this project carries, by the PyO3 version Debian ships them for: Debian 12's
# librust-pyo3-dev is 0.17.3, Debian testing's 0.28.2 (the lane, #14). Their APIs differ, so
# each has its own crate; the one whose PyO3 is in the registry is built.
PYO3_CRATES = {"0.17.3": HERE / "pyo3", "0.28.2": HERE / "pyo3-0.28"}


def debian_pyo3_version():
    """The PyO3 version in Debian's registry that one of PYO3_CRATES is written for, or None."""
    for version in PYO3_CRATES:
        if (DEBIAN_CARGO_REGISTRY / f"pyo3-{version}").is_dir():
            return version
    return None


def build_pyo3(name, py, facts, out, log_dir):
    cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    if not Path(cargo).exists():
        raise Unavailable("no cargo on PATH (Rust is needed for the PyO3 fixture)")
    version = debian_pyo3_version()
    if version is None:
        raise Unavailable(f"none of PyO3 {', '.join(PYO3_CRATES)} is in {DEBIAN_CARGO_REGISTRY} (Debian package "
                          "librust-pyo3-dev, in run.sh's TEST_PACKAGES)")
    # A copy of the crate with a cargo config of its own: offline, crates.io replaced by
    # Debian's directory, nothing written to ~/.cargo.
    crate = out / "pyo3" / "crate"
    if crate.exists():
        shutil.rmtree(crate)
    shutil.copytree(PYO3_CRATES[version], crate)
    (crate / ".cargo").mkdir(exist_ok=True)
    (crate / ".cargo" / "config.toml").write_text(
        "[net]\noffline = true\n"
        "[source.crates-io]\nreplace-with = \"debian\"\n"
        f"[source.debian]\ndirectory = \"{DEBIAN_CARGO_REGISTRY}\"\n")
    # One target dir per Python: pyo3-ffi's build script reads PYO3_PYTHON, and sharing one
    # would rebuild PyO3 every time the other Python's turn comes.
    target_dir = out / "pyo3" / f"target-{facts['minor']}"
    env = dict(os.environ, PYO3_PYTHON=str(py), CARGO_TARGET_DIR=str(target_dir))
    log = log_dir / f"{name}-{facts['minor']}.log"
    with open(log, "w") as f:
        rc = run([cargo, "build", "--release", "--offline", "--manifest-path", crate / "Cargo.toml"], f, env=env,
                 cwd=crate)  # cargo reads .cargo/config.toml from its working directory up
    if rc != 0:
        text = Path(log).read_text(errors="replace")
        if "no matching package" in text or "failed to select a version" in text or "failed to load source" in text:
            raise Unavailable(f"cargo could not resolve PyO3 offline:\n{tail(log)}")
        raise Failed(f"cargo build failed:\n{tail(log)}")
    shutil.copyfile(target_dir / "release" / f"lib{name}.so", out / "modules" / (name + facts["suffix"]))
    return {"generator_version": version}


# name -> builder(py, facts, vpy, out, log_dir). The module names are the fixtures' names in
# generators_test.cpp and README.md.
MODULES = {
    "gen_pybind11": lambda py, f, v, o, l: build_pybind11("gen_pybind11", False, f, v, o, l),
    "gen_pybind11_own_gil": lambda py, f, v, o, l: build_pybind11("gen_pybind11_own_gil", True, f, v, o, l),
    "gen_nanobind": lambda py, f, v, o, l: build_nanobind("gen_nanobind", f, v, o, l),
    "gen_cython": lambda py, f, v, o, l: build_cython("gen_cython", False, f, v, o, l),
    "gen_cython_own_gil": lambda py, f, v, o, l: build_cython("gen_cython_own_gil", True, f, v, o, l),
    "gen_pyo3": lambda py, f, v, o, l: build_pyo3("gen_pyo3", py, f, o, l),
}
NEEDS_VENV = {"gen_pybind11", "gen_pybind11_own_gil", "gen_nanobind", "gen_cython", "gen_cython_own_gil"}


def build_one(name, py, facts, vpy, venv_problem, out, log_dir):
    if name in NEEDS_VENV and venv_problem is not None:
        return venv_problem
    try:
        facts_of_build = MODULES[name](py, facts, vpy, out, log_dir) or {}
        return {"status": "built", "file": str(out / "modules" / (name + facts["suffix"])), **facts_of_build}
    except Unavailable as e:
        return {"status": "unavailable", "reason": str(e)}
    except Failed as e:
        return {"status": "failed", "reason": str(e)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--python", action="append", required=True)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    out = args.out.resolve()
    log_dir = out / "logs"
    for d in (out, out / "modules", out / "stamps", log_dir):
        d.mkdir(parents=True, exist_ok=True)

    manifest = {"modules_dir": str(out / "modules"), "pythons": []}
    for py in args.python:
        facts = python_facts(py)
        vpy, venv_problem = None, None
        try:
            vpy = make_venv(py, facts, out, log_dir)
        except Unavailable as e:
            venv_problem = {"status": "unavailable", "reason": str(e)}
        except Failed as e:
            venv_problem = {"status": "failed", "reason": str(e)}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {n: pool.submit(build_one, n, py, facts, vpy, venv_problem, out, log_dir) for n in MODULES}
            modules = {n: f.result() for n, f in futures.items()}
        manifest["pythons"].append({"version": facts["version"], "minor": facts["minor"], "executable": py,
                                    "modules": modules})
        for n, m in modules.items():
            print(f"build_generators: {facts['version']} {n}: {m['status']}"
                  + ("" if m["status"] == "built" else " (" + m["reason"].splitlines()[0] + ")"), flush=True)
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp.replace(out / "manifest.json")
    stamp = out / "complete.stamp"
    if all(m["status"] == "built" for p in manifest["pythons"] for m in p["modules"].values()):
        stamp.write_text("every module built\n")
    elif stamp.exists():
        stamp.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
