"""Holds every #include of isocheck's own headers to the layer rule (ARCHITECTURE.md "Layers"):
a file may include headers of its own layer and of the layers below it, never above. CMake links
the layers only downward; this catches an include that the link would let pass (a header-only
use of an upper layer).

    python3 cmake/check_layers.py SOURCE_DIR

Prints one line per violation and exits 1 if there is any."""
import pathlib
import re
import sys

# Each layer and the layers it may include (itself included).
BELOW = {
    "protocol": {"protocol"},
    "analysis": {"protocol", "analysis"},
    "model": {"protocol", "analysis", "model"},
    "reports": {"protocol", "analysis", "model", "reports"},
    "supervisor": {"protocol", "analysis", "model", "supervisor"},
    "commands": {"protocol", "analysis", "model", "reports", "supervisor", "commands"},
    "driver": {"protocol", "analysis", "model", "reports", "supervisor", "commands", "driver"},
    # The hosts: what runs inside the embedding process.
    "host": {"protocol", "analysis", "model", "host", "scenarios"},
    "scenarios": {"protocol", "analysis", "model", "host", "scenarios"},
}
# Where each layer's files are, relative to the source directory.
HOME = {layer: f"harness/{layer}" for layer in BELOW}
HOME.update({"reports": "reports", "scenarios": "scenarios"})
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/[^"]+"', re.MULTILINE)


def violations(source_dir):
    for layer, home in HOME.items():
        for path in sorted((source_dir / home).glob("*")):
            if path.suffix not in (".h", ".cpp", ".in"):
                continue
            for included in INCLUDE.findall(path.read_text()):
                if included in BELOW and included not in BELOW[layer]:
                    yield f"{path.relative_to(source_dir)}: {layer} includes {included}/ (allowed: " \
                          f"{', '.join(sorted(BELOW[layer]))})"


def main():
    source_dir = pathlib.Path(sys.argv[1])
    missing = [home for home in HOME.values() if not (source_dir / home).is_dir()]
    if missing:
        sys.exit(f"check_layers: no such layer directory: {', '.join(missing)}")
    found = list(violations(source_dir))
    for line in found:
        print(line)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
