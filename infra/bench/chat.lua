-- wrk script for ./tollgate bench-load: one small chat completion per request, and a machine-readable
-- summary line (BENCH ...) that infra/bench/load.sh parses. The body and the key come from the
-- environment so that the same script serves the bare mock, nginx and Tollgate.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY")
local key = os.getenv("BENCH_AUTH")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

-- Every answer counts: wrk counts non-2xx/3xx answers as errors.status and socket failures by kind.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50=%d p90=%d p99=%d max=%d mean=%.0f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
