#!/usr/bin/env bash
# Local Apache Kafka broker (single node, KRaft) for Tollgate development.
#
# Usage: infra/local/kafka.sh start|stop|status
#
# Contract: after `start`, a real Kafka broker in KRaft mode answers at
# 127.0.0.1:${TOLLGATE_KAFKA_PORT:-9092} (controller on ${TOLLGATE_KAFKA_CONTROLLER_PORT:-9093}).
#   - If the port already answers, that broker is used and nothing is recorded.
#   - Broker jars are fetched from Maven Central (infra/kafka/pom.xml) into
#     ${TOLLGATE_STATE}/kafka/lib on first use, or when the pom changes.
#   - Storage is formatted once (when kafka/data/meta.properties is absent).
#   - The broker runs in the background; pid in run/kafka.pid, stdout/stderr in
#     logs/kafka.out, broker log in logs/kafka-broker.log.
#   - `stop` only stops the pid in run/kafka.pid. `start` while running is a no-op.
#   - `status` prints one line; exit 0 if the port answers, 3 if not.
#
# Environment: TOLLGATE_STATE, TOLLGATE_KAFKA_PORT, TOLLGATE_KAFKA_CONTROLLER_PORT,
#              TOLLGATE_KAFKA_HEAP (default "-Xms256m -Xmx512m"), JAVA_HOME (>= 21 used if set).
#              TOLLGATE_KAFKA_GC (default "-XX:+UseParallelGC -XX:ParallelGCThreads=2").
#              TOLLGATE_KAFKA_START_TIMEOUT (seconds to wait for the broker to answer, default 180).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${SCRIPT_DIR}/common.sh"

REPO_ROOT="$(tollgate_repo_root)"
STATE="$(tollgate_state_dir)"
HOST=127.0.0.1
PORT="${TOLLGATE_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${TOLLGATE_KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${TOLLGATE_KAFKA_HEAP:--Xms256m -Xmx512m}"
# The parallel collector, not G1: next to the gateway on two cores it took less of the broker's CPU per
# produce request and a millisecond off the one-connection p99 (docs/ledger.md, 2026-12-04).
GC_OPTS="${TOLLGATE_KAFKA_GC:--XX:+UseParallelGC -XX:ParallelGCThreads=2}"
# A broker whose log directory holds many topics (a developer machine after many test runs) loads them all
# before it answers; a minute was not always enough.
START_TIMEOUT="${TOLLGATE_KAFKA_START_TIMEOUT:-180}"
STOP_TIMEOUT=30

KAFKA_SRC="${REPO_ROOT}/infra/kafka"
POM="${KAFKA_SRC}/pom.xml"
TEMPLATE="${KAFKA_SRC}/server.properties.template"
LOG4J_CONFIG="${KAFKA_SRC}/log4j2.properties"

KAFKA_DIR="${STATE}/kafka"
LIB_DIR="${KAFKA_DIR}/lib"
LIB_STAMP="${LIB_DIR}/.fetched"
DATA_DIR="${KAFKA_DIR}/data"
CONFIG_DIR="${KAFKA_DIR}/config"
CONFIG_FILE="${CONFIG_DIR}/server.properties"
CLUSTER_ID_FILE="${KAFKA_DIR}/cluster.id"
LOG_DIR="${STATE}/logs"
BROKER_LOG="${LOG_DIR}/kafka-broker.log"
OUT_LOG="${LOG_DIR}/kafka.out"
PID_FILE="${STATE}/run/kafka.pid"

# Line Kafka 4.x logs once the combined broker+controller is fully up:
#   [<ts>] INFO [KafkaRaftServer nodeId=1] Kafka Server started (kafka.server.KafkaRaftServer)
STARTED_PATTERN='Kafka Server started (kafka.server.KafkaRaftServer)'

usage() {
  tg_info "usage: $(basename "$0") start|stop|status"
  exit 2
}

validate_port() {
  local name="$1" value="$2"
  if ! [[ "${value}" =~ ^[0-9]{1,5}$ ]] || ((10#${value} < 1 || 10#${value} > 65535)); then
    tg_die "${name} must be a TCP port number, got '${value}'"
  fi
}

# Our recorded broker pid, if that process is alive and really a Kafka broker.
our_pid() {
  local pid
  pid="$(pid_from_file "${PID_FILE}")" || return 1
  pid_running "${pid}" || return 1
  if [[ -r "/proc/${pid}/cmdline" ]] && ! tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -q 'kafka\.Kafka'; then
    return 1 # pid reused by something else
  fi
  printf '%s\n' "${pid}"
}

fetch_jars() {
  if [[ -f "${LIB_STAMP}" && ! "${POM}" -nt "${LIB_STAMP}" ]] && compgen -G "${LIB_DIR}/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || tg_die "Maven (mvn) is needed to fetch the Kafka broker jars; install it (e.g. apt-get install maven)"
  local java_home tmp
  java_home="$(tollgate_java_home)"
  tmp="${KAFKA_DIR}/lib.tmp"
  rm -rf "${tmp}"
  mkdir -p "${KAFKA_DIR}"
  tg_info "kafka: fetching broker jars from Maven Central (${POM#"${REPO_ROOT}"/}) into ${LIB_DIR} ..."
  if ! JAVA_HOME="${java_home}" mvn -B -q -f "${POM}" dependency:copy-dependencies \
    -DoutputDirectory="${tmp}" >"${LOG_DIR}/kafka-fetch.log" 2>&1; then
    tail -n 30 "${LOG_DIR}/kafka-fetch.log" >&2 || true
    rm -rf "${tmp}"
    tg_die "kafka: fetching the broker jars failed (full output: ${LOG_DIR}/kafka-fetch.log)"
  fi
  compgen -G "${tmp}/kafka_2.13-*.jar" >/dev/null || tg_die "kafka: no kafka_2.13 jar was fetched (see ${LOG_DIR}/kafka-fetch.log)"
  rm -rf "${LIB_DIR}"
  mv "${tmp}" "${LIB_DIR}"
  touch "${LIB_STAMP}"
  tg_info "kafka: fetched $(find "${LIB_DIR}" -name '*.jar' | wc -l) jars ($(kafka_version))"
}

kafka_version() {
  local jar
  jar="$(compgen -G "${LIB_DIR}/kafka_2.13-*.jar" | head -n 1 || true)"
  jar="${jar##*/kafka_2.13-}"
  printf 'Kafka %s\n' "${jar%.jar}"
}

# Escape a string for use as a sed replacement with '|' as delimiter.
sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

render_config() {
  [[ -r "${TEMPLATE}" ]] || tg_die "kafka: template ${TEMPLATE} is missing"
  mkdir -p "${CONFIG_DIR}" "${DATA_DIR}"
  sed -e "s|@KAFKA_PORT@|$(sed_escape "${PORT}")|g" \
    -e "s|@CONTROLLER_PORT@|$(sed_escape "${CONTROLLER_PORT}")|g" \
    -e "s|@DATA_DIR@|$(sed_escape "${DATA_DIR}")|g" \
    "${TEMPLATE}" >"${CONFIG_FILE}.tmp"
  mv "${CONFIG_FILE}.tmp" "${CONFIG_FILE}"
}

java_cmd() {
  local java_home
  java_home="$(tollgate_java_home)"
  printf '%s\n' "${java_home}/bin/java"
}

format_storage() {
  [[ -f "${DATA_DIR}/meta.properties" ]] && return 0
  local java cluster_id
  java="$(java_cmd)"
  if [[ -s "${CLUSTER_ID_FILE}" ]]; then
    cluster_id="$(tr -d '[:space:]' <"${CLUSTER_ID_FILE}")"
  else
    cluster_id="$("${java}" -Dlog4j2.configurationFile="${LOG4J_CONFIG}" -Dkafka.logs.dir="${LOG_DIR}" \
      -cp "${LIB_DIR}/*" kafka.tools.StorageTool random-uuid 2>>"${LOG_DIR}/kafka-format.log" | tail -n 1 | tr -d '[:space:]')"
    [[ -n "${cluster_id}" ]] || tg_die "kafka: could not generate a cluster id (see ${LOG_DIR}/kafka-format.log)"
    printf '%s\n' "${cluster_id}" >"${CLUSTER_ID_FILE}"
  fi
  tg_info "kafka: formatting storage ${DATA_DIR} (cluster id ${cluster_id}) ..."
  if ! "${java}" -Dlog4j2.configurationFile="${LOG4J_CONFIG}" -Dkafka.logs.dir="${LOG_DIR}" \
    -cp "${LIB_DIR}/*" kafka.tools.StorageTool format -t "${cluster_id}" -c "${CONFIG_FILE}" \
    >>"${LOG_DIR}/kafka-format.log" 2>&1; then
    tail -n 20 "${LOG_DIR}/kafka-format.log" >&2 || true
    tg_die "kafka: formatting the storage failed (see ${LOG_DIR}/kafka-format.log)"
  fi
}

file_size() { if [[ -f "$1" ]]; then stat -c %s "$1"; else echo 0; fi; }

# True once the broker log written since byte offset $1 contains the started line.
logged_started() {
  local offset="$1" size
  [[ -f "${BROKER_LOG}" ]] || return 1
  size="$(file_size "${BROKER_LOG}")"
  if ((size < offset)); then
    offset=0 # the log rolled over meanwhile
  fi
  tail -c "+$((offset + 1))" "${BROKER_LOG}" | grep -qF "${STARTED_PATTERN}"
}

show_failure_logs() {
  local offset="$1" recent=""
  if [[ -f "${BROKER_LOG}" ]]; then
    recent="$(tail -c "+$((offset + 1))" "${BROKER_LOG}" | tail -n 40 || true)"
  fi
  if [[ -n "${recent}" ]]; then
    tg_info "----- tail of ${BROKER_LOG} -----"
    printf '%s\n' "${recent}" >&2
  fi
  if [[ -s "${OUT_LOG}" ]]; then
    tg_info "----- tail of ${OUT_LOG} -----"
    tail -n 20 "${OUT_LOG}" >&2 || true
  fi
}

wait_until_started() {
  local pid="$1" offset="$2" deadline
  deadline=$((SECONDS + START_TIMEOUT))
  while true; do
    if ! pid_running "${pid}"; then
      show_failure_logs "${offset}"
      rm -f "${PID_FILE}"
      tg_die "kafka: the broker (pid ${pid}) exited during startup"
    fi
    if port_open "${HOST}" "${PORT}" && logged_started "${offset}"; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      show_failure_logs "${offset}"
      tg_die "kafka: not ready within ${START_TIMEOUT} s (pid ${pid} left running; stop it with '$(basename "$0") stop')"
    fi
    sleep 0.5
  done
}

cmd_start() {
  local pid offset java t0
  t0=${SECONDS}
  if pid="$(our_pid)"; then
    if port_open "${HOST}" "${PORT}"; then
      tg_info "kafka: already running (pid ${pid}) at ${HOST}:${PORT}"
      return 0
    fi
    tg_info "kafka: pid ${pid} is alive but ${HOST}:${PORT} does not answer yet; waiting ..."
    wait_for_port "${HOST}" "${PORT}" "${START_TIMEOUT}" ||
      tg_die "kafka: pid ${pid} did not open ${HOST}:${PORT} within ${START_TIMEOUT} s (see ${BROKER_LOG})"
    tg_info "kafka: ready at ${HOST}:${PORT} (pid ${pid})"
    return 0
  fi
  rm -f "${PID_FILE}"
  if port_open "${HOST}" "${PORT}"; then
    tg_info "kafka: something already answers at ${HOST}:${PORT}; using it (not started or managed by tollgate)"
    return 0
  fi
  if port_open "${HOST}" "${CONTROLLER_PORT}"; then
    tg_die "kafka: controller port ${HOST}:${CONTROLLER_PORT} is already in use by another process; set TOLLGATE_KAFKA_CONTROLLER_PORT to a free port"
  fi

  java="$(java_cmd)"
  fetch_jars
  render_config
  format_storage

  offset="$(file_size "${BROKER_LOG}")"
  tg_info "kafka: starting $(kafka_version) at ${HOST}:${PORT} (controller ${CONTROLLER_PORT}) ..."
  # The inner shell writes its own pid and then execs java, so the pid file holds
  # exactly the broker JVM. setsid keeps it out of the caller's process group
  # (a Ctrl-C in the calling terminal must not kill it).
  # shellcheck disable=SC2086,SC2016 # HEAP_OPTS and GC_OPTS are word-split on purpose; $$/$1/$@ belong to the inner shell
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "${PID_FILE}" \
    "${java}" ${HEAP_OPTS} ${GC_OPTS} -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="${LOG4J_CONFIG}" -Dkafka.logs.dir="${LOG_DIR}" \
    -cp "${LIB_DIR}/*" kafka.Kafka "${CONFIG_FILE}" \
    </dev/null >"${OUT_LOG}" 2>&1 9>&- &
  # Wait briefly for the pid file written by the child.
  local tries=50
  while [[ ! -s "${PID_FILE}" ]] && ((tries-- > 0)); do
    sleep 0.1
  done
  pid="$(pid_from_file "${PID_FILE}")" || tg_die "kafka: the broker process did not record its pid"
  wait_until_started "${pid}" "${offset}"
  tg_info "kafka: ready at ${HOST}:${PORT} (pid ${pid}, $((SECONDS - t0)) s)"
}

cmd_stop() {
  local pid
  if [[ ! -f "${PID_FILE}" ]]; then
    tg_info "kafka: not started by tollgate (no ${PID_FILE}); nothing to stop"
    return 0
  fi
  if ! pid="$(our_pid)"; then
    rm -f "${PID_FILE}"
    tg_info "kafka: not running (stale pid file removed)"
    return 0
  fi
  stop_pid_file "${PID_FILE}" "kafka" "${STOP_TIMEOUT}"
}

cmd_status() {
  local pid
  if port_open "${HOST}" "${PORT}"; then
    if pid="$(our_pid)"; then
      echo "kafka: answering at ${HOST}:${PORT} (started by tollgate, pid ${pid})"
    else
      echo "kafka: answering at ${HOST}:${PORT} (not started by tollgate)"
    fi
    return 0
  fi
  if pid="$(our_pid)"; then
    echo "kafka: not answering at ${HOST}:${PORT} (tollgate broker pid ${pid} is alive, starting or unhealthy)"
  else
    echo "kafka: not answering at ${HOST}:${PORT} (not running)"
  fi
  return 3
}

main() {
  [[ $# -eq 1 ]] || usage
  validate_port TOLLGATE_KAFKA_PORT "${PORT}"
  validate_port TOLLGATE_KAFKA_CONTROLLER_PORT "${CONTROLLER_PORT}"
  case "$1" in
    start | stop)
      # Serialize concurrent start/stop calls (fd 9 is closed for the broker itself).
      exec 9>"${STATE}/run/kafka.lock"
      flock -w 120 9 || tg_die "kafka: another kafka.sh start/stop holds ${STATE}/run/kafka.lock"
      "cmd_$1"
      ;;
    status) cmd_status ;;
    *) usage ;;
  esac
}

main "$@"
