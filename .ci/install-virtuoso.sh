#!/usr/bin/env bash
# Install OpenLink Virtuoso (Debian package `virtuoso-opensource`) for the `mdo publish` tests,
# non-interactively and idempotently. The tests start their own throw-away instance (own ini,
# own database folder, free loopback ports); the system service is neither needed nor started.
set -euo pipefail

if command -v virtuoso-t >/dev/null 2>&1; then
  exit 0  # already installed
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-virtuoso: no apt-get on this machine; the publish tests will be skipped" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# The package asks for a DBA password (debconf). Preseed it blank: the system daemon then stays
# disabled, which is what we want (the tests never use it).
printf '%s\n' \
  "virtuoso-opensource-7 virtuoso-opensource-7/dba-password password" \
  "virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password" \
  | $SUDO debconf-set-selections

# Keep the postinst from starting the system service, unless a policy already forbids it
# (Docker images ship /usr/sbin/policy-rc.d with `exit 101`).
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi

$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  virtuoso-opensource >/dev/null
command -v virtuoso-t >/dev/null
echo "install-virtuoso: $(virtuoso-t -? 2>&1 | head -n 1 || true)"
