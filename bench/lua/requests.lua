-- wrk script of bench/load.py: requests from a file the Python side writes, one per line
--   METHOD <TAB> PATH <TAB> BEARER-TOKEN or empty <TAB> JSON BODY or empty
-- Thread k of n sends lines k, k+n, k+2n, ... (cycling at the end), so each request line is sent
-- once before any repeats. Built once in init(): request() only looks the next one up.
-- Arguments after `--`: the file, then (optional) a number of responses after which each
-- thread stops (a burst of distinct requests, e.g. one download per member); 0 runs for -d.
-- A burst's thread prints `WRK_BURST_DONE` when it stops (wrk itself sleeps out -d: the Python
-- side answers with SIGINT) and times itself from its first request to its last answer.
-- done() prints one line `WRK_JSON {...}`: requests, duration, errors, status counts, latency
-- percentiles and the burst's time (microseconds).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_no", #threads)
end

local requests_ = {}
local next_ = 1
local step = 1
local stop_after = 0
local responses = 0
local started = nil
local sent = 0
local verified = true
statuses = {}
burst_us = 0

local function split(line)
   local fields, start = {}, 1
   while true do
      local tab = string.find(line, "\t", start, true)
      if not tab then
         table.insert(fields, string.sub(line, start))
         return fields
      end
      table.insert(fields, string.sub(line, start, tab - 1))
      start = tab + 1
   end
end

function init(args)
   local n = tonumber(args[3]) or 1
   stop_after = tonumber(args[2]) or 0
   local all = {}
   for line in io.lines(args[1]) do
      if line ~= "" then
         table.insert(all, line)
      end
   end
   -- this thread's share: every n-th line from its own number
   for i = thread_no, #all, n do
      local f = split(all[i])
      -- wrk.format uses the table given instead of wrk.headers (-H): start from a copy of them
      local headers = {}
      for name, value in pairs(wrk.headers) do
         headers[name] = value
      end
      if f[3] and f[3] ~= "" then
         headers["Authorization"] = "Bearer " .. f[3]
      end
      local body = nil
      if f[4] and f[4] ~= "" then
         body = f[4]
         headers["Content-Type"] = "application/json"
      end
      table.insert(requests_, wrk.format(f[1], f[2], headers, body))
   end
   if #requests_ == 0 then
      error("no request lines for thread " .. thread_no .. " in " .. args[1])
   end
   verified = thread_no ~= 1
   if stop_after > 0 then
      -- a burst sends each line once: a connection with none left waits (an hour) instead of
      -- repeating one, so no request is in flight when the thread stops
      delay = function()
         if sent >= #requests_ then
            return 3600000
         end
         return 0
      end
   end
end

function request()
   if not verified then
      -- wrk calls the first thread's request() once before the run to check it: not a request
      verified = true
      return requests_[1]
   end
   if not started then
      started = now_us()
   end
   sent = sent + 1
   local r = requests_[next_]
   next_ = next_ + 1
   if next_ > #requests_ then
      next_ = 1
   end
   return r
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   responses = responses + 1
   if stop_after > 0 and responses == stop_after then
      burst_us = now_us() - started
      io.write("WRK_BURST_DONE\n")
      io.flush()
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local counts = {}
   local burst = 0
   for _, thread in ipairs(threads) do
      burst = math.max(burst, thread:get("burst_us") or 0)
      for status, count in pairs(thread:get("statuses") or {}) do
         counts[status] = (counts[status] or 0) + count
      end
   end
   local parts = {}
   for status, count in pairs(counts) do
      table.insert(parts, string.format('"%s": %d', status, count))
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
      '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
      '"statuses": {%s}, "latency_us": {"min": %d, "mean": %.1f, "max": %d, ' ..
      '"p50": %d, "p90": %d, "p99": %d}, "burst_us": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      table.concat(parts, ", "),
      latency.min, latency.mean, latency.max,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), burst))
end
