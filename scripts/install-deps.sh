#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages Housecall builds, runs and tests with. Needs root (or sudo).
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc gettext
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev
  libsqlite3-dev libgnutls28-dev gnutls-bin libsecret-1-dev libpq-dev
  # run
  glib-networking
  # test
  desktop-file-utils appstream-util appstream xvfb xauth dbus-x11 at-spi2-core
  python3-dogtail imagemagick util-linux postgresql
  # the visit summary and prescription PDFs are checked as text
  poppler-utils
  # sync tests skew a client's clock
  faketime
  # a failing end-to-end step prints the stacks of an app that still runs
  gdb
)
# the FHIR schema cross-check runs on Node.js
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
