#!/usr/bin/env bash
# isocheck's one entry point (spec/cli.md):
#   ./run.sh              install what is missing, build the driver and hosts, run the default job
#   ./run.sh test         same set-up, build everything, then the whole test suite (CTest)
#   ./run.sh run ARGS...  same set-up, then `isocheck run ARGS...`
#   ./run.sh ARGS...      same set-up, then `isocheck ARGS...`
#   ./run.sh lane testing the test suite and the survey inside a Debian testing root (README
#                         "The Debian testing lane")
set -euo pipefail
cd "$(dirname "$0")"

BUILD_DIR=${ISOCHECK_BUILD_DIR:-build}
# Debian packages the build and the tests need. CPython 3.12+ itself is not installed here:
# the hosts are built for whatever embeddable CPythons the machine has (PATH, pyenv,
# -DISOCHECK_PYTHONS=...).
PACKAGES=(cmake ninja-build g++ pkg-config nlohmann-json3-dev libcli11-dev
          libfmt-dev libgtest-dev libgmock-dev libelf-dev libdw-dev libtomlplusplus-dev libcapstone-dev)
# Boost >= 1.81 (Boost.Process v2). Debian 12's default libboost-dev is 1.74, so there the
# versioned package is needed; on later releases (testing: 1.9x) the default is new enough,
# and there Process v2 is a compiled library in its own package.
BOOST_PACKAGES=(libboost1.81-dev)
# Only `./run.sh test` needs these: xmllint validates the JUnit report against its XSD, headless
# Chromium renders the HTML report (reports/*_test.cpp); cargo and Debian's PyO3 build the PyO3
# fixture offline (targets/generators/: crates.io is not reachable, Debian's crates are).
TEST_PACKAGES=(libxml2-utils chromium cargo librust-pyo3-dev)

log() { printf 'run.sh: %s\n' "$*" >&2; }

pick_boost_packages() {
  command -v apt-cache >/dev/null || return 0
  local candidate
  candidate=$(apt-cache policy libboost-dev 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && dpkg --compare-versions "$candidate" ge 1.81; then
    BOOST_PACKAGES=(libboost-dev libboost-process-dev)
  fi
}

install_missing_packages() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
    log "no apt-get here: install CMake >= 3.25, Ninja, a C++20 compiler, pkg-config, Boost >= 1.81 with Boost.Process, nlohmann-json 3, CLI11, fmt, GoogleTest + GoogleMock, libelf, libdw and toml++ 3 yourself (tests: xmllint, Chromium)"
    return 0
  fi
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  # Another apt (unattended upgrades, a second checkout's run.sh) may hold dpkg's lock: wait
  # for it rather than fail the build.
  local apt=(apt-get -o DPkg::Lock::Timeout=600)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${apt[@]}" update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
}

# build [TARGET]: the whole tree for the tests, or only TARGET (the driver and its hosts).
build() {
  local werror=${ISOCHECK_WERROR:-OFF}
  [ -n "${CI:-}" ] && werror=ON
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISOCHECK_WERROR="$werror" >&2
  fi
  local start=$SECONDS
  cmake --build "$BUILD_DIR" ${1:+--target "$1"} >&2
  log "build: $((SECONDS - start)) s"
}

# The default job (spec/cli.md): the survey of every standard-library extension module of
# every discovered CPython >= 3.12, with the reports under reports/out/. Its exit status is the
# gate's: the standard library has real defects on some versions, so 1 is an expected answer.
default_job() {
  local out=${ISOCHECK_REPORTS_DIR:-reports/out}
  mkdir -p "$out"
  "$BUILD_DIR/bin/isocheck" survey --json "$out/survey.json" --junit "$out/survey.junit.xml" \
    --markdown "$out/survey.md" --html "$out/survey.html" \
    --badge "$out/badge.svg" --badge-json "$out/badge.json"
}

if [ "${1:-}" = lane ]; then
  shift
  exec "$(pwd)/lanes/debian-lane.sh" "$@"
fi

pick_boost_packages
if [ "${1:-}" = test ]; then
  install_missing_packages "${PACKAGES[@]}" "${BOOST_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  build
else
  install_missing_packages "${PACKAGES[@]}" "${BOOST_PACKAGES[@]}"
  build isocheck_tool
fi
case "${1:-}" in
  "") default_job ;;
  test) ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 1800 ;;
  *) exec "$BUILD_DIR/bin/isocheck" "$@" ;;
esac
