#!/usr/bin/env bash
# etc/demo/run.sh BUILD_DIR: the appliance demo on loopback, in the foreground (make run).
# A fresh config database under $DEMO_DIR (default /tmp/cdn-demo), the demo zone imported with
# cdnctl, cdn-dnsd in appliance mode on 127.0.0.1:5300, and cdn-healthd checking it and
# planning the anycast route 192.0.2.53/32 (no BGP router on loopback: the BIRD lab,
# make bird-lab, shows the routes reaching one). Ctrl-C stops both.
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
demo=${DEMO_DIR:-/tmp/cdn-demo}
port=${DEMO_PORT:-5300}
cdnctl="$build/cli/cdnctl"
dnsd="$build/dns/cdn-dnsd"
healthd="$build/healthd/cdn-healthd"

rm -rf "$demo"
mkdir -p "$demo/run"
export CDN_DB="$demo/config.db" CDN_RUN_DIR="$demo/run"
"$cdnctl" init >/dev/null
"$cdnctl" zone import cdn.example "$here/cdn.example.zone" >/dev/null
"$cdnctl" set dns.listen "127.0.0.1:$port,[::1]:$port" >/dev/null
"$cdnctl" set dns.nsid demo-pop1 >/dev/null
"$cdnctl" set dns.metrics 127.0.0.1:9531 >/dev/null

# Steering: three edges, a pool, a steered name, and a small MaxMind DB with three regions
# (10.1/16 Frankfurt, 10.2/16 New York, 10.3/16 Tokyo) written for the demo.
perl "$here/../../tests/integration/geo_regions.pl" "$demo/regions.mmdb"
"$cdnctl" geoip set "$demo/regions.mmdb" >/dev/null
"$cdnctl" edge add fra --lat 50.1 --lon 8.7 --ipv4 192.0.2.101 --ipv6 2001:db8::101 --site fra >/dev/null
"$cdnctl" edge add nyc --lat 40.7 --lon -74.0 --ipv4 192.0.2.102 --ipv6 2001:db8::102 --site nyc >/dev/null
"$cdnctl" edge add tyo --lat 35.7 --lon 139.7 --ipv4 192.0.2.103 --ipv6 2001:db8::103 --site tyo >/dev/null
"$cdnctl" pool add web --edges fra,nyc,tyo --answers 1 --ttl 30 >/dev/null
"$cdnctl" steer add edge.cdn.example --pool web >/dev/null

# Health: cdn-dnsd checked every second; the anycast prefix is announced while it answers.
"$cdnctl" check add dnsd --kind dns --target "127.0.0.1:$port" --qname cdn.example. --qtype SOA \
  --interval 1 --timeout 0.5 --rise 2 --fall 2 >/dev/null
"$cdnctl" service add dns --check dnsd >/dev/null
"$cdnctl" prefix add 192.0.2.53/32 --next-hop 192.0.2.1 --service dns >/dev/null
"$cdnctl" set bgp.local_as 64510 >/dev/null
"$cdnctl" set bgp.router_id 192.0.2.1 >/dev/null
"$cdnctl" set bgp.local_address 192.0.2.1 >/dev/null
"$cdnctl" bgp neighbor add 192.0.2.254 --peer-as 64500 >/dev/null

cat <<TXT
cdn-appliance demo: cdn-dnsd on 127.0.0.1:$port and [::1]:$port, config in $CDN_DB
Try, in another terminal:
  kdig @127.0.0.1 -p $port www.cdn.example A
  kdig @127.0.0.1 -p $port +nsid +subnet=198.51.100.0/24 www.cdn.example AAAA
  kdig @127.0.0.1 -p $port +subnet=10.1.2.0/24 edge.cdn.example A   # steered: Frankfurt edge, scope /16
  kdig @127.0.0.1 -p $port +subnet=10.3.7.0/24 edge.cdn.example A   # steered: Tokyo edge
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl edge set-state fra drain && CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl apply
  kdig @127.0.0.1 -p $port foo.img.cdn.example A        # wildcard
  kdig @127.0.0.1 -p $port static.cdn.example A         # CNAME inside the zone
  kdig @127.0.0.1 -p $port host.partner.cdn.example A   # referral with glue
  kdig @127.0.0.1 -p $port +tcp nothere.cdn.example A   # NXDOMAIN over TCP
  curl -s http://127.0.0.1:9531/metrics                  # cdn-dnsd
  curl -s http://127.0.0.1:9532/metrics                  # cdn-healthd
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl zone show cdn.example
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl record add cdn.example "new 300 IN A 192.0.2.99"
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl apply && kdig @127.0.0.1 -p $port new.cdn.example
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl status
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl health
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl bgp status      # desired routes, why
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl drain --all --graceful 30
  CDN_DB=$CDN_DB CDN_RUN_DIR=$CDN_RUN_DIR $cdnctl bgp render      # ExaBGP's config
Ctrl-C stops the demo.
TXT
# The demo's edges are documentation addresses nobody serves: healthd's edge monitor would mark
# them all down, so it does not push edge states here (--dnsd-control "").
"$healthd" --db "$CDN_DB" --control "$CDN_RUN_DIR/healthd.sock" --dnsd-control "" \
  --foreground &
healthd_pid=$!
trap 'kill "$healthd_pid" 2>/dev/null; wait "$healthd_pid" 2>/dev/null' EXIT
"$dnsd" --db "$CDN_DB" --control "$CDN_RUN_DIR/dnsd.sock" --foreground
