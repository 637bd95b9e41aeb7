#!/bin/sh
# Installs the Debian 12 packages that building, testing, the demo and lint
# need.  With --if-missing it does nothing when everything is present, and
# when something is missing and we are not root it prints the exact command.
set -eu
PKGS="build-essential pkg-config libevent-dev libcurl4-openssl-dev libwebsockets-dev
libsodium-dev libyaml-dev libjansson-dev libncurses-dev libcmocka-dev
python3 python3-jsonschema curl mandoc tmux valgrind clang libclang-rt-14-dev procps
libsystemd-dev libsqlite3-dev jq"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -z "$missing" ]; then
  [ "${1:-}" = "--if-missing" ] || echo "deps: all packages already installed"
  exit 0
fi

echo "deps: missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
  echo "deps: run as root:  apt-get update && apt-get install -y$missing"
  echo "deps: (or: sudo make deps)"
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends $missing
