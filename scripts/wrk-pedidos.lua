-- wrk script for POST /pedidos (scripts/carga.sh, wrk comparison): one valid order per request, a diamonds-like body.
-- Usage: wrk -t1 -c32 -d10s -s scripts/wrk-pedidos.lua http://127.0.0.1:8080/pedidos
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"nombre":"Diamante 0.23 ct Ideal E SI2","precio":326,"correo":"cliente-wrk@example.com"}'

done = function(summary, latency, requests)
  io.write(string.format("wrk_summary requests=%d duration_us=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f errors_status=%d errors_connect=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect))
end
