#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET]: runs every fuzz target (or one) for SECONDS
# ($CDN_SMOKE_SECONDS overrides) on its corpus
# (tests/fuzz/corpus/<name>, grown in a scratch copy so runs leave the tree clean).
# Fails on the first crash, leak or timeout, leaving the reproducer in the scratch folder.
set -euo pipefail
build=${1:?build dir}
seconds=${CDN_SMOKE_SECONDS:-${2:-30}}
only=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d /tmp/cdn-fuzz.XXXXXX)
status=0
passed=0
failed=0
if [ -n "$only" ] && [ ! -x "$build/tests/fuzz/fuzz_$only" ]; then
  echo "fuzz: $build/tests/fuzz/fuzz_$only is not built (make fuzz-build)"
  exit 1
fi
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=${bin##*/fuzz_}
  [ -z "$only" ] || [ "$name" = "$only" ] || continue
  mkdir -p "$scratch/$name"
  cp -r "$here/corpus/$name/." "$scratch/$name/" 2>/dev/null || true
  echo "fuzz: $name for ${seconds}s"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/$name-" "$scratch/$name" >"$scratch/$name.log" 2>&1; then
    grep -E '^stat::number_of_executed_units' "$scratch/$name.log" | sed "s/^/fuzz: $name /" || true
    passed=$((passed + 1))
  else
    echo "fuzz: $name FAILED; log and reproducer in $scratch"
    tail -n 40 "$scratch/$name.log"
    failed=$((failed + 1))
    status=1
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ $status -eq 0 ] && rm -rf "$scratch"
exit $status
