#!/usr/bin/env bash
# Where the router's allocations go, next to plain YARP's: a gc-verbose trace (dotnet-trace) of each .NET proxy under
# wrk load, read by AllocProfile into bytes per request by type. See bench/README.md, "Allocation profile".
#
#   bench/profile.sh                 # DURATION=8 CONNECTIONS=32 THREADS=2 TOP=15
#
# Prints a markdown table; OUT=FILE also writes it there. Needs what run.sh needs (it installs wrk and curl when
# missing, dotnet-trace from NuGet into bench/artifacts/tools). Only 127.0.0.1; everything it starts is stopped at exit.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
TOP=${TOP:-15}
PUBLISH=$BENCH/artifacts/publish
TOOLS=$BENCH/artifacts/tools
DOTNET_TRACE_VERSION=10.0.750501
BACKEND_PORT=5121
declare -A PORT=([yarp]=8290 [router-off]=8291 [router-on]=8292)
declare -A ADMIN=([router-off]=8391 [router-on]=8392)
WORK=$(mktemp -d /tmp/canary-profile.XXXXXX)
BENCH_NAME=profile
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
  apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
[[ -x $TOOLS/dotnet-trace ]] || dotnet tool install --tool-path "$TOOLS" dotnet-trace --version "$DOTNET_TRACE_VERSION" >"$WORK/tool.log"

log "publishing (Release)"
for pair in "src/Router/Router.csproj router" "bench/Backend/Backend.csproj backend" "bench/PlainYarp/PlainYarp.csproj yarp" \
  "bench/AllocProfile/AllocProfile.csproj allocprofile"; do
  read -r project out <<<"$pair"
  dotnet publish "$ROOT/$project" -c Release -o "$PUBLISH/$out" --nologo -v q >"$WORK/publish-$out.log" 2>&1 \
    || { cat "$WORK/publish-$out.log" >&2; exit 1; }
done

export ASPNETCORE_ENVIRONMENT=Production
unset OTEL_EXPORTER_OTLP_ENDPOINT 2>/dev/null || true
backend=http://127.0.0.1:$BACKEND_PORT
start backend dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "$backend" --name backend
wait_http backend "$backend/api/ready"
start yarp dotnet "$PUBLISH/yarp/Canary.Bench.PlainYarp.dll" --urls "http://127.0.0.1:${PORT[yarp]}" --backend "$backend"
for name in router-off router-on; do
  mkdir -p "$WORK/$name"
  cat >"$WORK/$name/router.json" <<EOF
{ "Router": {
    "PublicUrls": "http://127.0.0.1:${PORT[$name]}", "AdminUrls": "http://127.0.0.1:${ADMIN[$name]}",
    "RecordRequests": $([[ $name == router-on ]] && echo true || echo false),
    "Releases": { "shop": {
      "Stable": "v1", "Canary": "v2", "Weight": 10, "UserKey": ["header:X-User-Id", "cookie:uid"],
      "Segments": [ { "Name": "beta", "Header": "X-Beta", "Values": ["true"], "Version": "v2" } ],
      "Routes": {
        "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["$backend"], "v2": ["$backend"] } },
        "web": { "Path": "/{**rest}", "Versions": { "v1": ["$backend"], "v2": ["$backend"] } } } } } } }
EOF
  start "$name" dotnet "$PUBLISH/router/Canary.Router.dll" --config "$WORK/$name/router.json"
done
for name in yarp router-off router-on; do wait_http "$name" "http://127.0.0.1:${PORT[$name]}/api/ready"; done

inputs=()
for name in yarp router-off router-on; do
  url="http://127.0.0.1:${PORT[$name]}/api/items"
  wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" -d"${WARMUP}s" "$url" >/dev/null 2>&1
  seconds=$((DURATION + 4))
  start "trace-$name" "$TOOLS/dotnet-trace" collect -p "${PID[$name]}" --profile gc-verbose -o "$WORK/$name.nettrace" \
    --duration "$(printf '00:00:%02d:%02d' $((seconds / 60)) $((seconds % 60)))"
  sleep 2
  wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" -d"${DURATION}s" "$url" >"$WORK/wrk-$name.log" 2>&1
  for _ in $(seq 300); do kill -0 "${PID[trace-$name]}" 2>/dev/null || break; sleep 0.1; done
  stop "trace-$name"
  requests=$(grep -o 'requests=[0-9]*' "$WORK/wrk-$name.log" | cut -d= -f2)
  log "$name: $requests requests traced"
  inputs+=("$name=$WORK/$name.nettrace:$requests")
done
for name in router-on router-off yarp backend; do stop "$name"; done

table=$(dotnet "$PUBLISH/allocprofile/Canary.Bench.AllocProfile.dll" --top "$TOP" "${inputs[@]}")
echo "$table"
if [[ -n ${OUT:-} ]]; then echo "$table" >"$OUT"; fi
