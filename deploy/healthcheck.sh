#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# The container's health check: GET /health on the ingest listener, healthy on 200 (the server
# answers 503 while it shuts down). Plain bash (/dev/tcp), because slim JRE images have neither
# curl nor wget; the Dockerfile's HEALTHCHECK --timeout bounds it.
set -u
port="${ATSYNC_INGEST_PORT:-2471}"
host="${ATSYNC_INGEST_HOST:-127.0.0.1}"
# a wildcard bind is reached on loopback
case "$host" in 0.0.0.0|::|"[::]") host=127.0.0.1 ;; esac
exec 3<>"/dev/tcp/$host/$port" || { echo "unhealthy: nothing listens on $host:$port" >&2; exit 1; }
printf 'GET /health HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
IFS= read -r -t 5 status <&3 || { echo "unhealthy: no answer from $host:$port" >&2; exit 1; }
case "$status" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "unhealthy: ${status%$'\r'}" >&2; exit 1 ;;
esac
