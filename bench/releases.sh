#!/usr/bin/env bash
# The cost of idle releases (issue 11, item 5): one router with the one release under load, one with the same release
# and 999 idle ones beside it (one route each), interleaved rounds against the same backend in one run.
# Reported: requests/s, CPU microseconds per request (user+system of the router over the run), p99, peak RSS,
# and each as the 1000-release router's ratio to the 1-release one. Goals: CPU per request within 3%, RSS < 300 MB.
#
#   bench/releases.sh                      # ROUNDS=5 DURATION=10 WARMUP=5 CONNECTIONS=32 THREADS=2 IDLE=999
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
ROUNDS=${ROUNDS:-5} DURATION=${DURATION:-10} WARMUP=${WARMUP:-5} CONNECTIONS=${CONNECTIONS:-32} THREADS=${THREADS:-2} IDLE=${IDLE:-999}
RESULTS=${RESULTS:-$BENCH/results/releases-$(date +%F).md}
PUBLISH=$BENCH/artifacts/publish
BACKEND_PORT=5141 ONE_PORT=8141 ONE_ADMIN=8241 MANY_PORT=8142 MANY_ADMIN=8242
WORK=$(mktemp -d /tmp/canary-releases.XXXXXX)
declare -A PORT=([one]=$ONE_PORT [many]=$MANY_PORT)
BENCH_NAME=releases
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
log "publishing the router and the backend (Release)"
dotnet publish "$ROOT/src/Router/Router.csproj" -c Release -o "$PUBLISH/router" --nologo -v q >/dev/null
dotnet publish "$ROOT/bench/Backend/Backend.csproj" -c Release -o "$PUBLISH/backend" --nologo -v q >/dev/null

config() { # config DIR PUBLIC ADMIN IDLE
  mkdir -p "$1"
  python3 - "$1/router.json" "$2" "$3" "$4" "$BACKEND_PORT" <<'PY'
import json, sys
path, public, admin, idle, backend = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
url = f"http://127.0.0.1:{backend}"
def release(route, path):
    return {"Stable": "v1", "Canary": "v2", "Weight": 10, "UserKey": ["header:X-User-Id"],
            "Guard": {"WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05},
            "Routes": {route: {"Path": path, "Versions": {"v1": [url], "v2": [url]}}}}
releases = {"shop": release("api", "/api/{**rest}")}
for i in range(idle):
    releases[f"idle-{i}"] = release(f"r{i}", f"/idle-{i}/{{**rest}}")
json.dump({"Router": {"PublicUrls": f"http://127.0.0.1:{public}", "AdminUrls": f"http://127.0.0.1:{admin}",
                      "StateFile": "router.state.json", "Releases": releases}}, open(path, "w"), indent=1)
PY
}
export ASPNETCORE_ENVIRONMENT=Production
start backend dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "http://127.0.0.1:$BACKEND_PORT" --name backend
wait_http backend "http://127.0.0.1:$BACKEND_PORT/api/ready"
config "$WORK/one" $ONE_PORT $ONE_ADMIN 0
config "$WORK/many" $MANY_PORT $MANY_ADMIN "$IDLE"
start one dotnet "$PUBLISH/router/Canary.Router.dll" --config "$WORK/one/router.json"
start many dotnet "$PUBLISH/router/Canary.Router.dll" --config "$WORK/many/router.json"
wait_http one "http://127.0.0.1:$ONE_PORT/api/ready"
wait_http many "http://127.0.0.1:$MANY_PORT/api/ready"
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

for round in $(seq "$ROUNDS"); do
  for name in one many; do
    url="http://127.0.0.1:${PORT[$name]}/api/items"
    wrk_warm "$url"
    IFS=$'\t' read -r rps _ p99 cpu hwm errors < <(wrk_run "$url" "$WORK/wrk.log" "${PID[$name]}")
    [[ -n $rps ]] || exit 1
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$rps" "$cpu" "$p99" "$hwm" "$errors" >>"$WORK/runs.tsv"
    log "round $round $name: $(tail -1 "$WORK/runs.tsv" | awk -F'\t' '{ printf "%s req/s, %s CPU us/req, p99 %.2f ms, HWM %d MB, %s errors", $3, $4, $5 / 1000, $6 / 1024, $7 }')"
  done
done

med() { awk -F'\t' -v n="$1" -v c="$2" '$2 == n { print $c }' "$WORK/runs.tsv" | median; }
ratio() { awk -F'\t' -v c="$1" '$2 == "many" { x[$1] = $c } $2 == "one" { y[$1] = $c } END { for (r in x) print x[r] / y[r] }' "$WORK/runs.tsv" | median; }
{
  echo "# Idle releases: 1 release against 1 + $IDLE ($(date +%F))"
  echo
  echo "bench/releases.sh: ROUNDS=$ROUNDS DURATION=${DURATION}s WARMUP=${WARMUP}s wrk -t$THREADS -c$CONNECTIONS, /api/items with 10,000 X-User-Id users;"
  echo "nproc $(nproc); load average at start $LOAD_AT_START, at the end $(cut -d' ' -f1-3 /proc/loadavg). Medians over rounds; ratios per round, then the median."
  echo
  echo "| router | req/s | CPU us/req | p99 ms | peak RSS MB | errors |"
  echo "|---|---|---|---|---|---|"
  for name in one many; do
    printf '| %s | %.0f | %.2f | %.2f | %.0f | %d |\n' "$([[ $name == one ]] && echo "1 release" || echo "1 + $IDLE releases")" \
      "$(med $name 3)" "$(med $name 4)" "$(echo "$(med $name 5) / 1000" | bc -l)" "$(echo "$(med $name 6) / 1024" | bc -l)" \
      "$(awk -F'\t' -v n=$name '$2 == n { s += $7 } END { print s + 0 }' "$WORK/runs.tsv")"
  done
  echo
  printf 'Ratios (1000 / 1): throughput %.3f, CPU per request %.3f (goal <= 1.03), p99 %.3f, peak RSS %.2f (goal: under 300 MB absolute).\n' \
    "$(ratio 3)" "$(ratio 4)" "$(ratio 5)" "$(ratio 6)"
} | tee "$RESULTS"
