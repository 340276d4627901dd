#!/usr/bin/env bash
# `canary status` against a router with many releases (issue 16's goal: under 200 ms with 50), timed by hyperfine
# next to curl of the same admin endpoint and `canary --help` (the CLI's start-up alone), all in the same run. The
# CLI is installed as the README says (on linux-x64 the Native AOT package), and its validate is checked against
# `dotnet run --project src/Cli -- validate` on the same files first.
# Writes bench/results/cli-status-YYYY-MM-DD.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."

RELEASES=${RELEASES:-50}
RUNS=${RUNS:-30}
PUBLIC_PORT=${PUBLIC_PORT:-8490}
ADMIN_PORT=${ADMIN_PORT:-8491}
RESULTS=${RESULTS:-bench/results/cli-status-$(date +%F).md}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
for port in "$PUBLIC_PORT" "$ADMIN_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "cli-status.sh: port $port is taken" >&2; exit 1; fi
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d)
# The CLI as the README installs it: packed in two steps (the pointer and portable packages, then the linux-x64
# one, published with Native AOT) and installed as a tool.
dotnet build src/Router -c Release -nologo -v q >/dev/null
dotnet build src/Cli -c Release -nologo -v q >/dev/null
dotnet pack src/Cli -c Release -o "$work/nupkg" -nologo -v q >/dev/null
dotnet pack src/Cli -c Release -r linux-x64 -o "$work/nupkg" -nologo -v q >/dev/null
dotnet tool install --tool-path "$work/tools" --add-source "$work/nupkg" Canary.Cli >/dev/null
router=src/Router/bin/Release/net10.0/Canary.Router
cli=$work/tools/canary
file -L "$cli" | grep -q ELF || { echo "cli-status.sh: the installed canary is not the native binary" >&2; exit 1; }

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM

# RELEASES releases, each with its own path and two versions (nothing needs to listen behind them for status).
{
  printf '{"Router": {"PublicUrls": "http://127.0.0.1:%s", "AdminUrls": "http://127.0.0.1:%s", "StateFile": "router.state.json", "Releases": {' "$PUBLIC_PORT" "$ADMIN_PORT"
  for i in $(seq 1 "$RELEASES"); do
    [ "$i" -gt 1 ] && printf ','
    printf '"r%s": {"Stable": "v1", "Canary": "v2", "Weight": 10, "UserKey": ["header:X-User-Id"], "Steps": [{"Weight": 10, "HoldSeconds": 600}, {"Weight": 50, "HoldSeconds": 600}],' "$i"
    printf '"Routes": {"api": {"Path": "/r%s/api/{**rest}", "Versions": {"v1": ["http://127.0.0.1:%s"], "v2": ["http://127.0.0.1:%s", "http://127.0.0.1:%s"]}}}}' "$i" "$((20000 + i))" "$((30000 + i))" "$((40000 + i))"
  done
  printf '}}}\n'
} > "$work/router.json"

# validate: the native tool lists what the built CLI lists, on a valid file and on a broken one.
sed 's/"Weight": 10,/"Weight": 150, "Wieght": 1,/; s/"Stable": "v1", "Canary": "v2"/"Stable": "v1", "Canary": "v9"/' "$work/router.json" > "$work/broken.json"
for file in "$work/router.json" "$work/broken.json"; do
  for format in text json; do
    native=$("$cli" validate "$file" -o "$format"; echo "exit $?") || true
    managed=$(dotnet run --project src/Cli -c Release --no-build -- validate "$file" -o "$format"; echo "exit $?") || true
    [ "$native" = "$managed" ] || { echo "cli-status.sh: validate $file -o $format differs between the native tool and dotnet run" >&2; diff <(echo "$managed") <(echo "$native") >&2; exit 1; }
  done
done
parity="validate: native tool and \`dotnet run --project src/Cli -- validate\` print the same (text and json, exit code included) for this run's router.json and a broken copy ($(grep -c 'Router\.' <<<"$("$cli" validate "$work/broken.json")") problems)."

export CANARY_ADMIN_URL="http://127.0.0.1:$ADMIN_PORT" CANARY_ADMIN_KEY="bench-$RANDOM$RANDOM"
"$router" --config "$work/router.json" > "$work/router.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "$CANARY_ADMIN_URL/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
count=$("$cli" status -o json | grep -c '"name": "r[0-9]*"' || true)
[ "$count" = "$RELEASES" ] || { echo "cli-status.sh: expected $RELEASES releases, canary status showed $count" >&2; cat "$work/router.log" >&2; exit 1; }

hyperfine --warmup 3 --runs "$RUNS" --shell=none --export-markdown "$work/table.md" --export-json "$work/runs.json" \
  -n "curl GET /admin/releases" "curl -fsS -o /dev/null -H \"Authorization: Bearer $CANARY_ADMIN_KEY\" $CANARY_ADMIN_URL/admin/releases" \
  -n "canary --help (start-up only)" "$cli --help" \
  -n "canary status" "$cli status" \
  -n "canary status -o json" "$cli status -o json" \
  -n "canary status r1" "$cli status r1" > "$work/hyperfine.log"

mkdir -p "$(dirname "$RESULTS")"
{
  echo "# canary status, $RELEASES releases ($(date -u +'%F %H:%M') UTC)"
  echo
  echo "hyperfine, $RUNS runs after 3 warm-ups, each command a new process; the router (Release) running on the same 2 cores."
  echo "The CLI: the Native AOT tool package for linux-x64 ($(du -k "$(readlink -f "$cli")" | cut -f1) KB binary), installed with dotnet tool install."
  echo
  echo "$parity"
  echo "Goal: \`canary status\` under 200 ms. The key is passed by environment, never on the command line."
  echo
  sed "s/$CANARY_ADMIN_KEY/KEY/g" "$work/table.md"
  echo
  echo "Median wall time of the runs, CPU (hyperfine's mean user + system per run), and the wall median against curl's in this run:"
  echo
  python3 - "$work/runs.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
med = lambda xs: statistics.median(xs) * 1000
base = med(results[0]["times"])
print("| Command | Median wall [ms] | Mean CPU [ms] | Wall / curl |")
print("|:---|---:|---:|---:|")
for r in results:
    print(f"| `{r['command']}` | {med(r['times']):.1f} | {(r['user'] + r['system']) * 1000:.1f} | {med(r['times']) / base:.2f} |")
PY
  echo
  echo "CPU per run (hyperfine's user and system means), and the machine's load when the run ended: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo '```'
  grep -E '^Benchmark|Time \(mean' "$work/hyperfine.log" | sed "s/$CANARY_ADMIN_KEY/KEY/g"
  echo '```'
} > "$RESULTS"
cat "$RESULTS"
