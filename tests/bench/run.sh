#!/usr/bin/env bash
# tests/bench/run.sh: `make bench`: cdn-dnsd beside Knot, NSD, gdnsd and PowerDNS, one core each, on loopback.
#
#   tests/bench/run.sh [BUILD_DIR]      (default build/release; the server is BUILD_DIR/dns/cdn-dnsd)
#
# DOC: every server runs in the foreground on core 0 (`taskset -c 0`), one worker, its own
# 127.0.0.1 port, its own config and files under $W; the load runs on core 1. Before load each
# server must answer h04242.bench.example A (198.18.16.146) and x000000001.bench.example
# (NXDOMAIN); one that does not is reported, not benchmarked. Per server and case:
#   - qps, avg and p99 latency from qblast (closed loop, 1000 outstanding): median of ROUNDS x DUR s
#   - average latency from dnsperf at a fixed 20k qps, i.e. without queueing
#   - server CPU seconds per 100k answers (utime+stime of its process tree over the qblast rounds)
#   - RSS (VmRSS of its process tree) after the runs
# then the ratios of cdn-dnsd to each peer, user-space instructions per query under callgrind,
# and the load time and RSS of a 1M-record zone. tests/bench/README.md explains how to read it.
#
# The geo-ecs case runs each geo server a second time, steering cdn.bench.example over 6 edges
# (one per region of a MaxMind DB from geo_mmdb.pl) with 100k queries carrying a random ECS /24
# (geo_ecs.py): cdn-dnsd in appliance mode (a config DB made with cdnctl), gdnsd's plugin_geoip in
# city auto mode, Knot's mod-geoip keyed on the country (if knot-module-geoip is installed),
# PowerDNS's geoip backend (beside its bind backend) keyed on the country (%cc).
# Before and after load each must give every one of the 300 networks its region's edge
# (cdn-dnsd and PowerDNS also scope /16); one that does not is reported, not benchmarked. NSD and
# null have no geo. PowerDNS (pdns_server, bind backend) keeps its default packet and query caches.
# Every process started here is stopped by PID on exit; every wait has a bound.
#
# Environment (defaults in brackets):
#   SERVERS    servers to run         [cdn-dnsd knot nsd gdnsd powerdns null]   null = loopback ceiling
#   CASES      cases                  [static nxdomain geo-ecs]
#   ROUNDS     qblast rounds per case [3]      DUR   seconds per round and for dnsperf [10]
#   W          work dir, rewritten    [/tmp/cdn-bench]
#   QUICK=1    smoke run: 1 round x 3 s, no callgrind
#   CALLGRIND  0 skips instructions per query [1]    CG_QUERIES [20000] at CG_QPS [2000]
#   BIG        0 skips the 1M-record zone     [1]    BIG_KNOT   0 skips Knot for it [1]
#   RELOAD     0 skips the appliance-mode change costs with a 1M-record zone (reload_1m.py) [1]
#   PORT_BASE  first of 6 ports       [5460]   SERVER_CPU [0]   CLIENT_CPU [1]
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build/release}
[[ $build = /* ]] || build=$root/$build
dnsd=$build/dns/cdn-dnsd
cdnctl=$build/cli/cdnctl

SERVERS=${SERVERS:-cdn-dnsd knot nsd gdnsd powerdns null}
CASES=${CASES:-static nxdomain geo-ecs}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
W=${W:-/tmp/cdn-bench}
QUICK=${QUICK:-0}
CALLGRIND=${CALLGRIND:-1}
CG_QUERIES=${CG_QUERIES:-20000}
CG_QPS=${CG_QPS:-2000}
BIG=${BIG:-1}
RELOAD=${RELOAD:-1}
BIG_KNOT=${BIG_KNOT:-1}
PORT_BASE=${PORT_BASE:-5460}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
if [ "$QUICK" = 1 ]; then
  ROUNDS=1 DUR=3 CALLGRIND=0
fi
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || { echo "bench: ROUNDS must be 1..99" >&2; exit 2; }
[[ $DUR =~ ^[1-9][0-9]{0,2}$ ]] || { echo "bench: DUR must be 1..999 seconds" >&2; exit 2; }
case "$W" in /tmp/* | /var/tmp/* | "$HOME"/*) ;; *) echo "bench: W=$W: use a dir under /tmp" >&2; exit 2 ;; esac

readonly ZONE=bench.example
readonly KNOWN=h04242 KNOWN_IP=198.18.16.146 MISSING=x000000001
readonly BIG_KNOWN=b0424242 BIG_KNOWN_IP=10.6.121.50
readonly OUTSTANDING=1000 SOCKETS=8 LAT_QPS=20000
readonly GEO_NAME=cdn.$ZONE GEO_QUERIES=100000 GEO_SEED=42 GEO_CHECK_SEED=11 GEO_SCOPE=16
geo=0          # 1 while a server runs with its geo-ecs configuration
geo_data=""    # why the geo-ecs data could not be made, if so
hz=$(getconf CLK_TCK)
report=$W/report.txt

# ---------------------------------------------------------------------------- processes
started=()     # every PID this script launched in the background
spid=""        # the server running now
start_error=""

tree_pids() {  # PID and all its descendants
  local p
  echo "$1"
  for p in $(pgrep -P "$1" 2>/dev/null); do tree_pids "$p"; done
}

alive() { kill -0 "$1" 2>/dev/null; }

# SIGTERM, then up to 60 s for a clean exit (callgrind writes its counts on exit), then SIGKILL.
stop_pid() {
  local pid=$1 tree i p
  alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
  tree=$(tree_pids "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  for p in $tree; do alive "$p" && kill -KILL "$p" 2>/dev/null; done
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${started[@]}"; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ticks() {  # utime+stime of the process tree, clock ticks
  local total=0 p f
  for p in $(tree_pids "$1"); do
    f=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    set -- $f
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}

rss_kb() {  # VmRSS of the process tree
  local total=0 p v
  for p in $(tree_pids "$1"); do
    v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

say() { printf '%s\n' "$*" | tee -a "$report"; }

busy_ticks() {  # all CPUs: user nice system irq softirq steal, clock ticks
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

port_of() {
  case $1 in
    cdn-dnsd) echo $((PORT_BASE + 0)) ;; knot) echo $((PORT_BASE + 1)) ;;
    nsd) echo $((PORT_BASE + 2)) ;; gdnsd) echo $((PORT_BASE + 3)) ;; null) echo $((PORT_BASE + 4)) ;;
    powerdns) echo $((PORT_BASE + 5)) ;;
  esac
}

binary_of() {
  case $1 in
    cdn-dnsd) echo "$dnsd" ;; knot) command -v knotd || echo /usr/sbin/knotd ;;
    nsd) command -v nsd || echo /usr/sbin/nsd ;; gdnsd) command -v gdnsd || echo /usr/sbin/gdnsd ;;
    null) echo "$W/bin/nullecho" ;;
    powerdns) command -v pdns_server || echo /usr/sbin/pdns_server ;;
  esac
}

has_case() { [[ " $CASES " = *" $1 "* ]]; }
plain_cases() { local c; for c in $CASES; do [ "$c" = geo-ecs ] || printf '%s ' "$c"; done; }

# ---------------------------------------------------------------------------- data
# Fixed seeds: the same files on every run. A records h00000..h09999 -> 198.18.(i/256).(i%256).
gen_zone() {  # FILE COUNT PREFIX DIGITS: SOA, 2 NS, MX, TXT, 4 A, then COUNT A names
  awk -v n="$2" -v pre="$3" -v digits="$4" -v zone="$ZONE" 'BEGIN {
    printf "$ORIGIN %s.\n$TTL 3600\n", zone
    printf "@ 300 IN SOA ns1 hostmaster 2026112301 7200 3600 1209600 300\n"
    print "@ IN NS ns1"; print "@ IN NS ns2"; print "@ IN MX 10 mail"
    print "@ IN TXT \"cdn-appliance benchmark zone\""
    print "ns1 IN A 198.19.255.1"; print "ns2 IN A 198.19.255.2"
    print "mail IN A 198.19.255.3"; print "www IN A 198.19.255.4"
    fmt = "%s%0" digits "d IN A %d.%d.%d.%d\n"
    for (i = 0; i < n; i++) {
      if (digits == 5) printf fmt, pre, i, 198, 18, int(i / 256), i % 256
      else printf fmt, pre, i, 10, int(i / 65536), int(i / 256) % 256, i % 256
    }
  }' >"$1"
}

gen_static_queries() {  # 100k random existing names
  awk -v zone="$ZONE" 'BEGIN { srand(42); for (i = 0; i < 100000; i++)
    printf "h%05d.%s A\n", int(rand() * 10000), zone }' >"$1"
}

# COUNT names x<tag><9 digits>, unique within a file: i*3^18 + seed mod 10^9 is a permutation.
gen_nx_queries() {  # FILE TAG COUNT SEED
  awk -v tag="$2" -v n="$3" -v seed="$4" -v zone="$ZONE" 'BEGIN { for (i = 0; i < n; i++)
    printf "x%s%09d.%s A\n", tag, (i * 387420489 + seed) % 1000000000, zone }' >"$1"
}

prepare() {
  rm -rf "$W"
  mkdir -p "$W"/{bin,data,results,callgrind}
  : >"$report"
  local cxx=${CXX:-g++}
  $cxx -O2 -std=c++20 -Wall -Wextra -o "$W/bin/qblast" "$root/tests/bench/qblast.cc"
  $cxx -O2 -std=c++20 -Wall -Wextra -o "$W/bin/nullecho" "$root/tests/bench/nullecho.cc"
  gen_zone "$W/data/bench.zone" 10000 h 5
  gen_static_queries "$W/data/static.txt"
  local r per_round=$((DUR * 280000))
  ((per_round <= 3000000)) || per_round=3000000
  if [[ " $CASES " = *" nxdomain "* ]]; then
    for ((r = 1; r <= ROUNDS; r++)); do
      gen_nx_queries "$W/data/nx-r$r.txt" "$r" "$per_round" "$((r * 7919))"
    done
    gen_nx_queries "$W/data/nx-lat.txt" 0 "$((DUR * LAT_QPS + LAT_QPS))" 104729
  fi
  if has_case geo-ecs; then gen_geo_data; fi
}

# geo-ecs data under $W/data/geo: bench.mmdb, regions.tsv, nets.tsv (geo_mmdb.pl) and ecs.bin,
# GEO_QUERIES queries for GEO_NAME with a random ECS /24 in dnsperf's -B format (geo_ecs.py).
gen_geo_data() {
  local d=$W/data/geo err
  mkdir -p "$d"
  if ! command -v python3 >/dev/null; then
    geo_data="python3 not found"
  elif ! err=$(timeout 120 perl "$root/tests/bench/geo_mmdb.pl" "$d" 2>&1); then
    geo_data="geo_mmdb.pl failed (libmaxmind-db-writer-perl: packaging/deps.sh test): $(printf '%s' "$err" | head -c 200)"
  elif ! err=$(timeout 120 python3 "$root/tests/bench/geo_ecs.py" queries "$d/ecs.bin" "$d/nets.tsv" \
    "$GEO_QUERIES" "$GEO_SEED" 2>&1); then
    geo_data="geo_ecs.py queries failed: $(printf '%s' "$err" | head -c 200)"
  fi
  if [ -n "$geo_data" ]; then echo "bench: geo-ecs: $geo_data" >&2; fi
}

# geo_zone FILE LINE: the bench zone plus the steered name's line (Knot's fallback A, gdnsd's DYNA).
geo_zone() { { cat "$W/data/bench.zone"; printf '%s\n' "$2"; } >"$1"; }

# Where a geo server's setup differs, the regions come from regions.tsv:
# index name country continent lat lon edge-address.
regions_awk() { awk -F'\t' "$@" "$W/data/geo/regions.tsv"; }

# The cdn-dnsd config DB of the geo-ecs case, made with cdnctl as an operator would.
make_dnsd_db() {  # DIR PORT -> 1 with the failing command on stdout
  local dir=$1 port=$2 db=$1/config.db edges="" name lat lon ip
  local -a ctl=("$cdnctl" --db "$db" --run-dir "$dir/run")
  run_ctl() { timeout 60 "${ctl[@]}" "$@" >>"$dir/cdnctl.log" 2>&1 || { echo "cdnctl $* failed (see $dir/cdnctl.log)"; return 1; }; }
  run_ctl init || return 1
  run_ctl zone import "$ZONE" "$W/data/bench.zone" || return 1
  run_ctl set dns.listen "127.0.0.1:$port" || return 1
  run_ctl geoip set "$W/data/geo/bench.mmdb" || return 1
  while IFS=$'\t' read -r _ name _ _ lat lon ip; do
    run_ctl edge add "$name" --lat "$lat" --lon "$lon" --ipv4 "$ip" || return 1
    edges+=${edges:+,}$name
  done <"$W/data/geo/regions.tsv"
  run_ctl pool add bench --edges "$edges" --answers 1 || return 1
  run_ctl steer add "$GEO_NAME" --pool bench || return 1
}

# geo_unsupported SERVER: why SERVER cannot run the geo-ecs case (nothing if it can).
geo_unsupported() {
  [ -n "$geo_data" ] && { echo "no data: $geo_data"; return; }
  case $1 in
    cdn-dnsd)
      local help
      help=$(timeout 10 "$cdnctl" --help 2>/dev/null || true)
      if [ ! -x "$cdnctl" ]; then echo "$cdnctl not found"
      elif ! grep -qw steer <<<"$help"; then
        echo "$cdnctl has no steer command (a build older than steering: rebuild $build)"
      fi ;;
    knot)
      dpkg-query -W -f='${Status}' knot-module-geoip 2>/dev/null | grep -q 'ok installed' ||
        echo "knot-module-geoip is not installed (apt-get install knot-module-geoip)" ;;
    gdnsd) ;;
    powerdns)
      dpkg-query -W -f='${Status}' pdns-backend-geoip 2>/dev/null | grep -q 'ok installed' ||
        echo "pdns-backend-geoip is not installed (packaging/deps.sh bench)" ;;
    *) echo "no geo support" ;;
  esac
}

# ---------------------------------------------------------------------------- servers
# write_config SERVER ZONEFILE: config and run dirs under $W/SERVER.
write_config() {
  local s=$1 zonefile=$2 dir=$W/$1 port
  port=$(port_of "$s")
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$geo" = 1 ]; then write_geo_config "$s" "$dir" "$port"; return; fi
  case $s in
    knot)
      mkdir -p "$dir/db"
      cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "$dir/knot.sock"
database:
    storage: "$dir/db"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ZONE
    file: "$zonefile"
EOF
      ;;
    nsd)
      cat >"$dir/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1
    port: $port
    do-ip6: no
    server-count: 1
    reuseport: no
    rrl-ratelimit: 0
    username: ""
    chroot: ""
    zonesdir: "$dir"
    database: "$dir/nsd.db"
    pidfile: "$dir/nsd.pid"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    zonelistfile: "$dir/zone.list"
    logfile: "$dir/nsd.log"
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: $ZONE
    zonefile: "$zonefile"
EOF
      ;;
    gdnsd)
      mkdir -p "$dir/zones" "$dir/run" "$dir/state"
      cp "$zonefile" "$dir/zones/$ZONE"
      cat >"$dir/config" <<EOF
options => {
  listen => [ 127.0.0.1:$port ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => "$dir/run"
  state_dir => "$dir/state"
}
EOF
      ;;
    powerdns) write_pdns_config "$dir" "$port" "$zonefile" bind ;;
  esac
}

# write_pdns_config DIR PORT ZONEFILE LAUNCH: pdns.conf (read with --config-dir=DIR, so nothing
# from /etc/powerdns) and the named.conf of its bind backend. One receiver and one distributor
# thread; packet cache, query cache and zone cache left at their defaults.
write_pdns_config() {
  local dir=$1 port=$2 zonefile=$3 launch=$4
  dpkg-query -W -f='${Status}' pdns-backend-bind 2>/dev/null | grep -q 'ok installed' ||
    { echo "pdns-backend-bind is not installed (packaging/deps.sh bench)"; return 1; }
  cat >"$dir/named.conf" <<EOF
options { directory "$dir"; };
zone "$ZONE" { type master; file "$zonefile"; };
EOF
  cat >"$dir/pdns.conf" <<EOF
launch=$launch
bind-config=$dir/named.conf
local-address=127.0.0.1
local-port=$port
socket-dir=$dir
guardian=no
daemon=no
disable-syslog=yes
receiver-threads=1
distributor-threads=1
reuseport=no
security-poll-suffix=
EOF
}

# write_geo_config SERVER DIR PORT: the geo-ecs setup; prints why and returns 1 if it fails.
write_geo_config() {
  local s=$1 dir=$2 port=$3
  case $s in
    cdn-dnsd)
      mkdir -p "$dir/run"
      make_dnsd_db "$dir" "$port" ;;
    knot)
      mkdir -p "$dir/db"
      cp "$W/data/geo/bench.mmdb" "$dir/"
      geo_zone "$dir/bench-geo.zone" "cdn 60 IN A 192.0.2.1"
      regions_awk -v name="$GEO_NAME" 'NR == 1 { print name ":" } { printf "  - geo: \"%s\"\n    A: %s\n", $3, $7 }' \
        >"$dir/geo.conf" || { echo "could not read $W/data/geo/regions.tsv"; return 1; }
      cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    edns-client-subnet: on
control:
    listen: "$dir/knot.sock"
database:
    storage: "$dir/db"
log:
  - target: stderr
    any: info
mod-geoip:
  - id: bench
    config-file: "$dir/geo.conf"
    ttl: 60
    mode: geodb
    geodb-file: "$dir/bench.mmdb"
    geodb-key: [ country/iso_code ]
template:
  - id: default
    storage: "$dir"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: $ZONE
    file: "$dir/bench-geo.zone"
    module: mod-geoip/bench
EOF
      ;;
    gdnsd)
      mkdir -p "$dir/zones" "$dir/run" "$dir/state" "$dir/geoip"
      cp "$W/data/geo/bench.mmdb" "$dir/geoip/"
      geo_zone "$dir/zones/$ZONE" "cdn 60 DYNA geoip!cdn"
      cat >"$dir/config" <<EOF
options => {
  listen => [ 127.0.0.1:$port ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => "$dir/run"
  state_dir => "$dir/state"
}
plugins => {
  geoip => {
    maps => {
      bench => {
        geoip2_db => bench.mmdb
        datacenters => [ $(regions_awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $2 }') ]
        auto_dc_coords => {
$(regions_awk '{ printf "          %s => [ %s, %s ]\n", $2, $5, $6 }')
        }
        auto_dc_limit => 1
      }
    }
    resources => {
      cdn => {
        map => bench
        dcmap => {
$(regions_awk '{ printf "          %s => %s\n", $2, $7 }')
        }
      }
    }
  }
}
EOF
      ;;
    powerdns)
      # The bind backend serves the bench zone (its SOA makes bench.example the zone); the geoip
      # backend holds a domain cdn.bench.example without SOA or NS: the service maps the steered
      # name to <country>.cdn.bench.example, whose A it answers under the query name (no CNAME).
      # A geoip domain bench.example beside the bind one makes PowerDNS REFUSE the whole zone; a
      # service target outside the geoip domain needs a CNAME, refused on a name holding records
      # ("Cannot have static record and CNAME at the same time").
      [ -r "$W/data/geo/regions.tsv" ] || { echo "could not read $W/data/geo/regions.tsv"; return 1; }
      cp "$W/data/geo/bench.mmdb" "$dir/"
      write_pdns_config "$dir" "$port" "$W/data/bench.zone" bind,geoip || return 1
      cat >>"$dir/pdns.conf" <<EOF
geoip-database-files=mmdb:$dir/bench.mmdb
geoip-zones-file=$dir/geo.yaml
edns-subnet-processing=yes
EOF
      {
        printf 'domains:\n  - domain: %s\n    ttl: 60\n    records:\n' "$GEO_NAME"
        regions_awk -v name="$GEO_NAME" '{ printf "      %s.%s:\n        - a: %s\n", tolower($3), name, $7 }'
        # %cc is "unknown" for an address the DB lacks: the first region's edge, as Knot's fallback.
        regions_awk -v name="$GEO_NAME" 'NR == 1 { printf "      unknown.%s:\n        - a: %s\n", name, $7 }'
        printf "    services:\n      %s: '%%cc.%s'\n" "$GEO_NAME" "$GEO_NAME"
      } >"$dir/geo.yaml"
      ;;
  esac
}

server_cmd() {  # SERVER ZONEFILE -> argv in the array `cmd`
  local s=$1 port
  port=$(port_of "$s")
  case $s in
    cdn-dnsd)
      if [ "$geo" = 1 ]; then
        cmd=("$dnsd" --db "$W/cdn-dnsd/config.db" --control "$W/cdn-dnsd/run/dnsd.sock"
          --metrics 127.0.0.1:0 --threads 1 --foreground)
      else
        cmd=("$dnsd" --listen "127.0.0.1:$port" --zone "$ZONE=$2" --threads 1 --foreground)
      fi ;;
    knot) cmd=("$(binary_of knot)" -c "$W/knot/knot.conf") ;;
    nsd) cmd=("$(binary_of nsd)" -d -c "$W/nsd/nsd.conf") ;;
    gdnsd) cmd=("$(binary_of gdnsd)" -c "$W/gdnsd" start) ;;
    null) cmd=("$W/bin/nullecho" "$port") ;;
    powerdns) cmd=("$(binary_of powerdns)" --config-dir="$W/powerdns") ;;
  esac
}

# start_server SERVER ZONEFILE LOG [valgrind args...]: sets spid, or start_error and returns 1.
# Not to be called in $(...): the server must be this shell's child.
start_server() {
  local s=$1 zonefile=$2 log=$3
  shift 3
  local port
  port=$(port_of "$s")
  if [ -n "$(ss -Hlnu "sport = :$port" 2>/dev/null)" ]; then
    start_error="port $port is already in use"
    return 1
  fi
  if ! start_error=$(write_config "$s" "$zonefile"); then
    start_error=${start_error:-could not write its configuration}
    return 1
  fi
  start_error=""
  server_cmd "$s" "$zonefile"
  taskset -c "$SERVER_CPU" "$@" "${cmd[@]}" >"$log" 2>&1 &
  spid=$!
  started+=("$spid")
}

probe() {  # SERVER NAME -> "STATUS ANSWER-IP" from kdig (one try, 1 s)
  kdig @127.0.0.1 -p "$(port_of "$1")" +timeout=1 +retry=0 "$2.$ZONE" A 2>/dev/null |
    awk -v owner="$2.$ZONE." '/->>HEADER<<-/ { for (i = 1; i <= NF; i++) if ($i == "status:") { st = $(i + 1); sub(/;/, "", st) } }
         $1 == owner && $3 == "IN" && $4 == "A" && ip == "" { ip = $5 }
         END { printf "%s %s\n", st == "" ? "NORESPONSE" : st, ip == "" ? "-" : ip }'
}

# wait_ready SERVER LOG SECONDS [NAME IP]: 0 once it answers (cdn-dnsd: once it logs
# event=dnsd.ready), 1 if it exits or the time is up. Polls every 50 ms.
wait_ready() {
  local s=$1 log=$2 limit=$3 name=${4:-$KNOWN} ip=${5:-$KNOWN_IP} i deadline=$((SECONDS + $3))
  for ((i = 0; i < limit * 20 && SECONDS < deadline; i++)); do
    alive "$spid" || return 1
    case $s in
      cdn-dnsd) grep -qs 'event=dnsd.ready' "$log" && return 0 ;;
      null) grep -qs 'event=nullecho.ready' "$log" && return 0 ;;
      *) [ "$(probe "$s" "$name")" = "NOERROR $ip" ] && return 0 ;;
    esac
    sleep 0.05
  done
  return 1
}

check_answers() {  # SERVER: prints the reason and returns 1 on a wrong answer
  local s=$1 got
  [ "$s" = null ] && return 0
  got=$(probe "$s" "$KNOWN")
  [ "$got" = "NOERROR $KNOWN_IP" ] || { echo "$KNOWN A -> $got, want NOERROR $KNOWN_IP"; return 1; }
  got=$(probe "$s" "$MISSING")
  [ "${got%% *}" = NXDOMAIN ] || { echo "$MISSING A -> $got, want NXDOMAIN"; return 1; }
}

# check_geo SERVER: one random ECS /24 in each of the 300 networks plus one query without ECS
# must each get their region's edge; cdn-dnsd and PowerDNS (the prefix of the DB's network) must
# also answer scope /16. Prints the summary.
check_geo() {
  local s=$1 scope=()
  case $s in cdn-dnsd | powerdns) scope=(--scope "$GEO_SCOPE") ;; esac
  timeout 120 python3 "$root/tests/bench/geo_ecs.py" check "$(port_of "$s")" "$W/data/geo/nets.tsv" \
    "$W/data/geo/regions.tsv" "$GEO_CHECK_SEED" "${scope[@]}" 2>&1
}

# ---------------------------------------------------------------------------- load
field() { awk -v k="$1" 'index($0, k) == 1 { sub(/^[^:]*: */, ""); print $1; exit }' "$2"; }
rcode_count() { awk -v k="$1" '/Response codes:/ { for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1) + 0; exit } }' "$2"; }
median() {  # of the numeric lines on stdin; "-" if none
  awk '$1 ~ /^[0-9.eE+-]+$/' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'
}
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { if (x == "" || x == "-") print "-"; else printf f, x }'; }

declare -A status gstatus qps avg p99 lost okpct lat cpu rss rss0 other rsize

qblast() {  # PORT FILE SECONDS [qblast options...] (bounded by -l, the loss timeout and `timeout`)
  local port=$1 file=$2 secs=$3
  shift 3
  timeout --foreground -k 5 $((secs + 30)) taskset -c "$CLIENT_CPU" "$W/bin/qblast" -s 127.0.0.1 -p "$port" \
    -d "$file" -l "$secs" "$@"
}

bench_case() {  # SERVER CASE
  local s=$1 c=$2 port key=$1/$2 r out file want t0 t1 b0 b1 w0 w1 ticks=0 done_total=0 ok_total=0
  local -a q_r=() a_r=() p_r=() l_r=() bin=()
  [ "$c" = geo-ecs ] && bin=(-B)
  port=$(port_of "$s")
  want=NOERROR
  [ "$c" = nxdomain ] && want=NXDOMAIN
  for ((r = 1; r <= ROUNDS; r++)); do
    file=$W/data/static.txt
    [ "$c" = nxdomain ] && file=$W/data/nx-r$r.txt
    [ "$c" = geo-ecs ] && file=$W/data/geo/ecs.bin
    out=$W/results/$s-$c-r$r.txt
    t0=$(cpu_ticks "$spid")
    b0=$(busy_ticks)
    w0=$(date +%s.%N)
    qblast "$port" "$file" "$DUR" -q "$OUTSTANDING" -c "$SOCKETS" "${bin[@]}" >"$out" 2>&1 || true
    w1=$(date +%s.%N)
    b1=$(busy_ticks)
    t1=$(cpu_ticks "$spid")
    ticks=$((ticks + t1 - t0))
    # CPU used by anything but this server and qblast (other builds, daemons), in % of one core.
    local other_pct
    other_pct=$(awk -v b=$((b1 - b0 - t1 + t0)) -v c="$(field "  Client CPU (s):" "$out")" \
      -v hz="$hz" -v w="$(awk -v a="$w0" -v b="$w1" 'BEGIN { print b - a }')" \
      'BEGIN { v = (b / hz - c) / w * 100; printf "%.0f", v < 0 ? 0 : v }')
    if [ "$other_pct" -gt "${other[$key]:-0}" ]; then other[$key]=$other_pct; fi
    local sent answered n_ok
    sent=$(field "  Queries sent:" "$out")
    answered=$(field "  Queries completed:" "$out")
    n_ok=$(rcode_count "$want" "$out")
    if [ "$s" = null ]; then n_ok=$answered; fi
    done_total=$((done_total + ${answered:-0}))
    ok_total=$((ok_total + ${n_ok:-0}))
    q_r+=("$(field "  Queries per second:" "$out")")
    rsize[$key]=$(awk '/Average packet size:/ { print $NF; exit }' "$out")
    a_r+=("$(field "  Average Latency (s):" "$out")")
    p_r+=("$(field "  p99 Latency (s):" "$out")")
    l_r+=("$(awk -v s="${sent:-0}" -v d="${answered:-0}" 'BEGIN { print s ? 100 * (s - d) / s : 100 }')")
    say "$(printf '  %-9s %-8s round %d/%d: %s qps, %s%% lost, other processes %s%% of a core' \
      "$s" "$c" "$r" "$ROUNDS" "$(fmt "${q_r[-1]}" %.0f)" "$(fmt "${l_r[-1]}" %.2f)" "$other_pct")"
  done
  qps[$key]=$(printf '%s\n' "${q_r[@]}" | median)
  avg[$key]=$(printf '%s\n' "${a_r[@]}" | median)
  p99[$key]=$(printf '%s\n' "${p_r[@]}" | median)
  lost[$key]=$(printf '%s\n' "${l_r[@]}" | median)
  okpct[$key]=$(awk -v o="$ok_total" -v d="$done_total" 'BEGIN { print d ? 100 * o / d : 0 }')
  cpu[$key]=$(awk -v t="$ticks" -v hz="$hz" -v d="$done_total" 'BEGIN { if (d) print t / hz / d * 100000; else print "-" }')
  lat[$key]=-
  if command -v dnsperf >/dev/null; then
    file=$W/data/static.txt
    [ "$c" = nxdomain ] && file=$W/data/nx-lat.txt
    [ "$c" = geo-ecs ] && file=$W/data/geo/ecs.bin
    out=$W/results/$s-$c-dnsperf.txt
    timeout --foreground -k 5 $((DUR + 30)) taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" \
      -d "$file" "${bin[@]}" -l "$DUR" -Q "$LAT_QPS" -c 4 >"$out" 2>&1 || true
    lat[$key]=$(field "  Average Latency (s):" "$out")
  fi
}

bench_server() {  # SERVER
  local s=$1
  if [ -n "$(plain_cases)" ]; then bench_plain "$s"; fi
  if has_case geo-ecs; then bench_geo "$s"; fi
}

# The geo-ecs case: the server restarted with its geo configuration (write_geo_config).
bench_geo() {  # SERVER
  local s=$1 bin log why key=$1/geo-ecs
  case $s in nsd | null) gstatus[$s]="not run: no geo support"; return ;; esac
  bin=$(binary_of "$s")
  if [ ! -x "$bin" ]; then
    gstatus[$s]="not run: $bin not found"
  else
    why=$(geo_unsupported "$s" || true)
    [ -z "$why" ] || gstatus[$s]="not run: $why"
  fi
  if [ -n "${gstatus[$s]:-}" ]; then say "$s geo-ecs: ${gstatus[$s]}"; return; fi
  log=$W/results/$s-geo-server.log
  geo=1
  if ! start_server "$s" "$W/data/bench.zone" "$log"; then
    geo=0
    gstatus[$s]="not run: $start_error"
    say "$s geo-ecs: ${gstatus[$s]}"
    return
  fi
  geo=0
  if ! wait_ready "$s" "$log" 30; then
    gstatus[$s]="not run: did not answer within 30 s (see $log)"
  elif ! why=$(check_answers "$s"); then
    gstatus[$s]="FAILED the answer check, not benchmarked: $why"
  elif ! why=$(check_geo "$s"); then
    gstatus[$s]="FAILED the geo check, not benchmarked: $why"
  fi
  if [ -n "${gstatus[$s]:-}" ]; then
    say "$s geo-ecs: ${gstatus[$s]}"
    stop_pid "$spid"
    return
  fi
  say "  $s geo-ecs check before load: $why"
  sleep 1
  rss0[$key]=$(rss_kb "$spid")
  gstatus[$s]=ok
  bench_case "$s" geo-ecs
  if ! alive "$spid"; then
    gstatus[$s]="DIED during the geo-ecs case (see $log)"
    say "$s geo-ecs: ${gstatus[$s]}"
    stop_pid "$spid"
    return
  fi
  rss[$key]=$(rss_kb "$spid")
  if ! why=$(check_geo "$s"); then
    gstatus[$s]="answers WRONG after load: $why"
    say "$s geo-ecs: ${gstatus[$s]}"
  else
    say "  $s geo-ecs check after load: $why"
  fi
  stop_pid "$spid"
}

bench_plain() {  # SERVER: the cases other than geo-ecs, on the static configuration
  local s=$1 bin log why c
  bin=$(binary_of "$s")
  if [ ! -x "$bin" ]; then
    status[$s]="not run: $bin not found"
    say "$s: ${status[$s]}"
    return
  fi
  log=$W/results/$s-server.log
  if ! start_server "$s" "$W/data/bench.zone" "$log"; then
    status[$s]="not run: $start_error"
    say "$s: ${status[$s]}"
    return
  fi
  if ! wait_ready "$s" "$log" 30; then
    status[$s]="not run: did not answer within 30 s (see $log)"
    say "$s: ${status[$s]}"
    stop_pid "$spid"
    return
  fi
  if ! why=$(check_answers "$s"); then
    status[$s]="FAILED the answer check, not benchmarked: $why"
    say "$s: ${status[$s]}"
    stop_pid "$spid"
    return
  fi
  sleep 1  # RSS once it has settled after answering, as the baseline notes measured it
  rss0[$s]=$(rss_kb "$spid")
  status[$s]=ok
  for c in $(plain_cases); do
    [ "$s" = null ] && [ "$c" != static ] && continue  # the echo has no NXDOMAIN
    bench_case "$s" "$c"
    if ! alive "$spid"; then
      status[$s]="DIED during the $c case (see $log)"
      say "$s: ${status[$s]}"
      stop_pid "$spid"
      return
    fi
  done
  rss[$s]=$(rss_kb "$spid")
  if ! why=$(check_answers "$s"); then
    status[$s]="answers WRONG after load: $why"
    say "$s: ${status[$s]}"
  fi
  stop_pid "$spid"
}

# ---------------------------------------------------------------------------- report
ms() { awk -v x="$1" 'BEGIN { if (x == "" || x == "-") print "-"; else printf "%.3f", x * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

print_table() {
  local s c key
  say ""
  say "== Results: 1 server core (cpu $SERVER_CPU), load on cpu $CLIENT_CPU; qblast median of $ROUNDS x $DUR s, $OUTSTANDING outstanding =="
  say "$(printf '%-9s %-8s %9s %7s %7s %6s %7s %7s %9s %10s %8s' server case qps avg_ms p99_ms lost% rcode% resp_B lat@20k cpu_s/100k rss_MB)"
  local rows note
  for s in $SERVERS; do
    rows=0
    for c in $CASES; do
      key=$s/$c
      [ -n "${qps[$key]:-}" ] || continue
      say "$(printf '%-9s %-8s %9s %7s %7s %6s %7s %7s %9s %10s %8s' "$s" "$c" "$(fmt "${qps[$key]}" %.0f)" \
        "$(ms "${avg[$key]}")" "$(ms "${p99[$key]}")" "$(fmt "${lost[$key]}" %.2f)" \
        "$(fmt "${okpct[$key]}" %.1f)" "${rsize[$key]:--}" "$(ms "${lat[$key]}")" "$(fmt "${cpu[$key]}" %.3f)" \
        "$(fmt "${rss[$key]:-${rss[$s]:-}}" %d | awk '{ if ($1 == "-") print "-"; else printf "%.1f", $1 / 1024 }')")"
      rows=$((rows + 1))
    done
    for note in "${status[$s]:-}" "${gstatus[$s]:+geo-ecs: ${gstatus[$s]}}"; do
      [ -n "$note" ] && [ "$note" != ok ] && [ "$note" != "geo-ecs: ok" ] || continue
      if [ "$rows" -eq 0 ]; then say "$(printf '%-9s %s' "$s" "$note")"; else say "          ^ $note"; fi
      rows=$((rows + 1))
    done
    if [ "$rows" -eq 0 ]; then say "$(printf '%-9s %s' "$s" "not run")"; fi
  done
  say "rcode% = answers with the expected rcode (NOERROR / NXDOMAIN; NOERROR for geo-ecs); resp_B = average answer size;" \
    "lat@20k = dnsperf -Q $LAT_QPS average (ms)."
  local k busy=""
  for k in $(printf '%s\n' "${!other[@]}" | sort); do
    if [ "${other[$k]}" -ge 10 ]; then busy+=" $k (${other[$k]}%)"; fi
  done
  if [ -n "$busy" ]; then
    say "WARNING: other processes used >= 10% of a core during:$busy; those figures are disturbed, rerun on an idle machine."
  fi
  local at_start=""
  for s in $SERVERS; do
    for k in "$s" "$s/geo-ecs"; do
      if [ -n "${rss0[$k]:-}" ]; then at_start+=$(printf '%s %.1f  ' "$k" "$(awk -v k="${rss0[$k]}" 'BEGIN { print k / 1024 }')"); fi
    done
  done
  say "RSS (MB) 1 s after the first right answer: $at_start"

  if has_case geo-ecs; then print_geo_ratios; fi
  local have=""
  for c in $CASES; do have+=${qps[cdn-dnsd/$c]:-}; done
  if [ -z "$have" ]; then
    say ""
    say "no cdn-dnsd figures: ${status[cdn-dnsd]:-${gstatus[cdn-dnsd]:-not in SERVERS}}; no ratios"
    return
  fi
  say ""
  say "== cdn-dnsd / peer (qps: >1 is better for cdn-dnsd; latency, CPU, RSS: <1 is better) =="
  say "$(printf '%-9s %-8s %6s %7s %7s %8s %10s %6s' peer case qps avg p99 lat@20k cpu/100k rss)"
  local rows=0
  for s in $SERVERS; do
    [ "$s" = cdn-dnsd ] && continue
    for c in $CASES; do
      key=$s/$c
      [ -n "${qps[$key]:-}" ] && [ -n "${qps[cdn-dnsd/$c]:-}" ] || continue
      say "$(printf '%-9s %-8s %6s %7s %7s %8s %10s %6s' "$s" "$c" \
        "$(ratio "${qps[cdn-dnsd/$c]}" "${qps[$key]}")" "$(ratio "${avg[cdn-dnsd/$c]}" "${avg[$key]}")" \
        "$(ratio "${p99[cdn-dnsd/$c]}" "${p99[$key]}")" "$(ratio "${lat[cdn-dnsd/$c]}" "${lat[$key]}")" \
        "$(ratio "${cpu[cdn-dnsd/$c]}" "${cpu[$key]}")" \
        "$(ratio "${rss[cdn-dnsd/$c]:-${rss[cdn-dnsd]:-}}" "${rss[$key]:-${rss[$s]:-}}")")"
      rows=$((rows + 1))
    done
  done
  if [ "$rows" -eq 0 ]; then say "(no peer was measured)"; fi
}

print_geo_ratios() {
  local g=${qps[cdn-dnsd/geo-ecs]:-} st=${qps[cdn-dnsd/static]:-} r verdict=""
  say ""
  say "== geo-ecs: steered qps (cdn.bench.example, ECS /24, 6 edges) =="
  if [ -z "$g" ]; then
    say "cdn-dnsd: no geo-ecs figures (${gstatus[cdn-dnsd]:-not in SERVERS})"
    return
  fi
  r=$(ratio "$g" "$st")
  if [ "$r" != - ]; then
    verdict=$(awk -v r="$r" 'BEGIN { print (r >= 0.95) ? "meets" : "BELOW" }')
    say "cdn-dnsd steered / cdn-dnsd static (same run): $r  ($verdict the target >= 0.95)"
  else
    say "cdn-dnsd steered / cdn-dnsd static: - (static not measured in this run)"
  fi
  say "cdn-dnsd steered / gdnsd geo-ecs:             $(ratio "$g" "${qps[gdnsd/geo-ecs]:-}")" \
    "(gdnsd geo-ecs / gdnsd static: $(ratio "${qps[gdnsd/geo-ecs]:-}" "${qps[gdnsd/static]:-}"))"
}

# ---------------------------------------------------------------------------- callgrind
callgrind_ir() {  # FILES...: total Ir over all of them (NSD forks: one file per process)
  local f total=0 v
  for f in "$@"; do
    [ -s "$f" ] || continue
    v=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# One server under callgrind twice: answering CG_QUERIES queries, then idle for as long, each
# from start to exit. The difference over the answers is the user-space cost of a query.
# CASE static: static.txt on the static setup; geo-ecs: the ECS queries on the geo setup.
callgrind_server() {  # SERVER [CASE]
  local s=$1 c=${2:-static} port log out dir=$W/callgrind t0 t1 secs answered ir_load ir_idle st
  local label=$1 tag=$1 file=$W/data/static.txt g=0
  local -a vg=(valgrind --tool=callgrind --quiet) bin=()
  port=$(port_of "$s")
  st=${status[$s]:-}
  if [ "$c" = geo-ecs ]; then
    label="$s geo-ecs" tag=$s-geo file=$W/data/geo/ecs.bin g=1 bin=(-B) st=${gstatus[$s]:-}
  fi
  if [ "$st" != ok ]; then
    say "$(printf '%-18s not measured: %s' "$label" "${st:-not run}")"
    return
  fi
  log=$dir/$tag-load.log
  geo=$g
  if ! start_server "$s" "$W/data/bench.zone" "$log" "${vg[@]}" \
    "--callgrind-out-file=$dir/$tag-load.%p.out"; then
    geo=0
    say "$(printf '%-18s not measured: %s' "$label" "$start_error")"
    return
  fi
  geo=0
  if ! wait_ready "$s" "$log" 180; then
    say "$(printf '%-18s not feasible under valgrind: did not answer within 180 s (see %s)' "$label" "$log")"
    stop_pid "$spid"
    return
  fi
  out=$W/results/$tag-callgrind-qblast.txt
  t0=$(date +%s.%N)
  qblast "$port" "$file" 120 -n "$CG_QUERIES" -Q "$CG_QPS" -q 32 -c 1 "${bin[@]}" >"$out" 2>&1 || true
  t1=$(date +%s.%N)
  stop_pid "$spid"
  answered=$(field "  Queries completed:" "$out")
  ir_load=$(callgrind_ir "$dir/$tag-load".*.out)

  log=$dir/$tag-idle.log
  geo=$g
  if ! start_server "$s" "$W/data/bench.zone" "$log" "${vg[@]}" \
    "--callgrind-out-file=$dir/$tag-idle.%p.out"; then
    geo=0
    say "$(printf '%-18s not measured: %s' "$label" "$start_error")"
    return
  fi
  geo=0
  if ! wait_ready "$s" "$log" 180; then
    say "$(printf '%-18s not feasible under valgrind: idle run did not answer' "$label")"
    stop_pid "$spid"
    return
  fi
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  sleep "$secs"  # idle for as long as the loaded run answered, so timers cancel out
  stop_pid "$spid"
  ir_idle=$(callgrind_ir "$dir/$tag-idle".*.out)
  if [ "${answered:-0}" -eq 0 ] || [ "$ir_load" -eq 0 ] || [ "$ir_idle" -eq 0 ]; then
    say "$(printf '%-18s not feasible: answered %s queries, Ir loaded %s, idle %s' "$label" "${answered:-0}" "$ir_load" "$ir_idle")"
    return
  fi
  say "$(printf '%-18s %14s %14s %8s %10s' "$label" "$ir_load" "$ir_idle" "$answered" \
    "$(awk -v a="$ir_load" -v b="$ir_idle" -v n="$answered" 'BEGIN { printf "%.0f", (a - b) / n }')")"
}

run_callgrind() {
  local s
  say ""
  say "== User-space instructions per query (callgrind; $CG_QUERIES queries at $CG_QPS qps, minus an idle run as long) =="
  if ! command -v valgrind >/dev/null; then
    say "valgrind not installed: skipped"
    return
  fi
  say "$(printf '%-18s %14s %14s %8s %10s' server Ir_loaded Ir_idle answers Ir/query)"
  if [ -n "$(plain_cases)" ]; then
    for s in $SERVERS; do
      [ "$s" = null ] && continue
      callgrind_server "$s"
    done
  fi
  if has_case geo-ecs; then
    for s in cdn-dnsd gdnsd powerdns; do
      if [[ " $SERVERS " = *" $s "* ]]; then callgrind_server "$s" geo-ecs; fi
    done
  fi
}

# ---------------------------------------------------------------------------- 1M records
big_zone_server() {  # SERVER LIMIT_SECONDS
  local s=$1 limit=$2 log t0 t1 why got
  log=$W/results/$s-big.log
  t0=$(date +%s.%N)
  if ! start_server "$s" "$W/data/big.zone" "$log"; then
    say "$(printf '%-9s not run: %s' "$s" "$start_error")"
    return
  fi
  if ! wait_ready "$s" "$log" "$limit" "$BIG_KNOWN" "$BIG_KNOWN_IP"; then
    say "$(printf '%-9s not ready within %d s (see %s)' "$s" "$limit" "$log")"
    stop_pid "$spid"
    return
  fi
  t1=$(date +%s.%N)
  got=$(probe "$s" "$BIG_KNOWN")
  [ "$got" = "NOERROR $BIG_KNOWN_IP" ] || got="WRONG: $BIG_KNOWN A -> $got"
  [ "$got" = "NOERROR $BIG_KNOWN_IP" ] && got="answers ok"
  say "$(printf '%-9s %10s %8s  %s' "$s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" \
    "$(awk -v k="$(rss_kb "$spid")" 'BEGIN { printf "%.1f", k / 1024 }')" "$got")"
  stop_pid "$spid"
}

run_big() {
  say ""
  say "== 1M-record zone: time from start to ready (cdn-dnsd: its ready line; Knot: first right answer) =="
  gen_zone "$W/data/big.zone" 1000000 b 7
  say "$(printf '%-9s %10s %8s' server load_s rss_MB)"
  if [[ " $SERVERS " = *" cdn-dnsd "* ]] && [ -x "$dnsd" ]; then
    big_zone_server cdn-dnsd 300
  else
    say "cdn-dnsd  not run: ${status[cdn-dnsd]:-not in SERVERS}"
  fi
  if [ "$BIG_KNOT" = 1 ] && [[ " $SERVERS " = *" knot "* ]] && command -v knotd >/dev/null; then
    big_zone_server knot 120
  fi
}

# ---------------------------------------------------------------------------- main
main() {
  local s missing=()
  for tool in g++ taskset kdig ss timeout pgrep; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: missing ${missing[*]}: run packaging/deps.sh bench" >&2
    exit 1
  fi
  if [ "$(nproc)" -lt 2 ]; then
    echo "bench: warning: fewer than 2 CPUs; server and load share a core" >&2
    CLIENT_CPU=$SERVER_CPU
  fi
  prepare
  say "cdn-appliance bench $(date -u +%Y-%m-%dT%H:%M:%SZ): $(nproc) CPUs, kernel $(uname -r)"
  say "SERVERS='$SERVERS' CASES='$CASES' ROUNDS=$ROUNDS DUR=$DUR QUICK=$QUICK W=$W ports $PORT_BASE.."
  say "versions: knot $(knotd -V 2>/dev/null | awk '{print $NF}'), nsd $(nsd -v 2>&1 | awk 'NR==1 {print $NF}')," \
    "gdnsd $(dpkg-query -W -f='${Version}' gdnsd 2>/dev/null), powerdns $(dpkg-query -W -f='${Version}' pdns-server 2>/dev/null)," \
    "dnsperf $(dpkg-query -W -f='${Version}' dnsperf 2>/dev/null)"
  [ -x "$dnsd" ] || say "cdn-dnsd: $dnsd not built: skipped"
  for s in $SERVERS; do
    echo "-- $s" >&2
    bench_server "$s"
  done
  print_table
  if [ "$CALLGRIND" = 1 ]; then run_callgrind; fi
  if [ "$BIG" = 1 ]; then run_big; fi
  if [ "$RELOAD" = 1 ]; then
    say ""
    say "appliance mode, 1M-record zone: record add, apply, edge change, start, RSS (reload_1m.py)"
    python3 "$root/tests/bench/reload_1m.py" --bin "$build" | tee -a "$report"
  fi
  say ""
  say "raw outputs: $W/results; this report: $report"
}

main
