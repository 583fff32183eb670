#!/usr/bin/env bash
# Install every Debian package phext-tpu needs to build, test, simulate and fuzz.
#
# Idempotent: when every package is already installed it only runs `dpkg-query`
# (well under a second) and exits 0. Otherwise it runs `apt-get update` once and
# installs the missing packages, through sudo when not root.
#
# Usage: scripts/install-deps.sh [--check]
#   --check   only report missing packages; exit 1 if any are missing.
set -euo pipefail

# One package per line; keep in sync with README.md ("What gets installed").
PACKAGES=(
  build-essential   # g++, make
  cmake
  pkg-config
  python3           # scripts/sv-params.py: C++ constants generated from the RTL packages
  ccache
  zlib1g-dev        # FST tracing links -lz; the verilator package does not depend on it
  verilator         # 5.006 on Debian 12
  yosys             # 0.23
  gtkwave
  libsystemc-dev    # 2.3.4
  catch2            # 2.13, header-only
  libcli11-dev
  nlohmann-json3-dev
  libfmt-dev
  libxxhash-dev
  gnuplot-nox       # make report (svg, pngcairo)
  graphviz          # make report: the pod's wiring and a packet's journey (dot)
  pandoc            # make report: docs/report/index.html
  jq                # scripts/calibrate-model.sh, scripts/soak-pod.sh
  parallel          # GNU parallel: scripts/soak-pod.sh runs its cases on every core
  libopenmpi-dev    # Open MPI: phtpu pod across processes and machines (mpirun); optional at build time
  openmpi-bin       # mpirun, for the tests of the MPI pod
  valgrind          # make bench: instruction counts (callgrind), steady whatever else the machine runs
  linux-perf        # make bench: the scaled pod's profile (perf record)
  lcov              # genhtml: make coverage's HTML report
  clang             # libFuzzer (make fuzz)
  libclang-rt-14-dev
)

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "install-deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps.sh: this script needs a Debian-based system (dpkg-query not found)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ $check_only -eq 1 ]; then
  echo "install-deps.sh: missing packages: ${missing[*]}" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo)
  elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    SUDO=(sudo)   # interactive: sudo will prompt for a password
  else
    echo "install-deps.sh: need root to install: ${missing[*]}; run as root or with sudo" >&2
    exit 1
  fi
fi

echo "install-deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q >&2 || { echo "install-deps.sh: apt-get update failed" >&2; exit 1; }
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
  { echo "install-deps.sh: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
