-- wrk: POSTs one JSON body read from a file, with an optional bearer token, and prints a JSON
-- summary line. Usage: wrk -s post.lua URL -- BODY_FILE [TOKEN]
function init(args)
  local f = assert(io.open(args[1], "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[2] ~= nil and args[2] ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. args[2]
  end
end

function done(summary, latency, requests)
  local s = summary
  local secs = s.duration / 1e6
  local errors = s.errors.connect + s.errors.read + s.errors.write + s.errors.status + s.errors.timeout
  io.write(string.format(
    '{"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d,"bytes":%d,"unexpected":0}\n',
    s.requests, secs, s.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors, s.bytes))
end
