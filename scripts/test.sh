#!/usr/bin/env bash
# Runs the whole test suite (every test project in Stoke.slnx) and ends with one line:
#   tests: N passed, M failed[, K skipped]
# Exits non-zero when anything fails or does not build.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
dotnet build Stoke.slnx -c Release --nologo -v quiet 2>&1 | tail -n 30
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then
  echo "build failed"
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

# One project at a time: the suites start real servers and models, and CI has two cores.
dotnet test Stoke.slnx -c Release --no-build --nologo -m:1 -- RunConfiguration.TreatNoTestsAsError=false 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
done < <(grep -E '^(Passed|Failed)!' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/')
rm -f "$log"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # a test host crashed or a project failed without a summary line
fi

line="tests: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
