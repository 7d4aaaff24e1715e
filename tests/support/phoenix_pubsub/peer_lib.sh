# shellcheck shell=bash
# Shell helpers for scripts that drive Phoenix.PubSub test peers (peer.exs):
# a private epmd on loopback, peers on named pipes, one command line at a
# time with one answer line each. Sourced by self_test.sh and
# bench_fanout.sh; bash 4.3+.
#
#   source peer_lib.sh
#   phx_init                       # work dir, cleanup trap, tools, deadline
#   phx_start_epmd                 # exports ERL_EPMD_PORT
#   phx_launch a pool_size=2 ...   # starts a@127.0.0.1 (does not wait)
#   phx_wait_ready a
#   phx_ask a 'Node.connect(:"b@127.0.0.1")'  # sets PHX_REPLY ("ok true")
#   phx_expect a 'EXPR' 'EXPECTED_EXPR'        # EXPR === EXPECTED on the node
#
# Every process is started with setsid (its own process group) and its pid
# is recorded; phx_cleanup (the EXIT trap) SIGKILLs each group and reaps it.
# A watchdog does the same if this shell dies without running its trap
# (SIGKILL from a test runner's timeout). Peers also halt on end of stdin.
# Every wait is bounded; the whole script is bounded by PHX_DEADLINE_S
# (seconds from phx_init, default 150).

phx_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

declare -gA PHX_PID=() PHX_IN=() PHX_OUT=()
declare -ga PHX_ALL_PIDS=()
PHX_REPLY=
PHX_WORK=
PHX_KEEP_WORK=0
PHX_CHECKS=0

phx_log() { printf '%s\n' "$*" >&2; }

# A progress line with the seconds since the script started.
phx_section() { printf '[%3ds] %s\n' "$SECONDS" "$*" >&2; }

phx_die() {
  phx_log "FAIL: $*"
  phx_dump_logs
  exit 1
}

phx_init() {
  local tool
  for tool in elixir epmd setsid awk; do
    command -v "$tool" >/dev/null 2>&1 || {
      case $tool in
        elixir) phx_log "FAIL: elixir not found (Debian package: elixir)" ;;
        epmd) phx_log "FAIL: epmd not found (Debian package: erlang-base)" ;;
        *) phx_log "FAIL: $tool not found (Debian package: util-linux / gawk)" ;;
      esac
      exit 1
    }
  done
  PHX_WORK=$(mktemp -d "${PHX_TMPDIR:-${TMPDIR:-/tmp}}/phx-pubsub.XXXXXX")
  : >"$PHX_WORK/pids"
  PHX_END=$((SECONDS + ${PHX_DEADLINE_S:-150}))
  PHX_COOKIE=phx$RANDOM$RANDOM
  # Peers: no epmd of their own, listener on loopback only, no crash dumps,
  # idle schedulers that do not spin (2 shared cores).
  PHX_ERL_FLAGS="-start_epmd false -kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
  export ERL_CRASH_DUMP_SECONDS=0
  trap phx_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # The watchdog: if this shell disappears without its EXIT trap, kill every
  # recorded process group.
  # shellcheck disable=SC2016 # expanded by the watchdog's own bash
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    while read -r p; do kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done <"$2"
    rm -rf "$3"' phx-watchdog "$$" "$PHX_WORK/pids" "$PHX_WORK" </dev/null >/dev/null 2>&1 &
  PHX_WATCHDOG=$!
}

phx_track() {
  PHX_ALL_PIDS+=("$1")
  echo "$1" >>"$PHX_WORK/pids"
}

phx_cleanup() {
  local rc=$? p id
  for id in "${!PHX_IN[@]}"; do
    eval "exec ${PHX_IN[$id]}>&-" 2>/dev/null || true
  done
  for p in "${PHX_ALL_PIDS[@]}"; do
    kill -KILL -- "-$p" 2>/dev/null || true
    kill -KILL "$p" 2>/dev/null || true
  done
  for p in "${PHX_ALL_PIDS[@]}"; do
    wait "$p" 2>/dev/null || true
  done
  if [[ -n ${PHX_WATCHDOG:-} ]]; then
    kill -KILL "$PHX_WATCHDOG" 2>/dev/null || true
    wait "$PHX_WATCHDOG" 2>/dev/null || true
  fi
  if [[ -n $PHX_WORK && -d $PHX_WORK ]]; then
    if [[ $rc -ne 0 || $PHX_KEEP_WORK -ne 0 ]]; then
      phx_log "logs kept in $PHX_WORK"
    else
      rm -rf "$PHX_WORK"
    fi
  fi
  exit "$rc"
}

phx_dump_logs() {
  local f
  [[ -n $PHX_WORK ]] || return 0
  for f in "$PHX_WORK"/*.err; do
    [[ -s $f ]] || continue
    phx_log "---- ${f##*/} (last 30 lines)"
    tail -n 30 "$f" >&2
  done
}

# Seconds left before the script's deadline, at most $1.
phx_left() {
  local left=$((PHX_END - SECONDS))
  ((left > $1)) && left=$1
  echo "$left"
}

# Whether process $1 holds the listening TCP socket of 127.0.0.1:$2.
phx_pid_listens() {
  local hex inode
  hex=$(printf '%04X' "$2")
  local fd
  while read -r inode; do
    for fd in "/proc/$1/fd/"*; do
      [[ $(readlink "$fd" 2>/dev/null) == "socket:[$inode]" ]] && return 0
    done
  done < <(awk -v p=":$hex" '$2 ~ (p "$") && $4 == "0A" {print $10}' /proc/net/tcp)
  return 1
}

phx_alive() {
  [[ -r /proc/$1/stat ]] || return 1
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
  [[ -n $state && $state != Z ]]
}

# A private epmd on a random free port of 127.0.0.1 (retried on collision,
# which shows as epmd exiting or another process owning the port).
phx_start_epmd() {
  local try port pid deadline
  for try in $(seq 1 20); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    setsid epmd -port "$port" -address 127.0.0.1 </dev/null >"$PHX_WORK/epmd.$try.log" 2>&1 &
    pid=$!
    phx_track "$pid"
    deadline=$((SECONDS + 5))
    while phx_alive "$pid" && ((SECONDS < deadline)); do
      if phx_pid_listens "$pid" "$port"; then
        export ERL_EPMD_PORT=$port
        # shellcheck disable=SC2034 # for callers
        PHX_EPMD_PID=$pid
        return 0
      fi
      sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  phx_die "could not start epmd on a free port"
}

# phx_launch ID [key=value ...]: starts ID@127.0.0.1 running peer.exs.
phx_launch() {
  local id=$1
  shift
  mkfifo "$PHX_WORK/$id.in" "$PHX_WORK/$id.out"
  # Read-write opens never block on a FIFO; the peer sees end of stdin when
  # this shell closes its descriptor (or dies).
  local fd_in fd_out
  exec {fd_in}<>"$PHX_WORK/$id.in"
  exec {fd_out}<>"$PHX_WORK/$id.out"
  PHX_IN[$id]=$fd_in
  PHX_OUT[$id]=$fd_out
  (
    # The peer must not inherit this shell's ends of any peer's pipes, or
    # closing a stdin here would not be an end of file there.
    for fd in "${PHX_IN[@]}" "${PHX_OUT[@]}"; do
      eval "exec $fd>&-"
    done
    # Not a process group leader, so setsid execs in place: $! is the
    # peer's BEAM (elixir and erl exec too) and its process group.
    exec setsid elixir --name "$id@127.0.0.1" --cookie "$PHX_COOKIE" --erl "$PHX_ERL_FLAGS" \
      "$phx_dir/peer.exs" "$@" <"$PHX_WORK/$id.in" >"$PHX_WORK/$id.out" 2>"$PHX_WORK/$id.err"
  ) &
  PHX_PID[$id]=$!
  phx_track "${PHX_PID[$id]}"
}

# Reads lines of peer $1 until one with the marker "@@phx "; sets PHX_REPLY
# to the rest. Other lines go to stderr. Fails after $2 seconds.
phx_read_reply() {
  local id=$1 limit=$2 line left deadline
  deadline=$((SECONDS + $(phx_left "$limit")))
  while :; do
    left=$((deadline - SECONDS))
    ((left > 0)) || return 1
    if IFS= read -r -t "$left" -u "${PHX_OUT[$id]}" line; then
      case $line in
        "@@phx "*)
          PHX_REPLY=${line#@@phx }
          return 0
          ;;
        *) phx_log "[$id] $line" ;;
      esac
    else
      phx_alive "${PHX_PID[$id]}" || phx_die "peer $id exited"
      ((SECONDS < deadline)) || return 1
    fi
  done
}

phx_wait_ready() {
  local id=$1
  phx_read_reply "$id" "${2:-60}" || phx_die "peer $id not ready"
  [[ $PHX_REPLY == "ready :\"$id@127.0.0.1\"" ]] ||
    phx_die "peer $id: unexpected ready line: $PHX_REPLY"
}

# phx_ask ID EXPR [TIMEOUT_S]: one command, its answer in PHX_REPLY
# ("ok <inspect>" or "error <inspect>").
phx_ask() {
  local id=$1 expr=$2 limit=${3:-30}
  [[ $expr != *$'\n'* ]] || phx_die "multi-line command: $expr"
  printf '%s\n' "$expr" >&"${PHX_IN[$id]}" || phx_die "peer $id: cannot write"
  phx_read_reply "$id" "$limit" || phx_die "peer $id: no answer within ${limit}s to: $expr"
}

# phx_eval ID EXPR [TIMEOUT_S]: like phx_ask; an error answer fails.
phx_eval() {
  phx_ask "$@"
  [[ $PHX_REPLY == ok* ]] || phx_die "$1: $2 -> $PHX_REPLY"
}

# phx_expect ID EXPR EXPECTED [TIMEOUT_S]: both are Elixir expressions
# evaluated on peer ID (EXPR first); the check passes when they are
# identical terms (===). On failure prints what EXPR returned.
phx_expect() {
  local id=$1 expr=$2 want=$3 limit=${4:-30}
  phx_ask "$id" "(fn -> phx_got__ = ($expr); phx_want__ = ($want); if phx_got__ === phx_want__, do: :match, else: {:mismatch, phx_got__, phx_want__} end).()" "$limit"
  if [[ $PHX_REPLY != "ok :match" ]]; then
    phx_die "check on $id failed
  expression: $expr
  expected:   $want
  answer:     $PHX_REPLY"
  fi
  PHX_CHECKS=$((PHX_CHECKS + 1))
}

# phx_stop ID: closes the peer's stdin (it halts), SIGKILLs its group if it
# is still there after 10 s, and reaps it.
phx_stop() {
  local id=$1 pid=${PHX_PID[$1]} deadline
  eval "exec ${PHX_IN[$id]}>&-"
  unset "PHX_IN[$id]"
  deadline=$((SECONDS + 10))
  while phx_alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.05
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
