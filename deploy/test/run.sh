#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Tests of the deployment files that need no container engine and no systemd (neither runs where
# this project is built): the standalone jar's manifest and licence files, the image's layout and
# entrypoint run on the host against the built jar (a fake Docker secret, a temporary /data), the
# health check, the compose file and its Caddyfile as far as they can be checked without Docker,
# and `systemd-analyze verify` on the unit. The Maven build runs it at integration-test (atsync-cli;
# skipped with -DskipTests); by hand:
#
#   deploy/test/run.sh atsync-cli/target/atsync-cli-0.1.0-SNAPSHOT-standalone.jar
#
# Everything it starts listens on 127.0.0.1 or on the wildcard address of this machine, and is
# stopped before it exits.
set -uo pipefail

deploy="$(cd "$(dirname "$0")/.." && pwd)"
root="$(dirname "$deploy")"
[ $# -eq 1 ] && [ -f "$1" ] || { echo "usage: $0 <atsync-cli standalone jar>" >&2; exit 2; }
jar="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

passed=0 failed=0 skipped=0
ok() { passed=$((passed + 1)); echo "  ok    $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1"; }
skip() { skipped=$((skipped + 1)); echo "  skip  $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
# A tool this test needs is missing: a skip, or a failure where ATSYNC_REQUIRE_SERVICES is set (CI).
missing() {
  case "${ATSYNC_REQUIRE_SERVICES:-}" in
    1|true|TRUE|True) fail "$1 (ATSYNC_REQUIRE_SERVICES is set)" ;;
    *) skip "$1" ;;
  esac
}
section() { echo "deploy test: $1"; }

# --- helpers ---

# How a TCP port listens: "any" (0.0.0.0 or ::), "loopback" (127.0.0.1, ::1 or v4-mapped), "other", "none".
bound() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p="$hex" '
    FNR > 1 && $4 == "0A" {
      split($2, a, ":"); if (a[2] != p) next
      if (a[1] ~ /^0+$/) any = 1
      else if (a[1] == "0100007F" || a[1] == "00000000000000000000000001000000" || a[1] ~ /FFFF00000100007F$/) lo = 1
      else other = 1
    }
    END { print any ? "any" : lo ? "loopback" : other ? "other" : "none" }' /proc/net/tcp /proc/net/tcp6
}

free_port() {
  local p
  while :; do
    p=$((30000 + RANDOM % 25000))
    [ "$(bound "$p")" = none ] && { echo "$p"; return; }
  done
}

# The status code of one HTTP/1.0 request with an empty body (bash's /dev/tcp; no curl needed).
status_of() {
  local port=$1 method=$2 path=$3 line
  shift 3
  exec 4<>"/dev/tcp/127.0.0.1/$port" || { echo none; return; }
  {
    printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n' "$method" "$path"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    printf 'Content-Length: 0\r\n\r\n'
  } >&4
  IFS= read -r -t 10 line <&4 || line="none none"
  exec 4<&- 4>&-
  line=${line%$'\r'}
  set -- $line
  echo "${2:-none}"
}

healthy() { ATSYNC_INGEST_PORT=$1 "$deploy/healthcheck.sh" 2>/dev/null; }

await_healthy() {
  local port=$1 pid=$2 i
  for i in $(seq 1 600); do
    healthy "$port" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

await_exit() {
  local pid=$1 i
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# --- the jar ---
section "standalone jar $(basename "$jar")"
manifest="$(unzip -p "$jar" META-INF/MANIFEST.MF | tr -d '\r')"
field() { printf '%s\n' "$manifest" | sed -n "s/^$1: //p"; }
check "manifest Main-Class" test "$(field Main-Class)" = dev.atsync.cli.Atsync
check "manifest Implementation-Title" test "$(field Implementation-Title)" = atsync-cli
check "manifest Implementation-Version in the jar's name" \
  eval '[ -n "$(field Implementation-Version)" ] && [[ "$(basename "$jar")" == *"-$(field Implementation-Version)-"* ]]'
check "manifest Implementation-Vendor" test -n "$(field Implementation-Vendor)"
revision="$(field Build-Revision)"
check "manifest Build-Revision (a commit id or unknown)" eval '[[ "$revision" =~ ^([0-9a-f]{40}|unknown)$ ]]'
if [ -d "$root/.git" ] && head="$(git -C "$root" rev-parse HEAD 2>/dev/null)"; then
  check "Build-Revision is the checked-out commit" test "$revision" = "$head"
else
  skip "Build-Revision against git: $root/.git is not a clone's directory (a linked worktree, whose HEAD the plugin's JGit misreads, or no git)"
fi
entries="$(unzip -Z1 "$jar")"
for f in META-INF/LICENSE META-INF/LICENSE-MIT META-INF/LICENSE-APACHE META-INF/NOTICE META-INF/THIRD-PARTY.txt; do
  check "$f in the jar" grep -qx "$f" <<< "$entries"
done
check "META-INF/LICENSE-MIT is the repository's" cmp -s <(unzip -p "$jar" META-INF/LICENSE-MIT) "$root/LICENSE-MIT"
third_party="$(unzip -p "$jar" META-INF/THIRD-PARTY.txt)"
bundled="$(sed -n 's|^META-INF/maven/\([^/]*\)/\([^/]*\)/pom.properties$|\1:\2|p' <<< "$entries" | grep -v '^dev\.atsync:')"
grep -q '^io/nats/' <<< "$entries" && bundled+=$'\n'"io.nats:jnats"
grep -q '^org/bouncycastle/' <<< "$entries" && bundled+=$'\n'"org.bouncycastle:bcprov-jdk18on"
while read -r ga; do
  [ -n "$ga" ] && check "THIRD-PARTY.txt names bundled $ga" grep -qF "$ga" <<< "$third_party"
done <<< "$bundled"

# --- the image's layout, from the Dockerfile ---
# --- bin/atsync, the launcher in the repository ---
section "bin/atsync"
mkdir -p "$tmp/checkout/bin" "$tmp/checkout/atsync-cli/target"
cp "$root/bin/atsync" "$tmp/checkout/bin/"
check "bin/atsync without a built jar says how to build it (exit 2)" \
  eval '"$tmp/checkout/bin/atsync" --version 2>&1 >/dev/null | grep -q "mvn -B -q package"; [ "${PIPESTATUS[0]}" -eq 2 ]'
cp "$jar" "$tmp/checkout/atsync-cli/target/"
check "bin/atsync finds the built jar and runs it (--version names the manifest's revision)" \
  eval '"$tmp/checkout/bin/atsync" --version | grep -qF "atsync $(field Implementation-Version) (revision $(field Build-Revision))"'
check "bin/atsync passes the exit code through (a bad option: 2)" \
  eval '"$tmp/checkout/bin/atsync" serve --bogus 2>/dev/null; [ $? -eq 2 ]'

section "image layout (deploy/Dockerfile)"
dockerfile="$deploy/Dockerfile"
check "EXPOSE 2470 2471" grep -qx 'EXPOSE 2470 2471' "$dockerfile"
check "VOLUME /data" grep -qE '^VOLUME \["/data"\]$' "$dockerfile"
check "runs as a non-root user" eval 'u=$(sed -n "s/^USER //p" "$dockerfile"); [ -n "$u" ] && [[ "$u" != root* ]] && [[ "$u" != 0* ]]'
check "HEALTHCHECK runs healthcheck.sh" grep -q 'CMD \["/opt/atsync/healthcheck.sh"\]' "$dockerfile"
check "ENTRYPOINT is the entrypoint script" grep -qx 'ENTRYPOINT \["/opt/atsync/docker-entrypoint.sh"\]' "$dockerfile"
java_opts="$(sed -n 's/^ENV ATSYNC_JAVA_OPTS="\([^"]*\)".*/\1/p' "$dockerfile")"
check "container-aware heap and exit on OOM in ATSYNC_JAVA_OPTS" \
  eval '[[ "$java_opts" == *-XX:MaxRAMPercentage=* && "$java_opts" == *-XX:+ExitOnOutOfMemoryError* ]]'
for f in $(sed -n 's|^COPY --chmod=0755 \(.*\) /opt/atsync/$|\1|p' "$dockerfile"); do
  check "$f (copied into the image) is executable" test -x "$root/$f"
done
check "the JVM flags are valid for this java" eval '"$java" $java_opts -version > /dev/null 2>&1'
# the image's files where the image has them, under a temporary root
img="$tmp/image"
mkdir -p "$img/opt/atsync" "$img/run/secrets" "$img/data"
cp "$jar" "$img/opt/atsync/atsync.jar"
cp "$deploy/docker-entrypoint.sh" "$deploy/healthcheck.sh" "$img/opt/atsync/"
token="deploy-test-token-$RANDOM$RANDOM$RANDOM-0123456789"

# Starts the entrypoint as the image would, with the given extra environment; sets pid, pub, ing, log.
start() {
  pub=$(free_port)
  ing=$(free_port)
  while [ "$ing" = "$pub" ]; do ing=$(free_port); done
  log="$tmp/run-$pub.log"
  env ATSYNC_JAR="$img/opt/atsync/atsync.jar" ATSYNC_JAVA_OPTS="$java_opts" ATSYNC_PUBLIC_HOST=127.0.0.1 \
    ATSYNC_PUBLIC_PORT="$pub" ATSYNC_INGEST_PORT="$ing" ATSYNC_VERIFY=off "$@" \
    "$img/opt/atsync/docker-entrypoint.sh" > "$log" 2>&1 &
  pid=$!
  pids+=("$pid")
}

stop() {
  kill -TERM "$pid" 2>/dev/null
  await_exit "$pid"
}

# --- with the Docker secret ---
section "entrypoint with the secret /run/secrets/atsync_ingest_token (here under $img)"
printf '%s\n' "$token" > "$img/run/secrets/atsync_ingest_token"
chmod 0400 "$img/run/secrets/atsync_ingest_token"
start ATSYNC_SECRETS_DIR="$img/run/secrets" ATSYNC_DATA_DIR="$img/data"
if await_healthy "$ing" "$pid"; then
  ok "the server answers /health (healthcheck.sh exits 0)"
  check "the ingest listener binds the wildcard address (reachable on the compose network)" test "$(bound "$ing")" = any
  check "the subscribeRepos listener binds where told (127.0.0.1)" test "$(bound "$pub")" = loopback
  check "POST /events with the secret's token is authenticated (not 401)" \
    eval '[ "$(status_of "$ing" POST /events "Authorization: Bearer $token" "Content-Type: application/vnd.ipld.dag-cbor")" != 401 ]'
  check "POST /events with another token is 401" \
    test "$(status_of "$ing" POST /events "Authorization: Bearer not-the-token-0123456789" "Content-Type: application/vnd.ipld.dag-cbor")" = 401
  check "the JVM is the entrypoint's process (exec), so it gets SIGTERM" grep -q 'java' "/proc/$pid/comm"
  check "the token is not in the process's arguments" eval '! tr "\0" "\n" < "/proc/$pid/cmdline" | grep -qF "$token"'
  check "the token is not in the process's environment" eval '! tr "\0" "\n" < "/proc/$pid/environ" | grep -qF "$token"'
  check "the process's environment names the secret file" \
    eval 'tr "\0" "\n" < "/proc/$pid/environ" | grep -qx "ATSYNC_INGEST_TOKEN_FILE=$img/run/secrets/atsync_ingest_token"'
  check "no token was generated into /data" test ! -e "$img/data/ingest-token"
  check "the SQLite log is in /data" test -e "$img/data/events.db"
else
  fail "the server did not become healthy: $(tail -5 "$log")"
fi
check "SIGTERM stops it" stop
check "the token is not in the log" eval '! grep -qF "$token" "$log"'
check "the log says where the token came from" grep -q "ingest token from $img/run/secrets/atsync_ingest_token" "$log"

# --- with ATSYNC_INGEST_TOKEN_FILE ---
section "entrypoint with ATSYNC_INGEST_TOKEN_FILE"
printf '# rotation: the old and the new token\n%s\n%s-new\n' "$token" "$token" > "$tmp/tokens"
start ATSYNC_INGEST_TOKEN_FILE="$tmp/tokens" ATSYNC_DATA_DIR="$tmp/data2"
if await_healthy "$ing" "$pid"; then
  ok "the server answers /health"
  check "the ingest listener binds the wildcard address" test "$(bound "$ing")" = any
  check "the second token of the file is accepted" \
    eval '[ "$(status_of "$ing" POST /events "Authorization: Bearer $token-new" "Content-Type: application/vnd.ipld.dag-cbor")" != 401 ]'
else
  fail "the server did not become healthy: $(tail -5 "$log")"
fi
check "SIGTERM stops it" stop
check "the token is not in the log" eval '! grep -qF "$token" "$log"'

# --- without a token ---
section "entrypoint without a token"
start ATSYNC_SECRETS_DIR="$tmp/no-secrets" ATSYNC_DATA_DIR="$tmp/data3"
if await_healthy "$ing" "$pid"; then
  ok "the server answers /health"
  check "the ingest listener stays on loopback" test "$(bound "$ing")" = loopback
  check "the server generated an owner-only token into the data directory" \
    eval '[ "$(stat -c %a "$tmp/data3/ingest-token" 2>/dev/null)" = 600 ]'
  check "the generated token is not in the log" eval '! grep -qF "$(cat "$tmp/data3/ingest-token")" "$log"'
else
  fail "the server did not become healthy: $(tail -5 "$log")"
fi
check "SIGTERM stops it" stop
check "the log says why the ingest listener stays on loopback" grep -q "stays on 127.0.0.1" "$log"

# --- refusals (the JVM never starts) ---
section "entrypoint refusals"
refused() {
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  [ "$rc" = 2 ] && ! grep -qF "$token" <<< "$out"
}
check "--token on the command line is refused, the token not echoed" \
  refused env ATSYNC_JAR=/nonexistent "$img/opt/atsync/docker-entrypoint.sh" --token "$token"
check "--token=... is refused" refused env ATSYNC_JAR=/nonexistent "$img/opt/atsync/docker-entrypoint.sh" "--token=$token"
check "ATSYNC_INGEST_TOKEN is refused, the token not echoed" \
  refused env ATSYNC_JAR=/nonexistent ATSYNC_INGEST_TOKEN="$token" "$img/opt/atsync/docker-entrypoint.sh"
: > "$tmp/empty"
check "an empty token file is refused" \
  refused env ATSYNC_JAR=/nonexistent ATSYNC_INGEST_TOKEN_FILE="$tmp/empty" ATSYNC_DATA_DIR="$tmp/d4" "$img/opt/atsync/docker-entrypoint.sh"
check "a missing token file is refused" \
  refused env ATSYNC_JAR=/nonexistent ATSYNC_INGEST_TOKEN_FILE="$tmp/missing" ATSYNC_DATA_DIR="$tmp/d4" "$img/opt/atsync/docker-entrypoint.sh"
check "healthcheck.sh fails when nothing listens" eval '! healthy "$(free_port)"'

# --- compose.yaml and its Caddyfile ---
section "compose.yaml and Caddyfile"
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  check "docker compose config" env PDS_HOSTNAME=pds.example.com docker compose -f "$deploy/compose.yaml" config -q
else
  skip "docker compose config: no container engine here (the compose file is checked as YAML only)"
fi
python=""
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import yaml' 2>/dev/null; then python=$p; break; fi
done
if [ -n "$python" ]; then
  check "compose.yaml: caddy, two reference PDS instances and the inverter in pull mode, the token as a secret" \
    "$python" - "$deploy/compose.yaml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
s = c["services"]
assert set(s) == {"caddy", "pds1", "pds2", "atsync"}, s.keys()
assert s["pds1"]["image"].startswith("ghcr.io/bluesky-social/pds:") and s["pds2"]["image"] == s["pds1"]["image"]
a = s["atsync"]
assert a["build"]["dockerfile"] == "deploy/Dockerfile"
assert a["environment"]["ATSYNC_UPSTREAM"] == "ws://pds1:3000,ws://pds2:3000"
assert "atsync_ingest_token" in a["secrets"] and "atsync_ingest_token" in c["secrets"]
assert not any(k in ("ATSYNC_TOKEN", "ATSYNC_INGEST_TOKEN") for k in a["environment"]), "no token in the environment"
assert "ports" not in a, "the inverter is reached through caddy only"
assert any(v.endswith(":/data") for v in a["volumes"])
PY
else
  missing "compose.yaml structure: no python3 with PyYAML (Debian package python3-yaml)"
fi
if command -v caddy >/dev/null 2>&1; then
  adapted="$(PDS_HOSTNAME=pds.example.com caddy adapt --config "$deploy/Caddyfile" --adapter caddyfile 2>/dev/null)"
  flat="$(tr -d ' \n' <<< "$adapted")"
  has() { [[ "$flat" == *"$1"* ]]; }
  check "Caddyfile parses (caddy adapt)" test -n "$adapted"
  check "Caddyfile: subscribeRepos goes to the inverter" \
    has '"handle":[{"handler":"reverse_proxy","upstreams":[{"dial":"atsync:2470"}]}]}]}],"match":[{"path":["/xrpc/com.atproto.sync.subscribeRepos"]}]'
  check "Caddyfile: /events is closed to the internet" \
    has '"handle":[{"handler":"static_response","status_code":404}]}]}],"match":[{"path":["/events"]}]'
  check "Caddyfile: everything else goes to both PDS instances" has '"upstreams":[{"dial":"pds1:3000"},{"dial":"pds2:3000"}]'
else
  missing "Caddyfile: caddy is not installed"
fi

# --- the systemd unit ---
section "systemd unit"
if command -v systemd-analyze >/dev/null 2>&1; then
  check "systemd-analyze verify atsync.service" eval 'out=$(systemd-analyze verify "$deploy/systemd/atsync.service" 2>&1); [ -z "$out" ] || { echo "$out"; false; }'
else
  # allowed to be absent even in CI: the systemd package may not install in a container
  skip "systemd-analyze verify: systemd-analyze is not installed (Debian package systemd)"
fi
# The unit's SystemCallFilter=@system-service cannot be tried without systemd; instead, the system
# calls the server makes (start, SQLite, /health, a refused post, a subscriber, SIGTERM) are traced
# and must all be in that set.
if ! command -v strace >/dev/null 2>&1 || ! command -v systemd-analyze >/dev/null 2>&1; then
  skip "SystemCallFilter=@system-service against a trace of the server: strace or systemd-analyze is not installed"
elif ! strace -f -qq -o /dev/null true 2>/dev/null; then
  skip "SystemCallFilter=@system-service against a trace of the server: strace may not trace here (ptrace refused)"
else
  groups() { systemd-analyze syscall-filter "$1" | sed 's/^ *//' | grep -v '^#' | grep -v '^$'; }
  allowed="$( { groups @system-service; for g in $(groups @system-service | grep '^@'); do groups "$g"; done; } | grep -v '^@' | sort -u)"
  pub=$(free_port); ing=$(free_port)
  ( cd "$tmp" && exec env ATSYNC_DATA_DIR="$tmp/data5" ATSYNC_PUBLIC_HOST=127.0.0.1 ATSYNC_PUBLIC_PORT="$pub" \
      ATSYNC_INGEST_PORT="$ing" strace -f -qq -o "$tmp/trace" "$java" $java_opts -jar "$jar" serve > "$tmp/trace.log" 2>&1 ) &
  pid=$!
  pids+=("$pid")
  if await_healthy "$ing" "$pid"; then
    status_of "$ing" POST /events "Authorization: Bearer wrong-token-0123456789" > /dev/null
    status_of "$pub" GET "/xrpc/com.atproto.sync.subscribeRepos?cursor=0" "Connection: Upgrade" "Upgrade: websocket" \
      "Sec-WebSocket-Version: 13" "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==" > /dev/null
    # the JVM is strace's child (strace itself blocks fatal signals with -o)
    jvm="$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)"
    pids+=($jvm)
    kill -TERM $jvm 2>/dev/null
    await_exit "$pid" || kill -KILL $jvm "$pid" 2>/dev/null
    used="$(sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' "$tmp/trace" | sort -u)"
    outside="$(comm -23 <(printf '%s\n' "$used") <(printf '%s\n' "$allowed") | tr '\n' ' ')"
    check "every system call the server made is in @system-service ($(wc -l <<< "$used") distinct)" \
      eval '[ -z "$outside" ] || { echo "    outside: $outside"; false; }'
  else
    kill -KILL $(cat "/proc/$pid/task/$pid/children" 2>/dev/null) "$pid" 2>/dev/null
    fail "the traced server did not become healthy: $(tail -3 "$tmp/trace.log")"
  fi
fi
check "the unit does not set MemoryDenyWriteExecute (the JIT needs W+X memory)" \
  eval '! grep -q "^MemoryDenyWriteExecute" "$deploy/systemd/atsync.service"'
check "the env example holds no token" eval '! grep -qE "^ATSYNC_(INGEST_)?TOKEN=" "$deploy/systemd/atsync.env"'

echo "deploy test: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
