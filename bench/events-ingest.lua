-- wrk script for the events API: every request is a batch of 100 new events (unique eventIds per thread and
-- request) for one tenant: impressions, with clicks and purchases mixed in, attributed to the served snapshot.
-- Arguments (after `--`): tenant, API key, recommendationId, number of customers.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  tenant = args[1]
  key = args[2]
  rid = args[3]
  customers = tonumber(args[4])
  counter = 0
  math.randomseed(tid * 7919)
  path = "/api/v1/tenants/" .. tenant .. "/events"
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
end

local types = { "impression", "impression", "impression", "impression", "impression", "impression", "impression",
                "click", "click", "purchase" }

function request()
  counter = counter + 1
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local parts = {}
  for j = 1, 100 do
    local customer = string.format("cust-%06d", math.random(1, customers))
    local product = string.format("prod-%05d", math.random(1, 400))
    parts[j] = string.format('{"eventId":"w%d-%d-%d","customerId":"%s","productId":"%s","type":"%s","time":"%s",'
      .. '"recommendationId":"%s","rank":%d}', tid, counter, j, customer, product, types[(j % 10) + 1], now, rid,
      (j % 10) + 1)
  end
  return wrk.format("POST", path, headers, "[" .. table.concat(parts, ",") .. "]")
end

function response(status, headers, body)
  if status ~= 200 then
    bad = (bad or 0) + 1
    if bad < 3 then print("unexpected answer " .. status .. ": " .. body) end
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("batches: %d in %.1f s, %d errors (status/socket)\n", summary.requests, seconds,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("ingest: %.0f events/s (batches of 100)\n", summary.requests * 100 / seconds))
  io.write(string.format("batch latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
