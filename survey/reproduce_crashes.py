"""Reproduces every crash/timeout cell of an ecosystem report (survey/ecosystem.py) with CPython's own
_interpreters (survey/reproduce_crash.py), RUNS times each: python3 survey/reproduce_crashes.py REPORT.json [RUNS]"""
import json, subprocess, sys, glob, os, collections
from pathlib import Path
report = json.load(open(sys.argv[1])); runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
pythons = {p["version"]: p["executable"] for p in report["pythons"]}
cache = os.path.expanduser("~/.cache/isocheck/wheels")
def paths(ver):
    minor = "cp3" + ver.split(".")[1]
    return sorted(glob.glob(f"{cache}/*-{minor}-*") + glob.glob(f"{cache}/*-py3-none-*") +
                  glob.glob(f"{cache}/*-py2.py3-none-*") + glob.glob(f"{cache}/*-abi3-*"))
mode_of = {"concurrent": "concurrent", "cycles": "cycles", "import": "import", "reimport": "reimport",
           "isolation": "lifo"}
def check_one(c, cfg, check, mode):
    results = []
    for _ in range(runs):
        try:
            r = subprocess.run([pythons[c["python"]], str(Path(__file__).resolve().parent / "reproduce_crash.py"), mode, cfg if cfg != "main" else "isolated",
                                c["module"], *paths(c["python"])], capture_output=True, text=True, timeout=120)
            results.append(r.returncode)
        except subprocess.TimeoutExpired:
            results.append("timeout")
    print(f"{c['module']} {c['python']} {cfg} {check}->{mode}: isocheck {c['outcome']} | _interpreters rc {results} | {c['summary'][:110]}", flush=True)
seen = set()
for c in report["cells"]:
    if c["outcome"] not in ("crash", "timeout"): continue
    check, variant = c["check"], c.get("variant") or ""
    cfg = c["config"]
    if check == "teardown":
        variants = c.get("details", {}).get("variants", {})
        modes = [v for v, d in variants.items() if d.get("outcome") in ("crash", "timeout")] or ["fifo"]
    else:
        modes = [mode_of.get(check)]
    if modes == [None]:
        print(f"NO-MAP {c['module']} {c['python']} {cfg} {check}: {c['summary'][:120]}"); continue
    for mode in modes:
      if cfg == "main" and mode == "import": mode = "main"
      key = (c["module"], c["python"], cfg, mode)
      if key in seen: continue
      seen.add(key)
      check_one(c, cfg, check, mode)

