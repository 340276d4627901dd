#!/usr/bin/env bash
# Installs what the tests need when it is missing, then runs the whole suite.
# The last line is always "tests: N passed, N failed", even when a step before the tests fails.
set -euo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
status=0
# One closing line over every test assembly, for people and CI alike; a failed step counts as a failure.
finish() {
  local rc=$?
  set +e
  [ "$status" -ne 0 ] || status=$rc
  local passed failed
  passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  rm -f "$log"
  echo "tests: $passed passed, $failed failed"
  exit "$status"
}
trap finish EXIT

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages the tests drive for real: chromium (browser tests), prometheus (promtool and the server),
# redis-server (replica tests).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
{ command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; } || missing+=(prometheus)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v node >/dev/null 2>&1 || { echo "test.sh: Node.js is required to build the SPA" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Canary.sln -c Release -nologo -v q
# The benchmarks are not run here (bench/run.sh does), but they must keep compiling against the router.
dotnet build bench/Bench.sln -c Release -nologo -v q

# A test that hangs is stopped (with a dump of where it hung) instead of holding CI until its time runs out;
# the whole run has a ceiling too, well under CI's 90 minutes.
timeout --kill-after=30s "${TEST_TIMEOUT:-30m}" \
  dotnet test Canary.sln -c Release --no-build -nologo --blame-hang-timeout "${TEST_HANG_TIMEOUT:-5m}" 2>&1 | tee "$log" || status=$?
