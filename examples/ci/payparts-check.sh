#!/usr/bin/env bash
# Check a shop's exchange handler in CI: a fresh local sandbox, your shop, payparts check.
#
#   SHOP_COMMAND='php -S 127.0.0.1:8080 examples/php/router.php' \
#   SHOP_URL=http://127.0.0.1:8080 \
#   examples/ci/payparts-check.sh [more payparts check options]
#
# 1. starts `payparts sandbox` on a free loopback port with a database of its own, and
#    waits for its --ready-file (never a fixed sleep);
# 2. starts SHOP_COMMAND with the sandbox in its environment: PAYPARTS_ENV=sandbox,
#    PAYPARTS_BASE_URL, and the sandbox's published demo sales location in
#    PAYPARTS_SL_CODE / PAYPARTS_SECRET (a sandbox-only secret, never a real one);
#    PAYPARTS_CHECK_WORK is a scratch directory for the shop's data;
# 3. waits until SHOP_URL accepts connections, then runs
#    `payparts check --base-url SANDBOX --shop-url SHOP_URL --junit REPORT "$@"`;
# 4. stops the shop and the sandbox, whatever happened.
#
# The exit code is payparts check's: 0 every scenario passed or was skipped, 1 one failed,
# 2 it could not run (this script uses 2 too when the sandbox or the shop did not start).
#
# Settings (environment):
#   SHOP_URL       required: your shop's base URL (POST /checkout, GET /orders/{reference},
#                  see docs/reference-shop.md; without those routes pass --group to check
#                  only the API)
#   SHOP_COMMAND   how to start the shop; leave it empty when the shop is already running
#   EXCHANGE_URL   where the shop takes exchange calls (default SHOP_URL/exchange)
#   REPORT         the JUnit XML file (default payparts-check.xml)
#   PAYPARTS       the payparts command (default: payparts on PATH)
#   WAIT_SECONDS   how long the sandbox and the shop may take to start (default 60)
set -euo pipefail

: "${SHOP_URL:?set SHOP_URL to the base URL of your shop, e.g. http://127.0.0.1:8080}"
PAYPARTS=${PAYPARTS:-payparts}
REPORT=${REPORT:-payparts-check.xml}
WAIT_SECONDS=${WAIT_SECONDS:-60}
SHOP_URL=${SHOP_URL%/}

work=$(mktemp -d "${TMPDIR:-/tmp}/payparts-check.XXXXXX")
sandbox_pid="" shop_pid=""

stop() {
  # The shop runs in a process group of its own (php -S forks workers): stop all of it.
  if [ -n "$shop_pid" ]; then kill -TERM -- "-$shop_pid" 2>/dev/null || kill -TERM "$shop_pid" 2>/dev/null || true; fi
  if [ -n "$sandbox_pid" ]; then kill -TERM "$sandbox_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop EXIT

cannot_run() {  # the reason, the last lines of a log, exit 2
  echo "payparts-check: $1" >&2
  if [ -n "${2:-}" ] && [ -s "$2" ]; then tail -n 20 "$2" | sed 's/^/  | /' >&2; fi
  exit 2
}

# Wait until "$@" succeeds, while process $pid lives, for at most WAIT_SECONDS.
wait_until() {
  local what=$1 pid=$2 log=$3; shift 3
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@"; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then cannot_run "$what exited before it was ready" "$log"; fi
    if [ "$SECONDS" -ge "$deadline" ]; then cannot_run "$what was not ready after ${WAIT_SECONDS}s" "$log"; fi
    sleep 0.1
  done
}

accepts_connections() {  # any HTTP answer will do, a 404 too; curl exits 7 when refused
  curl --silent --output /dev/null --max-time 5 "$SHOP_URL/"
}

command -v "$PAYPARTS" >/dev/null || cannot_run "no '$PAYPARTS' command: install the core (pip install payparts-helpers) or set PAYPARTS"

"$PAYPARTS" sandbox --port 0 --db "$work/sandbox.sqlite3" --ready-file "$work/sandbox.url" \
  >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
wait_until "the sandbox" "$sandbox_pid" "$work/sandbox.log" test -s "$work/sandbox.url"
sandbox_url=$(head -n 1 "$work/sandbox.url")
echo "payparts-check: sandbox at $sandbox_url" >&2

if [ -n "${SHOP_COMMAND:-}" ]; then
  mkdir -p "$work/shop"
  # The sandbox's published demo sales location (docs/sandbox.md): valid nowhere else.
  PAYPARTS_ENV=sandbox PAYPARTS_BASE_URL="$sandbox_url" \
    PAYPARTS_SL_CODE=SL-1234-4321 PAYPARTS_SECRET=your-secret-key \
    PAYPARTS_CHECK_WORK="$work/shop" PAYPARTS_SHOP_DATA="$work/shop" \
    setsid bash -c "$SHOP_COMMAND" >"$work/shop.log" 2>&1 &
  shop_pid=$!
fi
wait_until "the shop ($SHOP_URL)" "$shop_pid" "$work/shop.log" accepts_connections
echo "payparts-check: shop at $SHOP_URL" >&2

set +e
"$PAYPARTS" check --base-url "$sandbox_url" --shop-url "$SHOP_URL" \
  ${EXCHANGE_URL:+--exchange-url "$EXCHANGE_URL"} --junit "$REPORT" "$@"
status=$?
set -e
if [ "$status" -ne 0 ] && [ -s "$work/shop.log" ]; then
  echo "payparts-check: the shop's log (last lines):" >&2
  tail -n 20 "$work/shop.log" | sed 's/^/  | /' >&2
fi
exit "$status"
