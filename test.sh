#!/usr/bin/env bash
# Installs what the tests need, builds, runs every test project, and ends with one line
# "N passed, N failed, N skipped". Exit code 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

./scripts/install-deps.sh || { echo "test.sh: installing dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

results="$(pwd)/.artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Timonel.slnx -c Release -nologo -v quiet; then
  echo "test.sh: build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0 failed=0 skipped=0
for project in tests/*/*.csproj; do
  name="$(basename "$project" .csproj)"
  # Helper programs that tests start (e.g. Timonel.Storage.CrashWriter) are not test projects.
  grep -q '<IsTestProject>true</IsTestProject>' "$project" || continue
  echo "=== $name"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" 2>&1 | grep -vE '^\s*$'
  trx="$results/$name.trx"
  if [[ ! -f "$trx" ]]; then
    echo "test.sh: $name produced no results (crashed?)"
    failed=$((failed + 1))
    continue
  fi
  counters="$(grep -o '<Counters [^>]*>' "$trx")"
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  p="$(get passed)" f="$(get failed)" t="$(get total)" e="$(get executed)"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  skipped=$((skipped + ${t:-0} - ${e:-0}))
  if [[ "$(get error)" != "0" && -n "$(get error)" ]]; then
    failed=$((failed + $(get error)))
  fi
done

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[[ $failed -eq 0 ]]
