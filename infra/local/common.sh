# shellcheck shell=bash
# Shared helpers for the Tollgate local service launchers.
# Source it; do not execute it:   . "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
# Provides:
#   tollgate_repo_root            absolute path of the repository root
#   tollgate_state_dir            ${TOLLGATE_STATE:-<repo root>/.tollgate} (created, absolute)
#   tollgate_java_home            a JDK home with major version >= 21, or exit 1
#   pid_alive FILE                true if FILE holds the pid of a live process
#   pid_running PID               true if PID is alive and not a zombie
#   pid_from_file FILE            prints the numeric pid in FILE (fails if none)
#   wait_for_port HOST PORT SECS  true once a TCP connect succeeds (polls every 0.5 s)
#   port_open HOST PORT           one TCP connect attempt
#   stop_pid_file FILE NAME [SECS]  TERM the pid in FILE, wait (default 20 s), then KILL;
#                                   removes FILE. Touches nothing but that pid.
#   tg_info / tg_warn / tg_die    messages on stderr

if [[ -n "${_TOLLGATE_COMMON_SOURCED:-}" ]]; then
  return 0
fi
_TOLLGATE_COMMON_SOURCED=1

TOLLGATE_MIN_JAVA=21

tg_info() { printf '%s\n' "$*" >&2; }
tg_warn() { printf 'WARNING: %s\n' "$*" >&2; }
tg_die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

tollgate_repo_root() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
  (cd "${here}/../.." && pwd -P)
}

tollgate_state_dir() {
  local dir="${TOLLGATE_STATE:-}"
  if [[ -z "${dir}" ]]; then
    dir="$(tollgate_repo_root)/.tollgate"
  fi
  mkdir -p "${dir}" "${dir}/run" "${dir}/logs" || tg_die "cannot create state directory ${dir}"
  (cd "${dir}" && pwd -P)
}

# Major version of the JDK at $1 (reads $1/release, falls back to `java -version`).
# Prints nothing if it cannot be determined.
_tg_java_major() {
  local home="$1" version=""
  [[ -x "${home}/bin/java" ]] || return 0
  if [[ -r "${home}/release" ]]; then
    version="$(sed -n 's/^JAVA_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "${home}/release" | head -n 1)"
  fi
  if [[ -z "${version}" ]]; then
    version="$("${home}/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  fi
  [[ -n "${version}" ]] || return 0
  if [[ "${version}" == 1.* ]]; then
    version="${version#1.}" # 1.8.0_402 -> 8.0_402
  fi
  version="${version%%[.+_-]*}"
  [[ "${version}" =~ ^[0-9]+$ ]] && printf '%s\n' "${version}"
  return 0
}

tollgate_java_home() {
  local major candidate real best="" best_major=0
  if [[ -n "${JAVA_HOME:-}" ]]; then
    major="$(_tg_java_major "${JAVA_HOME}")"
    if [[ -n "${major}" ]] && ((major >= TOLLGATE_MIN_JAVA)); then
      printf '%s\n' "${JAVA_HOME}"
      return 0
    fi
  fi
  for candidate in /usr/lib/jvm/*/; do
    candidate="${candidate%/}"
    [[ -d "${candidate}" ]] || continue
    real="$(readlink -f "${candidate}")"
    major="$(_tg_java_major "${real}")"
    [[ -n "${major}" ]] || continue
    if ((major >= TOLLGATE_MIN_JAVA && major > best_major)); then
      best="${real}"
      best_major="${major}"
    fi
  done
  if [[ -n "${best}" ]]; then
    printf '%s\n' "${best}"
    return 0
  fi
  tg_info "ERROR: Tollgate needs JDK ${TOLLGATE_MIN_JAVA} or newer; none found (JAVA_HOME=${JAVA_HOME:-<unset>}, searched /usr/lib/jvm)."
  tg_info "  Install e.g. Debian's openjdk-21-jdk (apt-get install openjdk-21-jdk; Debian 13 \"trixie\" or newer,"
  tg_info "  Debian 12 only ships 17) or Eclipse Temurin ${TOLLGATE_MIN_JAVA}+ (https://adoptium.net), then set JAVA_HOME to it."
  exit 1
}

# True if PID is a live (non-zombie) process. A zombie counts as dead: in some
# containers PID 1 does not reap orphans promptly.
pid_running() {
  local pid="$1" state=""
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  if [[ -r "/proc/${pid}/stat" ]]; then
    state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/${pid}/stat" 2>/dev/null || true)"
    [[ "${state}" != "Z" && "${state}" != "X" ]] || return 1
  fi
  return 0
}

# Prints the pid stored in FILE (first line) if it is a number.
pid_from_file() {
  local file="$1" pid
  [[ -f "${file}" ]] || return 1
  pid="$(head -n 1 "${file}" 2>/dev/null | tr -d '[:space:]')"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "${pid}"
}

pid_alive() {
  local file="$1" pid
  pid="$(pid_from_file "${file}")" || return 1
  pid_running "${pid}"
}

port_open() {
  local host="$1" port="$2"
  # shellcheck disable=SC2016 # expanded by the inner shell
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "${host}" "${port}" 2>/dev/null
}

wait_for_port() {
  local host="$1" port="$2" seconds="$3" deadline
  deadline=$((SECONDS + seconds))
  while true; do
    if port_open "${host}" "${port}"; then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
}

# True once PID has exited; false if it is still running after SECONDS.
wait_for_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while pid_running "${pid}"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

stop_pid_file() {
  local file="$1" name="$2" grace="${3:-20}" pid
  if [[ ! -f "${file}" ]]; then
    tg_info "${name}: no pid file (${file}); nothing to stop"
    return 0
  fi
  pid="$(pid_from_file "${file}" || true)"
  if ! pid_running "${pid}"; then
    tg_info "${name}: not running (stale pid file removed)"
    rm -f "${file}"
    return 0
  fi
  tg_info "${name}: stopping pid ${pid} (SIGTERM, up to ${grace} s)..."
  kill -TERM "${pid}" 2>/dev/null || true
  if ! wait_for_exit "${pid}" "${grace}"; then
    tg_warn "${name}: pid ${pid} still alive after ${grace} s; sending SIGKILL"
    kill -KILL "${pid}" 2>/dev/null || true
  fi
  # A JVM on its way out has read as gone and, a moment later, as running (bench-load's restarts): only a
  # process still there a few seconds later has survived.
  wait_for_exit "${pid}" 5 || tg_die "${name}: pid ${pid} survived SIGKILL"
  rm -f "${file}"
  tg_info "${name}: stopped"
}
