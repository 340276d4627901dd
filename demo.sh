#!/usr/bin/env bash
# Builds everything, starts SampleApi v1/v2, SampleSpa v1/v2 and the Router with router.json,
# prints the URLs and the admin key, and runs until Ctrl-C, which stops every process it started.
# ./demo.sh --replicas N: one redis-server and N router replicas sharing it (README, "Many replicas on one Redis").
set -euo pipefail
cd "$(dirname "$0")"
replicas=0
while [ $# -gt 0 ]; do
  case "$1" in
    --replicas) replicas=${2:?--replicas needs a number}; shift 2 ;;
    *) echo "usage: ./demo.sh [--replicas N]" >&2; exit 2 ;;
  esac
done
case "$replicas" in ''|*[!0-9]*) echo "demo.sh: --replicas takes a number" >&2; exit 2 ;; esac
if [ "$replicas" -gt 0 ] && ! command -v redis-server >/dev/null 2>&1; then
  echo "demo.sh: --replicas needs redis-server (Debian: apt-get install redis-server)" >&2; exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "Building (Release; the SPA with npm)..."
dotnet build Canary.sln -c Release -nologo -v q

export CANARY_ADMIN_KEY="${CANARY_ADMIN_KEY:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')}"
logs=.demo
mkdir -p "$logs"
pids=()
stop() { # stop STATUS: Ctrl-C is a normal end (0); a process that died on its own is not (1)
  local status=$1
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  exit "$status"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

start() { # name, log, command...
  local name=$1 log=$2; shift 2
  "$@" >"$logs/$log.log" 2>&1 &
  pids+=($!)
  echo "  started $name (pid $!, log $logs/$log.log)"
}

wait_for() { # url
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "demo.sh: $1 did not come up; see $logs/" >&2; exit 1
}

bin=bin/Release/net10.0

# One Redis on 6390 (no persistence: a demo) and N replicas, each with router.json's releases on its own ports
# (8080/8081, 8082/8083, ...) and its own state file, in .demo/replica-N.
replica_mode() {
  mkdir -p "$logs/redis"
  start "redis-server" redis redis-server --port 6390 --bind 127.0.0.1 --dir "$PWD/$logs/redis" --save ""
  for _ in $(seq 1 100); do redis-cli -p 6390 ping >/dev/null 2>&1 && break; sleep 0.1; done
  export CANARY_REDIS=127.0.0.1:6390
  local lines="" routers=()
  for i in $(seq 1 "$replicas"); do
    local folder="$logs/replica-$i" public=$((8078 + 2 * i)) admin=$((8079 + 2 * i))
    mkdir -p "$folder"
    sed -e "s|\"PublicUrls\": \"http://127.0.0.1:8080\"|\"PublicUrls\": \"http://127.0.0.1:$public\"|" \
        -e "s|\"AdminUrls\": \"http://127.0.0.1:8081\"|\"AdminUrls\": \"http://127.0.0.1:$admin\"|" router.json >"$folder/router.json"
    start "Router replica $i" "replica-$i" dotnet src/Router/$bin/Canary.Router.dll --config "$folder/router.json"
    routers+=("${pids[-1]}")
    wait_for "http://127.0.0.1:$admin/healthz"
    lines+="  Replica $i: public http://127.0.0.1:$public   admin http://127.0.0.1:$admin"$'\n'
  done
  cat <<INFO

Canary is running as $replicas replicas on one Redis (CANARY_REDIS=$CANARY_REDIS).
$lines  Admin key (CANARY_ADMIN_KEY): $CANARY_ADMIN_KEY

Try (a user gets the same version from every replica; a write on one is served by all):
  for p in $(seq -s ' ' 8080 2 $((8078 + 2 * replicas))); do curl -s -H 'X-User-Id: alice' http://127.0.0.1:\$p/api/version; echo; done
  curl -s -X PUT -H "Authorization: Bearer $CANARY_ADMIN_KEY" -H 'Content-Type: application/json' \\
       -d '{"weight": 100}' http://127.0.0.1:8081/admin/releases/shop/weight
  curl -s -H "Authorization: Bearer $CANARY_ADMIN_KEY" http://127.0.0.1:$((8079 + 2 * replicas))/admin/releases/shop
  redis-cli -p 6390 shutdown nosave    # Redis down: replicas serve the last state, writes answer 503
  curl -s -H "Authorization: Bearer $CANARY_ADMIN_KEY" http://127.0.0.1:8081/admin/store
  redis-server --port 6390 --bind 127.0.0.1 --save "" --daemonize yes    # back: replicas catch up

Press Ctrl-C to stop everything.
INFO
  # Redis may be stopped and started again by hand: only a router exiting ends the demo.
  wait -n "${routers[@]}" || true
  echo "demo.sh: a router exited; see $logs/" >&2
}
start "SampleApi v1" api-v1 dotnet src/SampleApi/$bin/Canary.SampleApi.dll --Version v1 --urls http://127.0.0.1:5001
start "SampleApi v2" api-v2 dotnet src/SampleApi/$bin/Canary.SampleApi.dll --Version v2 --urls http://127.0.0.1:5002
start "SampleSpa v1" spa-v1 dotnet src/SampleSpa/$bin/Canary.SampleSpa.dll --Version v1 --urls http://127.0.0.1:5011
start "SampleSpa v2" spa-v2 dotnet src/SampleSpa/$bin/Canary.SampleSpa.dll --Version v2 --urls http://127.0.0.1:5012
for port in 5001 5002 5011 5012; do wait_for "http://127.0.0.1:$port/healthz"; done
if [ "$replicas" -gt 0 ]; then
  replica_mode
  exit 1
fi
start "Router" router dotnet src/Router/$bin/Canary.Router.dll --config router.json
wait_for http://127.0.0.1:8081/healthz

cat <<INFO

Canary is running.
  Shop (SPA + API, split per router.json):  http://127.0.0.1:8080
  Admin dashboard:                          http://127.0.0.1:8081
  Admin API:                                http://127.0.0.1:8081/admin/releases
  Prometheus metrics:                       http://127.0.0.1:8081/metrics
  A/B experiment (goals in router.json):    http://127.0.0.1:8081/admin/releases/shop/experiment
  Admin key (CANARY_ADMIN_KEY):             $CANARY_ADMIN_KEY

Try:
  curl -s -H 'X-User-Id: alice' http://127.0.0.1:8080/api/version
  curl -s -X PUT -H "Authorization: Bearer $CANARY_ADMIN_KEY" -H 'Content-Type: application/json' \\
       -d '{"weight": 50}' http://127.0.0.1:8081/admin/releases/shop/weight
  curl -s -H "Authorization: Bearer $CANARY_ADMIN_KEY" http://127.0.0.1:8081/admin/releases/shop/experiment

Press Ctrl-C to stop everything.
INFO
wait -n "${pids[@]}" || true
echo "demo.sh: a process exited; see $logs/" >&2
exit 1
