-- wrk: updateCampaignBudget on random campaigns. Usage:
--   wrk -s writes.lua URL -- TARGETS_FILE EXPECTED_DECISION
-- TARGETS_FILE has one "token<TAB>campaign global id" per line; an answer without
-- EXPECTED_DECISION (ALLOW, QUEUE_FOR_APPROVAL) counts as unexpected in the summary line.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  targets = {}
  for line in io.lines(args[1]) do
    local token, id = line:match("^(%S+)\t(%S+)$")
    if token then table.insert(targets, { token, id }) end
  end
  expected = '"decision":"' .. args[2] .. '"'
  unexpected = 0
  math.randomseed(12)
end

local query = "mutation($id: ID!, $c: Int!) { updateCampaignBudget(input: {campaignId: $id, dailyBudgetCents: $c}) { verdict { decision reason } userErrors { code } } }"

function request()
  local t = targets[math.random(#targets)]
  local body = string.format('{"query":"%s","variables":{"id":"%s","c":%d}}', query, t[2], 6000 + math.random(0, 300) * 100)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t[1] }, body)
end

function response(status, headers, body)
  if not string.find(body, expected, 1, true) then
    unexpected = unexpected + 1
    if unexpected <= 3 then io.stderr:write(body .. "\n") end
  end
end

function done(summary, latency, requests)
  local s = summary
  local secs = s.duration / 1e6
  local errors = s.errors.connect + s.errors.read + s.errors.write + s.errors.status + s.errors.timeout
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("unexpected") or 0) end
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d,"bytes":%d,"unexpected":%d}\n',
    s.requests, secs, s.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, s.bytes, bad))
end
