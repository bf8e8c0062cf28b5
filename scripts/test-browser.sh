#!/bin/sh
# The browser tests drive a real Chromium. This makes sure one is there: Debian's `chromium` package, installed when it
# is missing and this is root with apt. Anywhere else it does nothing, and the browser tests skip with a message.
CHROMIUM="${XPLAN_TEST_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test-browser: $CHROMIUM is missing; installing Debian's chromium for the browser tests" >&2
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
    exit 0
  fi
  echo "test-browser: installing chromium failed; the browser tests will be skipped" >&2
else
  echo "test-browser: $CHROMIUM is missing and only root with apt can install it here; the browser tests will be skipped" >&2
fi
exit 0
