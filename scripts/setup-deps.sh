#!/usr/bin/env bash
# Installs the Debian 12 packages cafe builds and tests with, by name.
# Idempotent and quick when everything is already there.
#   scripts/setup-deps.sh           what building and the demo need
#   scripts/setup-deps.sh --tests   also what only the tests need (chromium)
set -euo pipefail

with_tests=0
if [[ ${1:-} == --tests ]]; then with_tests=1; fi

packages=(
  # toolchain
  cmake ninja-build g++ pkg-config ccache clang-format
  # clang builds the sanitizer suites (scripts/test.sh); with
  # --no-install-recommends its ASan/UBSan runtimes need naming
  clang libclang-rt-14-dev
  # libraries
  libcaf-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libboost-program-options1.81-dev
  libc-ares-dev libssl-dev zlib1g-dev libspdlog-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # real peers for the tests (not the `erlang` metapackage: it pulls in wx)
  erlang-base erlang-dev erlang-src elixir
  dnsmasq-base
  # used by the tests' helper scripts
  python3 iproute2 procps
  # cafe-chat serves the phoenix npm package; its tests run in Node
  nodejs
)
# Debian's npm, unless an npm is already there (a nodesource nodejs brings
# its own and conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || packages+=(npm)
# The chat's browser tests drive Debian's Chromium (playwright-core never
# downloads a browser).
if ((with_tests)); then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

sudo=""
if ((EUID != 0)); then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
echo "Installing: ${missing[*]}"
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
