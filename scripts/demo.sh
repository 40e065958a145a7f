#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Command 1 of README.md: install, build, create a demo store and open Housecall on it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build

store="${HOUSECALL_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/housecall/demo-store}"
if [ ! -f "$store/housecall.db" ]; then
  echo "Creating a demo store with 200 patients in $store"
  build/app/housecall-cli --store "$store" init
  build/app/housecall-cli --store "$store" demo-data --patients 200 --seed 1
fi
build/app/housecall-cli --store "$store" status

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/app/housecall --store "$store"
fi

# No display (a server or a container): show it on a virtual one and keep a screenshot.
shot="$PWD/build/demo-screenshot.png"
echo "No display here; running Housecall on a virtual screen and saving $shot"
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- sh -c "
  build/app/housecall --store '$store' & pid=\$!
  sleep 5; import -window root '$shot'; kill \$pid"
echo "Screenshot: $shot"
