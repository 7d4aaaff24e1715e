#!/usr/bin/env bash
# The whole test suite, as on a fresh Debian 12 machine: installs what it
# needs, builds, runs every suite (real erl/elixir peers included), then the
# distribution suites under four /etc/hosts variants, then the sanitized
# suites under ASan+UBSan and under TSan (clang), then the format check.
# Prints how long each stage took at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache keys on relative paths, so every checkout shares one cache.
export CCACHE_BASEDIR="$PWD"
# Debug info then names the first checkout's directory, which is fine for
# tests; without this every checkout of a -g build misses the cache.
export CCACHE_NOHASHDIR=true

# One seed for every random and property test (tests/support env.hpp
# `test_seed`), varied per commit so CI explores new inputs over time: the
# first 8 hex digits of HEAD as a number, or today's date without git. A
# caller's CAFE_TEST_SEED wins, to rerun a failure.
if [[ -z "${CAFE_TEST_SEED:-}" ]]; then
  if head=$(git rev-parse HEAD 2>/dev/null); then
    CAFE_TEST_SEED=$((16#${head:0:8}))
  else
    CAFE_TEST_SEED=$(date +%Y%m%d)
  fi
fi
export CAFE_TEST_SEED
echo "CAFE_TEST_SEED=$CAFE_TEST_SEED (rerun a suite with it: CAFE_TEST_SEED=$CAFE_TEST_SEED ctest --test-dir build -R '^suite\$')"

stage_start=$(date +%s)
stage_times=()
stage_done() { # NAME
  local now
  now=$(date +%s)
  stage_times+=("$1 $((now - stage_start)) s")
  stage_start=$now
}

scripts/setup-deps.sh --tests
# The npm packages of the chat's tests (package-lock.json), again whenever
# the lockfile is newer than the last install or a dev package is missing
# (scripts/demo.sh installs without them). No install scripts run:
# playwright-core drives Debian's chromium and never downloads a browser.
if [[ ! -d node_modules/playwright-core || ! -d node_modules/ws \
  || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
stage_done "packages"

jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
stage_done "build (g++)"
ctest --test-dir build -j"$jobs" --output-on-failure --timeout 600
stage_done "suites"

# The distribution suites again under each way the host name may resolve
# (127.0.0.1, Debian's 127.0.1.1, a container's own address, not at all).
scripts/test-hosts-variants.sh build
stage_done "hosts variants"

# Sanitizer builds, with clang, so that CI also compiles the tree with a
# second compiler: ASan+UBSan over the suites labelled `sanitize` (fuzzing,
# truncation, protocol cores, the mapping, the live node and bridge against
# real erl, the runtime, the chat's protocol core, rooms and HTTP server),
# then TSan over those labelled `tsan` (connection, node and bridge, where
# Asio threads hand over to CAF, and the chat's HTTP server). Apps are
# configured for their suites; only the test executables and what they
# link are built. CMake keeps the compiler a build
# tree was first configured with, so a g++ tree starts over.
sanitized_build() { # DIR SANITIZERS LABEL BUILD_TYPE
  if [[ -f $1/CMakeCache.txt ]] \
    && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++$' "$1/CMakeCache.txt"; then
    rm -rf "$1"
  fi
  CC=clang CXX=clang++ cmake -S . -B "$1" -G Ninja \
    -DCMAKE_BUILD_TYPE="$4" \
    -DCAFE_SANITIZE="$2" -DCAFE_SANITIZE_SUITES="$3" \
    -DCAFE_BUILD_APPS=ON -DCAFE_BUILD_BENCH=OFF
  local targets
  targets=$(cmake --build "$1" --target help \
    | sed -n 's/^\(test_[a-z0-9_]*\): .*/\1/p')
  # ccache does not hash the ignore list a flag names: make it.
  # shellcheck disable=SC2086
  CCACHE_EXTRAFILES="$PWD/cmake/sanitizer_ignorelist.txt" \
    cmake --build "$1" -j"$jobs" --target $targets
}

sanitized_build build-asan address,undefined sanitize Debug
stage_done "ASan+UBSan build (clang)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure -L sanitize
stage_done "ASan+UBSan suites"

# TSan sees only instrumented code. Debian's libcaf_core is not, so TSan
# misses the atomics with which CAF hands actors and messages between
# threads and reports every actor start and every message as a race
# (suppressing those would hide cafe's own races in actors too: see
# tests/tsan.supp). The TSan suites therefore run with libcaf_core built
# from Debian's own source package of the installed version, with clang and
# -fsanitize=thread, its sources compiled against the installed headers
# (so exactly the ABI cafe is built against), with the same soname, found
# first through LD_LIBRARY_PATH. The upstream tarball comes with apt-get
# source from the same archive as the packages (apt checks it against the
# signed index), through a private deb-src list: the machine's own apt
# configuration is left as it is.
tsan_caf_core() { # DIR: leaves DIR/lib/libcaf_core.so.<version>
  local dir=$1 ver src
  ver=$(dpkg-query -W -f='${source:Version}' libcaf-core0.17)
  src=$dir/src/actor-framework-${ver%%-*}
  if [[ ! -f $src/libcaf_core/CMakeLists.txt ]]; then
    local apt=$PWD/$dir/apt f
    mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$dir/src"
    : >"$apt/sources.list"
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources; do
      [[ -f $f ]] || continue
      case $f in
        *.sources) sed 's/^Types:.*/Types: deb-src/' "$f" ;;
        *) sed -n 's/^deb\([[:space:]]\)/deb-src\1/p' "$f" ;;
      esac >"$apt/sources.list.d/$(basename "$f")"
    done
    local opts=(-o Dir::Etc::SourceList="$apt/sources.list"
      -o Dir::Etc::SourceParts="$apt/sources.list.d"
      -o Dir::State::Lists="$apt/lists"
      -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
      -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" -qq update
    (cd "$dir/src" && apt-get "${opts[@]}" -qq source --tar-only \
      --download-only "actor-framework=$ver")
    tar -xf "$dir"/src/actor-framework_"${ver%%-*}".orig.tar.* -C "$dir/src"
  fi
  local soname=libcaf_core.so.${ver%%-*} s srcs objs=()
  # libcaf_core's own list of sources, from its CMakeLists.txt.
  mapfile -t srcs < <(sed -n \
    '/^set(LIBCAF_CORE_SRCS/,/^)/s/^ *\(src\/.*\.cpp\)$/\1/p' \
    "$src/libcaf_core/CMakeLists.txt")
  (( ${#srcs[@]} > 100 )) # the list was found
  {
    echo "flags = -std=c++17 -O2 -g -fPIC -pthread -fsanitize=thread" \
      "-fno-omit-frame-pointer -ftemplate-depth=512"
    echo "rule cxx"
    echo "  command = $(command -v ccache || true) clang++ \$flags -MD -MF \$out.d -c \$in -o \$out"
    echo "  depfile = \$out.d"
    echo "rule so"
    echo "  command = clang++ -shared -fsanitize=thread -pthread -Wl,-soname,$soname -o \$out \$in"
    for s in "${srcs[@]}"; do
      echo "build obj/${s%.cpp}.o: cxx $PWD/$src/libcaf_core/$s"
      objs+=("obj/${s%.cpp}.o")
    done
    echo "build lib/$soname: so ${objs[*]}"
  } >"$dir/build.ninja"
  ninja -C "$dir" -j"$jobs" >"$dir/build.log" \
    || { tail -n 40 "$dir/build.log"; return 1; }
}

sanitized_build build-tsan thread tsan RelWithDebInfo
tsan_caf_core build-tsan/caf-core
# The suites must load that libcaf_core, not Debian's.
grep -q "=> $PWD/build-tsan/caf-core/lib/libcaf_core" <<<"$(
  LD_LIBRARY_PATH=$PWD/build-tsan/caf-core/lib \
    ldd build-tsan/tests/bridge/actor/test_bridge_actor_interop)"
stage_done "TSan build (clang)"
LD_LIBRARY_PATH=$PWD/build-tsan/caf-core/lib \
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir build-tsan -j"$jobs" --output-on-failure -L tsan
stage_done "TSan suites"

scripts/check-format.sh
stage_done "format"
echo "stage times: ${stage_times[*]/%/;}"
