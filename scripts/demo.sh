#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Command 1 of README.md: install, build, start a demo server, sync a demo store with it and
# open Housecall on it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build

store="${HOUSECALL_STORE:-${XDG_DATA_HOME:-$HOME/.local/share}/housecall/demo-store}"
# The store is encrypted; the demo's passphrase (the GUI reads it from the environment until
# its unlock screen lands).
export HOUSECALL_PASSPHRASE="${HOUSECALL_PASSPHRASE:-demo passphrase}"

# A local housecall-server with the demo panel, over HTTPS with a development CA, on a fixed
# address: the demo store is logged in to it (a store belongs to one server).
server_dir="$(dirname "$store")/demo-server"
port="${HOUSECALL_DEMO_PORT:-8443}"
if [ ! -f "$server_dir/server.db" ]; then
  mkdir -p "$server_dir"
  build/server/housecall-server dev-cert --out "$server_dir/certs" >/dev/null
  build/server/housecall-server init-db --db "$server_dir/server.db" >/dev/null
  HOUSECALL_PASSWORD="demo password" build/server/housecall-server user add demo \
    --role physician --db "$server_dir/server.db" >/dev/null
  build/app/housecall-cli demo-data --patients 200 --seed 1 --out "$server_dir/panel.ndjson"
  build/server/housecall-server import "$server_dir/panel.ndjson" --db "$server_dir/server.db"
fi
coproc SERVER { exec build/server/housecall-server serve --db "$server_dir/server.db" \
  --listen "127.0.0.1:$port" --tls-cert "$server_dir/certs/server.pem" \
  --tls-key "$server_dir/certs/server-key.pem" 2>/dev/null; }
trap 'kill $SERVER_PID 2>/dev/null' EXIT
read -r line <&"${SERVER[0]}"
url="${line#listening on }"
echo "housecall-server: $url (user demo, password 'demo password', CA $server_dir/certs/ca.pem)"
echo "  try: curl --cacert $server_dir/certs/ca.pem $url/fhir/metadata"

# The demo store: logged in to the server and synced (the first time that fetches the panel).
if [ -z "$(build/app/housecall-cli --store "$store" --json status 2>/dev/null | grep -o '"last_sync":"[^"]*"')" ]; then
  echo "Logging the demo store $store in to $url"
  HOUSECALL_PASSWORD="demo password" build/app/housecall-cli --store "$store" login "$url" \
    --user demo --ca-file "$server_dir/certs/ca.pem"
fi
build/app/housecall-cli --store "$store" sync
build/app/housecall-cli --store "$store" status
echo "  sync again: build/app/housecall-cli --store $store sync"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  build/app/housecall --store "$store"
  exit 0
fi

# No display (a server or a container): show it on a virtual one and keep a screenshot.
shot="$PWD/build/demo-screenshot.png"
echo "No display here; running Housecall on a virtual screen and saving $shot"
xvfb-run -a -s "-screen 0 1366x768x24" dbus-run-session -- sh -c "
  build/app/housecall --store '$store' & pid=\$!
  sleep 5; import -window root '$shot'; kill \$pid"
echo "Screenshot: $shot"
