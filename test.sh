#!/usr/bin/env bash
# Installs what the tests need, builds, runs every test project, and ends with one line
# "N passed, N failed, N skipped". Exit code 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

./scripts/install-deps.sh || { echo "test.sh: installing dependencies failed"; echo "0 passed, 1 failed"; exit 1; }

results="$(pwd)/.artifacts/test-results"

# Prints "FAILED <test name>" and the first lines of its message for each failed test of a trx file.
failed_tests() {
  awk '
    /<UnitTestResult / && /outcome="Failed"/ {
      match($0, /testName="[^"]*"/); print "FAILED " substr($0, RSTART + 10, RLENGTH - 11); want = 1
    }
    want && /<Message>/ { sub(/.*<Message>/, ""); inmsg = 1; n = 0 }
    inmsg {
      done = sub(/<\/Message>.*/, "")
      if (n < 4) print "    " $0; n++
      if (done) { inmsg = 0; want = 0 }
    }
  ' "$1"
}
rm -rf "$results"
mkdir -p "$results"

if ! dotnet build Timonel.slnx -c Release -nologo -v quiet; then
  echo "test.sh: build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

passed=0 failed=0 skipped=0
failures=()
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
  while IFS= read -r line; do failures+=("$line"); done < <(failed_tests "$trx")
done

# The names of the failed tests and the start of their messages, again at the end, so that a
# log cut to its last lines still says what failed.
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "=== failed tests"
  printf '%s\n' "${failures[@]}"
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[[ $failed -eq 0 ]]
