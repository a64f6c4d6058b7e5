#!/usr/bin/env bash
# The load benchmark behind `./tollgate bench-load` (the launcher starts the system and calls this).
#
# The same small chat completion, sent with wrk (a) straight to the mock provider, (b) through an
# nginx proxy_pass to the mock (the yardstick: a proxy that does nothing but relay) and (c) through
# Tollgate, at each connection count and mock latency, in one run on the same machine. Per cell:
# requests/s, latency percentiles, every error (non-2xx answers and socket errors), the ratio to
# nginx's requests/s in the same cell, and each process's CPU per request from /proc/PID/stat.
#
# Set by the launcher: BENCH_STATE, BENCH_MOCK_PORT, BENCH_GATEWAY_PORT, BENCH_QUERY_PORT,
# BENCH_QUERY_MANAGEMENT_PORT (the query side's Prometheus), BENCH_GATEWAY_MANAGEMENT_PORT (the gateway's),
# BENCH_KAFKA_PORT, BENCH_PG_PORT, BENCH_GATEWAY_PID, BENCH_QUERY_PID, BENCH_MOCK_PID, BENCH_KEY,
# BENCH_GATEWAY_FRESH (1: the launcher started the gateway for this run), BENCH_DB_NAME (the apps'
# database, for its transaction count).
# Knobs (environment):
#   BENCH_SECONDS      measured seconds per cell                       (15)
#   BENCH_WARMUP       warm-up seconds per cell before measuring      (5)
#   BENCH_CONNECTIONS  connection counts                               ("1 16 64")
#   BENCH_LATENCIES    mock latencies in ms                            ("0 20")
#   BENCH_TARGETS      any of mock nginx tollgate                      ("mock nginx tollgate")
#   BENCH_NGINX_PORT   nginx's loopback port                           (mock port + 2)
#   BENCH_GATEWAY_WARMUP  seconds of the gateway's first warm-up, in one-second slices at the largest
#                      connection count, from which the time to warm numbers is read   (40)
#   BENCH_GATEWAY_WARMUP_LATENCY  the mock's latency in ms during that warm-up            (20)
#   BENCH_RESTART_WARMUP_ONLY  1: only the gateway's warm-up, for a gateway restarted alone beside a warm
#                      broker, query side and mock (the launcher's later passes)    (0)
#   BENCH_RESTART_INDEX  which of those restarts this is, for its output directory   (1)
#   BENCH_JFR          1: a JFR recording of the gateway during each Tollgate cell at the largest
#                      connection count, its hot methods and its samples by layer (0)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source=../local/common.sh
. "$HERE/../local/common.sh"

SECONDS_PER_CELL="${BENCH_SECONDS:-15}"
WARMUP="${BENCH_WARMUP:-5}"
CONNECTIONS="${BENCH_CONNECTIONS:-1 16 64}"
LATENCIES="${BENCH_LATENCIES:-0 20}"
TARGETS="${BENCH_TARGETS:-mock nginx tollgate}"
NGINX_PORT="${BENCH_NGINX_PORT:-$((BENCH_MOCK_PORT + 2))}"
JFR="${BENCH_JFR:-0}"
GATEWAY_WARMUP_SECONDS="${BENCH_GATEWAY_WARMUP:-40}"
GATEWAY_WARMUP_LATENCY="${BENCH_GATEWAY_WARMUP_LATENCY:-20}"
HZ="$(getconf CLK_TCK)"

OUT="$BENCH_STATE/bench-load"
# One line per warm-up measured in this bench-load run: kind, start-up s, load s until warm (3-s windows),
# load s until every single slice is.
WARM_UPS="$OUT/warm-ups.tsv"
[[ "${BENCH_RESTART_WARMUP_ONLY:-0}" == 1 ]] && OUT="$OUT/restart-${BENCH_RESTART_INDEX:-1}"
NGINX_DIR="$OUT/nginx"
RESULTS="$OUT/results.tsv"
mkdir -p "$OUT" "$NGINX_DIR/tmp"
: >"$RESULTS"
MOCK_URL="http://127.0.0.1:$BENCH_MOCK_PORT"
# The query side's metrics are on its management port, not beside the read API.
QUERY_METRICS_URL="http://127.0.0.1:${BENCH_QUERY_MANAGEMENT_PORT:-8181}/actuator/prometheus"
GATEWAY_METRICS_URL="http://127.0.0.1:${BENCH_GATEWAY_MANAGEMENT_PORT:-8180}/actuator/prometheus"
MAX_CONNECTIONS="$(tr ' ' '\n' <<<"$CONNECTIONS" | sort -n | tail -n 1)"
# What Tollgate sends upstream is model gpt-4o; the bare mock and nginx get that request directly.
UPSTREAM_BODY='{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'
TOLLGATE_BODY='{"model":"mock/gpt-4o","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'
PROCESSES=(gateway query-side kafka postgres mock nginx)

# ---------------------------------------------------------------------------------------------- pids

listener_pid() { # the pid listening on a loopback TCP port
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -n 1
}

KAFKA_PID="$(listener_pid "$BENCH_KAFKA_PORT")"
PG_PID="$(listener_pid "$BENCH_PG_PORT")"
# The postmaster is the listener; its backends and helpers are its children.
if [[ -n "$PG_PID" && -r "/proc/$PG_PID/stat" ]]; then
  parent="$(awk '{sub(/^.*\) /, ""); print $2}' "/proc/$PG_PID/stat")"
  [[ "$(cat "/proc/$parent/comm" 2>/dev/null)" == postgres* ]] && PG_PID="$parent"
fi
NGINX_PID=""

pid_of() {
  case "$1" in
    gateway) echo "$BENCH_GATEWAY_PID" ;;
    query-side) echo "$BENCH_QUERY_PID" ;;
    kafka) echo "$KAFKA_PID" ;;
    postgres) echo "$PG_PID" ;;
    mock) echo "$BENCH_MOCK_PID" ;;
    nginx) echo "$NGINX_PID" ;;
  esac
}

# CPU clock ticks of each process and its children, one line "name ticks" per process: own
# utime+stime+cutime+cstime plus the children's, so that PostgreSQL's backends (and nginx's workers)
# count, also those that exit during the window (their time moves into the parent's cutime/cstime).
cpu_ticks() {
  local roots="" name
  for name in "${PROCESSES[@]}"; do
    roots+="$name=$(pid_of "$name") "
  done
  # shellcheck disable=SC2016
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v roots="$roots" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) { split(r[i], kv, "="); if (kv[2] != "") { name[kv[2]] = kv[1]; total[kv[1]] = 0 } } }
    { pid = $1; sub(/^.*\) /, ""); ppid = $2; t = $12 + $13 + $14 + $15
      if (pid in name) total[name[pid]] += t; else if (ppid in name) total[name[ppid]] += t }
    END { for (k in total) print k, total[k] }'
  # Transactions committed or rolled back in the app's database (PostgreSQL's statistics, flushed by
  # each backend at least once a second).
  if [[ -n "${BENCH_DB_NAME:-}" ]]; then
    PGPASSWORD="${BENCH_DB_PASSWORD:-tollgate}" psql -qtA -h 127.0.0.1 -p "$BENCH_PG_PORT" -U "${BENCH_DB_USER:-tollgate}" -d "$BENCH_DB_NAME" \
      -c "select 'pgxact', xact_commit + xact_rollback from pg_stat_database where datname = current_database()" -F ' ' 2>/dev/null || true
  fi
  # The whole machine's busy ticks, to tell how much CPU went to processes that are not in the bench.
  awk '/^cpu / { print "machine", $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# ------------------------------------------------------------------------------------------ nginx

start_nginx() {
  cat >"$NGINX_DIR/nginx.conf" <<EOF
# Written by infra/bench/load.sh: nginx relaying to the mock provider, the bench's yardstick.
worker_processes auto;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/tmp/body;
  proxy_temp_path $NGINX_DIR/tmp/proxy;
  fastcgi_temp_path $NGINX_DIR/tmp/fastcgi;
  uwsgi_temp_path $NGINX_DIR/tmp/uwsgi;
  scgi_temp_path $NGINX_DIR/tmp/scgi;
  upstream mock {
    server 127.0.0.1:$BENCH_MOCK_PORT;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  if port_open 127.0.0.1 "$NGINX_PORT"; then
    tg_die "nginx: port $NGINX_PORT is taken; set BENCH_NGINX_PORT"
  fi
  nginx -p "$NGINX_DIR" -e "$NGINX_DIR/error.log" -c "$NGINX_DIR/nginx.conf" \
    || tg_die "nginx did not start; see $NGINX_DIR/error.log"
  wait_for_port 127.0.0.1 "$NGINX_PORT" 10 || tg_die "nginx does not answer on :$NGINX_PORT"
  NGINX_PID="$(pid_from_file "$NGINX_DIR/nginx.pid")"
  tg_info "nginx: proxy_pass to the mock on :$NGINX_PORT (pid $NGINX_PID, config $NGINX_DIR/nginx.conf)"
}

stop_nginx() {
  [[ -n "$NGINX_PID" ]] || return 0
  kill -QUIT "$NGINX_PID" 2>/dev/null || true
  wait_for_exit "$NGINX_PID" 10 || kill -KILL "$NGINX_PID" 2>/dev/null || true
  tg_info "nginx: stopped (pid $NGINX_PID)"
  NGINX_PID=""
}

restore_mock() {
  curl -fsS -o /dev/null -X POST "$MOCK_URL/_mock/config" -H 'Content-Type: application/json' \
    --data "{\"latencyMs\":${ORIGINAL_LATENCY:-0}}" 2>/dev/null || true
}

cleanup() {
  stop_nginx
  restore_mock
}
trap cleanup EXIT

# -------------------------------------------------------------------------------------------- wrk

url_of() {
  case "$1" in
    mock) echo "$MOCK_URL/v1/chat/completions" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT/v1/chat/completions" ;;
    tollgate) echo "http://127.0.0.1:$BENCH_GATEWAY_PORT/v1/chat/completions" ;;
  esac
}

# run_wrk TARGET CONNECTIONS SECONDS OUTFILE: wrk's report in OUTFILE, its user+sys CPU (s) appended.
run_wrk() {
  local target="$1" connections="$2" duration="$3" out="$4" threads body auth=""
  threads=$((connections < 2 ? 1 : 2))
  if [[ "$target" == tollgate ]]; then
    body="$TOLLGATE_BODY"
    auth="$BENCH_KEY"
  else
    body="$UPSTREAM_BODY"
  fi
  local TIMEFORMAT='WRKCPU %U %S'
  { time BENCH_BODY="$body" BENCH_AUTH="$auth" wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s \
      --latency -s "$HERE/chat.lua" "$(url_of "$target")" >"$out" 2>&1; } 2>>"$out"
}

field() { awk -v k="$2=" '/^BENCH / { for (i = 2; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' "$1"; }

# A freshly started gateway under load at the largest connection count, in one-second slices. Its
# steady throughput is the median of the last ten slices; it is warm from the first slice after which
# every three-second window (the slice and the two before it) averages at least 90 % of that. Applied to
# processes warm for minutes, the stricter "every single slice at 90 %" read 39 and 38 s for two of three
# gateways and 27 s for one of three nginx runs: one slow second of this shared machine decided it. A
# window still counts a ramp in full (it ends up to a slice later than the slices do) and a dip that lasts.
# Both readings are printed.
warm_gateway_until_steady() {
  local connections="$1" out="$OUT/steady.txt" slices=() i
  for ((i = 0; i < GATEWAY_WARMUP_SECONDS; i++)); do
    run_wrk tollgate "$connections" 1 "$out"
    slices+=("$(awk '/^BENCH/ { for (i = 1; i <= NF; i++) if ($i ~ /^requests=/) r = substr($i, 10); else if ($i ~ /^duration_us=/) d = substr($i, 13) } END { printf "%.0f", (d > 0 ? r * 1e6 / d : 0) }' "$out")")
  done
  local steady warm_after every_slice_after
  steady="$(printf '%s\n' "${slices[@]}" | tail -n 10 | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')"
  warm_after="$(printf '%s\n' "${slices[@]}" | awk -v s="$steady" '
    { v[NR] = $1; from = (NR > 3 ? NR - 2 : 1); sum = 0; for (i = from; i <= NR; i++) sum += v[i]
      if (sum / (NR - from + 1) < 0.9 * s) w = NR }
    END { print w + 0 }')"
  every_slice_after="$(printf '%s\n' "${slices[@]}" | awk -v s="$steady" '{ v[NR] = $1 } END { w = NR; while (w > 0 && v[w] >= 0.9 * s) w--; print w }')"
  GATEWAY_STEADY_NOTE="gateway warm-up at $connections connections, mock ${GATEWAY_WARMUP_LATENCY} ms: 1-s slices ${slices[*]} req/s; steady $steady req/s (median of the last 10); every 3-s window at >= 90 % of it after $warm_after s of load (every single slice after $every_slice_after s)"
  if [[ "${BENCH_GATEWAY_FRESH:-0}" == 1 ]]; then
    local startup
    startup="$(gateway_startup_seconds)"
    GATEWAY_STEADY_NOTE+="; the gateway's start-up (process start to ready): $startup s"
    local kind=cold
    [[ "${BENCH_RESTART_WARMUP_ONLY:-0}" == 1 ]] && kind=restart
    printf '%s\t%s\t%s\t%s\n' "$kind" "$startup" "$warm_after" "$every_slice_after" >>"$WARM_UPS"
  fi
}

# From the gateway's log: Spring Boot's "Started ... (process running for N)".
gateway_startup_seconds() {
  sed -n 's/.*Started GatewayApplication in .* (process running for \([0-9.]*\)).*/\1/p' "$BENCH_STATE/logs/gateway.log" | tail -n 1
}

set_mock_latency() {
  curl -fsS -o /dev/null -X POST "$MOCK_URL/_mock/config" -H 'Content-Type: application/json' \
    --data "{\"latencyMs\":$1}" || tg_die "could not set the mock's latency (POST $MOCK_URL/_mock/config)"
}

# The query side's settle-to-visible timer: count and sum (seconds) in the Prometheus text.
settle_visible() {
  curl -fsS "$QUERY_METRICS_URL" 2>/dev/null | awk '
    /^tollgate_views_settle_visible_seconds_count/ { c = $NF }
    /^tollgate_views_settle_visible_seconds_sum/ { s = $NF }
    END { printf "%s %s\n", (c == "" ? 0 : c), (s == "" ? 0 : s) }'
}

# The gateway's two latency histograms a chat request passes through, cumulative buckets as "series le count":
# the servlet's time for a 200 on the chat route (Spring's http.server.requests: from the outermost filter
# until the answer is handed back to Tomcat) and the settlement's wait for its events to be durable.
gateway_histograms() {
  curl -fsS "$GATEWAY_METRICS_URL" 2>/dev/null | awk '
    /^http_server_requests_seconds_bucket\{/ && /uri="\/v1\/chat\/completions"/ && /status="200"/ { series = "servlet" }
    /^tollgate_request_events_durable_seconds_bucket\{/ && /outcome="durable"/ { series = "durable" }
    series != "" { match($0, /le="[^"]*"/); print series, substr($0, RSTART + 4, RLENGTH - 5), $NF; series = "" }'
}

# histogram_percentiles BEFORE AFTER SERIES: p50 and p99 (ms, the upper bound of the bucket they fall in) of
# the observations between two gateway_histograms snapshots, tab-separated; "-" when there were none.
histogram_percentiles() {
  awk -v s="$3" -v b="$1" -v a="$2" 'BEGIN {
    nb = split(b, x, "\n"); for (i = 1; i <= nb; i++) { split(x[i], f, " "); if (f[1] == s) c0[f[2]] = f[3] }
    na = split(a, y, "\n")
    for (i = 1; i <= na; i++) { split(y[i], f, " "); if (f[1] == s) { n++; le[n] = f[2]; c[n] = f[3] - c0[f[2]] } }
    # Buckets sorted by bound, +Inf last (Prometheus prints them so; sorted again to be sure).
    for (i = 2; i <= n; i++) for (j = i; j > 1 && (le[j - 1] == "+Inf" || (le[j] != "+Inf" && le[j] + 0 < le[j - 1] + 0)); j--) {
      t = le[j]; le[j] = le[j - 1]; le[j - 1] = t; t = c[j]; c[j] = c[j - 1]; c[j - 1] = t }
    total = c[n]; out = ""
    for (q = 1; q <= 2; q++) {
      want = (q == 1 ? 0.5 : 0.99) * total; v = "-"
      for (i = 1; i <= n && total > 0; i++) if (c[i] >= want) { v = (le[i] == "+Inf" ? ">max" : sprintf("%.2f", le[i] * 1000)); break }
      out = out (q == 1 ? "" : "\t") v
    }
    print out }'
}

# measure TARGET CONNECTIONS LATENCY: warm, then one measured wrk run with CPU sampled around it.
measure() {
  local target="$1" connections="$2" latency="$3" tag="$1-c$2-l$3"
  local out="$OUT/$tag.txt" before after settle_before settle_after jfr_file=""
  run_wrk "$target" "$connections" "$WARMUP" "$OUT/$tag.warmup.txt"
  local inside_before=""
  if [[ "$target" == tollgate ]]; then
    settle_before="$(settle_visible)"
    inside_before="$(gateway_histograms)"
  fi
  if [[ "$JFR" == 1 && "$target" == tollgate && "$connections" == "$MAX_CONNECTIONS" ]]; then
    jfr_file="$OUT/gateway-$tag.jfr"
    jcmd "$BENCH_GATEWAY_PID" JFR.start name=bench-load settings=profile "filename=$jfr_file" >/dev/null
  fi
  before="$(cpu_ticks)"
  run_wrk "$target" "$connections" "$SECONDS_PER_CELL" "$out"
  after="$(cpu_ticks)"
  if [[ -n "$jfr_file" ]]; then
    jcmd "$BENCH_GATEWAY_PID" JFR.stop name=bench-load >/dev/null
    JFR_FILES+=("$jfr_file")
  fi
  local settle_mean="-" inside=$'-\t-\t-\t-'
  if [[ "$target" == tollgate ]]; then
    local inside_after
    inside_after="$(gateway_histograms)"
    inside="$(histogram_percentiles "$inside_before" "$inside_after" servlet)"$'\t'"$(histogram_percentiles "$inside_before" "$inside_after" durable)"
    sleep 1 # the last settlements of the window reach the views
    settle_after="$(settle_visible)"
    settle_mean="$(awk -v b="$settle_before" -v a="$settle_after" 'BEGIN { split(b, x, " "); split(a, y, " "); n = y[1] - x[1]; printf (n > 0 ? "%.1f" : "-"), (y[2] - x[2]) * 1000 / n }')"
  fi
  if ! grep -q '^BENCH ' "$out"; then
    cat "$out" >&2
    tg_die "wrk gave no summary for $tag; see $out"
  fi
  local requests duration wrk_cpu
  requests="$(field "$out" requests)"
  duration="$(field "$out" duration_us)"
  wrk_cpu="$(awk '/^WRKCPU/ { printf "%.0f", ($2 + $3) * 1000 }' "$out")"
  # One line per cell: target conns latency rps p50 p90 p99 (ms) errors detail settle cpu-ms/req ... pg-tx,
  # then the servlet's and the broker wait's p50 and p99 (Tollgate only).
  {
    printf '%s\t%s\t%s\t' "$target" "$connections" "$latency"
    awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f\t", (d > 0 ? r * 1e6 / d : 0) }'
    for p in p50 p90 p99; do awk -v v="$(field "$out" "$p")" 'BEGIN { printf "%.2f\t", v / 1000 }'; done
    local c rd w s t
    c="$(field "$out" connect)" rd="$(field "$out" read)" w="$(field "$out" write)" s="$(field "$out" status)" t="$(field "$out" timeout)"
    printf '%s\t%s\t%s\t' "$((c + rd + w + s + t))" "non2xx=$s connect=$c read=$rd write=$w timeout=$t" "$settle_mean"
    for name in "${PROCESSES[@]}"; do
      awk -v b="$before" -v a="$after" -v n="$name" -v r="$requests" -v hz="$HZ" 'BEGIN {
        nb = split(b, x, "\n"); for (i = 1; i <= nb; i++) { split(x[i], f, " "); if (f[1] == n) t0 = f[2] }
        na = split(a, y, "\n"); for (i = 1; i <= na; i++) { split(y[i], f, " "); if (f[1] == n) t1 = f[2] }
        if (t0 == "" || t1 == "" || r == 0) printf "-\t"; else printf "%.3f\t", (t1 - t0) * 1000 / hz / r }'
    done
    awk -v c="$wrk_cpu" -v r="$requests" 'BEGIN { printf (r > 0 ? "%.3f\t" : "-\t"), c / r }'
    # Cores busy with anything else (other builds, other instances) during the window.
    awk -v b="$before" -v a="$after" -v hz="$HZ" -v c="$wrk_cpu" -v d="$duration" 'BEGIN {
      nb = split(b, x, "\n"); for (i = 1; i <= nb; i++) { split(x[i], f, " "); if (f[1] == "machine") m0 = f[2]; else if (f[1] != "" && f[1] != "pgxact") p0 += f[2] }
      na = split(a, y, "\n"); for (i = 1; i <= na; i++) { split(y[i], f, " "); if (f[1] == "machine") m1 = f[2]; else if (f[1] != "" && f[1] != "pgxact") p1 += f[2] }
      other = (m1 - m0) - (p1 - p0) - c * hz / 1000; if (other < 0) other = 0
      printf "%.2f\t", other / hz / (d / 1e6) }'
    awk -v b="$before" -v a="$after" -v r="$requests" 'BEGIN {
      nb = split(b, x, "\n"); for (i = 1; i <= nb; i++) { split(x[i], f, " "); if (f[1] == "pgxact") t0 = f[2] }
      na = split(a, y, "\n"); for (i = 1; i <= na; i++) { split(y[i], f, " "); if (f[1] == "pgxact") t1 = f[2] }
      if (t0 == "" || t1 == "" || r == 0) printf "-"; else printf "%.2f", (t1 - t0) / r }'
    printf '\t%s\n' "$inside"
  } >>"$RESULTS"
  tail -n 1 "$RESULTS" | awk -F'\t' '{ printf "  %-8s %3s conn  mock %2s ms: %7s req/s  p50 %6s  p99 %7s ms  errors %s\n", $1, $2, $3, $4, $5, $7, $8 }' >&2
}

print_table() {
  echo
  echo "bench-load: ${SECONDS_PER_CELL} s per cell after ${WARMUP} s of warm-up; $(nproc) cores; latency in ms; CPU in ms per request (all processes of each; /proc/PID/stat, $HZ ticks/s)"
  echo
  awk -F'\t' '
    { key = $2 "/" $3; if ($1 == "nginx") nginx[key] = $4; row[NR] = $0 }
    END {
      printf "%-8s %5s %5s %8s %8s %8s %8s %6s %7s %7s | %7s %7s %7s %8s %7s %7s %7s | %5s %6s\n", "target", "conns", "mock", "req/s", "p50", "p90", "p99", "errors", "x nginx", "settle", "gateway", "query", "kafka", "postgres", "mock", "nginx", "wrk", "other", "pg tx"
      for (i = 1; i <= NR; i++) {
        split(row[i], f, "\t"); key = f[2] "/" f[3]
        ratio = (key in nginx && nginx[key] > 0) ? sprintf("%.1f%%", 100 * f[4] / nginx[key]) : "-"
        printf "%-8s %5s %3sms %8s %8s %8s %8s %6s %7s %7s | %7s %7s %7s %8s %7s %7s %7s | %5s %6s\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], ratio, f[10], f[11], f[12], f[13], f[14], f[15], f[16], f[17], f[18], f[19]
      }
    }' "$RESULTS"
  echo
  echo "errors: non-2xx answers plus socket errors (connect, read, write, timeout); settle: mean ms from a settlement to"
  echo "its visibility in the views during the cell (tollgate_views_settle_visible_seconds sum/count). Cells with errors:"
  awk -F'\t' '$8 > 0 { printf "  %s %s conn %s ms: %s\n", $1, $2, $3, $9; n++ } END { if (!n) print "  none" }' "$RESULTS"
  echo "pg tx: transactions per request in the apps' database, gateway and query side together (pg_stat_database;"
  echo "'-' when psql could not connect, e.g. the server's connection slots were all taken)."
  echo "other: cores busy with processes outside the bench during the cell (/proc/stat); above ~0.2 the cell was disturbed."
  echo "The Kafka broker and PostgreSQL are shared with anything else on this machine: their CPU counts all their clients."
  echo "Raw wrk reports: $OUT"
  grep -q '^tollgate' "$RESULTS" || return 0
  echo
  echo "Where a Tollgate request's latency goes (ms): as wrk saw it; the servlet's time of the same requests (the"
  echo "gateway's http_server_requests histogram: from its outermost filter until the answer is handed to Tomcat);"
  echo "and within it the settlement's wait for the broker (tollgate_request_events_durable_seconds). Histogram values"
  echo "are the upper bound of the bucket the percentile falls in. What wrk saw beyond the servlet is Tomcat's"
  echo "reading and writing, the hand-offs between threads, the kernel and wrk itself."
  awk -F'\t' 'BEGIN { printf "  %5s %5s | %8s %8s | %8s %8s | %8s %8s\n", "conns", "mock", "wrk p50", "p99", "servlet", "p99", "durable", "p99" }
    $1 == "tollgate" { printf "  %5s %3sms | %8s %8s | %8s %8s | %8s %8s\n", $2, $3, $5, $7, $20, $21, $22, $23 }' "$RESULTS"
}

# ------------------------------------------------------------------------------------------- run

command -v wrk >/dev/null || tg_die "wrk is missing (apt-get install wrk)"
ORIGINAL_LATENCY="$(curl -fsS "$MOCK_URL/_mock/config" | sed -n 's/.*"latencyMs":\([0-9]*\).*/\1/p')"
if [[ "${BENCH_RESTART_WARMUP_ONLY:-0}" == 1 ]]; then
  set_mock_latency "$GATEWAY_WARMUP_LATENCY"
  warm_gateway_until_steady "$MAX_CONNECTIONS"
  echo "after a restart of the gateway alone (broker, query side and mock warm): ${GATEWAY_STEADY_NOTE#gateway }"
  exit 0
fi
command -v nginx >/dev/null || tg_die "nginx is missing (apt-get install nginx-light)"
: >"$WARM_UPS"
JFR_FILES=()
GATEWAY_STEADY_NOTE=""
[[ " $TARGETS " == *" nginx "* ]] && start_nginx

cells=0
for latency in $LATENCIES; do for connections in $CONNECTIONS; do for target in $TARGETS; do cells=$((cells + 1)); done; done; done
tg_info "bench-load: $cells cells of ${WARMUP} s warm-up + ${SECONDS_PER_CELL} s measured (about $((cells * (WARMUP + SECONDS_PER_CELL) / 60 + 1)) min)"
for latency in $LATENCIES; do
  set_mock_latency "$latency"
  for connections in $CONNECTIONS; do
    for target in $TARGETS; do
      if [[ "$target" == tollgate && -z "$GATEWAY_STEADY_NOTE" ]]; then
        # Warm numbers as issue 12 defines them: the largest connection count against the 20 ms mock.
        set_mock_latency "$GATEWAY_WARMUP_LATENCY"
        warm_gateway_until_steady "$MAX_CONNECTIONS"
        set_mock_latency "$latency"
        tg_info "  $GATEWAY_STEADY_NOTE"
      fi
      measure "$target" "$connections" "$latency"
    done
  done
done

print_table
if [[ " $TARGETS " == *" tollgate "* ]]; then
  echo
  echo "$GATEWAY_STEADY_NOTE"
  curl -fsS "$QUERY_METRICS_URL" | awk '
    /^tollgate_views_settle_visible_seconds\{.*quantile="0.5"/ { p50 = $NF }
    /^tollgate_views_settle_visible_seconds\{.*quantile="0.95"/ { p95 = $NF }
    /^tollgate_views_settle_visible_seconds\{.*quantile="0.99"/ { p99 = $NF }
    /^tollgate_views_settle_visible_seconds_max/ { max = $NF }
    /^tollgate_views_settle_visible_seconds_count/ { n = $NF }
    /^tollgate_views_consumer_lag/ { lag = $NF }
    END { printf "settle-to-visible (query side, last ~2 min of the timer): p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms over %d settlements in all; consumer lag now %s records\n", p50 * 1000, p95 * 1000, p99 * 1000, max * 1000, n, lag }'
  awk '/^VmRSS|^VmHWM/ { printf "gateway %s %s %s   ", $1, $2, $3 } END { print "" }' "/proc/$BENCH_GATEWAY_PID/status"
fi
for file in "${JFR_FILES[@]}"; do
  echo
  echo "JFR of the gateway: $file"
  jfr view --width 200 hot-methods "$file" | head -n 30
  echo "By layer (each sample charged to the innermost frame of a named layer):"
  jfr print --events jdk.ExecutionSample --stack-depth 200 "$file" | awk -f "$HERE/jfr-layers.awk"
done
