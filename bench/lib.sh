# Shared by the bench scripts (source it after setting BENCH_NAME and WORK): the processes a script starts, stopped
# when it exits (logs kept in WORK on failure or with KEEP_WORK=1), and the /proc figures they are measured by.
# shellcheck shell=bash
declare -A PID=()
log() { printf '[%s %(%H:%M:%S)T] %s\n' "$BENCH_NAME" -1 "$*" >&2; }

start() { # start NAME COMMAND...: in the background, output to $WORK/NAME.log
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
}

stop() { # stop NAME: TERM, then KILL after 10 s
  local name=$1 pid=${PID[$1]:-}
  [[ -n $pid ]] || return 0
  unset "PID[$name]"
  kill -CONT "$pid" 2>/dev/null || return 0 # a process a bench paused (SIGSTOP) could not handle the TERM
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local code=$? name
  for name in "${!PID[@]}"; do stop "$name"; done
  if [[ $code -ne 0 || ${KEEP_WORK:-0} == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() { # wait_http NAME URL: until URL answers 2xx, or fail after 30 s (at once if NAME's process exited)
  local name=$1 url=$2
  for _ in $(seq 300); do
    if curl -sf -o /dev/null "$url"; then return 0; fi
    if ! kill -0 "${PID[$name]}" 2>/dev/null; then
      log "$name exited; its log:"; cat "$WORK/$name.log" >&2; return 1
    fi
    sleep 0.1
  done
  log "$name did not answer $url in 30 s; its log:"; cat "$WORK/$name.log" >&2; return 1
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # cpu_ticks PID...: utime + stime, summed
  local total=0 p t
  for p in "$@"; do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "$total"
}
hwm_kb() { # hwm_kb PID...: peak resident set (VmHWM), summed
  local total=0 p v
  for p in "$@"; do
    v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# wrk with 10,000 X-User-Id users (bench/wrk/users.lua), THREADS threads and CONNECTIONS connections.
wrk_warm() { wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" -d"${WARMUP}s" "$1" >/dev/null 2>&1; }
# wrk_run URL LOG PID...: DURATION s of wrk; prints "rps p50_us p99_us cpu_us_per_req hwm_kb errors" (tab-separated),
# the CPU being the PIDs' user+system over the run per request and hwm_kb their peak RSS.
wrk_run() {
  local url=$1 out=$2 c0 c1 line; shift 2
  c0=$(cpu_ticks "$@")
  wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" --latency -d"${DURATION}s" "$url" >"$out" 2>&1
  c1=$(cpu_ticks "$@")
  line=$(grep '^WRK_RESULT' "$out") || { cat "$out" >&2; return 1; }
  awk -v c="$((c1 - c0))" -v tck="$CLK_TCK" -v hwm="$(hwm_kb "$@")" '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
    END { n = v["requests"] > 0 ? v["requests"] : 1
      printf "%.0f\t%d\t%d\t%.2f\t%d\t%d\n", v["rps"], v["p50_us"], v["p99_us"], c / tck * 1e6 / n, hwm, v["connect"] + v["read"] + v["write"] + v["timeout"] + v["non2xx"] }' <<<"$line"
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ensure_packages COMMAND=PACKAGE...: installs from Debian the packages whose command is missing (on PATH or in
# /usr/sbin), so a fresh machine can run the benchmarks; needs $WORK for apt's log.
ensure_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%=*}" >/dev/null || [[ -x /usr/sbin/${pair%%=*} ]] || missing+=("${pair#*=}")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  log "installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$WORK/apt.log" 2>&1 \
    || { $sudo apt-get update -q >>"$WORK/apt.log" 2>&1 \
      && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >>"$WORK/apt.log" 2>&1; } \
    || { cat "$WORK/apt.log" >&2; return 1; }
}
