#!/usr/bin/env bash
# Local PostgreSQL for Tollgate development.
#
# Usage: infra/local/postgres.sh start|stop|status|restart
#
# Contract: after `start`, PostgreSQL answers at 127.0.0.1:${TOLLGATE_PG_PORT:-5432} and the
# role `tollgate` (password `tollgate`, LOGIN CREATEDB) owns the databases `tollgate` and
# `tollgate_test`; password authentication over TCP works for it.
#
# How `start` gets there, in order:
#   1. Something already answers on the port: use it (nothing is started or recorded);
#      create the role/databases through the superuser's unix socket when possible
#      (as root: runuser -u postgres), otherwise only verify the tollgate login.
#   2. No PostgreSQL server binaries: install Debian's `postgresql` package (root only).
#   3. A Debian cluster (pg_lsclusters) is configured on the port and we are root:
#      pg_ctlcluster VER NAME start; marker run/postgres.cluster ("VER NAME").
#   4. Otherwise a private cluster in ${TOLLGATE_STATE}/pgdata (initdb on first use,
#      127.0.0.1 only, unix socket under the state dir), started with pg_ctl;
#      marker run/postgres.pid (postmaster pid).
# `stop` stops only what `start` started (per the markers); anything else is left alone.
# `status` prints one line; exit 0 if PostgreSQL answers, 3 if not.
# `restart` restarts (fast: every connection dropped) only what `start` started, for `tollgate chaos`.
#
# Environment: TOLLGATE_STATE, TOLLGATE_PG_PORT.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "${SCRIPT_DIR}/common.sh"

STATE="$(tollgate_state_dir)"
HOST=127.0.0.1
PORT="${TOLLGATE_PG_PORT:-5432}"
READY_TIMEOUT=30

APP_ROLE=tollgate
APP_PASSWORD=tollgate
APP_DBS=(tollgate tollgate_test)

PG_DATA="${STATE}/pgdata"
PG_LOG="${STATE}/logs/postgres.log"
CLUSTER_MARKER="${STATE}/run/postgres.cluster"
PRIVATE_PID_FILE="${STATE}/run/postgres.pid"
# Unix socket directory of the private cluster. Socket paths are limited to ~107 bytes.
SOCK_DIR="${STATE}/run/pgsock"
if ((${#SOCK_DIR} > 80)); then
  SOCK_DIR="/tmp/tollgate-pgsock-$(id -u)-${PORT}"
fi

export PGCONNECT_TIMEOUT=5

usage() {
  tg_info "usage: $(basename "$0") start|stop|status|restart"
  exit 2
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# pg_isready: 0 = accepting, 1 = rejecting (starting up / shutting down), 2 = no response.
pg_state() {
  local rc=0
  pg_isready -q -h "${HOST}" -p "${PORT}" -t 3 || rc=$?
  printf '%s\n' "${rc}"
}
pg_ready() { [[ "$(pg_state)" == 0 ]]; }
pg_answering() {
  local s
  s="$(pg_state)"
  [[ "${s}" == 0 || "${s}" == 1 ]]
}

wait_ready() {
  local seconds="$1" deadline
  deadline=$((SECONDS + seconds))
  until pg_ready; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
}

# Newest PostgreSQL server bin directory, e.g. /usr/lib/postgresql/15/bin.
pg_bindir() {
  local dir best=""
  while IFS= read -r dir; do
    [[ -x "${dir}/postgres" ]] && best="${dir}"
  done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -V)
  [[ -n "${best}" ]] || return 1
  printf '%s\n' "${best}"
}

ensure_client_tools() {
  command -v pg_isready >/dev/null 2>&1 && command -v psql >/dev/null 2>&1 && return 0
  if pg_bindir >/dev/null; then
    PATH="$(pg_bindir):${PATH}"
    export PATH
    return 0
  fi
  return 1
}

ensure_server_binaries() {
  pg_bindir >/dev/null && return 0
  if ! is_root; then
    tg_info "ERROR: no PostgreSQL server found (no /usr/lib/postgresql/*/bin/postgres) and nothing answers at ${HOST}:${PORT}."
    tg_info "  Install it as root:  apt-get update && apt-get install -y postgresql"
    tg_info "  or run any PostgreSQL on ${HOST}:${PORT} with role ${APP_ROLE}/${APP_PASSWORD} (LOGIN CREATEDB)"
    tg_info "  owning databases ${APP_DBS[*]}, then run this again."
    exit 1
  fi
  tg_info "postgres: server binaries missing; installing Debian's postgresql package ..."
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >"${STATE}/logs/postgres-install.log" 2>&1; then
    tail -n 30 "${STATE}/logs/postgres-install.log" >&2 || true
    tg_die "postgres: installing the postgresql package failed (see ${STATE}/logs/postgres-install.log)"
  fi
  pg_bindir >/dev/null || tg_die "postgres: the postgresql package is installed but no server binary was found under /usr/lib/postgresql"
  ensure_client_tools || true
}

# "VER NAME STATUS" of the Debian cluster configured on PORT, if any.
debian_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  local line
  line="$(pg_lsclusters -h 2>/dev/null | awk -v p="${PORT}" '$3 == p { print $1, $2, $4; exit }')"
  [[ -n "${line}" ]] || return 1
  printf '%s\n' "${line}"
}

# ---------------------------------------------------------------- superuser access

ADMIN_CMD=()

# Runs psql as a database superuser over a unix socket. Sets ADMIN_CMD; fails if impossible.
find_admin() {
  local dir candidate=()
  local -a dirs=("${SOCK_DIR}" /var/run/postgresql /tmp)
  for dir in "${dirs[@]}"; do
    [[ -S "${dir}/.s.PGSQL.${PORT}" ]] || continue
    if is_root; then
      id postgres >/dev/null 2>&1 || continue
      candidate=(runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h "${dir}" -p "${PORT}" -d postgres)
    else
      candidate=(psql -X -q -v ON_ERROR_STOP=1 -h "${dir}" -p "${PORT}" -d postgres)
    fi
    if [[ "$(cd / && "${candidate[@]}" -tAc 'show is_superuser' 2>/dev/null)" == "on" ]]; then
      ADMIN_CMD=("${candidate[@]}")
      return 0
    fi
  done
  return 1
}

# Reads SQL on stdin.
admin_psql() { (cd / && "${ADMIN_CMD[@]}"); }

ensure_role_and_dbs() {
  local db_list
  db_list="$(printf "'%s'," "${APP_DBS[@]}")"
  db_list="${db_list%,}"
  admin_psql >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    CREATE ROLE ${APP_ROLE};
  END IF;
END
\$\$;
SET password_encryption = 'scram-sha-256';
ALTER ROLE ${APP_ROLE} WITH LOGIN CREATEDB PASSWORD '${APP_PASSWORD}';
SELECT format('CREATE DATABASE %I OWNER ${APP_ROLE}', d)
  FROM unnest(ARRAY[${db_list}]) AS d
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d)
\gexec
SELECT format('ALTER DATABASE %I OWNER TO ${APP_ROLE}', d)
  FROM unnest(ARRAY[${db_list}]) AS d
  JOIN pg_database ON datname = d
 WHERE pg_get_userbyid(datdba) <> '${APP_ROLE}'
\gexec
SQL
}

login_works() {
  local db="$1"
  [[ "$(PGPASSWORD="${APP_PASSWORD}" psql -X -h "${HOST}" -p "${PORT}" -U "${APP_ROLE}" -d "${db}" -tAc 'select 1' 2>/dev/null)" == "1" ]]
}

explain_manual_setup() {
  tg_info "  As a superuser of that server, run:"
  tg_info "    CREATE ROLE ${APP_ROLE} LOGIN CREATEDB PASSWORD '${APP_PASSWORD}';"
  local db
  for db in "${APP_DBS[@]}"; do
    tg_info "    CREATE DATABASE ${db} OWNER ${APP_ROLE};"
  done
  tg_info "  and make sure pg_hba.conf allows 'host all all 127.0.0.1/32 scram-sha-256' (or md5)."
}

# Create role/dbs if we can, then verify the tollgate login over TCP on every database.
provision() {
  local db failed=()
  if find_admin; then
    ensure_role_and_dbs || tg_die "postgres: creating role/databases failed"
  else
    tg_info "postgres: no superuser access over a unix socket for port ${PORT}; only verifying the ${APP_ROLE} login"
  fi
  for db in "${APP_DBS[@]}"; do
    login_works "${db}" || failed+=("${db}")
  done
  if ((${#failed[@]} > 0)); then
    tg_info "ERROR: role ${APP_ROLE} cannot log in with password '${APP_PASSWORD}' at ${HOST}:${PORT} to: ${failed[*]}"
    explain_manual_setup
    exit 1
  fi
}

# ---------------------------------------------------------------- private cluster

RUN_AS=()

private_setup_user() {
  RUN_AS=()
  if is_root; then
    id postgres >/dev/null 2>&1 || tg_die "postgres: running as root but there is no 'postgres' OS user to own the private cluster"
    RUN_AS=(runuser -u postgres --)
    if ! runuser -u postgres -- test -x "${STATE}"; then
      tg_die "postgres: the 'postgres' OS user cannot reach ${STATE}; set TOLLGATE_STATE to a directory it can traverse"
    fi
  fi
}

as_owner() { (cd / && "${RUN_AS[@]}" "$@"); }

own() {
  if is_root; then
    chown postgres:postgres "$@"
  fi
}

private_postmaster_pid() {
  local pid
  [[ -f "${PG_DATA}/postmaster.pid" ]] || return 1
  pid="$(head -n 1 "${PG_DATA}/postmaster.pid" | tr -d '[:space:]')"
  pid_running "${pid}" || return 1
  printf '%s\n' "${pid}"
}

start_private_cluster() {
  local bindir pid
  bindir="$(pg_bindir)"
  private_setup_user
  mkdir -p "${SOCK_DIR}"
  chmod 0700 "${SOCK_DIR}"
  own "${SOCK_DIR}"
  touch "${PG_LOG}"
  own "${PG_LOG}"

  if [[ ! -f "${PG_DATA}/PG_VERSION" ]]; then
    tg_info "postgres: creating a private cluster in ${PG_DATA} ($("${bindir}/postgres" --version)) ..."
    mkdir -p "${PG_DATA}"
    chmod 0700 "${PG_DATA}"
    own "${PG_DATA}"
    if ! as_owner "${bindir}/initdb" -D "${PG_DATA}" -E UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256 >"${STATE}/logs/postgres-initdb.log" 2>&1; then
      tail -n 20 "${STATE}/logs/postgres-initdb.log" >&2 || true
      tg_die "postgres: initdb failed (see ${STATE}/logs/postgres-initdb.log)"
    fi
    printf "\n# Tollgate: listen address, port and socket directory\ninclude_if_exists = 'tollgate.conf'\n" >>"${PG_DATA}/postgresql.conf"
  fi

  if pid="$(private_postmaster_pid)"; then
    tg_die "postgres: the private cluster in ${PG_DATA} is already running (pid ${pid}) but does not answer at ${HOST}:${PORT}; run '$(basename "$0") stop' first (TOLLGATE_PG_PORT changed?)"
  fi

  # Rendered on every start so TOLLGATE_PG_PORT / TOLLGATE_STATE changes apply.
  {
    echo "# Written by infra/local/postgres.sh on every start; do not edit."
    echo "listen_addresses = '${HOST}'"
    echo "port = ${PORT}"
    echo "unix_socket_directories = '${SOCK_DIR//\'/\'\'}'"
  } >"${PG_DATA}/tollgate.conf"
  own "${PG_DATA}/tollgate.conf"

  tg_info "postgres: starting the private cluster ${PG_DATA} on ${HOST}:${PORT} ..."
  if ! as_owner "${bindir}/pg_ctl" -D "${PG_DATA}" -l "${PG_LOG}" -w -t "${READY_TIMEOUT}" start >/dev/null; then
    tail -n 20 "${PG_LOG}" >&2 || true
    tg_die "postgres: pg_ctl start failed (log: ${PG_LOG})"
  fi
  pid="$(private_postmaster_pid)" || tg_die "postgres: started, but no postmaster.pid in ${PG_DATA}"
  printf '%s\n' "${pid}" >"${PRIVATE_PID_FILE}"
}

stop_private_cluster() {
  local recorded pid bindir
  recorded="$(pid_from_file "${PRIVATE_PID_FILE}" || true)"
  if ! pid="$(private_postmaster_pid)"; then
    rm -f "${PRIVATE_PID_FILE}"
    tg_info "postgres: private cluster not running (stale marker removed)"
    return 0
  fi
  if [[ "${pid}" != "${recorded}" ]]; then
    rm -f "${PRIVATE_PID_FILE}"
    tg_info "postgres: the private cluster's postmaster (pid ${pid}) is not the one recorded (${recorded:-none}); leaving it alone"
    return 0
  fi
  bindir="$(pg_bindir)"
  private_setup_user
  tg_info "postgres: stopping the private cluster ${PG_DATA} (pid ${pid}) ..."
  as_owner "${bindir}/pg_ctl" -D "${PG_DATA}" -m fast -w -t 60 stop >/dev/null ||
    tg_die "postgres: pg_ctl stop failed (log: ${PG_LOG})"
  rm -f "${PRIVATE_PID_FILE}"
  tg_info "postgres: stopped"
}

# ---------------------------------------------------------------- commands

cmd_start() {
  local cluster ver name status
  ensure_client_tools || true
  if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    ensure_server_binaries
    ensure_client_tools || tg_die "postgres: psql/pg_isready not found"
  fi

  if pg_answering; then
    wait_ready "${READY_TIMEOUT}" || tg_die "postgres: ${HOST}:${PORT} answers but does not accept connections within ${READY_TIMEOUT} s"
    if [[ -f "${CLUSTER_MARKER}" || -f "${PRIVATE_PID_FILE}" ]]; then
      tg_info "postgres: already running at ${HOST}:${PORT} (started by tollgate)"
    else
      tg_info "postgres: something already answers at ${HOST}:${PORT}; using it (not started or managed by tollgate)"
    fi
    provision
    tg_info "postgres: ready at ${HOST}:${PORT} (role ${APP_ROLE}, databases ${APP_DBS[*]})"
    return 0
  fi

  ensure_server_binaries
  # Installing the package may have started its default cluster.
  if pg_answering; then
    wait_ready "${READY_TIMEOUT}" || tg_die "postgres: ${HOST}:${PORT} answers but does not accept connections"
    tg_info "postgres: a server answers at ${HOST}:${PORT} after installing the package; using it (not managed by tollgate)"
    provision
    tg_info "postgres: ready at ${HOST}:${PORT} (role ${APP_ROLE}, databases ${APP_DBS[*]})"
    return 0
  fi

  if is_root && cluster="$(debian_cluster)"; then
    read -r ver name status <<<"${cluster}"
    tg_info "postgres: starting Debian cluster ${ver}/${name} (port ${PORT}) ..."
    if [[ "${status}" == down* ]]; then
      if ! pg_ctlcluster "${ver}" "${name}" start; then
        tail -n 20 "/var/log/postgresql/postgresql-${ver}-${name}.log" >&2 2>/dev/null || true
        tg_die "postgres: pg_ctlcluster ${ver} ${name} start failed"
      fi
      printf '%s %s\n' "${ver}" "${name}" >"${CLUSTER_MARKER}"
    else
      tg_warn "Debian cluster ${ver}/${name} is '${status}' but ${HOST}:${PORT} does not answer; not touching it"
    fi
    if ! wait_ready "${READY_TIMEOUT}"; then
      tg_die "postgres: cluster ${ver}/${name} does not accept TCP connections at ${HOST}:${PORT}; check listen_addresses/port in /etc/postgresql/${ver}/${name}/postgresql.conf"
    fi
  else
    start_private_cluster
    wait_ready "${READY_TIMEOUT}" || tg_die "postgres: private cluster not ready within ${READY_TIMEOUT} s (log: ${PG_LOG})"
  fi
  provision
  tg_info "postgres: ready at ${HOST}:${PORT} (role ${APP_ROLE}, databases ${APP_DBS[*]})"
}

cmd_stop() {
  local ver name
  if [[ -f "${CLUSTER_MARKER}" ]]; then
    read -r ver name <"${CLUSTER_MARKER}"
    [[ -n "${ver:-}" && -n "${name:-}" ]] || {
      rm -f "${CLUSTER_MARKER}"
      tg_die "postgres: malformed marker ${CLUSTER_MARKER} (removed)"
    }
    is_root || tg_die "postgres: stopping Debian cluster ${ver}/${name} needs root"
    if pg_lsclusters -h 2>/dev/null | awk -v v="${ver}" -v n="${name}" '$1 == v && $2 == n && $4 ~ /^online/ { found = 1 } END { exit !found }'; then
      tg_info "postgres: stopping Debian cluster ${ver}/${name} ..."
      pg_ctlcluster "${ver}" "${name}" stop || tg_die "postgres: pg_ctlcluster ${ver} ${name} stop failed"
      tg_info "postgres: stopped"
    else
      tg_info "postgres: Debian cluster ${ver}/${name} is not running"
    fi
    rm -f "${CLUSTER_MARKER}"
  elif [[ -f "${PRIVATE_PID_FILE}" ]]; then
    stop_private_cluster
  else
    tg_info "postgres: not started by tollgate; nothing to stop"
  fi
}

cmd_restart() {
  local ver name bindir
  if [[ -f "${CLUSTER_MARKER}" ]]; then
    read -r ver name <"${CLUSTER_MARKER}"
    tg_info "postgres: restarting Debian cluster ${ver}/${name} ..."
    pg_ctlcluster "${ver}" "${name}" restart -m fast || tg_die "postgres: pg_ctlcluster ${ver} ${name} restart failed"
  elif [[ -f "${PRIVATE_PID_FILE}" ]] && private_postmaster_pid >/dev/null; then
    bindir="$(pg_bindir)"
    private_setup_user
    tg_info "postgres: restarting the private cluster ${PG_DATA} ..."
    as_owner "${bindir}/pg_ctl" -D "${PG_DATA}" -l "${PG_LOG}" -m fast -w -t "${READY_TIMEOUT}" restart >/dev/null ||
      tg_die "postgres: pg_ctl restart failed (log: ${PG_LOG})"
    private_postmaster_pid >"${PRIVATE_PID_FILE}"
  else
    tg_die "postgres: not started by tollgate at ${HOST}:${PORT}; refusing to restart it"
  fi
  wait_ready "${READY_TIMEOUT}" || tg_die "postgres: not ready within ${READY_TIMEOUT} s after the restart"
  tg_info "postgres: restarted"
}

cmd_status() {
  local how ver name pid
  ensure_client_tools || true
  if command -v pg_isready >/dev/null 2>&1 && pg_ready; then
    if [[ -f "${CLUSTER_MARKER}" ]]; then
      read -r ver name <"${CLUSTER_MARKER}" || true
      how="started by tollgate: Debian cluster ${ver:-?}/${name:-?}"
    elif [[ -f "${PRIVATE_PID_FILE}" ]] && pid="$(private_postmaster_pid)"; then
      how="started by tollgate: private cluster ${PG_DATA}, pid ${pid}"
    else
      how="not started by tollgate"
    fi
    echo "postgres: answering at ${HOST}:${PORT} (${how})"
    return 0
  fi
  echo "postgres: not answering at ${HOST}:${PORT}"
  return 3
}

main() {
  [[ $# -eq 1 ]] || usage
  if ! [[ "${PORT}" =~ ^[0-9]{1,5}$ ]] || ((10#${PORT} < 1 || 10#${PORT} > 65535)); then
    tg_die "TOLLGATE_PG_PORT must be a TCP port number, got '${PORT}'"
  fi
  case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    restart) cmd_restart ;;
    *) usage ;;
  esac
}

main "$@"
