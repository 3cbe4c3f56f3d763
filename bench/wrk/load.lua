-- wrk load for bench/run.sh: wrk ... -s bench/wrk/load.lua http://127.0.0.1:PORT -- MODE [DEVICES]
--   interrupt  POST /interrupt/{random device}          (the interrupt path, waits for the fan-out)
--   interrupt-nowait  the same with ?wait=false          (diagnostic: answered 202 without the async dispatch)
--   flag       GET  /interrupt/{random device}          (baseline: a flag read through the same API stack)
--   liveness   GET  /actuator/health/liveness           (baseline: the service's most trivial endpoint)
--   sessions   POST /sessions on a random device, then DELETE /sessions/{id} of a session this thread opened
-- done() prints one line "WRK_JSON {...}" with throughput, latency percentiles (microseconds) and errors
-- (with the session mix, also a count per HTTP status of 300 and above).

local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

local mode, devices, opened, opened_count, seq, run

function init(args)
  mode = args[1] or "flag"
  devices = tonumber(args[2] or "10000")
  opened = {}
  opened_count = 0
  seq = 0
  math.randomseed(os.time() + id * 7919)
  -- Session ids unique across runs: a previous run's leftovers would answer 409 to a reused id.
  run = string.format("%x%x", os.time(), math.random(0, 0xffffff))
  if mode ~= "sessions" then
    response = nil -- only the session mix reads bodies; wrk skips parsing them when there is no response()
  end
end

local function device()
  return "load-device-" .. math.random(1, devices)
end

function request()
  if mode == "interrupt" then
    return wrk.format("POST", "/interrupt/" .. device(), {["Content-Type"] = "application/json"},
      '{"reason":"load"}')
  elseif mode == "interrupt-nowait" then
    return wrk.format("POST", "/interrupt/" .. device() .. "?wait=false", {["Content-Type"] = "application/json"},
      '{"reason":"load"}')
  elseif mode == "liveness" then
    return wrk.format("GET", "/actuator/health/liveness")
  elseif mode == "sessions" then
    if opened_count > 0 then
      local sid = opened[opened_count]
      opened[opened_count] = nil
      opened_count = opened_count - 1
      return wrk.format("DELETE", "/sessions/" .. sid)
    end
    seq = seq + 1
    local sid = "load-" .. run .. "-" .. id .. "-" .. seq
    return wrk.format("POST", "/sessions", {["Content-Type"] = "application/json"},
      '{"hardwareId":"' .. device() .. '","sessionId":"' .. sid .. '"}')
  else
    return wrk.format("GET", "/interrupt/" .. device())
  end
end

bad = {}

function response(status, headers, body)
  if status >= 300 then
    bad[tostring(status)] = (bad[tostring(status)] or 0) + 1
  end
  if mode == "sessions" and status == 201 then
    local sid = string.match(body, '"sessionId"%s*:%s*"([^"]+)"')
    if sid then
      opened_count = opened_count + 1
      opened[opened_count] = sid
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local statuses = {}
  for _, t in ipairs(threads) do
    local b = t:get("bad")
    if b then
      for k, v in pairs(b) do statuses[k] = (statuses[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(statuses) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"p999_us": %d, "max_us": %d, "mean_us": %.1f, "non2xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d, "statuses": {%s}}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean, errors.status, errors.connect, errors.read, errors.write, errors.timeout,
    table.concat(parts, ", ")))
end
