#!/usr/bin/env bash
# tests/layout_test.sh: every #include points the way STYLE.md allows.
#   common -> nothing of the programs; dns/wire -> common; dns/zone -> wire; dns/server -> dns/*;
#   healthd, bgp, edge: common only; cli: common, dns/zone, dns/steer, bgp; nobody -> tests/.
# Third-party headers stay in the files that wrap them.
set -u
cd "$(dirname "$0")/.."
fail=0
check() {  # check FOLDER ALLOWED-REGEX
  local folder=$1 allowed=$2
  [ -d "$folder" ] || return 0
  while IFS=: read -r file line include; do
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$include")
    if ! grep -qE "^($allowed)" <<<"$target"; then
      echo "layout: $file:$line includes $target (not allowed from $folder/)"
      fail=1
    fi
  done < <(grep -rnE '^#include "' "$folder" --include='*.h' --include='*.cc' | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
}
third_party() {  # third_party HEADER-REGEX ALLOWED-FILES-REGEX
  local header=$1 files=$2
  while IFS=: read -r file _; do
    grep -qE "$files" <<<"$file" || { echo "layout: $file includes <$header> (only $files may)"; fail=1; }
  done < <(grep -rlE "^#include <$header" common dns cli healthd bgp edge 2>/dev/null | sed 's/$/:/')
}
check common 'common/'
check dns/wire 'common/|dns/wire/'
check dns/zone 'common/|dns/wire/|dns/zone/'
check dns/steer 'common/|dns/wire/|dns/zone/|dns/steer/'
check dns/server 'common/|dns/'
check healthd 'common/|healthd/'
check bgp 'common/|bgp/'
check edge 'common/|edge/'
check cli 'common/|cli/|dns/zone/|dns/steer/|bgp/'
third_party 'ldns/' '^(dns/zone/rdata\.cc|healthd/check/dns\.cc)$'
third_party 'sqlite3\.h' '^common/store/([a-z_]+\.cc|sqlite\.h)$'
third_party 'maxminddb\.h' '^dns/steer/geoip\.cc$'
third_party 'boost/' '^(dns/server/tcp\.cc|healthd/|bgp/|edge/)'
third_party 'CLI/' '^(cli/|common/daemon_cli\.h|dns/main\.cc|healthd/main\.cc|bgp/main\.cc|edge/main\.cc)'
# common/daemon_cli.h brings CLI11 with it: only a daemon's main.cc includes it.
while IFS=: read -r file _; do
  grep -qE '^(dns|healthd|bgp|edge)/main\.cc$' <<<"$file" ||
    { echo "layout: $file includes common/daemon_cli.h (only a daemon's main.cc may)"; fail=1; }
done < <(grep -rl '^#include "common/daemon_cli.h"' common dns cli healthd bgp edge 2>/dev/null | sed 's/$/:/')
if [ $fail -eq 0 ]; then echo "layout: every include points an allowed way"; fi
exit $fail
