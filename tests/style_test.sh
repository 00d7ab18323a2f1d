#!/usr/bin/env bash
# tests/style_test.sh BUILD_DIR [all]: formatting and clang-tidy, as STYLE.md asks.
#   1. clang-format --dry-run --Werror on every tracked C++ file (a second or two).
#   2. clang-tidy (.clang-tidy, warnings are errors) on the C++ sources the last commit changed,
#      or on every source with `all` (make tidy: several minutes on 2 cores).
# Prints each file it checks, so a run that checks nothing says so.
set -u
build=${1:?usage: style_test.sh BUILD_DIR [all]}
scope=${2:-changed}
cd "$(dirname "$0")/.."
fail=0

mapfile -t cxx < <(git ls-files '*.h' '*.cc')
if ! clang-format --dry-run --Werror "${cxx[@]}"; then
  echo "style: clang-format drift (run \`make format\`)"
  fail=1
else
  echo "style: clang-format: ${#cxx[@]} files formatted"
fi

if [ "$scope" = all ]; then
  mapfile -t sources < <(git ls-files '*.cc' | grep -v '^tests/')
else
  mapfile -t sources < <(git diff --name-only --diff-filter=AM HEAD~1 HEAD -- '*.cc' 2>/dev/null |
                         grep -v '^tests/')
fi
if [ "${#sources[@]}" -eq 0 ]; then
  echo "style: clang-tidy: no C++ source changed in the last commit"
else
  echo "style: clang-tidy on ${#sources[@]} files: ${sources[*]}"
  if ! printf '%s\n' "${sources[@]}" |
       xargs -P "$(nproc)" -n 4 clang-tidy -p "$build" --quiet 2>/dev/null; then
    echo "style: clang-tidy found problems (above)"
    fail=1
  fi
fi
exit $fail
