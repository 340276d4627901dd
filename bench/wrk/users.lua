-- wrk script for the proxy benchmarks: every request carries an X-User-Id from a pool of 10,000 users, each
-- thread walking the pool from its own offset, so the router's bucketing runs on every request and about 10% of
-- the users land on the canary (nginx's split_clients hashes the same header).
-- The requests are formatted once, in init, so wrk spends no time building them.
-- WRK_PACE_MS=N in the environment paces each connection: N ms between a response and its next request (a steady
-- rate below saturation, for comparisons that must not depend on how many processes share the CPU).
-- WRK_USER_OFFSET=N starts the walk N users further on: several wrk processes (one per router replica) then serve
-- different users at any moment, as a load balancer in front of replicas would, instead of the same users in step.
-- At the end it prints one machine-readable line, read by run.sh:
--   WRK_RESULT requests=N duration_us=N rps=N p50_us=N p99_us=N mean_us=N connect=N read=N write=N timeout=N non2xx=N

local users = 10000
local pool = {}
local next_user = 0
local threads = 0
local offset = tonumber(os.getenv("WRK_USER_OFFSET") or "") or 0

function setup(thread)
  thread:set("first_user", offset + threads * 2503)
  threads = threads + 1
end

-- Optional arguments (after wrk's --): METHOD PATH BODY, e.g. POST /canary/goals/feedback '{"value": 4}' (a JSON body).
function init(args)
  local method, path, body = args[1] or "GET", args[2], args[3]
  for k = 1, users do
    local headers = { ["X-User-Id"] = "user-" .. k }
    if body then
      headers["Content-Type"] = "application/json"
    end
    pool[k] = wrk.format(method, path, headers, body)
  end
  next_user = (first_user or 0) % users
end

local pace = tonumber(os.getenv("WRK_PACE_MS") or "")
if pace then
  function delay()
    return pace
  end
end

function request()
  next_user = next_user % users + 1
  return pool[next_user]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d mean_us=%.1f connect=%d read=%d write=%d timeout=%d non2xx=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.timeout, e.status))
end
