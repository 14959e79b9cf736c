#!/usr/bin/env bash
# The issue's social workload through `kongjian loadtest`, with the hub(s) pinned to
# core 0 and the load generator (and redis-server) to core 1.
#
#   bench/social.sh mem    OUT.json [loadtest flags…]   one memory-engine node
#   bench/social.sh redis1 OUT.json [loadtest flags…]   one Redis-engine node, one redis
#   bench/social.sh redis2 OUT.json [loadtest flags…]   two Redis-engine nodes, one redis
#
# Default workload: N=10000, K=50, T=1, 30 s, 300 ops/s, 2 client processes. Prints each
# hub's CPU seconds over the whole run (seed + connect + post + drain) and peak RSS.
# PROFILE=path.txt: py-spy (raw, 100 Hz, non-blocking) of the first hub during the run.
# REDIS_CORE=0: pin redis-server with the hub(s) instead of with the load generator.
# METRICS=prefix: save each hub's /metrics after the run as prefix-<n>.txt (op handling
#   time on the hub's side, to set against the client's reply times).
# REDIS_NICE=-10: run redis-server at that nice value (below 0 needs CAP_SYS_NICE), so a
#   shared core serves its round trips before the load generator's work.
set -euo pipefail
mode=${1:?mem, redis1 or redis2}; out=${2:?report path}; shift 2
cd "$(dirname "$0")/.."
VENV=${VENV:-/work/venv}
KJ="$VENV/bin/kongjian"
key=bench-$RANDOM$RANDOM
ulimit -n "$(ulimit -Hn)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_s() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
hwm() { awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$1/status"; }

pids=(); urls=(); redis_pid=""; rdir=""; spy_pid=""
cleanup() {
  [ -z "$spy_pid" ] || { kill -INT "$spy_pid" 2>/dev/null; wait "$spy_pid" 2>/dev/null; }
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done  # hubs leave before redis goes
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$rdir" ] && rm -rf "$rdir"
  return 0
}
trap cleanup EXIT

wait_up() {
  for _ in $(seq 100); do
    curl -sf "$1/api/health" >/dev/null && return 0; sleep 0.1
  done
  echo "hub at $1 did not come up" >&2; return 1
}

case "$mode" in
  mem)
    port=$(free_port)
    taskset -c 0 "$KJ" serve --data none --server-key "$key" --port "$port" \
      --log-level warning & pids+=($!)
    urls+=("http://127.0.0.1:$port")
    ;;
  redis1|redis2)
    rport=$(free_port); rdir=$(mktemp -d /tmp/kj-bench-redis-XXXX)
    nice -n "${REDIS_NICE:-0}" taskset -c "${REDIS_CORE:-1}" redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "$rdir" --protected-mode no --loglevel warning >/dev/null & redis_pid=$!
    for _ in $(seq 50); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
    for n in $(seq "${mode#redis}"); do
      port=$(free_port)
      taskset -c 0 "$KJ" serve --redis "redis://127.0.0.1:$rport/0" --server-key "$key" \
        --port "$port" --node-id "bench-n$n" --log-level warning & pids+=($!)
      urls+=("http://127.0.0.1:$port")
    done
    ;;
  *) echo "mode: mem, redis1 or redis2" >&2; exit 2 ;;
esac
for u in "${urls[@]}"; do wait_up "$u"; done
sleep 1
declare -A cpu0
for p in "${pids[@]}"; do cpu0[$p]=$(cpu_s "$p"); done
[ -n "$redis_pid" ] && rcpu0=$(cpu_s "$redis_pid")
if [ -n "${PROFILE:-}" ]; then  # py-spy on the first hub, core 1, non-blocking, 100 Hz
  taskset -c 1 "$VENV/bin/py-spy" record --nonblocking -r 100 -f raw -o "$PROFILE" \
    -p "${pids[0]}" >/dev/null 2>&1 & spy_pid=$!
fi
url_args=(); for u in "${urls[@]}"; do url_args+=(--url "$u"); done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
set +e
taskset -c 1 "$KJ" loadtest "${url_args[@]}" --server-key "$key" --users 10000 \
  --friends 50 --tabs-per-user 1 --duration 30s --post-rate 300 --processes 2 --quiet \
  --report "$out" "$@"
rc=$?
set -e
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${METRICS:-}" ]; then
  n=0; for u in "${urls[@]}"; do n=$((n + 1)); curl -sf "$u/metrics" >"$METRICS-$n.txt" || true; done
fi
for p in "${pids[@]}"; do
  echo "hub pid $p: CPU $(python3 -c "print(round($(cpu_s "$p") - ${cpu0[$p]}, 2))") s over the run, peak RSS $(hwm "$p") MiB"
done
[ -z "$redis_pid" ] || echo "redis-server: CPU $(python3 -c "print(round($(cpu_s "$redis_pid") - $rcpu0, 2))") s over the run"
echo "loadtest exit code $rc"
exit $rc
