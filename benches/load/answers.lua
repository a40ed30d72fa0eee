-- wrk script for benches/load/selftest.sh: durable self-test answer POSTs.
--
-- Every request answers a question that has not been answered before, so
-- each one is a real insert that the server commits and syncs before its
-- 303. The attempts are made beforehand (selftest.sh) and listed one id a
-- line in $QUIZLINE_ATTEMPTS; each has $QUIZLINE_ITEMS true/false
-- questions. Requests go question-major (question 1 of every attempt, then
-- question 2, ...) so no two requests in flight touch the same attempt.
--
-- Run with one thread (-t1). wrk calls request() once more on its first
-- thread before any connection opens, to check the request
-- (script_verify_request); that call gets the first answer without using
-- it up. When every answer has its response, the
-- script stops wrk itself (SIGINT to its own process, which ends wrk's
-- timer early and prints its summary), so the run is bounded by the answer
-- count as well as by -d. Connections that ask for more after the list is
-- used up get a cheap GET of an asset, sent no faster than one every 20 ms
-- per connection; those are counted apart.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } qz_timeval;
  int gettimeofday(qz_timeval *tv, void *tz);
  int kill(int pid, int sig);
  int getpid(void);
]]

local function now_s()
  local tv = ffi.new("qz_timeval")
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local thread_ref

function setup(thread)
  thread_ref = thread
end

function init(args)
  ids = {}
  for line in io.lines(os.getenv("QUIZLINE_ATTEMPTS")) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  items = tonumber(os.getenv("QUIZLINE_ITEMS"))
  total = #ids * items
  local cookie = os.getenv("QUIZLINE_COOKIE")
  body = "csrf=" .. os.getenv("QUIZLINE_CSRF") .. "&choice=t"
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }
  filler = wrk.format("GET", "/assets/icon.svg")
  nxt = 0
  saved, failed, fillers, filler_failed = 0, 0, 0, 0
  first_s, last_s = 0, 0
  finished = false
  verified = false
end

function delay()
  if nxt >= total then return 20 end
  return 0
end

function request()
  if not verified then
    verified = true
    return wrk.format("POST", "/attempts/" .. ids[1] .. "/questions/1", headers, body)
  end
  if nxt < total then
    if nxt == 0 then first_s = now_s() end
    local n = math.floor(nxt / #ids) + 1
    local id = ids[(nxt % #ids) + 1]
    nxt = nxt + 1
    return wrk.format("POST", "/attempts/" .. id .. "/questions/" .. n, headers, body)
  end
  return filler
end

function response(status, hdrs, _)
  if status == 303 then
    saved = saved + 1
  elseif status == 200 then
    fillers = fillers + 1
  else
    failed = failed + 1
  end
  if not finished and saved + failed >= total then
    finished = true
    last_s = now_s()
    -- wrk's main thread sleeps for -d; SIGINT ends that sleep now.
    ffi.C.kill(ffi.C.getpid(), 2)
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local t = thread_ref
  local saved = t:get("saved")
  local failed = t:get("failed")
  local secs = t:get("last_s") - t:get("first_s")
  io.write(string.format(
    "answers: %d saved (303), %d failed, of %d; %d filler GETs\n",
    saved, failed, t:get("total"), t:get("fillers")))
  if secs > 0 then
    io.write(string.format("answer POSTs: %.0f per second over %.2f s\n", saved / secs, secs))
  else
    io.write("answer POSTs: did not finish within -d\n")
  end
  io.write(string.format("latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
