#!/usr/bin/env bash
# Beacon throughput (issue 15): POST /canary/goals/feedback against the router's cheapest answer of its own,
# GET /canary/nothing (a 404 problem), in alternating wrk rounds against one router process: the ratio is the beacon's
# own cost (user key, version decision, HyperLogLog and value sums). Writes bench/results/beacon-YYYY-MM-DD.md.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=${CONNECTIONS:-32}
PUBLIC_PORT=${PUBLIC_PORT:-8590}
ADMIN_PORT=${ADMIN_PORT:-8591}
RESULTS=${RESULTS:-bench/results/beacon-$(date +%F).md}

command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Router -c Release -nologo -v q >/dev/null
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# One release with a numeric beacon goal; nothing needs to listen behind its route for beacons.
cat >"$work/router.json" <<JSON
{"Router": {"PublicUrls": "http://127.0.0.1:$PUBLIC_PORT", "AdminUrls": "http://127.0.0.1:$ADMIN_PORT", "StateFile": "router.state.json",
  "Releases": {"shop": {"Stable": "v1", "Canary": "v2", "Weight": 50, "UserKey": ["header:X-User-Id"],
    "Goals": [{"Name": "feedback", "Type": "Beacon", "Value": true, "Min": 1, "Max": 5}],
    "Routes": {"api": {"Path": "/api/{**rest}", "Versions": {"v1": ["http://127.0.0.1:9"], "v2": ["http://127.0.0.1:9"]}}}}}}}
JSON
src/Router/bin/Release/net10.0/Canary.Router --config "$work/router.json" >"$work/router.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$ADMIN_PORT/healthz" 2>/dev/null && break; sleep 0.2; done
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-User-Id: check' -H 'Content-Type: application/json' -d '{"value": 4}' "http://127.0.0.1:$PUBLIC_PORT/canary/goals/feedback")
[ "$status" = 204 ] || { echo "beacon.sh: the beacon answered $status, not 204" >&2; cat "$work/router.log" >&2; exit 1; }

run() { # method path [body] -> "rps non2xx"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/wrk/users.lua "http://127.0.0.1:$PUBLIC_PORT" -- "$@" \
    | sed -n 's/^WRK_RESULT .* rps=\([0-9.]*\) .*non2xx=\([0-9]*\).*/\1 \2/p'
}
run POST /canary/goals/feedback '{"value": 4}' >/dev/null # warm-up
rows=""; ratios=()
for round in $(seq 1 "$ROUNDS"); do
  read -r beacon beacon_non2xx <<<"$(run POST /canary/goals/feedback '{"value": 4}')"
  read -r base _ <<<"$(run GET /canary/nothing)"
  ratio=$(awk -v a="$beacon" -v b="$base" 'BEGIN {printf "%.3f", a / b}')
  ratios+=("$ratio")
  rows+="| $round | $beacon | $beacon_non2xx | $base | $ratio |"$'\n'
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
users=$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | grep '^canary_experiment_users' | tr '\n' ' ')
{
  echo "# $(date +%F): beacon throughput"
  echo
  echo "\`bench/beacon.sh\` (ROUNDS=$ROUNDS, DURATION=${DURATION}s, wrk -t2 -c$CONNECTIONS, 10,000 users), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end."
  echo "Beacon: \`POST /canary/goals/feedback\` \`{\"value\": 4}\` (204; non-2xx must be 0). Baseline: \`GET /canary/nothing\`, the router's own 404, same process, alternating rounds."
  echo
  echo "| round | beacons/s | beacon non-2xx | baseline req/s | beacon / baseline |"
  echo "|---|---|---|---|---|"
  printf '%s' "$rows"
  echo
  echo "Median beacon / baseline: **$median**. Exposed users after the run: $users"
} | tee "$RESULTS"
