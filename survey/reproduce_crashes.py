"""Reproduces every crash/timeout cell of an ecosystem report (survey/ecosystem.py) with CPython's
own _interpreters (survey/reproduce_crash.py), no isocheck code, RUNS times each:

    python3 survey/reproduce_crashes.py REPORT.json [RUNS]

Each line gives isocheck's outcome beside the reproduction's exit statuses (negative: the signal).
Checks with no Python-level equivalent (leaks, reinit) are listed as NO-MAP."""
import glob
import json
import os
import subprocess
import sys
from pathlib import Path

REPRODUCE = Path(__file__).resolve().parent / "reproduce_crash.py"
# The check -> reproduce_crash.py mode; teardown takes the mode of each crashing variant.
MODE_OF = {"concurrent": "concurrent", "cycles": "cycles", "import": "import", "reimport": "reimport",
           "isolation": "lifo"}


def wheel_cache():
    """Where isocheck unpacks wheels (commands/wheels.cpp default_wheel_cache)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "isocheck" / "wheels"


def paths(cache, version):
    """The unpacked wheels a Python's cells had on their path: its own and the pure ones."""
    tag = "cp3" + version.split(".")[1]
    return sorted(p for pattern in (f"*-{tag}-*", "*-py3-none-*", "*-py2.py3-none-*", "*-abi3-*")
                  for p in glob.glob(str(cache / pattern)))


def reproduce(cell, config, mode, python_command, cache, runs):
    statuses = []
    for _ in range(runs):
        command = [*python_command, str(REPRODUCE), mode, config, cell["module"], *paths(cache, cell["python"])]
        try:
            statuses.append(subprocess.run(command, capture_output=True, timeout=120).returncode)
        except subprocess.TimeoutExpired:
            statuses.append("timeout")
    return statuses


def crashed(statuses):
    return any(s != 0 for s in statuses)


def modes_of(cell):
    if cell["check"] == "teardown":
        variants = cell.get("details", {}).get("variants", {})
        return [v for v, d in variants.items() if d.get("outcome") in ("crash", "timeout")] or ["fifo"]
    mode = MODE_OF.get(cell["check"])
    return [mode] if mode else []


def main():
    report = json.loads(Path(sys.argv[1]).read_text())
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    pythons = {p["version"]: p["executable"] for p in report["pythons"]}
    cache = wheel_cache()
    seen = set()
    for cell in report["cells"]:
        if cell["outcome"] not in ("crash", "timeout"):
            continue
        where = f"{cell['module']} {cell['python']} {cell['config']} {cell['check']}"
        modes = modes_of(cell)
        if not modes:
            print(f"NO-MAP {where}: {cell['summary'][:120]}", flush=True)
        for mode in modes:
            key = (cell["module"], cell["python"], cell["config"], mode)
            if key in seen:
                continue
            seen.add(key)
            python = pythons[cell["python"]]
            statuses = reproduce(cell, cell["config"], mode, [python], cache, runs)
            result = f"_interpreters rc {statuses}"
            if not crashed(statuses):
                # isocheck's subinterpreters import no `site` (its host runs site once, in main):
                # a use-after-free may fault only with that heap layout (orjson 3.13 legacy
                # middle: 0 of 12 plain runs, 8 of 12 under -S).
                result += f", under -S rc {reproduce(cell, cell['config'], mode, [python, '-S'], cache, runs)}"
            print(f"{where}->{mode}: isocheck {cell['outcome']} | {result} | {cell['summary'][:110]}", flush=True)


if __name__ == "__main__":
    main()
