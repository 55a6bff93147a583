#!/usr/bin/env bash
# Installs the Debian packages Tugboat's tests and demo need, when missing.
# Idempotent: does nothing when everything is there. Run as root.
set -euo pipefail

declare -A wanted=(
  [docker.io]=dockerd
  [docker-compose]=docker-compose
  [docker-registry]=docker-registry
  [git]=git
  [iproute2]=ip
  [busybox-static]=/bin/busybox
  [postgresql]=postgres
  [chromium]=/usr/bin/chromium
  [age]=age
  [ansible]=ansible-playbook
)
missing=()
for pkg in "${!wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run this script as root to install them" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
