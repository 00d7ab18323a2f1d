#!/usr/bin/env bash
# tests/bird-lab/run.sh BUILD_DIR [lab.py options]: the BGP lab (make bird-lab). Needs root.
# The whole run is bounded: SIGTERM after LAB_TIMEOUT seconds (lab.py then tears everything
# down), SIGKILL 20 s later. KEEP=1 keeps the temp dir with configs and logs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build_dir="${1:?usage: $0 BUILD_DIR [lab.py options]}"
shift
extra=()
[ "${KEEP:-0}" = 1 ] && extra+=(--keep)
exec timeout -k 20 "${LAB_TIMEOUT:-180}" /usr/bin/python3 "$here/lab.py" \
  --build-dir "$build_dir" "${extra[@]}" "$@"
