#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The end-to-end visit test: a real housecall-server over HTTPS on loopback, a real store, the
# real app under Xvfb, driven through the accessibility tree (AT-SPI, python3-dogtail).
# Usage: run-e2e.sh BUILD_DIR SOURCE_DIR [SCRIPT]   (SCRIPT: test_visit.py unless given)
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
export HC_E2E_SCRIPT="${3:-test_visit.py}"
work=$(mktemp -d "${TMPDIR:-/tmp}/hc-e2e.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HC_E2E_BUILD="$build" HC_E2E_SRC="$src" HC_E2E_WORK="$work"
# dogtail and gsettings need a real settings backend that the app shares
export GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" \
       XDG_CACHE_HOME="$work/cache" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset GTK_A11Y NO_AT_BRIDGE HOUSECALL_PASSPHRASE
# fatal warnings stay on for the app (test_visit.py hands them on), not for dogtail's own
# AT-SPI client, which warns about objects that vanish while it walks the tree
export HC_E2E_APP_G_DEBUG="${G_DEBUG:-}"
unset G_DEBUG
# Under AddressSanitizer (scripts/test.sh sets ASAN_OPTIONS for that build) the app keeps the
# fast stack unwinder, like the widget tests: the exact one makes GTK fifty times slower. The
# app ends by SIGTERM, so there is no leak report to read; the widget tests check leaks.
if [ -n "${ASAN_OPTIONS:-}" ]; then
  export ASAN_OPTIONS="abort_on_error=1:detect_leaks=0:fast_unwind_on_malloc=1"
  export HC_E2E_TIMEOUT_SCALE=4
fi
exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- sh -c '
  gsettings set org.gnome.desktop.interface toolkit-accessibility true
  # only the test syncs the app (Ctrl+R, and after its edits): a periodic sync that pulled the
  # colleague'"'"'s edit before the physician'"'"'s own would leave nothing to conflict
  gsettings set org.housecall.Housecall sync-interval-minutes 1440
  /usr/libexec/at-spi-bus-launcher --launch-immediately >/dev/null 2>&1 &
  sleep 1
  exec /usr/bin/python3 "$HC_E2E_SRC/tests/e2e/$HC_E2E_SCRIPT"'
