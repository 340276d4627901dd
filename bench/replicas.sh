#!/usr/bin/env bash
# Replica mode against single-process mode, in one run (README, "Many replicas on one Redis"):
#   1. throughput and CPU per request of one router, without Redis and with it (same load, same config);
#   2. the time from an admin write acknowledged by one replica to the last of the other replicas serving it;
#   3. the guard's reaction and blast radius with the traffic spread over the replicas, against one process;
#   4. what replica mode costs when nothing happens: idle router CPU (single process against each replica) and Redis
#      round trips per second per replica (redis-cli MONITOR, commands sent by the routers, not those run inside
#      their scripts), idle and while a canary fails (guard off, so it keeps failing).
#
#   bench/replicas.sh                                 # defaults below
#   DURATION=3 ROUNDS=2 SETTLE=5 WRITES=10 bench/replicas.sh   # a quick check that it works
#   PARTS="3" bench/replicas.sh                       # the guard's part only
#
# Environment: ROUNDS (6), DURATION (10 s), WARMUP (3 s before each measured run), SETTLE (30 s: each router's
# warm-up under load before part 1's rounds, and the idle routers' before part 4 measures them), CONNECTIONS (32),
# THREADS (2), REPLICAS (3), WRITES (50), GUARD_RATE (wrk connections per replica in parts 3 and 4: 2), GUARD_PACE (ms
# each part-3 connection waits between a response and its next request, so the load is the same steady rate below
# saturation in every setup: 5), GUARD_TRIALS (guard runs per setup in part 3: 5), GUARD_SETTLE (seconds of that load
# before the canary fails: 20), IDLE (seconds measured in part 4: 5), PARTS (which of the four parts run: "1 2 3 4"),
# KEEP_WORK=1 keeps the logs. Needs redis-server (redis-cli), wrk, curl.
# Only 127.0.0.1 is contacted; every process started here is stopped when the script exits.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
ROUNDS=${ROUNDS:-6} DURATION=${DURATION:-10} WARMUP=${WARMUP:-3} CONNECTIONS=${CONNECTIONS:-32} THREADS=${THREADS:-2}
PARTS=${PARTS:-1 2 3 4} SETTLE=${SETTLE:-30} REPLICAS=${REPLICAS:-3} WRITES=${WRITES:-50} GUARD_RATE=${GUARD_RATE:-2} GUARD_TRIALS=${GUARD_TRIALS:-5} GUARD_SETTLE=${GUARD_SETTLE:-20} GUARD_PACE=${GUARD_PACE:-5} IDLE=${IDLE:-5}
REDIS_PORT=6391 STABLE_PORT=5131 CANARY_PORT=5132 PUBLIC_BASE=8690 ADMIN_BASE=8790
KEY=bench-replicas-key
WORK=$(mktemp -d /tmp/canary-replicas.XXXXXX)
BENCH_NAME=replicas
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# event_ms FILE FILTER...: the time (ms since the epoch) of the first decision-log line in FILE matching every FILTER
# (a grep -F string), read from the router's own log: when that router applied it, free of the probes' overhead.
event_ms() { echo $(($(event_us "$@") / 1000)); }
event_us() { # event_us FILE FILTER...: the same in microseconds
  local file=$1 line; shift
  line=$(cat "$file")
  for f in "$@"; do line=$(grep -F -- "$f" <<<"$line" || true); done
  line=$(head -1 <<<"$line")
  [[ -n $line ]] || { echo 0; return; }
  date -d "$(sed 's/.*"time":"\([^"]*\)".*/\1/' <<<"$line")" +%s%6N
}
for tool in redis-server redis-cli wrk curl; do command -v $tool >/dev/null || { echo "replicas.sh needs $tool (apt-get install ${tool/wrk/wrk})" >&2; exit 1; }; done

log "publishing the router (Release, ReadyToRun, as the README runs it in production) and building the bench backend"
# Precompiled as in production: the guard's first rollback in a router's life runs code not run before, and the JIT
# on three routers at once would be measured instead of the guard.
dotnet publish "$ROOT/src/Router/Router.csproj" -c Release -r linux-x64 --self-contained false -o "$WORK/router" -nologo -v q >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
dotnet build "$ROOT/bench/Backend/Backend.csproj" -c Release -nologo -v q >>"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
ROUTER=$WORK/router/Canary.Router.dll
BACKEND=$(find "$ROOT/bench/Backend/bin/Release" -name Canary.Bench.Backend.dll | head -1)

export ASPNETCORE_ENVIRONMENT=Production CANARY_ADMIN_KEY=$KEY
start stable dotnet "$BACKEND" --urls "http://127.0.0.1:$STABLE_PORT" --name stable
start canary dotnet "$BACKEND" --urls "http://127.0.0.1:$CANARY_PORT" --name canary
start redis redis-server --port $REDIS_PORT --bind 127.0.0.1 --dir "$WORK" --save ""
wait_http stable "http://127.0.0.1:$STABLE_PORT/api/ready"; wait_http canary "http://127.0.0.1:$CANARY_PORT/api/ready"

router() { # router I REDIS(0|1) WEIGHT [GUARD_ENABLED]: starts replica I (public $PUBLIC_BASE+I, admin $ADMIN_BASE+I)
  local i=$1 redis=$2 weight=$3 guard=${4:-true} dir="$WORK/router-$1"
  mkdir -p "$dir"
  cat >"$dir/router.json" <<JSON
{ "Router": { "PublicUrls": "http://127.0.0.1:$((PUBLIC_BASE + i))", "AdminUrls": "http://127.0.0.1:$((ADMIN_BASE + i))",
  "Releases": { "shop": { "Stable": "v1", "Canary": "v2", "Weight": $weight, "UserKey": "header:X-User-Id",
    "Guard": { "Enabled": $guard, "WindowSeconds": 5, "MinRequests": 10, "MaxErrorRate": 0.05 },
    "Routes": { "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["http://127.0.0.1:$STABLE_PORT"], "v2": ["http://127.0.0.1:$CANARY_PORT"] } } } } } } }
JSON
  if [[ $redis == 1 ]]; then
    CANARY_REDIS=127.0.0.1:$REDIS_PORT CANARY_COOKIE_KEY=bench-replicas-cookie-key-0123456789abcdef start "router-$i" dotnet "$ROUTER" --config "$dir/router.json"
  else
    start "router-$i" dotnet "$ROUTER" --config "$dir/router.json"
  fi
  wait_http "router-$i" "http://127.0.0.1:$((ADMIN_BASE + i))/healthz"
}
admin() { curl -sf -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$@"; }
fresh_redis() { redis-cli -p $REDIS_PORT flushall >/dev/null; rm -rf "$WORK"/router-*; }
part() { [[ " $PARTS " == *" $1 "* ]]; } # part N: whether part N runs
REPORT=()

# --- 1. throughput and CPU per request -------------------------------------------------------------------------------
# Both routers run the whole part: each is warmed under load until the JIT's tiering has settled (a router measured
# seconds after its start spends a good part of its CPU recompiling, more so in replica mode, whose loop code runs
# only a few times a second: 31 ms/s of an idle replica's 41 went to the tiering thread 8 s after start, 0 at 40 s). Then
# rounds alternate which router goes first (ABBA), the other one stopped (SIGSTOP) so it takes no CPU from the
# measured one; each round's replica/single ratio compares two runs a few seconds apart, and the machine's drift
# between rounds (15k to 25k requests/s here) cancels out of it.
if part 1; then
log "1. throughput: both routers warmed ${SETTLE}s under load, then $ROUNDS rounds x (single, replica, alternating order) x ${DURATION}s, $CONNECTIONS connections"
fresh_redis
router 0 0 10; router 9 1 10
declare -A RPS=() CPU=() PORT=([single]=$PUBLIC_BASE [replica]=$((PUBLIC_BASE + 9))) NAME=([single]=router-0 [replica]=router-9)
only() { # only MODE: MODE's router runs, the other is stopped
  local other; other=$([[ $1 == single ]] && echo replica || echo single)
  kill -STOP "${PID[${NAME[$other]}]}"; kill -CONT "${PID[${NAME[$1]}]}"
}
for mode in single replica; do
  only $mode
  WARMUP=$SETTLE wrk_warm "http://127.0.0.1:${PORT[$mode]}/api/items"
done
RATIOS=()
for round in $(seq "$ROUNDS"); do
  order="single replica"; (( round % 2 == 0 )) && order="replica single"
  for mode in $order; do
    only $mode
    url="http://127.0.0.1:${PORT[$mode]}/api/items"
    wrk_warm "$url"
    IFS=$'\t' read -r rps _ _ cpu _ errors < <(wrk_run "$url" "$WORK/wrk-$mode-$round.log" "${PID[${NAME[$mode]}]}")
    [[ -n $rps && $errors == 0 ]] || { log "   round $round $mode: wrk failed or saw $errors errors"; exit 1; }
    RPS[$mode]="${RPS[$mode]:-} $rps"
    CPU[$mode]="${CPU[$mode]:-} $cpu"
    log "   round $round $mode: $rps req/s, CPU/request $cpu us"
  done
  RATIOS+=("$(awk -v a="${CPU[replica]##* }" -v b="${CPU[single]##* }" 'BEGIN { printf "%.3f", a / b }')")
done
kill -CONT "${PID[router-0]}" "${PID[router-9]}"
stop router-0; stop router-9
fi
median_of() { tr ' ' '\n' <<<"$1" | grep . | median; } # median_of "A B C"

# --- 2. admin write to the last replica serving it -------------------------------------------------------------------
if part 2; then
log "2. propagation: $WRITES weight writes on replica 1 of $REPLICAS, until every other replica serves them"
fresh_redis
for i in $(seq 1 "$REPLICAS"); do router "$i" 1 0; done
: >"$WORK/propagation.txt"
for w in $(seq "$WRITES"); do
  weight=$(( w % 2 == 1 ? 100 : 0 )) want=$(( w % 2 == 1 ? 2 : 1 ))
  revision=$(admin -X PUT -d "{\"weight\": $weight}" "http://127.0.0.1:$((ADMIN_BASE + 1))/admin/releases/shop/weight" | sed 's/.*"revision":\([0-9]*\).*/\1/')
  for i in $(seq 2 "$REPLICAS"); do
    until [[ $(curl -s -o /dev/null -w '%header{x-canary-version}' -H 'X-User-Id: probe' "http://127.0.0.1:$((PUBLIC_BASE + i))/api/items") == "v$want" ]]; do :; done
  done
  # From the writer's commit (before its Redis write is acknowledged) to the last replica adopting it.
  written=$(event_ms "$WORK/router-1/router.state.json.events.jsonl" '"action":"weight"' "\"revision\":$revision}")
  last=0
  for i in $(seq 2 "$REPLICAS"); do
    t=$(event_ms "$WORK/router-$i/router.state.json.events.jsonl" '"action":"sync"' "\"revision\":$revision}")
    (( t > last )) && last=$t
  done
  # The first write after the replicas start runs cold code paths on each of them once: reported on its own.
  if (( w == 1 )); then FIRST=$((last - written)); else echo $((last - written)) >>"$WORK/propagation.txt"; fi
done
PROPAGATION="first write after start $FIRST ms; then $(sort -n "$WORK/propagation.txt" | awk '{ a[NR] = $1 } END { printf "p50 %d ms, p99 %d ms, max %d ms (%d writes)", a[int(NR * 0.5 + 0.5)], a[int(NR * 0.99 + 0.5)], a[NR], NR }')"
log "   $PROPAGATION"
for i in $(seq 1 "$REPLICAS"); do stop "router-$i"; done
REPORT+=("- Admin write on one replica to the last of $((REPLICAS - 1)) others serving it: $PROPAGATION (goal: p99 < 250 ms).
  From the writer's decision-log time to the last replica's (each replica's own log, one clock).")
fi

# --- 3. guard reaction and blast radius ------------------------------------------------------------------------------
counted() { # counted I REGEX: the sum of router I's canary_requests_total series whose labels match REGEX
  curl -s "http://127.0.0.1:$((ADMIN_BASE + $1))/metrics" | awk -v labels="$2" '/^canary_requests_total\{/ && $1 ~ labels { s += $2 } END { printf "%d", s }'
}
served() { # served N: user requests the N routers have served so far, "ALL CANARY" (each router's /metrics read once)
  local i
  for i in $(seq 1 "$1"); do curl -s "http://127.0.0.1:$((ADMIN_BASE + i))/metrics"; done |
    awk '/^canary_requests_total\{/ { all += $2; if ($1 ~ /version="v2"/) canary += $2 } END { printf "%d %d\n", all, canary }'
}
guard_run() { # guard_run MODE N [WALKS]: N routers (replica mode when MODE=replica), WALKS loads of GUARD_RATE paced wrk connections spread over them (default one each), canary fails, until all roll back
  local mode=$1 n=$2 walks=${3:-$2} i
  fresh_redis
  curl -sf -X POST "http://127.0.0.1:$CANARY_PORT/reset" >/dev/null
  for i in $(seq 1 "$n"); do router "$i" "$([[ $mode == replica ]] && echo 1 || echo 0)" 10; done
  for i in $(seq 1 "$walks"); do
    # Each load walks its own users (wrk -t1 would start every walk at the same user, in step), so one router
    # serving the replicas' loads gets the very same request pattern they share.
    WRK_USER_OFFSET=$((i * 3331)) WRK_PACE_MS=$GUARD_PACE start "load-$i" wrk -t1 -c"$GUARD_RATE" -s "$BENCH/wrk/users.lua" -d$((GUARD_SETTLE + 60))s "http://127.0.0.1:$((PUBLIC_BASE + (i - 1) % n + 1))/api/items"
  done
  # The canary fails once the routers have settled under the load, as in production, where a router has run for a
  # while before a canary fails: 3 seconds into it, three replicas' JIT tiering took 1.2 to 1.8 of the 2 cores (one
  # router's 0.6), settling by 18 s to 0.22 (0.13).
  sleep "$GUARD_SETTLE"
  local before after canaryBefore canaryAfter
  read -r before canaryBefore < <(served "$n")
  sleep 2
  read -r after canaryAfter < <(served "$n")
  curl -sf -X PUT "http://127.0.0.1:$CANARY_PORT/faults?errorRate=1" >/dev/null
  # Waits on the routers' decision-log files, not their admin API: a router's first admin read compiles its JSON
  # views (150 methods, 10 to 30 ms of CPU here), which polling would add to the very window it measures.
  local rolled='"after":{"stable":"v1","canary":"v2","weight":0,"phase":"RolledBack"'
  for i in $(seq 1 "$n"); do
    until grep -qF -- "$rolled" "$WORK/router-$i/router.state.json.events.jsonl" 2>/dev/null; do sleep 0.01; done
  done
  sleep 1
  # From the canary's first failed response (the backend's own clock, not when a loaded machine delivered the fault)
  # to the last router serving the rollback (its own, or one adopted from another replica).
  local last=0 firstServed=0 t failed=0 judged=0 j events
  for i in $(seq 1 "$n"); do
    events=$WORK/router-$i/router.state.json.events.jsonl
    t=$(event_us "$events" "$rolled")
    (( t > last )) && last=$t
    (( firstServed == 0 || t < firstServed )) && firstServed=$t
    # The failures over the fleet that the guard's verdict judged (its window's figures), from the first guard rollback.
    j=$(grep -F '"actor":"guard"' "$events" | grep -F '"action":"rollback"' | head -1 | sed -n 's/.*"canaryServerErrors":\([0-9]*\).*/\1/p')
    [[ -n $j ]] && (( judged == 0 || j < judged )) && judged=$j
    failed=$((failed + $(counted "$i" 'version="v2".*code="5xx"')))
  done
  for i in $(seq 1 "$walks"); do stop "load-$i"; done
  # The canary's failures as they left it (microseconds): the first, and the one that made the verdict's count.
  local times first deciding
  times=$(curl -sf "http://127.0.0.1:$CANARY_PORT/stats" | sed 's/.*"failedAtUnixUs":\[\([0-9,]*\)\].*/\1/' | tr ',' ' ')
  read -r -a times <<<"$times"
  first=${times[0]} deciding=${times[$(( (judged > 0 ? judged : 1) - 1 ))]}
  for i in $(seq 1 "$n"); do stop "router-$i"; done
  # Reaction = waiting for the evidence (first failure to the one the verdict needed) + acting on it (that failure to
  # the first router serving the rollback) + spreading it (first to last router). The wait is the canary's request
  # flow once the verdict's count is known, so its pace is printed too: the failures' (first to the one the verdict
  # needed) against the canary's requests in the 2 s before the fault (us apart).
  local pace=0 paceBefore=0
  (( judged > 1 )) && pace=$(((deciding - first) / (judged - 1)))
  (( canaryAfter > canaryBefore )) && paceBefore=$((2000000 / (canaryAfter - canaryBefore)))
  echo "$(((last - first) / 1000)) $failed $judged $(((last - firstServed) / 1000)) $(((after - before) / 2)) $(((deciding - first) / 1000)) $(((firstServed - deciding) / 1000)) $pace $paceBefore"
}
# One trial swings by 2x (where the fault lands between rounds): medians and ranges over GUARD_TRIALS.
guard_trials() { # guard_trials MODE N [WALKS]
  local reactions="" faileds="" judgeds="" spreads="" rates="" waits="" acts="" paces="" befores="" r f j s q w a p b _
  for _ in $(seq "$GUARD_TRIALS"); do
    read -r r f j s q w a p b < <(guard_run "$@"); reactions+="$r " faileds+="$f " judgeds+="$j " spreads+="$s " rates+="$q " waits+="$w " acts+="$a " befores+="$b "
    if (( p > 0 )); then paces+="$p "; fi # a verdict on the first failure has no pace
  done
  range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | sed -n '1p;$p' | paste -sd-; }
  # Failed requests split into those the first verdict judged (how much evidence it took) and those after it (how long
  # the rollback took to reach every router).
  echo "median $(median_of "$reactions") ms ($(range "$reactions")) to roll back on every router, median $(median_of "$faileds") failed user requests ($(range "$faileds"), canary 5xx), of which the first verdict judged $(median_of "$judgeds") ($(range "$judgeds")); first failure to the one the verdict needed $(median_of "$waits") ms ($(range "$waits")), that one to the first router serving the rollback $(median_of "$acts") ms ($(range "$acts")), first to last router serving the rollback $(median_of "$spreads") ms ($(range "$spreads")); $(median_of "$rates") user requests/s before the fault; the canary's failures $(median_of "$paces") us apart ($(range "$paces")) up to the one the verdict needed, its requests $(median_of "$befores") us apart ($(range "$befores")) in the 2 s before the fault; $GUARD_TRIALS trials"
}
if part 3; then
log "3. guard: canary fails under load on 1 router, then on $REPLICAS replicas ($GUARD_RATE wrk connections each, ${GUARD_PACE} ms pace)"
GUARD_SINGLE=$(guard_trials single 1); log "   single: $GUARD_SINGLE"
# The replicas serve $REPLICAS times the traffic: they compare with one router serving the same $REPLICAS loads.
GUARD_SINGLE_ALL=$(guard_trials single 1 "$REPLICAS"); log "   single, the $REPLICAS replicas' loads: $GUARD_SINGLE_ALL"
GUARD_REPLICAS=$(guard_trials replica "$REPLICAS"); log "   $REPLICAS replicas: $GUARD_REPLICAS"
REPORT+=("- Guard (reaction from the canary's first failed response to the last router serving the rollback; wrk connections paced at $GUARD_PACE ms), one router: $GUARD_SINGLE.
- Guard, one router serving what the $REPLICAS replicas serve (the same $REPLICAS wrk loads of $GUARD_RATE connections): $GUARD_SINGLE_ALL.
- Guard, $REPLICAS replicas sharing the traffic: $GUARD_REPLICAS.")
fi

# --- 4. idle CPU and Redis round trips -------------------------------------------------------------------------------
idle_cpu() { # idle_cpu PID...: CPU ms per second per process over IDLE seconds
  local c0 c1; c0=$(cpu_ticks "$@"); sleep "$IDLE"; c1=$(cpu_ticks "$@")
  awk -v a="$c0" -v b="$c1" -v n="$#" -v s="$IDLE" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / s / n }'
}
round_trips() { # round_trips: commands per second per router over IDLE seconds, from MONITOR (script-internal calls left out)
  local file; file=$WORK/monitor-$(now_ms).txt
  timeout "$IDLE" redis-cli -p $REDIS_PORT monitor >"$file" || true
  # A line: 'time [db client] "command" ...'; a script's own calls show as client "lua". The routers are the only clients.
  awk -v s="$IDLE" -v n="$REPLICAS" '$3 != "lua]" && $2 ~ /^\[/ { c++; cmd[$4]++ } END {
    printf "%.1f/s per replica (", c / s / n; sep = ""; for (k in cmd) { printf "%s%s %.1f/s", sep, k, cmd[k] / s / n; sep = ", " } printf ")" }' "$file"
}
if part 4; then
log "4. idle: router CPU (single, then each of $REPLICAS replicas) and Redis round trips over ${IDLE}s"
fresh_redis
# After start-up's JIT and tiering have settled.
router 0 0 10; sleep "$SETTLE"
IDLE_SINGLE=$(idle_cpu "${PID[router-0]}"); stop router-0
fresh_redis
curl -sf -X POST "http://127.0.0.1:$CANARY_PORT/reset" >/dev/null
for i in $(seq 1 "$REPLICAS"); do router "$i" 1 10 false; done
sleep "$SETTLE"
pids=(); for i in $(seq 1 "$REPLICAS"); do pids+=("${PID[router-$i]}"); done
IDLE_REPLICA=$(idle_cpu "${pids[@]}")
TRIPS_IDLE=$(round_trips)
log "   idle CPU: single $IDLE_SINGLE ms/s, replica $IDLE_REPLICA ms/s; Redis: $TRIPS_IDLE"
for i in $(seq 1 "$REPLICAS"); do
  start "load-$i" wrk -t1 -c"$GUARD_RATE" -s "$BENCH/wrk/users.lua" -d$((SETTLE + 60))s "http://127.0.0.1:$((PUBLIC_BASE + i))/api/items"
done
sleep "$SETTLE"
TRIPS_LOAD=$(round_trips)
LOAD_CPU=$(idle_cpu "${pids[@]}")
curl -sf -X PUT "http://127.0.0.1:$CANARY_PORT/faults?errorRate=1" >/dev/null
sleep 1
TRIPS_FAILING=$(round_trips)
FAILING_CPU=$(idle_cpu "${pids[@]}")
log "   Redis under load: $TRIPS_LOAD, CPU $LOAD_CPU ms/s; canary failing: $TRIPS_FAILING, CPU $FAILING_CPU ms/s"
for i in $(seq 1 "$REPLICAS"); do stop "load-$i"; stop "router-$i"; done
curl -sf -X POST "http://127.0.0.1:$CANARY_PORT/reset" >/dev/null
REPORT+=("- Idle router CPU over ${IDLE}s: single process $IDLE_SINGLE ms/s, replica mode $IDLE_REPLICA ms/s per replica.
- Redis round trips from the routers ($REPLICAS replicas, MONITOR over ${IDLE}s): idle $TRIPS_IDLE;
  under load ($GUARD_RATE wrk connections each) $TRIPS_LOAD; canary failing (guard off) $TRIPS_FAILING.
- Router CPU per replica under that load: $LOAD_CPU ms/s healthy, $FAILING_CPU ms/s with the canary failing (guard off).")
fi

echo
echo "## Replica mode against single-process mode ($(date +%F), load average at the end $(cut -d' ' -f1-3 /proc/loadavg), nproc $(nproc), parts $PARTS)"
echo
if part 1; then
  single_rps=$(median_of "${RPS[single]}") replica_rps=$(median_of "${RPS[replica]}")
  single_cpu=$(median_of "${CPU[single]}") replica_cpu=$(median_of "${CPU[replica]}")
  cat <<TABLE
| | single process | replica mode (Redis) | replica / single |
|---|---:|---:|---:|
| throughput, req/s (median of $ROUNDS x ${DURATION}s) | $single_rps | $replica_rps | $(awk -v a="$replica_rps" -v b="$single_rps" 'BEGIN { printf "%.3f", a / b }') |
| CPU per request, us (median) | $single_cpu | $replica_cpu | $(awk -v a="$replica_cpu" -v b="$single_cpu" 'BEGIN { printf "%.3f", a / b }') |

CPU per request, replica / single, round by round (each round's two runs back to back): ${RATIOS[*]}; median $(median_of "${RATIOS[*]}") (goal: within 3%, at most 1.030).

TABLE
fi
printf '%s\n' "${REPORT[@]}"
