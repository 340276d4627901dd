#!/usr/bin/env bash
# One change at a time against plain YARP: interleaved rounds of wrk (HTTP/1.1) and, with H2=1, h2load (HTTP/2 over
# TLS) against a list of variants of plain YARP and the router, each variant a build and an environment. What
# bench/README.md's "Measuring a change" section describes; the figures of the CPU work are in results/.
#
#   bench/variants.sh                                         # plain YARP, the router from main, the router from here
#   VARIANTS='yarp=yarp router=router router-x=router:DOTNET_X=1' bench/variants.sh
#   BASE_REF=main H2=1 ROUNDS=5 OUT=bench/results/x.md bench/variants.sh
#
# A variant is NAME=KIND[:VAR=VALUE[,VAR=VALUE...]]: KIND yarp (bench/PlainYarp), router (this tree's router) or
# base (the router at BASE_REF, default main, built from git archive); the variables are set for that process only,
# except WEIGHT=N (a router's canary weight, default 10: 0 sends everyone to the route's default cluster, 100 reassigns
# every request to the canary's).
# ROUNDS (5), DURATION (10), WARMUP (5), CONNECTIONS (32), THREADS (2) as in run.sh; H2_STREAMS (1) streams per h2load
# connection. Every request carries X-User-Id (wrk: 10,000 users, bench/wrk/users.lua; h2load sends one user, so its
# requests all take one version). Ratios are each variant's per-round figure over the first variant's, medians over
# rounds. Ports: 5191 (backend), 8890+i (public, http), 8940+i (public, https), 8990+i (admin). Only 127.0.0.1.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
H2=${H2:-0}
H2_STREAMS=${H2_STREAMS:-1}
BASE_REF=${BASE_REF:-main}
read -r -a VARIANTS <<<"${VARIANTS:-yarp=yarp base=base router=router}"
PUBLISH=$BENCH/artifacts/variants
BACKEND_PORT=5191
WORK=$(mktemp -d /tmp/canary-variants.XXXXXX)
BENCH_NAME=variants
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

ensure_packages wrk=wrk curl=curl
[[ $H2 != 1 ]] || ensure_packages h2load=nghttp2-client

declare -A KIND=() ENVS=() HTTP=() HTTPS=() ADMIN=()
names=()
i=0
for v in "${VARIANTS[@]}"; do
  name=${v%%=*} rest=${v#*=}
  KIND[$name]=${rest%%:*}
  ENVS[$name]=$([[ $rest == *:* ]] && echo "${rest#*:}" || true)
  HTTP[$name]=$((8890 + i)) HTTPS[$name]=$((8940 + i)) ADMIN[$name]=$((8990 + i))
  names+=("$name")
  i=$((i + 1))
done

publish() { # publish PROJECT OUT [ROOT]
  dotnet publish "${3:-$ROOT}/$1" -c Release -o "$PUBLISH/$2" --nologo -v q >"$WORK/publish-$2.log" 2>&1 \
    || { cat "$WORK/publish-$2.log" >&2; exit 1; }
}
log "publishing (Release)"
publish bench/Backend/Backend.csproj backend
publish bench/PlainYarp/PlainYarp.csproj yarp
publish src/Router/Router.csproj router
if printf '%s\n' "${KIND[@]}" | grep -qx base; then
  mkdir -p "$WORK/base"
  git -C "$ROOT" archive "$BASE_REF" | tar -x -C "$WORK/base"
  publish src/Router/Router.csproj base "$WORK/base"
  log "base: $BASE_REF ($(git -C "$ROOT" rev-parse --short "$BASE_REF"))"
fi

# A throwaway certificate for the https listeners (Kestrel's own configuration, the same for every .NET proxy).
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 2 -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
export ASPNETCORE_ENVIRONMENT=Production Kestrel__Certificates__Default__Path=$WORK/cert.pem Kestrel__Certificates__Default__KeyPath=$WORK/key.pem
unset OTEL_EXPORTER_OTLP_ENDPOINT DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS 2>/dev/null || true
backend=http://127.0.0.1:$BACKEND_PORT
port_free $BACKEND_PORT || { log "port $BACKEND_PORT is in use"; exit 1; }
start backend dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "$backend" --name backend
wait_http backend "$backend/api/ready"

for name in "${names[@]}"; do
  for p in ${HTTP[$name]} ${HTTPS[$name]} ${ADMIN[$name]}; do port_free "$p" || { log "port $p is in use"; exit 1; }; done
  urls="http://127.0.0.1:${HTTP[$name]}"
  [[ $H2 == 1 ]] && urls="$urls;https://127.0.0.1:${HTTPS[$name]}"
  envs=() weight=10
  IFS=, read -r -a all <<<"${ENVS[$name]}"
  for e in "${all[@]}"; do if [[ $e == WEIGHT=* ]]; then weight=${e#WEIGHT=}; else envs+=("$e"); fi; done
  case ${KIND[$name]} in
    yarp) start "$name" env "${envs[@]}" dotnet "$PUBLISH/yarp/Canary.Bench.PlainYarp.dll" --urls "$urls" --backend "$backend" ;;
    router | base)
      mkdir -p "$WORK/$name"
      cat >"$WORK/$name/router.json" <<EOF
{ "Router": {
    "PublicUrls": "$urls", "AdminUrls": "http://127.0.0.1:${ADMIN[$name]}", "StateFile": "router.state.json",
    "Releases": { "shop": {
      "Stable": "v1", "Canary": "v2", "Weight": $weight, "UserKey": ["header:X-User-Id", "cookie:uid"],
      "Segments": [ { "Name": "beta", "Header": "X-Beta", "Values": ["true"], "Version": "v2" } ],
      "Guard": { "WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05 },
      "Routes": {
        "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["$backend"], "v2": ["$backend"] } },
        "web": { "Path": "/{**rest}", "Versions": { "v1": ["$backend"], "v2": ["$backend"] } } } } } } }
EOF
      dll=$PUBLISH/${KIND[$name]/base/base}/Canary.Router.dll
      start "$name" env "${envs[@]}" dotnet "$dll" --config "$WORK/$name/router.json" ;;
    *) log "unknown kind ${KIND[$name]} in $name"; exit 1 ;;
  esac
done
for name in "${names[@]}"; do wait_http "$name" "http://127.0.0.1:${HTTP[$name]}/api/ready"; done
log "variants: ${VARIANTS[*]}; $ROUNDS rounds x (${WARMUP}s + ${DURATION}s), $CONNECTIONS connections$([[ $H2 == 1 ]] && echo ", HTTP/1.1 and HTTP/2 over TLS")"

: >"$WORK/runs.tsv"
measure_h1() { # measure_h1 ROUND NAME: round name proto rps p99_us cpu_us_per_req errors
  local round=$1 name=$2 url="http://127.0.0.1:${HTTP[$2]}/api/items" rps p99 cpu errors
  wrk_warm "$url"
  IFS=$'\t' read -r rps _ p99 cpu _ errors < <(wrk_run "$url" "$WORK/wrk-$name-$round.log" "${PID[$name]}")
  [[ -n $rps ]] || exit 1
  printf '%s\t%s\th1\t%s\t%s\t%s\t%s\n' "$round" "$name" "$rps" "$p99" "$cpu" "$errors" >>"$WORK/runs.tsv"
}
measure_h2() { # measure_h2 ROUND NAME: the same over HTTP/2 and TLS; h2load gives mean latency, not p99 (its column holds the mean)
  local round=$1 name=$2 url="https://127.0.0.1:${HTTPS[$2]}/api/items" c0 c1
  local args=(-c"$CONNECTIONS" -t"$THREADS" -m"$H2_STREAMS" -H 'X-User-Id: user-42')
  h2load "${args[@]}" -D"$WARMUP" "$url" >/dev/null 2>&1
  c0=$(cpu_ticks "${PID[$name]}")
  h2load "${args[@]}" -D"$DURATION" "$url" >"$WORK/h2-$name-$round.log" 2>&1
  c1=$(cpu_ticks "${PID[$name]}")
  awk -v r="$round" -v n="$name" -v c="$((c1 - c0))" -v tck="$CLK_TCK" '
    /^requests:/ { done = $6; failed = $10 + $12 + $14 }
    /^status codes:/ { ok = $3 }
    /^time for request:/ { mean = $6; unit = mean; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", mean); us = unit == "ms" ? mean * 1000 : unit == "s" ? mean * 1e6 : mean }
    /^finished in/ { secs = $3 + 0; rps = $4 + 0 }
    END { q = done > 0 ? done : 1; printf "%s\t%s\th2\t%.0f\t%d\t%.2f\t%d\n", r, n, rps, us, c / tck * 1e6 / q, failed + (done - ok) }' \
    "$WORK/h2-$name-$round.log" >>"$WORK/runs.tsv"
}

n=${#names[@]}
for round in $(seq "$ROUNDS"); do
  for k in $(seq 0 $((n - 1))); do
    name=${names[$(((k + round - 1) % n))]}
    measure_h1 "$round" "$name"
    [[ $H2 == 1 ]] && measure_h2 "$round" "$name"
    log "round $round $name: $(awk -F'\t' -v n="$name" -v r="$round" '$1 == r && $2 == n { printf "%s %s req/s %s CPU us/req; ", $3, $4, $6 }' "$WORK/runs.tsv")"
  done
done

col() { awk -F'\t' -v n="$1" -v p="$2" -v c="$3" '$2 == n && $3 == p { print $c }' "$WORK/runs.tsv"; }
ratio() { # ratio A B PROTO COLUMN: A/B per round, median
  awk -F'\t' -v a="$1" -v b="$2" -v p="$3" -v c="$4" '$3 == p && $2 == a { x[$1] = $c } $3 == p && $2 == b { y[$1] = $c }
    END { for (r in x) if (r in y && y[r] != 0) print x[r] / y[r] }' "$WORK/runs.tsv" | median
}
first=${names[0]}
report() {
  echo "Variants: $(for name in "${names[@]}"; do printf '`%s` = %s%s; ' "$name" "${KIND[$name]}" "$([[ -n ${ENVS[$name]} ]] && echo " with ${ENVS[$name]}")"; done)base = $BASE_REF ($(git -C "$ROOT" rev-parse --short "$BASE_REF")), router = $(git -C "$ROOT" rev-parse --short HEAD)$([[ -n $(git -C "$ROOT" status --porcelain -- src) ]] && echo "+changes")."
  echo
  echo "ROUNDS=$ROUNDS DURATION=${DURATION}s WARMUP=${WARMUP}s CONNECTIONS=$CONNECTIONS THREADS=$THREADS$([[ $H2 == 1 ]] && echo " H2_STREAMS=$H2_STREAMS"); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  local proto
  for proto in h1 $([[ $H2 == 1 ]] && echo h2); do
    local lat=$([[ $proto == h1 ]] && echo "p99 ms" || echo "mean ms")
    echo
    echo "$([[ $proto == h1 ]] && echo "HTTP/1.1 (wrk, 10,000 users)" || echo "HTTP/2 over TLS (h2load, $H2_STREAMS stream(s) per connection, one user)"), medians over rounds; ratios are per-round against \`$first\`:"
    echo
    echo "| variant | req/s | $lat | CPU µs/req | errors | req/s ratio | $lat ratio | CPU/req ratio |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    local name
    for name in "${names[@]}"; do
      printf '| %s | %.0f | %.2f | %.1f | %d | %.3f | %.3f | %.3f |\n' "$name" "$(col "$name" $proto 4 | median)" \
        "$(col "$name" $proto 5 | median | awk '{ print $1 / 1000 }')" "$(col "$name" $proto 6 | median)" \
        "$(col "$name" $proto 7 | awk '{ s += $1 } END { print s + 0 }')" \
        "$(ratio "$name" "$first" $proto 4)" "$(ratio "$name" "$first" $proto 5)" "$(ratio "$name" "$first" $proto 6)"
    done
  done
  echo
  echo "<details><summary>Every run</summary>"
  echo
  echo "| round | variant | protocol | req/s | latency ms | CPU µs/req | errors |"
  echo "|---:|---|---|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %s | %.2f | %s | %s |\n", $1, $2, $3, $4, $5 / 1000, $6, $7 }' "$WORK/runs.tsv"
  echo
  echo "</details>"
}
report | tee "${OUT:-/dev/null}"
