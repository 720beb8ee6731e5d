#!/bin/sh
# Firefox for Playwright's moz-firefox channel: Debian's Firefox ESR
# ($FIREFOX_PATH, default /usr/bin/firefox-esr) behind the BiDi shim that
# bridges what ESR lacks (tests/support/firefox-bidi-shim.ts, docs/testing.md).
here=$(dirname "$(readlink -f "$0")")
cd "$here" && exec node --import tsx ./firefox-bidi-shim.ts "${FIREFOX_PATH:-/usr/bin/firefox-esr}" "$@"
