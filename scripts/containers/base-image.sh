#!/usr/bin/env bash
# A local stand-in for the Dockerfile's base image (node:20-bookworm-slim), for machines that can reach
# Debian's packages but no image registry (CI here). Debian bookworm from debootstrap, this machine's Node
# (with its headers) and npm in /usr/local as the official image has them, and its `node` user (uid 1000). Does nothing when
# an image of that name is already there.
set -euo pipefail
IMAGE=docker.io/library/node:20-bookworm-slim
podman() { command podman --runtime runc "$@"; }

if podman image exists "$IMAGE"; then
  echo "base image $IMAGE is present"
  exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}" >/dev/null
install -D -m 0755 "$(command -v node)" "$root/usr/local/bin/node"
# The official image ships Node's headers under /usr/local/include/node, for native addons.
mkdir -p "$root/usr/local/include"
headers="$(dirname "$(dirname "$(command -v node)")")/include/node"
[ -d "$headers" ] || headers=/usr/include/node
cp -a "$headers" "$root/usr/local/include/node"
npm_root="$(npm root -g)/npm"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_root" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import --change 'CMD ["node"]' - "$IMAGE" >/dev/null
echo "made $IMAGE from Debian bookworm and $(node --version)"
