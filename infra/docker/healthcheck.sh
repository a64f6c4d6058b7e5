#!/usr/bin/env bash
# Container health check without curl or wget in the image: HTTP/1.0 GET over bash's /dev/tcp.
# usage: healthcheck.sh PORT PATH   — healthy when the answer's status is 200.
set -euo pipefail
port="${1:?port}"
path="${2:-/actuator/health}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "${path}" >&3
IFS= read -r status <&3
exec 3<&-
[[ "${status}" == *" 200 "* || "${status}" == *" 200" ]]
