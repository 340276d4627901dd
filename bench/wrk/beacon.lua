-- wrk script for the beacon benchmark: POST /canary/goals/feedback with {"value": 4} from a pool of 10,000 users
-- (X-User-Id), each thread walking the pool from its own offset. Prints the same WRK_RESULT line as users.lua.
local users = 10000
local pool = {}
local next_user = 0
local threads = 0

function setup(thread)
  thread:set("first_user", threads * 2503)
  threads = threads + 1
end

function init(args)
  local path = args[1] or "/canary/goals/feedback"
  local method = args[2] or "POST"
  for k = 1, users do
    local headers = { ["X-User-Id"] = "user-" .. k }
    local body = nil
    if method == "POST" then
      headers["Content-Type"] = "application/json"
      body = '{"value": 4}'
    end
    pool[k] = wrk.format(method, path, headers, body)
  end
  next_user = (first_user or 0) % users
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
