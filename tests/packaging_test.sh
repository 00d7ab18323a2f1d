#!/usr/bin/env bash
# tests/packaging_test.sh BUILD_DIR: the systemd units in packaging/systemd pass
# `systemd-analyze verify` (any warning fails), with the binaries pointed at BUILD_DIR, and the
# ExaBGP config `cdnctl bgp render` writes for a configured box passes `exabgp --test`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: $0 BUILD_DIR}
[[ $build = /* ]] || build=$root/$build
work=$(mktemp -d /tmp/cdn-packaging-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0

for unit in "$root"/packaging/systemd/*.service; do
  name=$(basename "$unit")
  sed -e "s#/usr/bin/cdn-healthd#$build/healthd/cdn-healthd#g" \
      -e "s#/usr/bin/cdnctl#$build/cli/cdnctl#g" \
      -e "s#/usr/bin/cdn-dnsd#$build/dns/cdn-dnsd#g" "$unit" > "$work/$name"
  out=$(cd "$work" && timeout 60 systemd-analyze verify "$work/$name" 2>&1) || true
  if [ -n "$out" ]; then
    echo "packaging: $name: $out"
    fail=1
  else
    echo "packaging: $name verifies"
  fi
done

ctl=("$build/cli/cdnctl" --db "$work/config.db" --run-dir "$work")
"${ctl[@]}" init >/dev/null
"${ctl[@]}" check add dnsd --kind dns --target 127.0.0.1:53 --qname example.com. --qtype SOA >/dev/null
"${ctl[@]}" service add dns --check dnsd >/dev/null
"${ctl[@]}" prefix add 203.0.113.53/32 --next-hop 192.0.2.2 --service dns --community 64510:1 >/dev/null
"${ctl[@]}" prefix add 2001:db8:53::/48 --next-hop 2001:db8::2 --service dns >/dev/null
"${ctl[@]}" set bgp.local_as 64510 >/dev/null
"${ctl[@]}" set bgp.router_id 192.0.2.2 >/dev/null
"${ctl[@]}" set bgp.local_address 192.0.2.2 >/dev/null
"${ctl[@]}" bgp neighbor add 192.0.2.1 --peer-as 64500 --md5 's3cret' >/dev/null
"${ctl[@]}" bgp render --bridge "$build/bgp/cdn-exabgp-bridge" --output "$work/exabgp.conf" >/dev/null
# shellcheck disable=SC2046  # the rendered environment is NAME=VALUE words
if out=$(env $("${ctl[@]}" bgp render --env) timeout 60 exabgp --test "$work/exabgp.conf" 2>&1); then
  echo "packaging: the rendered exabgp.conf passes exabgp --test"
else
  echo "packaging: exabgp --test refused the rendered config:"
  echo "$out" | tail -20
  cat "$work/exabgp.conf"
  fail=1
fi
exit $fail
