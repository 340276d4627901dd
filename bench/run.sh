#!/usr/bin/env bash
# Canary's benchmark suite, in one command: see bench/README.md for what each figure means.
#
#   bench/run.sh                          # defaults: ROUNDS=5 DURATION=10 WARMUP=5 CONNECTIONS=32 THREADS=2
#   ROUNDS=2 DURATION=5 bench/run.sh      # a quick check that everything works
#
# Environment:
#   ROUNDS, DURATION, WARMUP (seconds), CONNECTIONS, THREADS   the proxy benchmark (wrk)
#   MICRO=0 | PROXY=0 | GUARD=0 | ALLOC=0                      skip a part (ALLOC: the allocation pass)
#   SOAK=600                                                   seconds of the RSS soak (0, the default: skipped)
#   GUARD_RATES ("200 2000"), GUARD_HEALTHY (3), GUARD_AFTER (3)  the guard reaction bench (req/s, seconds)
#   RESULTS                                                    the results file (bench/results/YYYY-MM-DD.md)
#   KEEP_WORK=1                                                keep the temp dir with logs and configs
# Only 127.0.0.1 is ever contacted. Every process this script starts is stopped when it exits.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)

ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
MICRO=${MICRO:-1}
PROXY=${PROXY:-1}
GUARD=${GUARD:-1}
ALLOC=${ALLOC:-1}
SOAK=${SOAK:-0}
GUARD_RATES=${GUARD_RATES:-"200 2000"}
GUARD_HEALTHY=${GUARD_HEALTHY:-3}
GUARD_AFTER=${GUARD_AFTER:-3}
RESULTS=${RESULTS:-$BENCH/results/$(date +%F).md}
PUBLISH=$BENCH/artifacts/publish
TOOLS=$BENCH/artifacts/tools
DOTNET_COUNTERS_VERSION=10.0.750501

# Ports (all on 127.0.0.1).
BACKEND_PORT=5101 YARP_PORT=8090 ON_PORT=8091 ON_ADMIN=8191 OFF_PORT=8092 OFF_ADMIN=8192 NGINX_PORT=8093 HAPROXY_PORT=8097 SOAK_PORT=8096 SOAK_ADMIN=8196
GUARD_STABLE_PORT=5111 GUARD_CANARY_PORT=5112 GUARD_PORT=8095 GUARD_ADMIN=8195
PROXIES=(yarp router-on router-off nginx haproxy)
declare -A LABEL=([yarp]="plain YARP" [router-on]="Canary, recording on" [router-off]="Canary, recording off" [nginx]="nginx split_clients" [haproxy]="HAProxy crc32 split")
declare -A PORT=([yarp]=$YARP_PORT [router-on]=$ON_PORT [router-off]=$OFF_PORT [nginx]=$NGINX_PORT [haproxy]=$HAPROXY_PORT)

WORK=$(mktemp -d /tmp/canary-bench.XXXXXX)
BENCH_NAME=bench
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"


# --- tools ---------------------------------------------------------------------------------------------------------
install_tools() {
  ensure_packages wrk=wrk nginx=nginx-light haproxy=haproxy curl=curl
}

# --- /proc figures -------------------------------------------------------------------------------------------------
tree() { # tree PID: the PID and its children (nginx's workers)
  local root=$1 f
  echo "$root"
  for f in /proc/[0-9]*/stat; do
    [[ -r $f ]] || continue
    # Fields after "pid (comm) ": state ppid ...
    awk -v root="$root" -v f="$f" '{ sub(/^.*\) /, ""); if ($2 == root) { split(f, p, "/"); print p[3] } }' "$f" 2>/dev/null || true
  done
}

# --- build ---------------------------------------------------------------------------------------------------------
build() {
  log "publishing (Release) into $PUBLISH"
  local project out
  for pair in "src/Router/Router.csproj router" "bench/Backend/Backend.csproj backend" "bench/PlainYarp/PlainYarp.csproj yarp" \
    "bench/GuardBench/GuardBench.csproj guard" "bench/Bench.Micro/Bench.Micro.csproj micro"; do
    read -r project out <<<"$pair"
    dotnet publish "$ROOT/$project" -c Release -o "$PUBLISH/$out" --nologo -v q >"$WORK/publish-$out.log" 2>&1 \
      || { cat "$WORK/publish-$out.log" >&2; return 1; }
  done
}

# --- configs -------------------------------------------------------------------------------------------------------
router_config() { # router_config DIR PUBLIC ADMIN RECORD STABLE_URL CANARY_URL GUARD_JSON
  mkdir -p "$1"
  cat >"$1/router.json" <<EOF
{
  "Router": {
    "PublicUrls": "http://127.0.0.1:$2",
    "AdminUrls": "http://127.0.0.1:$3",
    "StateFile": "router.state.json",
    "RecordRequests": $4,
    "Releases": {
      "shop": {
        "Stable": "v1",
        "Canary": "v2",
        "Weight": 10,
        "UserKey": ["header:X-User-Id", "cookie:uid"],
        "Segments": [ { "Name": "beta", "Header": "X-Beta", "Values": ["true"], "Version": "v2" } ],
        "Guard": $7,
        "Routes": {
          "api": { "Path": "/api/{**rest}", "Versions": { "v1": ["$5"], "v2": ["$6"] } },
          "web": { "Path": "/{**rest}", "Versions": { "v1": ["$5"], "v2": ["$6"] } }
        }
      }
    }
  }
}
EOF
}

nginx_config() { # nginx_config DIR: 10% of X-User-Id values to "v2", both upstreams the one backend, keep-alive to it
  mkdir -p "$1"/tmp
  cat >"$1/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/tmp/body;
  proxy_temp_path $1/tmp/proxy;
  fastcgi_temp_path $1/tmp/fastcgi;
  uwsgi_temp_path $1/tmp/uwsgi;
  scgi_temp_path $1/tmp/scgi;
  keepalive_requests 1000000;
  split_clients "shop\${http_x_user_id}" \$canary_version {
    10% v2;
    *   v1;
  }
  upstream v1 { server 127.0.0.1:$BACKEND_PORT; keepalive 64; keepalive_requests 1000000; }
  upstream v2 { server 127.0.0.1:$BACKEND_PORT; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://\$canary_version;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
      add_header X-Canary-Version \$canary_version always;
    }
  }
}
EOF
}

haproxy_config() { # haproxy_config DIR: 10% of X-User-Id values (crc32) to "v2", both backends the one backend, keep-alive to it
  mkdir -p "$1"
  cat >"$1/haproxy.cfg" <<EOF
global
  nbthread $(nproc)
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend canary
  bind 127.0.0.1:$HAPROXY_PORT
  use_backend v2 if { req.hdr(X-User-Id),crc32(1),mod(100) lt 10 }
  default_backend v1
backend v1
  http-response set-header X-Canary-Version v1
  server b 127.0.0.1:$BACKEND_PORT
backend v2
  http-response set-header X-Canary-Version v2
  server b 127.0.0.1:$BACKEND_PORT
EOF
}

# --- micro-benchmarks ----------------------------------------------------------------------------------------------
run_micro() {
  log "micro-benchmarks (BenchmarkDotNet, short in-process job)"
  (cd "$WORK" && dotnet "$PUBLISH/micro/Canary.Bench.dll" --filter '*' --artifacts "$WORK/bdn") >"$WORK/micro.log" 2>&1 \
    || { tail -50 "$WORK/micro.log" >&2; return 1; }
  {
    local f
    for f in "$WORK"/bdn/results/*-report-github.md; do
      echo "#### ${f##*/Canary.Bench.}" | sed 's/-report-github.md$//'
      echo
      # The environment block once, then the tables.
      if [[ $f == "$(ls "$WORK"/bdn/results/*-report-github.md | head -1)" ]]; then cat "$f"; else sed -n '/^|/p' "$f"; fi
      echo
    done
  } >"$WORK/micro.md"
}

# --- proxies -------------------------------------------------------------------------------------------------------
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

start_proxies() {
  for p in $BACKEND_PORT $YARP_PORT $ON_PORT $ON_ADMIN $OFF_PORT $OFF_ADMIN $NGINX_PORT $HAPROXY_PORT; do
    port_free "$p" || { log "port $p is in use: stop what holds it"; return 1; }
  done
  export ASPNETCORE_ENVIRONMENT=Production
  unset OTEL_EXPORTER_OTLP_ENDPOINT DOTNET_gcServer DOTNET_GCHeapCount 2>/dev/null || true
  local backend=http://127.0.0.1:$BACKEND_PORT
  start backend dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "$backend" --name backend
  wait_http backend "$backend/api/ready"
  start yarp dotnet "$PUBLISH/yarp/Canary.Bench.PlainYarp.dll" --urls "http://127.0.0.1:$YARP_PORT" --backend "$backend"
  router_config "$WORK/router-on" $ON_PORT $ON_ADMIN true "$backend" "$backend" '{ "WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05 }'
  start router-on dotnet "$PUBLISH/router/Canary.Router.dll" --config "$WORK/router-on/router.json"
  router_config "$WORK/router-off" $OFF_PORT $OFF_ADMIN false "$backend" "$backend" '{ "WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05 }'
  start router-off dotnet "$PUBLISH/router/Canary.Router.dll" --config "$WORK/router-off/router.json"
  nginx_config "$WORK/nginx"
  "$NGINX" -t -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" >"$WORK/nginx-test.log" 2>&1 \
    || { cat "$WORK/nginx-test.log" >&2; return 1; }
  start nginx "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"
  haproxy_config "$WORK/haproxy"
  "$HAPROXY" -c -f "$WORK/haproxy/haproxy.cfg" >"$WORK/haproxy-test.log" 2>&1 || { cat "$WORK/haproxy-test.log" >&2; return 1; }
  start haproxy "$HAPROXY" -db -f "$WORK/haproxy/haproxy.cfg"
  for name in "${PROXIES[@]}"; do wait_http "$name" "http://127.0.0.1:${PORT[$name]}/api/ready"; done
  # Every proxy must answer through to the backend and name the version.
  for name in "${PROXIES[@]}"; do
    [[ $name == yarp ]] && continue
    curl -sfi -H 'X-User-Id: probe' "http://127.0.0.1:${PORT[$name]}/api/probe" | grep -qi '^X-Canary-Version: v[12]' \
      || { log "$name does not set X-Canary-Version"; return 1; }
  done
}

measure() { # measure ROUND NAME
  local round=$1 name=$2 url="http://127.0.0.1:${PORT[$2]}/api/items"
  wrk_warm "$url"
  local pids; mapfile -t pids < <(tree "${PID[$name]}")
  local b0 b1 rps p50 p99 cpu hwm errors
  b0=$(cpu_ticks "${PID[backend]}")
  IFS=$'\t' read -r rps p50 p99 cpu hwm errors < <(wrk_run "$url" "$WORK/wrk-$name-$round.log" "${pids[@]}")
  b1=$(cpu_ticks "${PID[backend]}")
  [[ -n $rps ]] || return 1
  # round name rps p50_us p99_us cpu_us_per_req backend_cpu_us_per_req hwm_kb errors
  local requests; requests=$(grep -o 'requests=[0-9]*' "$WORK/wrk-$name-$round.log" | head -1 | cut -d= -f2)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\n' "$round" "$name" "$rps" "$p50" "$p99" "$cpu" \
    "$(awk -v b="$((b1 - b0))" -v tck="$CLK_TCK" -v n="${requests:-1}" 'BEGIN { print b / tck * 1e6 / (n > 0 ? n : 1) }')" "$hwm" "$errors" >>"$WORK/runs.tsv"
  log "round $round ${LABEL[$name]}: $(tail -1 "$WORK/runs.tsv" | awk -F'\t' '{ printf "%s req/s, p50 %.2f ms, p99 %.2f ms, %s CPU us/req, %s errors", $3, $4 / 1000, $5 / 1000, $6, $9 }')"
}

col() { awk -F'\t' -v n="$1" -v c="$2" '$2 == n { print $c }' "$WORK/runs.tsv"; }
ratio() { # ratio A B COLUMN: A/B per round, then the median
  awk -F'\t' -v a="$1" -v b="$2" -v c="$3" '$2 == a { x[$1] = $c } $2 == b { y[$1] = $c } END { for (r in x) if (r in y && y[r] != 0) print x[r] / y[r] }' "$WORK/runs.tsv" | median
}

run_proxies() {
  log "proxy benchmark: $ROUNDS rounds x ${#PROXIES[@]} proxies x (${WARMUP}s warm-up + ${DURATION}s), $CONNECTIONS connections, $THREADS wrk threads"
  start_proxies
  : >"$WORK/runs.tsv"
  local round i n=${#PROXIES[@]}
  for round in $(seq "$ROUNDS"); do
    # A different proxy goes first each round, so none always runs on a machine warmed (or heated) by another.
    for i in $(seq 0 $((n - 1))); do
      measure "$round" "${PROXIES[$(((i + round - 1) % n))]}"
    done
  done
  # Share of requests the router sent to the canary (its own counters): should be about 10%.
  CANARY_SHARE=$(curl -sf "http://127.0.0.1:$ON_ADMIN/metrics" | awk '
    /^canary_requests_total\{/ && /route="api"/ { v = $NF + 0; total += v; if ($0 ~ /version="v2"/) canary += v }
    END { if (total > 0) printf "%.1f%% of %d", canary * 100 / total, total; else print "n/a" }')
  if [[ $ALLOC == 1 ]]; then alloc_pass; fi
  for name in haproxy nginx router-off router-on yarp backend; do stop "$name"; done
  { proxy_tables; alloc_table; } >"$WORK/proxy.md"
}

proxy_tables() {
  echo "| proxy | req/s | p50 ms | p99 ms | proxy CPU µs/req | backend CPU µs/req | peak RSS MB | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  local name
  for name in "${PROXIES[@]}"; do
    printf '| %s | %.0f | %.2f | %.2f | %.1f | %.1f | %.0f | %d |\n' "${LABEL[$name]}" \
      "$(col "$name" 3 | median)" "$(col "$name" 4 | median | awk '{ print $1 / 1000 }')" \
      "$(col "$name" 5 | median | awk '{ print $1 / 1000 }')" "$(col "$name" 6 | median)" "$(col "$name" 7 | median)" \
      "$(col "$name" 8 | sort -g | tail -1 | awk '{ print $1 / 1024 }')" "$(col "$name" 9 | awk '{ s += $1 } END { print s + 0 }')"
  done
  echo
  echo "| ratio (median of per-round ratios) | value |"
  echo "|---|---:|"
  printf '| Canary (on) / plain YARP, throughput | %.3f |\n' "$(ratio router-on yarp 3)"
  printf '| Canary (on) / plain YARP, p99 | %.3f |\n' "$(ratio router-on yarp 5)"
  printf '| Canary (on) / plain YARP, CPU per request | %.3f |\n' "$(ratio router-on yarp 6)"
  printf '| Canary (on) / nginx, throughput | %.3f |\n' "$(ratio router-on nginx 3)"
  printf '| Canary (on) / HAProxy, throughput | %.3f |\n' "$(ratio router-on haproxy 3)"
  printf '| Canary (on) / HAProxy, CPU per request | %.3f |\n' "$(ratio router-on haproxy 6)"
  printf '| Canary (off) / plain YARP, throughput | %.3f |\n' "$(ratio router-off yarp 3)"
  printf '| recording cost, throughput (1 - on/off) | %.1f%% |\n' "$(ratio router-on router-off 3 | awk '{ print (1 - $1) * 100 }')"
  printf '| recording cost, CPU per request (on/off - 1) | %.1f%% |\n' "$(ratio router-on router-off 6 | awk '{ print ($1 - 1) * 100 }')"
  echo
  echo "Requests the router (recording on) sent to the canary: ${CANARY_SHARE:-n/a} (target 10%)."
  echo
  echo "<details><summary>Every run</summary>"
  echo
  echo "| round | proxy | req/s | p50 ms | p99 ms | proxy CPU µs/req | backend CPU µs/req | peak RSS MB | errors |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s | %.2f | %.2f | %s | %s | %.0f | %s |\n", $1, $2, $3, $4 / 1000, $5 / 1000, $6, $7, $8 / 1024, $9 }' "$WORK/runs.tsv"
  echo
  echo "</details>"
}

# --- allocation pass -----------------------------------------------------------------------------------------------
# One more run per .NET proxy with dotnet-counters attached (not part of the timing medians): the runtime's
# allocation rate and gen0 collections, per request.
install_counters() {
  [[ -x $TOOLS/dotnet-counters ]] && return 0
  log "installing dotnet-counters $DOTNET_COUNTERS_VERSION into ${TOOLS#"$ROOT"/}"
  dotnet tool install --tool-path "$TOOLS" dotnet-counters --version "$DOTNET_COUNTERS_VERSION" >"$WORK/tool.log" 2>&1
}

alloc_pass() {
  if ! install_counters; then
    log "dotnet-counters could not be installed: no allocation figures ($(tail -1 "$WORK/tool.log"))"
    return 0
  fi
  local name
  : >"$WORK/alloc.tsv"
  local names=(yarp router-on router-off)
  for name in "${names[@]}"; do
    local url="http://127.0.0.1:${PORT[$name]}/api/items" csv="$WORK/counters-$name.csv"
    wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" -d2s "$url" >/dev/null 2>&1
    # Background jobs ignore SIGINT in a script, so dotnet-counters stops by itself: 2 s before wrk, 2 s after.
    local seconds=$((DURATION + 4))
    start "counters-$name" "$TOOLS/dotnet-counters" collect -p "${PID[$name]}" --format csv -o "$csv" --refresh-interval 1 \
      --duration "$(printf '00:00:%02d:%02d' $((seconds / 60)) $((seconds % 60)))" \
      --counters 'System.Runtime[dotnet.gc.heap.total_allocated,dotnet.gc.collections]'
    sleep 2
    wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" -d"${DURATION}s" "$url" >"$WORK/wrk-$name-alloc.log" 2>&1
    local pid=${PID[counters-$name]}
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    stop "counters-$name"
    local rps; rps=$(grep -o 'rps=[0-9.]*' "$WORK/wrk-$name-alloc.log" | cut -d= -f2)
    # The seconds under load (allocation rate above half the peak): mean bytes and gen0 GCs per second.
    local bytes gen0
    read -r bytes gen0 < <(awk -F, '
      /total_allocated/ { a[$1] = $NF; if ($NF > m) m = $NF }
      /gc.heap.generation=gen0/ { g[$1] = $NF }
      END { for (t in a) if (a[t] > m / 2) { sa += a[t]; sg += g[t]; n++ } if (n) printf "%.0f %.2f\n", sa / n, sg / n; else print "0 0" }' "$csv")
    printf '%s\t%s\t%s\t%s\n' "$name" "$rps" "$bytes" "$gen0" >>"$WORK/alloc.tsv"
    log "allocation pass ${LABEL[$name]}: $(awk -v r="$rps" -v b="$bytes" 'BEGIN { printf "%.0f B/request at %.0f req/s", b / r, r }')"
  done
}

alloc_table() {
  [[ -s $WORK/alloc.tsv ]] || return 0
  echo
  echo "Allocation pass (one extra ${DURATION}s run per .NET proxy with dotnet-counters attached; not in the medians above):"
  echo
  echo "| proxy | req/s | allocated B/request | gen0 GCs per 10k requests |"
  echo "|---|---:|---:|---:|"
  awk -F'\t' -v yarp="${LABEL[yarp]}" -v on="${LABEL[router-on]}" -v off="${LABEL[router-off]}" '
    { label = $1 == "yarp" ? yarp : $1 == "router-on" ? on : off
      printf "| %s | %.0f | %.0f | %.1f |\n", label, $2, ($2 > 0 ? $3 / $2 : 0), ($2 > 0 ? $4 / $2 * 10000 : 0) }' "$WORK/alloc.tsv"
}

# --- guard reaction ------------------------------------------------------------------------------------------------
run_guard() {
  log "guard reaction bench: rates $GUARD_RATES req/s, ${GUARD_HEALTHY}s healthy, then canary fails, ${GUARD_AFTER}s more"
  for p in $GUARD_STABLE_PORT $GUARD_CANARY_PORT $GUARD_PORT $GUARD_ADMIN; do
    port_free "$p" || { log "port $p is in use: stop what holds it"; return 1; }
  done
  export ASPNETCORE_ENVIRONMENT=Production
  local stable=http://127.0.0.1:$GUARD_STABLE_PORT canary=http://127.0.0.1:$GUARD_CANARY_PORT
  start stable dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "$stable" --name stable
  start canary dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "$canary" --name canary
  wait_http stable "$stable/api/ready"
  wait_http canary "$canary/api/ready"
  : >"$WORK/guard-rows.md"
  local rate
  for rate in $GUARD_RATES; do
    local dir="$WORK/guard-$rate"
    router_config "$dir" $GUARD_PORT $GUARD_ADMIN true "$stable" "$canary" '{ "WindowSeconds": 5, "MinRequests": 10, "MaxErrorRate": 0.05 }'
    curl -sf -X POST "$stable/reset" >/dev/null && curl -sf -X POST "$canary/reset" >/dev/null
    start guard-router dotnet "$PUBLISH/router/Canary.Router.dll" --config "$dir/router.json"
    wait_http guard-router "http://127.0.0.1:$GUARD_ADMIN/healthz"
    wait_http guard-router "http://127.0.0.1:$GUARD_PORT/api/ready"
    curl -sf -X POST "$canary/reset" >/dev/null
    dotnet "$PUBLISH/guard/Canary.Bench.Guard.dll" --router "http://127.0.0.1:$GUARD_PORT" --admin "http://127.0.0.1:$GUARD_ADMIN" \
      --canary-backend "$canary" --rate "$rate" --healthy "$GUARD_HEALTHY" --after "$GUARD_AFTER" \
      --window 5 --min-requests 10 --max-error-rate 0.05 --out "$WORK/guard-rows.md" 2>"$WORK/guard-$rate.log" >/dev/null \
      || { cat "$WORK/guard-$rate.log" >&2; return 1; }
    log "guard at $rate req/s: $(tail -1 "$WORK/guard-rows.md") ($(cat "$WORK/guard-$rate.log"))"
    stop guard-router
  done
  stop stable; stop canary
  {
    echo "| target req/s | achieved req/s | canary req/s (healthy) | reaction s | flip → rollback in /metrics s | failed user requests (5xx) | canary backend 500s | canary 2xx in window at flip | failures the thresholds need | failed − needed (≈ in flight) | transport errors | reaction < 1 s | failed ≤ MinRequests + in flight |"
    echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
    cat "$WORK/guard-rows.md"
  } >"$WORK/guard.md"
}

# --- RSS soak ------------------------------------------------------------------------------------------------------
# The router (recording on) under steady wrk load for SOAK seconds; its resident set sampled every 10 s.
run_soak() {
  log "RSS soak: Canary (recording on) under wrk for ${SOAK}s, RSS sampled every 10 s"
  for p in $BACKEND_PORT $SOAK_PORT $SOAK_ADMIN; do
    port_free "$p" || { log "port $p is in use: stop what holds it"; return 1; }
  done
  export ASPNETCORE_ENVIRONMENT=Production
  local backend=http://127.0.0.1:$BACKEND_PORT
  start backend dotnet "$PUBLISH/backend/Canary.Bench.Backend.dll" --urls "$backend" --name backend
  wait_http backend "$backend/api/ready"
  router_config "$WORK/soak" $SOAK_PORT $SOAK_ADMIN true "$backend" "$backend" '{ "WindowSeconds": 10, "MinRequests": 20, "MaxErrorRate": 0.05 }'
  start soak dotnet "$PUBLISH/router/Canary.Router.dll" --config "$WORK/soak/router.json"
  wait_http soak "http://127.0.0.1:$SOAK_PORT/api/ready"
  start soak-wrk wrk -t"$THREADS" -c"$CONNECTIONS" -s "$BENCH/wrk/users.lua" -d"${SOAK}s" "http://127.0.0.1:$SOAK_PORT/api/items"
  : >"$WORK/soak.tsv"
  local t
  for ((t = 10; t <= SOAK; t += 10)); do
    sleep 10
    printf '%d\t%s\n' "$t" "$(awk '/^VmRSS:/ { print $2 }' "/proc/${PID[soak]}/status")" >>"$WORK/soak.tsv"
  done
  wait "${PID[soak-wrk]}" 2>/dev/null || true
  unset "PID[soak-wrk]"
  stop soak; stop backend
  {
    echo "| minute | RSS MB, lowest–highest sample |"
    echo "|---:|---|"
    awk -F'\t' '{ m = int(($1 - 1) / 60) + 1; kb = $2; if (!(m in lo) || kb < lo[m]) lo[m] = kb; if (kb > hi[m]) hi[m] = kb }
      END { for (m = 1; m in lo; m++) printf "| %d | %.0f–%.0f |\n", m, lo[m] / 1024, hi[m] / 1024 }' "$WORK/soak.tsv"
    echo
    grep '^WRK_RESULT' "$WORK/soak-wrk.log" | awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END { printf "%d requests at %.0f req/s, %d errors.\n", v["requests"], v["rps"], v["connect"] + v["read"] + v["write"] + v["timeout"] + v["non2xx"] }'
  } >"$WORK/soak.md"
  log "soak: $(tail -1 "$WORK/soak.md")"
}

# --- report --------------------------------------------------------------------------------------------------------
write_results() {
  mkdir -p "$(dirname "$RESULTS")"
  local cpu; cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  {
    echo "# Canary benchmark results, $(date +%F)"
    echo
    echo "Machine: nproc $(nproc), CPU ${cpu:-unknown}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r);" \
      ".NET $(dotnet --version) SDK; $("$NGINX" -v 2>&1 | sed 's/.*version: //'); $(wrk --version 2>&1 | head -1 | awk '{ print "wrk " $2 }');" \
      "load average at start: $LOAD_AT_START."
    echo
    echo "Commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown). Settings: ROUNDS=$ROUNDS DURATION=${DURATION}s WARMUP=${WARMUP}s" \
      "CONNECTIONS=$CONNECTIONS THREADS=$THREADS; wrk, the proxy and the backend share the machine's cores."
    echo
    echo "The machine is shared and noisy: compare the ratios (measured in the same run, round by round), not the absolute figures across runs. See bench/README.md."
    if [[ $PROXY == 1 ]]; then
      echo
      echo "## Proxy throughput and latency (medians over $ROUNDS rounds)"
      echo
      echo "wrk against /api/items with a per-request X-User-Id (10,000 users); Canary: release at 10% canary, both versions on the same backend; nginx: split_clients 10% on X-User-Id, two upstreams with keep-alive to the same backend."
      echo
      echo "Plain YARP and the router both run with ASP.NET Core's hosting diagnostics log category off (no per-request Activity when nothing traces; see bench/README.md), so the ratio is the router's own work."
      echo
      cat "$WORK/proxy.md"
    fi
    if [[ $GUARD == 1 ]]; then
      echo
      echo "## Guard reaction"
      echo
      echo "Release at Weight 10, Guard { WindowSeconds 5, MinRequests 10, MaxErrorRate 0.05 }; stable and canary are separate backends. Random X-User-Id per request at a fixed rate; after ${GUARD_HEALTHY}s the canary backend turns to 100% 500s, the load goes on for ${GUARD_AFTER}s." \
        "Reaction = the canary backend's first failing response to the last request it received. Goal: < 1 s, failed ≤ MinRequests + in flight."
      echo
      cat "$WORK/guard.md"
    fi
    if [[ $SOAK -gt 0 ]]; then
      echo
      echo "## RSS soak"
      echo
      echo "The router (recording on, the release above) under wrk -c$CONNECTIONS for ${SOAK}s; resident set sampled every 10 s. Goal: at most 150 MB, flat."
      echo
      cat "$WORK/soak.md"
    fi
    if [[ $MICRO == 1 ]]; then
      echo
      echo "## Micro-benchmarks (BenchmarkDotNet, in-process, 3 warm-up + 5 iterations)"
      echo
      echo "Goal: ≤ 100 ns and 0 bytes allocated per operation."
      echo
      cat "$WORK/micro.md"
    fi
  } >"$RESULTS"
}

# --- main ----------------------------------------------------------------------------------------------------------
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
install_tools
build
if [[ $MICRO == 1 ]]; then run_micro; fi
if [[ $PROXY == 1 ]]; then run_proxies; fi
if [[ $GUARD == 1 ]]; then run_guard; fi
if [[ $SOAK -gt 0 ]]; then run_soak; fi
write_results
log "results written to ${RESULTS#"$ROOT"/}"
echo
if [[ $PROXY == 1 ]]; then
  sed -n '/^| proxy | req\/s | p50/,/^$/p' "$RESULTS"; sed -n '/^| ratio /,/^Requests/p' "$RESULTS"; echo
  sed -n '/^| proxy | req\/s | allocated/,/^$/p' "$RESULTS"
fi
if [[ $GUARD == 1 ]]; then cat "$WORK/guard.md"; echo; fi
if [[ $SOAK -gt 0 ]]; then cat "$WORK/soak.md"; echo; fi
if [[ $MICRO == 1 ]]; then grep -h '^|' "$WORK"/bdn/results/*-report-github.md; fi
exit 0
