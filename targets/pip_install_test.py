"""CTest `pip_install` (issue #15): isocheck installed with pip into a clean venv, then run.

    python -I pip_install_test.py --source DIR --work DIR --fixtures DIR --second-python EXE

1. a clean venv (`--work`/venv) of the Python running this script;
2. `pip install --source` into it, with build isolation: the build backend comes from the
   package index (exit 77, CTest's skip, when pip cannot reach it: never a silent pass);
3. the installed `isocheck run` on two fixtures under the venv's own Python (the host pip
   built) and under `--second-python` (a host built on demand into XDG_CACHE_HOME), asserting
   their verdicts; a second run under that Python reuses the cached host.

Everything it writes (venv, pip's cache, isocheck's cache, reports) stays under --work.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

SKIP = 77

# Cells asserted (module, config, check) -> outcome, for every Python: a known-good fixture and
# a known-bad one (README's matrices; targets_test.cpp asserts the whole of them).
EXPECTED = {
    ("good_isolated", "main", "import"): "pass",
    ("good_isolated", "legacy", "import"): "pass",
    ("good_isolated", "isolated", "import"): "pass",
    ("good_isolated", "main", "reimport"): "pass",
    ("good_isolated", "legacy", "reimport"): "pass",
    ("good_isolated", "isolated", "reimport"): "pass",
    ("bad_singlephase_global", "main", "import"): "pass",
    ("bad_singlephase_global", "legacy", "import"): "pass",
    ("bad_singlephase_global", "isolated", "import"): "unsupported",
    ("bad_singlephase_global", "main", "reimport"): "fail",
    ("bad_singlephase_global", "legacy", "reimport"): "fail",
    ("bad_singlephase_global", "isolated", "reimport"): "unsupported",
}


def log(message):
    print(f"pip_install: {message}", flush=True)


def run(cmd, env, **kwargs):
    started = time.monotonic()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    return proc, time.monotonic() - started


def fail(message, proc=None):
    log(f"FAIL: {message}")
    if proc is not None:
        sys.stdout.write(proc.stdout[-8000:])
        sys.stdout.write(proc.stderr[-8000:])
    sys.exit(1)


def python_version(exe):
    out = subprocess.run([exe, "-I", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    return out.strip()


def check_run(isocheck, python, args, env, work, name):
    report = os.path.join(work, f"{name}.json")
    cmd = [isocheck, "run", "good_isolated", "bad_singlephase_global", "--path", args.fixtures,
           "--check", "import,reimport", "--json", report, "-j", "2"]
    if python:
        cmd += ["--python", python]
    proc, seconds = run(cmd, env, cwd=work)
    log(f"{name}: `{' '.join(cmd)}` exit {proc.returncode} in {seconds:.1f} s")
    if proc.returncode != 1:  # the bad fixture fails the gate; 0 or 2+ is wrong
        fail(f"{name}: expected exit 1 (a failing fixture), got {proc.returncode}", proc)
    with open(report) as f:
        cells = json.load(f)["cells"]
    return proc, cells


def assert_cells(cells, version, name):
    got = {(c["module"], c["config"], c["check"]): c["outcome"] for c in cells if c["python"] == version}
    if not got:
        fail(f"{name}: no cells for Python {version} (report has {sorted({c['python'] for c in cells})})")
    wrong = [f"{k}: {got.get(k)} (expected {v})" for k, v in EXPECTED.items() if got.get(k) != v]
    if wrong:
        fail(f"{name}: Python {version}: " + "; ".join(wrong))
    log(f"{name}: Python {version}: {len(EXPECTED)} cells as expected")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--second-python", default="")
    args = parser.parse_args()

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = os.path.join(work, "cache")   # isocheck's host and wheel caches
    env["PIP_CACHE_DIR"] = os.path.join(work, "pip-cache")
    env.pop("ISOCHECK_HOSTS", None)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)

    venv = os.path.join(work, "venv")
    try:
        import ensurepip  # noqa: F401  (Debian splits it out into python3.N-venv)
    except ImportError:
        log(f"SKIP: {sys.executable} cannot make a venv with pip: no ensurepip (Debian: python3.N-venv)")
        sys.exit(SKIP)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    vpython = os.path.join(venv, "bin", "python")
    version = python_version(vpython)
    log(f"clean venv {venv} (CPython {version})")

    # Can pip reach an index at all? The build backend comes from it (build isolation).
    probe, _ = run([vpython, "-m", "pip", "download", "--no-deps", "-d", os.path.join(work, "probe"),
                    "scikit-build-core==1.1.2"], env)
    if probe.returncode != 0:
        log("SKIP: pip cannot download scikit-build-core (no package index reachable); "
            "the last lines of pip's output follow")
        sys.stdout.write(probe.stderr[-2000:])
        sys.exit(SKIP)

    proc, seconds = run([vpython, "-m", "pip", "install", args.source], env)
    log(f"`pip install {args.source}`: exit {proc.returncode} in {seconds:.1f} s")
    if proc.returncode != 0:
        fail("pip install failed", proc)

    isocheck = os.path.join(venv, "bin", "isocheck")
    if not os.access(isocheck, os.X_OK):
        fail(f"no executable {isocheck} after pip install")
    tags = [line for line in open(os.path.join(
        venv, "lib", f"python{version.rsplit('.', 1)[0]}", "site-packages",
        next(d for d in os.listdir(os.path.join(venv, "lib", f"python{version.rsplit('.', 1)[0]}", "site-packages"))
             if d.startswith("isocheck-") and d.endswith(".dist-info")), "WHEEL")) if line.startswith("Tag:")]
    if tags != ["Tag: py3-none-linux_x86_64\n"]:
        fail(f"the wheel's tags are {tags}, not py3-none-linux_x86_64")
    for path in ("libexec/isocheck/isocheck-hosts.json", "share/isocheck/source/CMakeLists.txt"):
        if not os.path.exists(os.path.join(venv, path)):
            fail(f"{path} is not installed in the venv")

    # The venv's own Python: the host pip built.
    proc, cells = check_run(isocheck, "", args, env, work, "venv-python")
    if "building a host" in proc.stderr:
        fail("the venv's own Python needed a host built on demand: pip installed none", proc)
    assert_cells(cells, version, "venv-python")

    if not args.second_python:
        log("only one Python was discovered: the host built on demand is not exercised")
        return
    second = python_version(args.second_python)
    proc, cells = check_run(isocheck, args.second_python, args, env, work, "second-python")
    if "isocheck: building a host for CPython " + second not in proc.stderr:
        fail(f"no 'building a host' line for CPython {second}", proc)
    assert_cells(cells, second, "second-python")
    hosts = os.path.join(work, "cache", "isocheck", "hosts")
    entries = [e for e in os.listdir(hosts) if not e.endswith(".lock")]
    if len(entries) != 1 or not os.path.exists(os.path.join(hosts, entries[0], "ready")):
        fail(f"the host cache {hosts} holds {entries}, not one ready entry")

    proc, cells = check_run(isocheck, args.second_python, args, env, work, "second-python-again")
    if "building a host" in proc.stderr:
        fail("the second run built the host again instead of reusing the cache", proc)
    assert_cells(cells, second, "second-python-again")


if __name__ == "__main__":
    main()
