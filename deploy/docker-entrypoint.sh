#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Starts the atsync inverter (atsync serve): the container image's entrypoint (deploy/Dockerfile),
# also usable on a plain host. Arguments are passed to atsync serve (java -jar atsync.jar serve --help
# lists them); settings are best given as ATSYNC_* environment variables (an ATSYNC_ variable that
# names no option is refused by the server).
#
# The ingest token:
#   - is read from a file only: $ATSYNC_INGEST_TOKEN_FILE if set, else the Docker/compose secret
#     $ATSYNC_SECRETS_DIR/atsync_ingest_token (default /run/secrets/atsync_ingest_token), one
#     token per line (several during a rotation);
#   - reaches the server as that file's path in the environment (ATSYNC_INGEST_TOKEN_FILE), so the token
#     is in no process's arguments, in no environment, and in no log line;
#   - ATSYNC_INGEST_TOKEN (which atsync serve accepts on a plain host) is refused here: environment
#     variables show in docker inspect; so is the old --token, which would show in ps.
#
# The ingest listener (POST /events, GET /health, GET /metrics):
#   - with a token file, it binds 0.0.0.0, so PDS containers on the compose network can post;
#   - without one, it stays on 127.0.0.1 (reachable from inside the container only, enough for the
#     health check and for pull mode, where the inverter follows the PDS instances itself), and the
#     server generates a token into $ATSYNC_DATA_DIR/ingest-token;
#   - ATSYNC_INGEST_HOST (or --ingest-host), when set, wins either way.
#
# JVM options: ATSYNC_JAVA_OPTS (the image sets -XX:MaxRAMPercentage=70 -XX:+ExitOnOutOfMemoryError).
# The JVM replaces this shell (exec), so it receives SIGTERM itself and shuts down gracefully.
set -euo pipefail

say() { printf 'atsync-entrypoint: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

jar="${ATSYNC_JAR:-/opt/atsync/atsync.jar}"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
export ATSYNC_DATA_DIR="${ATSYNC_DATA_DIR:-/data}"

# Tokens never travel as arguments or as values in the environment.
token_file_arg=""
for arg in "$@"; do
  case "$arg" in
    --token|--token=*) die "--token on the command line is refused (it shows in ps); put the token in a file: ATSYNC_INGEST_TOKEN_FILE or the secret atsync_ingest_token" ;;
    --ingest-token-file|--ingest-token-file=*) token_file_arg=yes ;;
  esac
done
if [ -n "${ATSYNC_INGEST_TOKEN:-}" ] || [ -n "${ATSYNC_TOKEN:-}" ]; then
  die "a token in the environment is refused (environment variables show in docker inspect); put the token in a file: ATSYNC_INGEST_TOKEN_FILE or the secret atsync_ingest_token"
fi
unset ATSYNC_INGEST_TOKEN ATSYNC_TOKEN

secret="${ATSYNC_SECRETS_DIR:-/run/secrets}/atsync_ingest_token"
if [ -z "${ATSYNC_INGEST_TOKEN_FILE:-}" ] && [ -e "$secret" ]; then
  export ATSYNC_INGEST_TOKEN_FILE="$secret"
fi

token_configured=""
if [ -n "${ATSYNC_INGEST_TOKEN_FILE:-}" ]; then
  [ -r "$ATSYNC_INGEST_TOKEN_FILE" ] || die "token file $ATSYNC_INGEST_TOKEN_FILE is not readable by uid $(id -u) (for a compose file secret: chown $(id -u) on the host, mode 0400)"
  # at least one token line (the server checks the tokens themselves; nothing of them is printed)
  grep -qv -e '^[[:space:]]*$' -e '^[[:space:]]*#' "$ATSYNC_INGEST_TOKEN_FILE" \
    || die "token file $ATSYNC_INGEST_TOKEN_FILE holds no token"
  token_configured=yes
  say "ingest token from $ATSYNC_INGEST_TOKEN_FILE"
elif [ -n "$token_file_arg" ]; then
  token_configured=yes
fi

if [ -z "${ATSYNC_INGEST_HOST:-}" ]; then
  if [ -n "$token_configured" ]; then
    export ATSYNC_INGEST_HOST=0.0.0.0
  else
    export ATSYNC_INGEST_HOST=127.0.0.1
    say "no ingest token file: the ingest listener stays on 127.0.0.1 (health check, pull mode); to accept posts from other containers, give the secret atsync_ingest_token"
  fi
fi
say "ingest listener on ${ATSYNC_INGEST_HOST}:${ATSYNC_INGEST_PORT:-2471}, data in $ATSYNC_DATA_DIR"

mkdir -p "$ATSYNC_DATA_DIR" 2>/dev/null || true
[ -w "$ATSYNC_DATA_DIR" ] || die "data directory $ATSYNC_DATA_DIR is not writable by uid $(id -u) (a bind mount must be owned by it)"

# ATSYNC_JAVA_OPTS is split on whitespace, as a shell would (no quoting inside it)
read -r -a java_opts <<< "${ATSYNC_JAVA_OPTS:-}"
exec "$java" "${java_opts[@]}" -jar "$jar" serve "$@"
