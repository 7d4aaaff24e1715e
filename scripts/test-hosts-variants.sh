#!/usr/bin/env bash
# The distribution suites (ctest label `hosts`) once per way a machine may
# resolve its own host name, each run in a private mount and network
# namespace with a generated file bind-mounted over /etc/hosts:
#
#   loopback   host name -> 127.0.0.1
#   debian     host name -> 127.0.1.1 (what the Debian installer writes)
#   container  host name -> 198.18.0.2, an address of the namespace's lo that
#              is not loopback (a container's own address)
#   none       no entry for the host name at all
#
# Usage: scripts/test-hosts-variants.sh [BUILD_DIR]   (default: build)
# Needs a build with the suites compiled, unshare and mount (util-linux) and
# ip (iproute2); as root, or with user namespaces (`unshare -r`). The
# variants' hosts files and logs go to BUILD_DIR/hosts-variants/. Prints one
# line per variant and fails if any variant fails.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
if [[ ! -f $build/CTestTestfile.cmake ]]; then
  echo "test-hosts-variants: $build is not a configured build tree" >&2
  exit 2
fi
build=$(cd "$build" && pwd)
for tool in unshare:util-linux mount:mount ip:iproute2 ctest:cmake; do
  if ! command -v "${tool%%:*}" >/dev/null; then
    echo "test-hosts-variants: ${tool%%:*} is missing (apt-get install" \
      "${tool#*:})" >&2
    exit 2
  fi
done

out=$build/hosts-variants
mkdir -p "$out"
jobs=${CAFE_TEST_JOBS:-$(nproc)}

# The names a node completes its own name with: the host name as `hostname`
# prints it, and its first label when that differs (an FQDN).
host=$(hostname)
names=$host
if [[ $host == *.* ]]; then
  names="$host ${host%%.*}"
fi

# The container variant's address: TEST-NET-like benchmarking space
# (198.18.0.0/15), never routed, so it exists only inside the namespace.
container_address=198.18.0.2

# hosts_file VARIANT: the /etc/hosts of a variant (localhost always there).
hosts_file() {
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n'
  case $1 in
    loopback) printf '127.0.0.1\t%s\n' "$names" ;;
    debian) printf '127.0.1.1\t%s\n' "$names" ;;
    container) printf '%s\t%s\n' "$container_address" "$names" ;;
    none) ;;
  esac
}

unshare_args=(-m -n)
if ((EUID != 0)); then
  unshare_args=(-r -m -n)
fi

# The commands run inside the namespace: $1 hosts file, $2 extra address for
# lo (or empty), $3 build dir, $4 jobs. unshare -m makes the mounts private,
# so the bind mount never leaks out.
# shellcheck disable=SC2016
inner='
set -eu
ip link set lo up
if [ -n "$2" ]; then ip addr add "$2/32" dev lo; fi
if [ -e /etc/hosts ]; then
  mount --bind "$1" /etc/hosts
else
  # A bare root has no /etc/hosts to cover: a private copy of /etc with one.
  etc=$(dirname "$1")/etc.$(basename "$1")
  rm -rf "$etc" && mkdir -p "$etc" && cp -a /etc/. "$etc/"
  cp "$1" "$etc/hosts"
  mount --bind "$etc" /etc
fi
echo "== /etc/hosts"; cat /etc/hosts
echo "== host name $(hostname) resolves to:" \
  "$(getent hosts "$(hostname)" | awk "{print \$1}" | tr "\n" " ")"
exec ctest --test-dir "$3" -L hosts -j"$4" --output-on-failure --timeout 600
'

variants=(loopback debian container none)
failed=()
total_start=$(date +%s)
for v in "${variants[@]}"; do
  file=$out/hosts.$v
  log=$out/$v.log
  hosts_file "$v" >"$file"
  extra=""
  [[ $v == container ]] && extra=$container_address
  start=$(date +%s)
  if unshare "${unshare_args[@]}" sh -c "$inner" sh "$file" "$extra" \
    "$build" "$jobs" >"$log" 2>&1; then
    result=passed
  else
    result=FAILED
    failed+=("$v")
  fi
  secs=$(($(date +%s) - start))
  summary=$(grep -E '^[0-9]+% tests passed' "$log" || echo "no ctest summary")
  printf 'hosts variant %-9s %-6s %4d s  (%s; log %s)\n' \
    "$v" "$result" "$secs" "$summary" "$log"
  if [[ $result == FAILED ]]; then
    # The failing suites' names, so CI logs show them without the file.
    sed -n '/The following tests FAILED/,$p' "$log" | sed 's/^/    /'
  fi
done
echo "hosts variants: $((${#variants[@]} - ${#failed[@]}))/${#variants[@]}" \
  "passed in $(($(date +%s) - total_start)) s"
if ((${#failed[@]} > 0)); then
  echo "hosts variants failed: ${failed[*]}" >&2
  exit 1
fi
