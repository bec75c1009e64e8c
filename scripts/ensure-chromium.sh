#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with playwright-core (playwright's own browser download is
# not reachable from here). Installs it when missing; a no-op otherwise.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "browser tests: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = "0" ] || SUDO="sudo"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
