# shellcheck shell=bash
# ./tollgate chaos [--short]: faults under load, each followed by the billing checks. Sourced by the
# launcher (which has set a state folder, PostgreSQL, broker and ports of chaos's own); uses its functions.
#
# Two gateway instances (:$GATEWAY_PORT and the next port but one), the query side and the mock provider
# serve CHAOS_CALLERS (32) callers that record every answer (infra/chaos/ChaosClient.java), each pausing
# CHAOS_PAUSE_MS (100) between requests, so that the machine's 2 cores still start an instance in time.
# In turn: kill -9 of the second instance (then started again), a PostgreSQL restart, the broker stopped
# and started again, poison requests. After each: every instance answers for every account within 10 s,
# the projection's lag returns to 0; at the end, for every fault's window: every 2xx has exactly one debit,
# nothing is billed twice, no account is overspent, no answer took longer than CHAOS_BOUND_MS, and
# `tollgate audit` finds no difference. Exit 1 on any violation.

CHAOS_CLIENT="$ROOT/infra/chaos/ChaosClient.java"
CHAOS_RECOVERY_MS=10000

chaos_main() {
  local short=false
  [[ "${1:-}" == --short ]] && short=true
  CHAOS_CALLERS="${CHAOS_CALLERS:-32}"
  CHAOS_BOUND_MS="${CHAOS_BOUND_MS:-15000}"
  local steady=8 broker_down=10 accounts=6
  if $short; then
    steady=3 broker_down=5 accounts=4
  fi
  GATEWAY2_PORT=$((GATEWAY_PORT + 2))
  GATEWAY2_MANAGEMENT_PORT=$((GATEWAY_MANAGEMENT_PORT + 2))
  CHAOS_GATEWAYS="http://127.0.0.1:$GATEWAY_PORT,http://127.0.0.1:$GATEWAY2_PORT"
  CHAOS_KEYS="$RUN/chaos-keys"
  CHAOS_ANSWERS="$RUN/chaos-answers.csv"
  CHAOS_PHASES="$RUN/chaos-phases.csv"
  CHAOS_STOP="$RUN/chaos-stop"
  CHAOS_VIOLATIONS=()
  rm -f "$CHAOS_STOP" "$CHAOS_ANSWERS"
  : >"$CHAOS_PHASES"
  CHAOS_STARTED=$SECONDS

  # Compiled once: each start from source would cost seconds of CPU in the middle of the measurements.
  rm -rf "$RUN/chaos-client" && "$JAVA_HOME/bin/javac" -d "$RUN/chaos-client" "$CHAOS_CLIENT" ||
    tg_die "chaos: could not compile $CHAOS_CLIENT"
  CHAOS_JAVA=("$JAVA_HOME/bin/java" -XX:TieredStopAtLevel=1 -cp "$RUN/chaos-client" ChaosClient)
  trap chaos_cleanup EXIT
  tg_info "chaos: state $STATE, PostgreSQL :$PG_PORT, Kafka :$KAFKA_PORT, gateways :$GATEWAY_PORT and :$GATEWAY2_PORT (log: $LOGS/chaos-up.log)"
  cmd_up --demo >"$LOGS/chaos-up.log" 2>&1 || { tail -n 30 "$LOGS/chaos-up.log" >&2; tg_die "chaos: could not start the system"; }
  chaos_start_second_gateway
  chaos_open_accounts "$accounts"

  tg_info "chaos: $CHAOS_CALLERS callers over both instances and $accounts accounts"
  "${CHAOS_JAVA[@]}" load "$CHAOS_ANSWERS" "$CHAOS_KEYS" "$CHAOS_GATEWAYS" "$CHAOS_CALLERS" \
    "$CHAOS_STOP" >"$LOGS/chaos-client.log" 2>&1 &
  CHAOS_CLIENT_PID=$!
  chaos_phase steady sleep "$steady"
  chaos_phase kill-9 chaos_kill_second_gateway
  sleep "$steady"
  chaos_phase postgres-restart "$ROOT/infra/local/postgres.sh" restart
  sleep "$steady"
  chaos_phase broker-stop chaos_stop_broker "$broker_down"
  sleep "$steady"
  chaos_phase poison "${CHAOS_JAVA[@]}" poison "$(chaos_first_key)" "http://127.0.0.1:$GATEWAY_PORT" "$CHAOS_BOUND_MS"
  sleep "$steady"

  touch "$CHAOS_STOP"
  wait "$CHAOS_CLIENT_PID" || CHAOS_VIOLATIONS+=("the load client failed (see $LOGS/chaos-client.log)")
  # The live instances give their leases back once they retire (10 s) and their requests are done; an audit
  # while that happens compares the store and the views at two different moments.
  sleep 12
  chaos_wait_for_views 120 || CHAOS_VIOLATIONS+=("the projection did not catch up within 120 s")
  chaos_report
  chaos_audit

  tg_info "chaos: done in $((SECONDS - CHAOS_STARTED)) s"
  if ((${#CHAOS_VIOLATIONS[@]} > 0)); then
    printf 'chaos: FAILED: %s\n' "${CHAOS_VIOLATIONS[@]}" >&2
    return 1
  fi
  tg_info "chaos: every check held"
}

# A difference that is real stays; one seen while a lease was being settled is gone on the next look.
chaos_audit() {
  local attempt
  for attempt in 1 2 3; do
    if cmd_audit >"$LOGS/chaos-audit.log" 2>&1; then
      tg_info "chaos: tollgate audit found no difference"
      return 0
    fi
    sleep 5
    chaos_wait_for_views 30 || true
  done
  tail -n 20 "$LOGS/chaos-audit.log" >&2
  CHAOS_VIOLATIONS+=("tollgate audit found differences three times, 5 s apart (see $LOGS/chaos-audit.log)")
}

chaos_cleanup() {
  local code=$?
  [[ -n "${CHAOS_CLIENT_PID:-}" ]] && { touch "$CHAOS_STOP"; kill "$CHAOS_CLIENT_PID" 2>/dev/null || true; }
  stop_java gateway-2 || true
  cmd_down >"$LOGS/chaos-down.log" 2>&1 || true
  exit "$code"
}

chaos_start_second_gateway() {
  TOLLGATE_GATEWAY_PORT="$GATEWAY2_PORT" TOLLGATE_GATEWAY_MANAGEMENT_PORT="$GATEWAY2_MANAGEMENT_PORT" \
    start_java gateway-2 "$GATEWAY_JAR" "$GATEWAY2_PORT" "$GATEWAY2_MANAGEMENT_PORT" /actuator/health/readiness \
    2>>"$LOGS/chaos-up.log"
}

# Accounts with plenty of credit, and one that affords a few requests only: its leases shrink to one
# request's worst case, and its refusals (402) must never turn into an overspend.
chaos_open_accounts() {
  local count="$1" i id
  : >"$CHAOS_KEYS"
  for ((i = 0; i < count; i++)); do
    id="chaos-$(date +%s)-$i"
    local credits=1000
    ((i == count - 1)) && credits=0.02
    admin_ok POST /admin/accounts "{\"id\":\"$id\",\"displayName\":\"Chaos $i\"}"
    admin_ok POST "/admin/accounts/$id/grants" "{\"credits\":\"$credits\",\"source\":\"PROMOTION\"}"
    admin_ok POST /admin/keys "{\"name\":\"chaos $i\",\"accountId\":\"$id\"}"
    printf '%s %s\n' "$id" "$(jq -r .key "$RUN/admin-response.json")" >>"$CHAOS_KEYS"
  done
}

chaos_first_key() {
  awk 'NR == 1 { print $2 }' "$CHAOS_KEYS"
}

chaos_kill_second_gateway() {
  local pid
  pid="$(pid_from_file "$RUN/gateway-2.pid")"
  kill -9 "$pid"
  rm -f "$RUN/gateway-2.pid"
  sleep 2
  chaos_start_second_gateway
}

chaos_stop_broker() {
  "$ROOT/infra/local/kafka.sh" stop >>"$LOGS/chaos-faults.log" 2>&1
  sleep "$1"
  "$ROOT/infra/local/kafka.sh" start >>"$LOGS/chaos-faults.log" 2>&1
}

# chaos_phase NAME COMMAND...: runs the fault, then measures how long until every instance serves every
# account and the views have caught up; the phase's window is from the fault's start to that point.
chaos_phase() {
  local name="$1" started_ms ended_ms recovery
  shift
  tg_info "chaos: $name ..."
  started_ms="$(date +%s%3N)"
  if ! "$@" >>"$LOGS/chaos-faults.log" 2>&1; then
    CHAOS_VIOLATIONS+=("$name: the fault's own step failed (see $LOGS/chaos-faults.log)")
    tail -n 15 "$LOGS/chaos-faults.log" >&2
  fi
  ended_ms="$(date +%s%3N)"
  if recovery="$("${CHAOS_JAVA[@]}" probe "$CHAOS_KEYS" "$CHAOS_GATEWAYS" "$CHAOS_RECOVERY_MS" 2>>"$LOGS/chaos-faults.log")"; then
    :
  else
    CHAOS_VIOLATIONS+=("$name: not every instance served every account within $CHAOS_RECOVERY_MS ms of the fault's end")
  fi
  chaos_wait_for_views 60 || CHAOS_VIOLATIONS+=("$name: the projection's lag did not return to 0 within 60 s")
  printf '%s,%s,%s,%s,%s\n' "$name" "$started_ms" "$ended_ms" "${recovery:-}" "$(date +%s%3N)" >>"$CHAOS_PHASES"
  tg_info "chaos: $name: fault took $(((ended_ms - started_ms) / 1000)) s, every instance served every account ${recovery:-?} ms after it ended"
}

# The query side's lag (records published but not yet projected) is 0 and stays so for a moment.
chaos_wait_for_views() {
  local deadline=$((SECONDS + $1)) lag zeros=0
  while ((SECONDS < deadline)); do
    lag="$(curl -fsS "$QUERY_MANAGEMENT_URL/actuator/prometheus" 2>/dev/null \
      | awk '/^tollgate_views_consumer_lag[{ ]/ { sum += $NF } END { if (NR) printf "%d", sum }')"
    if [[ "$lag" == 0 ]]; then
      zeros=$((zeros + 1))
      ((zeros >= 3)) && return 0
    else
      zeros=0
    fi
    sleep 0.5
  done
  return 1
}

chaos_psql() {
  PGPASSWORD=tollgate psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U tollgate -d "$DB_NAME" "$@"
}

# Every recorded answer against the views, per fault window. A call is filed under the last window it was in
# flight during, not the one it was sent in: a call sent just before a kill -9 and cut off by it is the kill's.
chaos_report() {
  chaos_psql >/dev/null <<SQL
drop schema if exists chaos cascade;
create schema chaos;
create table chaos.answers (sent_at_ms bigint, latency_ms bigint, instance int, account_id text, status int,
                            request_id text, error text);
create table chaos.phases (name text, started_ms bigint, fault_ended_ms bigint, recovery_ms bigint, ended_ms bigint);
\\copy chaos.answers from '$CHAOS_ANSWERS' with (format csv)
\\copy chaos.phases from '$CHAOS_PHASES' with (format csv)
create view chaos.filed as
select coalesce((select p.name from chaos.phases p
                 where a.sent_at_ms < p.ended_ms and a.sent_at_ms + a.latency_ms >= p.started_ms
                 order by p.started_ms desc limit 1), 'steady') as phase, a.*
from chaos.answers a;
SQL
  echo
  chaos_psql -P footer=off <<'SQL'
with debits as (
    select request_id, count(*) as lines from views.ledger_lines
    where kind = 'debit' and request_id is not null group by request_id
), judged as (
    select a.*, coalesce(d.lines, 0) as debit_lines
    from chaos.filed a left join debits d on d.request_id = a.request_id and a.request_id <> ''
)
select j.phase as fault,
       count(*) filter (where status between 200 and 299) as answered,
       count(*) filter (where status between 400 and 499 or status = 503) as refused,
       count(*) filter (where (status >= 500 and status <> 503) or status = 0) as failed,
       max(p.recovery_ms) as recovered_ms,
       max(latency_ms) as max_wait_ms,
       count(*) filter (where status between 200 and 299 and debit_lines = 0) as lost_charges,
       count(*) filter (where debit_lines > 1) as double_charges,
       count(*) filter (where status not between 200 and 299 and debit_lines > 0) as charged_unanswered
from judged j left join chaos.phases p on p.name = j.phase
group by j.phase order by min(j.sent_at_ms);
SQL
  # A failed answer is judged by what it was: name each (the first 20) with its instance and error.
  chaos_psql -P footer=off <<'SQL'
select exists (select 1 from chaos.answers where (status >= 500 and status <> 503) or status = 0) as any_failed \gset
\if :any_failed
\echo
\echo 'failed answers (the first 20):'
select a.phase as fault, a.sent_at_ms - (select min(sent_at_ms) from chaos.answers) as ms_since_start,
       a.sent_at_ms - p.started_ms as ms_into_fault,
       a.instance, a.account_id, a.status, a.latency_ms, left(a.error, 160) as error
from chaos.filed a
left join chaos.phases p on p.name = a.phase
where (a.status >= 500 and a.status <> 503) or a.status = 0
order by a.sent_at_ms limit 20;
\endif
SQL
  local verdicts
  verdicts="$(chaos_psql -tA -F ' ' <<SQL
with debits as (
    select request_id, count(*) as lines from views.ledger_lines
    where kind = 'debit' and request_id is not null group by request_id
)
select 'lost_charges', count(*) from chaos.answers a left join debits d using (request_id)
  where a.status between 200 and 299 and coalesce(d.lines, 0) = 0
union all
select 'double_charges', count(*) from debits where lines > 1
union all
select 'overspent_accounts', count(distinct account_id) from views.ledger_lines
  where account_id like 'chaos-%' and balance_micros < 0
union all
select 'slow_answers', count(*) from chaos.answers where latency_ms > $CHAOS_BOUND_MS
union all
select 'server_errors', count(*) from chaos.answers where status between 500 and 599 and status <> 503;
SQL
)"
  echo
  local name value
  while read -r name value; do
    [[ -z "$name" ]] && continue
    printf '  %-20s %s\n' "$name" "$value"
    if [[ "$value" != 0 ]]; then
      CHAOS_VIOLATIONS+=("$name: $value")
    fi
  done <<<"$verdicts"
  echo
}
