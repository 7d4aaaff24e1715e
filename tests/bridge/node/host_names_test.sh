#!/usr/bin/env bash
# Short names resolve the way the BEAM resolves them, whatever /etc/hosts
# says about this machine's host name. For each variant -- host name ->
# 127.0.0.1, -> 127.0.1.1 (Debian), -> 198.18.0.2 (a container's own
# address), no entry at all -- inside a private mount and network namespace:
#   1. erl tells the address it resolves the host name to (inet:getaddr);
#   2. cafe-node --sname a, with its defaults (every interface, embedded
#      EPMD), is pinged by a real `erl -sname b` dialing a@HOST: pong;
#   3. cafectl --sname c pings b@HOST: cafe itself resolves HOST (with no
#      entry, as erl does: its own host name is loopback) and gets pong.
# Everything runs inside namespaces this test makes; every process it starts
# is killed by PID.
#
# Usage: host_names_test.sh CAFE_NODE CAFECTL WORK_DIR
set -euo pipefail

cafe_node=$1
cafectl=$2
work=$3
for tool in erl unshare mount ip; do
  command -v "$tool" >/dev/null || {
    echo "host_names: $tool is missing (erlang-base, util-linux, mount," \
      "iproute2)" >&2
    exit 1
  }
done
rm -rf "$work"
mkdir -p "$work"
host=$(hostname)
short=${host%%.*}

unshare_args=(-m -n)
((EUID == 0)) || unshare_args=(-r -m -n)

# Runs inside the namespace: $1 variant.
inner() {
  local variant=$1 dir=$work/$1
  mkdir -p "$dir"
  {
    printf '127.0.0.1\tlocalhost\n'
    case $variant in
      loopback) printf '127.0.0.1\t%s %s\n' "$host" "$short" ;;
      debian) printf '127.0.1.1\t%s %s\n' "$host" "$short" ;;
      container) printf '198.18.0.2\t%s %s\n' "$host" "$short" ;;
      none) ;;
    esac
  } >"$dir/hosts"
  ip link set lo up
  [[ $variant == container ]] && ip addr add 198.18.0.2/32 dev lo
  if [[ -e /etc/hosts ]]; then
    mount --bind "$dir/hosts" /etc/hosts
  else
    # A bare root has no /etc/hosts to cover: a private copy of /etc.
    mkdir -p "$dir/etc" && cp -a /etc/. "$dir/etc/"
    cp "$dir/hosts" "$dir/etc/hosts"
    mount --bind "$dir/etc" /etc
  fi
  export ERL_CRASH_DUMP_SECONDS=0 HOME=$dir
  local addr
  addr=$(erl -noshell -eval \
    '{ok, H} = inet:gethostname(), {ok, A} = inet:getaddr(H, inet),
     io:format("~s", [inet:ntoa(A)]), halt().')
  echo "$variant: $short resolves to $addr for erl"
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
  "$cafe_node" --sname a --cookie host_names >"$dir/cafe-node.log" 2>&1 &
  pids+=($!)
  local tuple="{${addr//./,}}"
  # b answers pings until it is killed; it reports its own ping first.
  erl -sname b -setcookie host_names -noshell -start_epmd false \
    -kernel inet_dist_use_interface "$tuple" \
    -eval "io:format(\"~p~n\", [net_adm:ping('a@$short')])." \
    >"$dir/erl.log" 2>&1 &
  pids+=($!)
  local i
  for ((i = 0; i < 100; i++)); do
    grep -qE '^(pong|pang)$' "$dir/erl.log" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -qx pong "$dir/erl.log"; then
    echo "$variant: erl -sname b could not ping a@$short:" >&2
    cat "$dir/erl.log" "$dir/cafe-node.log" >&2
    return 1
  fi
  local answer
  if ! answer=$("$cafectl" --sname c --cookie host_names --timeout 10000 \
    ping "b@$short" 2>"$dir/cafectl.log"); then
    echo "$variant: cafectl could not ping b@$short ($answer):" >&2
    cat "$dir/cafectl.log" >&2
    return 1
  fi
  [[ $answer == pong ]] || return 1
  echo "$variant: erl -> cafe pong, cafe -> erl pong"
}

failed=0
for variant in loopback debian container none; do
  if ! unshare "${unshare_args[@]}" bash -c "$(declare -f inner);
      host='$host' short='$short' work='$work' cafe_node='$cafe_node' \
      cafectl='$cafectl'; inner $variant"; then
    echo "$variant: FAILED" >&2
    failed=1
  fi
done
((failed)) || rm -rf "$work"
exit $failed
