#!/usr/bin/env bash
# Builds everything, starts SampleApi v1/v2, SampleSpa v1/v2 and the Router with router.json,
# prints the URLs and the admin key, and runs until Ctrl-C, which stops every process it started.
set -euo pipefail
cd "$(dirname "$0")"
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
start "SampleApi v1" api-v1 dotnet src/SampleApi/$bin/Canary.SampleApi.dll --Version v1 --urls http://127.0.0.1:5001
start "SampleApi v2" api-v2 dotnet src/SampleApi/$bin/Canary.SampleApi.dll --Version v2 --urls http://127.0.0.1:5002
start "SampleSpa v1" spa-v1 dotnet src/SampleSpa/$bin/Canary.SampleSpa.dll --Version v1 --urls http://127.0.0.1:5011
start "SampleSpa v2" spa-v2 dotnet src/SampleSpa/$bin/Canary.SampleSpa.dll --Version v2 --urls http://127.0.0.1:5012
for port in 5001 5002 5011 5012; do wait_for "http://127.0.0.1:$port/healthz"; done
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
