#!/usr/bin/env bash
# packaging/deps.sh: the one list of Debian 12 packages cdn-appliance needs.
#
#   packaging/deps.sh [build|test|bench|lab|all]   (default: test)
#
# `lab` is the BGP lab (make bird-lab, also part of make test): BIRD 2 as the upstream router,
# ExaBGP in each PoP.
#
# Installs only what is missing, quietly; runs `apt-get update` only when something is missing.
# Daemons pulled in as test peers (knot, nsd, gdnsd, pdns, bird, exabgp) must not start their system
# services: on a user's machine they would take port 53 (or 179), so a policy-rc.d refuses every
# start during the install.
set -euo pipefail

build=(build-essential cmake ninja-build pkg-config
       libldns-dev libmaxminddb-dev libboost-dev libssl-dev libsqlite3-dev sqlite3
       libcli11-dev doctest-dev nlohmann-json3-dev)
test=(knot-dnsutils dnsperf knot clang clang-format clang-tidy libclang-rt-14-dev llvm iproute2 procps python3
      libmaxmind-db-writer-perl systemd)
bench=(nsd gdnsd valgrind util-linux knot-module-geoip
       pdns-server pdns-backend-bind pdns-backend-geoip)
lab=(bird2 exabgp iproute2 knot-dnsutils)

case "${1:-test}" in
  build) want=("${build[@]}") ;;
  test | lab) want=("${build[@]}" "${test[@]}" "${lab[@]}") ;;
  bench | all) want=("${build[@]}" "${test[@]}" "${lab[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [build|test|bench|lab|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
policy=/usr/sbin/policy-rc.d
placed=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  placed=1
fi
cleanup() { [ "$placed" -eq 1 ] && $sudo rm -f "$policy"; return 0; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The peers' packaged services stay off; the benchmark and tests run them in the foreground.
for svc in knot nsd gdnsd pdns bird exabgp; do
  if command -v systemctl >/dev/null && systemctl is-enabled "$svc" >/dev/null 2>&1; then
    $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
  fi
done
