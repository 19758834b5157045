#!/usr/bin/env bash
# ./run.sh lane testing: the whole test suite and the survey inside a Debian testing root
# (issue #14), so that a newer toolchain (GCC, Boost, fmt, CMake) and newer CPythons (3.14,
# 3.13.x, their debug builds) are checked on a Debian 12 machine without touching its own
# packages or its build/. README "The Debian testing lane".
#
# The root lives outside the checkout, in ${ISOCHECK_LANE_CACHE:-/var/cache/isocheck/lanes}/SUITE,
# and is reused: a second run only refreshes its packages. Inside it, the checkout's own
# ./run.sh installs the build packages and runs the tests, against a copy of the work tree
# (the checkout itself is never written to) and a build directory of the root's own.
set -euo pipefail

usage() { printf 'run.sh lane: %s\n' "$*" >&2; exit 2; }
log() { printf 'lane: %s\n' "$*" >&2; }
# Exit 75 (EX_TEMPFAIL): the Debian registry did not give the root or its CPythons (network,
# a mirror mid-sync, testing's packages uninstallable for a while). Not isocheck's failure:
# .ci/run reports it and goes on; the build and the tests never exit with it.
EXIT_REGISTRY=75
registry_failed() { log "the Debian registry failed us: $* (exit $EXIT_REGISTRY: retry later)"; exit $EXIT_REGISTRY; }

[ $# -eq 1 ] || usage "usage: ./run.sh lane testing"
SUITE=$1
# The CPythons the lane exists for: every one gets a host, the -dbg ones a debug host of their
# own. Names checked with `apt-cache policy` inside a testing root (2026-12-02).
case "$SUITE" in
  testing) PYTHON_PACKAGES=(python3.14 python3.14-dev python3.14-dbg libpython3.14-dev
                            libpython3.14-dbg python3.14-venv python3.13 python3.13-dev
                            python3.13-dbg libpython3.13-dev libpython3.13-dbg python3.13-venv) ;;
  *) usage "unknown lane '$SUITE' (known: testing)" ;;
esac
[ "$(id -u)" -eq 0 ] || usage "the lane needs root (debootstrap, mount, chroot): sudo ./run.sh lane $SUITE"
command -v apt-get >/dev/null || usage "the lane needs apt-get and debootstrap (a Debian host)"

CHECKOUT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${ISOCHECK_LANE_CACHE:-/var/cache/isocheck/lanes}
ROOT=$CACHE/$SUITE
case "$ROOT/" in
  "$CHECKOUT"/*) usage "ISOCHECK_LANE_CACHE must be outside the checkout ($CHECKOUT)" ;;
esac
# Inside the root: the copy of the work tree, its build directory and the survey's reports.
LANE_DIR=/isocheck-lane

phase_start=0
phase() { phase_start=$SECONDS; log "$*"; }
phase_done() { log "$1: $((SECONDS - phase_start)) s"; }

# The Debian mirror this machine's apt already uses for its own release (deb822 or one-line
# sources); ISOCHECK_LANE_MIRROR overrides it.
host_mirror() {
  local codename
  codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v want="$codename" '
      /^URIs:/ { uris = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == want) found = 1 }
      /^$/ { if (found && uris != "") print uris; found = 0; uris = "" }
      END { if (found && uris != "") print uris }'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      awk -v want="$codename" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i + 1) == want) print $i; break } }'
  } | head -n 1
}

mkdir -p "$CACHE"
# Canonical, so that processes_in_root can compare it with /proc/PID/root.
CACHE=$(cd "$CACHE" && pwd -P)
ROOT=$CACHE/$SUITE
# Written last when a root is complete: a root without it (an interrupted debootstrap) is
# made again rather than trusted.
READY=$ROOT/.isocheck-lane-ready
exec 9>"$CACHE/$SUITE.lock"
flock -n 9 || usage "another lane run holds $CACHE/$SUITE.lock"

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
    registry_failed "cannot install debootstrap"
fi

if [ ! -f "$READY" ]; then
  # Either kind of sources file may be missing (cat fails under pipefail): an empty answer
  # is the error below, not a silent exit.
  mirror=${ISOCHECK_LANE_MIRROR:-$(host_mirror || true)}
  [ -n "$mirror" ] || usage "no Debian mirror found in /etc/apt/sources*; set ISOCHECK_LANE_MIRROR=http://deb.debian.org/debian"
  rm -rf "$ROOT.tmp"
  phase "debootstrap --variant=minbase $SUITE $ROOT $mirror"
  debootstrap --variant=minbase "$SUITE" "$ROOT.tmp" "$mirror" > "$CACHE/$SUITE.debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/$SUITE.debootstrap.log" >&2; registry_failed "debootstrap failed (log: $CACHE/$SUITE.debootstrap.log)"; }
  # This machine's mirror may serve a snapshot whose Release file is past its Valid-Until:
  # every apt-get inside the root (the checkout's run.sh included) must accept it.
  printf 'Acquire::Check-Valid-Until "false";\n' > "$ROOT.tmp/etc/apt/apt.conf.d/99isocheck-lane"
  rm -rf "$ROOT"
  mv "$ROOT.tmp" "$ROOT"
  phase_done debootstrap
  touch "$READY"
fi

# Mounts the tests need inside: /proc (the driver reads /proc/PID, hosts /proc/self/maps),
# /sys, /dev with its pts and shm (pipes to gdb, POSIX semaphores of _multiprocessing). Every
# one is undone on exit, whatever the outcome.
MOUNTED=()
# Every process whose root directory is the lane's root: what a killed lane left running
# (a survey's hosts, a build) would otherwise keep the mounts busy and the CPUs loaded.
processes_in_root() {
  local link pid
  for link in /proc/[0-9]*/root; do
    pid=${link#/proc/}
    pid=${pid%/root}
    [ "$(readlink "$link" 2>/dev/null)" = "$ROOT" ] && printf '%s\n' "$pid"
  done
  return 0
}
stop_processes_in_root() {
  local pids
  pids=$(processes_in_root)
  [ -z "$pids" ] && return 0
  log "stopping $(printf '%s\n' "$pids" | wc -l) process(es) left in $ROOT"
  kill -TERM $pids 2>/dev/null || true
  sleep 2
  pids=$(processes_in_root)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
  return 0
}
cleanup() {
  local i
  stop_processes_in_root
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount -R "${MOUNTED[$i]}" 2>/dev/null || umount -lR "${MOUNTED[$i]}" || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mount_in_root() {
  local target=$ROOT$1
  shift
  mountpoint -q "$target" && return 0
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTED+=("$target")
}

# In the background and waited for: bash runs a trap only once its foreground child is done,
# so a TERM to the lane would otherwise wait for the whole test suite; `wait` is interrupted
# at once, and cleanup then stops what runs in the root.
in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "${NETWORK_ENV[@]}" "$@" &
  wait $!
}

# This machine's way out to the package index, for pip inside the root (the binding-generator
# fixtures' venvs): its proxy and index settings, and its CA bundle, which may hold a CA the
# root's own bundle lacks (an intercepting proxy: pip in the root then fails with
# CERTIFICATE_VERIFY_FAILED, and the generator fixtures would be skipped as "unavailable").
NETWORK_ENV=()
network_settings_into_root() {
  local name bundle=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
  for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY PIP_INDEX_URL \
              PIP_EXTRA_INDEX_URL PIP_TRUSTED_HOST PIP_DEFAULT_TIMEOUT; do
    [ -n "${!name:-}" ] && NETWORK_ENV+=("$name=${!name}")
  done
  if [ -f "$bundle" ]; then
    mkdir -p "$ROOT/etc/isocheck-lane"
    cp "$bundle" "$ROOT/etc/isocheck-lane/host-ca-certificates.crt"
    NETWORK_ENV+=(PIP_CERT=/etc/isocheck-lane/host-ca-certificates.crt
                  SSL_CERT_FILE=/etc/isocheck-lane/host-ca-certificates.crt)
  fi
  return 0
}

mount_in_root /proc -t proc proc
mount_in_root /sys -t sysfs sysfs
mount_in_root /dev --rbind /dev
mount --make-rslave "$ROOT/dev"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
network_settings_into_root

phase "apt in the root: update, upgrade, ${PYTHON_PACKAGES[*]}"
in_root apt-get -o Acquire::Check-Valid-Until=false update -qq || registry_failed "apt-get update in the root"
in_root apt-get -y -qq upgrade >/dev/null || registry_failed "apt-get upgrade in the root"
in_root apt-get install -y -qq --no-install-recommends "${PYTHON_PACKAGES[@]}" >/dev/null ||
  registry_failed "cannot install ${PYTHON_PACKAGES[*]} in the root"
phase_done "apt in the root"

# A copy, not a bind mount: the tests write next to their sources (goldens under
# ISOCHECK_UPDATE_GOLDEN, reports) and must not reach the host's checkout. tar keeps the
# mtimes, so an unchanged file does not make ninja rebuild in the root's build directory.
phase "copying the work tree to $ROOT$LANE_DIR/src"
rm -rf "$ROOT$LANE_DIR/src"
mkdir -p "$ROOT$LANE_DIR/src"
(cd "$CHECKOUT" && git ls-files -z --cached --others --exclude-standard |
  xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
  tar --null -T - -cf -) | tar -xf - -C "$ROOT$LANE_DIR/src"
phase_done copy

LANE_ENV=(ISOCHECK_BUILD_DIR=$LANE_DIR/build ISOCHECK_REPORTS_DIR=$LANE_DIR/out ISOCHECK_WERROR=ON)
[ -n "${CI:-}" ] && LANE_ENV+=(CI="$CI")

phase "./run.sh test in the root (build packages, -Werror build, CTest)"
test_status=0
in_root "${LANE_ENV[@]}" "$LANE_DIR/src/run.sh" test || test_status=$?
phase_done "./run.sh test"

# The survey's exit 1 is the standard library's real defects (README "The survey"), so it
# must not be confused with a build that failed: the driver is built (or found built) first.
survey_status=0
if in_root "${LANE_ENV[@]}" "$LANE_DIR/src/run.sh" --version >/dev/null; then
  phase "survey in the root"
  in_root "${LANE_ENV[@]}" "$LANE_DIR/src/run.sh" || survey_status=$?
  phase_done survey
  log "survey reports: $ROOT$LANE_DIR/out/"
else
  survey_status=3
  log "no survey: the driver does not build"
fi

if [ "$test_status" -ne 0 ] || [ "$survey_status" -gt 1 ]; then
  log "FAILED: ./run.sh test exited $test_status, the survey $survey_status"
  exit 1
fi
log "passed (survey exit status $survey_status)"
