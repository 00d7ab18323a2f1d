#!/usr/bin/python3
"""The bird lab: the appliance's anycast DNS, announced by two PoPs to a BIRD 2 router, in
network namespaces made for this run only (python3 standard library; needs root).

    lab.py --build-dir DIR [--keep]

Topology (names carry this process's PID, so two runs never collide; test addresses exist only
inside these namespaces, nothing on the host is touched):

    <p>p1 (AS64510) 192.0.2.2/30 ==veth== 192.0.2.1/30 ┐
    <p>p2 (AS64510) 192.0.2.6/30 ==veth== 192.0.2.5/30 ┤ <p>r: BIRD 2, AS64500, kernel export
    <p>c  198.51.100.2/30 (default via .1) ==veth== 198.51.100.1/30 ┘

Each PoP is one appliance with its own config database, set up with cdnctl only: the anycast
203.0.113.53/32 on its loopback, the real cdn-dnsd serving lab.example. on it and on 127.0.0.1
(NSID and the TXT record pop.lab.example. name the PoP), the real cdn-healthd checking cdn-dnsd
(dns check, 0.5 s interval, rise 2, fall 2) and ExaBGP 4.2 from `cdnctl bgp render`, whose
process is the real cdn-exabgp-bridge. BIRD exports its best IPv4 path into the router
namespace's kernel table, so the client's DNS queries to the anycast address follow BGP.

IPv6 over the IPv4 sessions (MP-BGP): each PoP also has the anycast 2001:db8:53::53/128, bound to
the same `dns` service, with its veth's link-local address (fe80::..., read after DAD) as the
explicit next hop (`next-hop self` would send 0.0.0.0, see notes/bgp-lab.md (f)). `cdnctl bgp
render` then adds `ipv6 unicast` to the neighbor's families; BIRD's PoP protocols have an
`ipv6 { import all; export none; }` channel (master6, not exported to the kernel; the client is
IPv4 only, so the IPv6 checks are on BIRD's view).

Scenarios (in this order; PoP 1 is preferred while both announce: lower router id):
  1  both PoPs' paths appear in BIRD; the client gets DNS answers from the anycast address;
     both PoPs' IPv6 paths are in BIRD's master6 as reachable unicast via the link-local next
     hop each PoP gave, on its link, while the IPv4 next hops stay 192.0.2.2/192.0.2.6 and
     BIRD's log has no NEXT_HOP error (the rendered exabgp.conf has `ipv6 unicast`)
  2  SIGTERM of PoP 1's cdn-dnsd withdraws its path within fall x interval + 1 s while the
     client sends a steady stream (50 qps, 200 ms timeouts); the stream goes on at PoP 2;
     prints withdraw_seconds and lost_queries; PoP 1's IPv6 path (same service) is withdrawn
     within the same bound, PoP 2's stays; prints withdraw6_seconds
  3  cdn-dnsd restarted: the path comes back after rise x interval + bgp.reannounce_delay (1 s),
     and PoP 1's IPv6 path with it
  4  `cdnctl drain PREFIX --graceful 6` in PoP 1: PoP 1's path stays with a longer AS path and
     65535:0 and BIRD prefers PoP 2; the path goes after the graceful time; undrain restores it
  5  SIGKILL of PoP 1's cdn-healthd: the bridge withdraws after bgp.grace (3 s); prints
     healthd_death_withdraw_seconds; healthd restarted, the path comes back
  6  SIGKILL of PoP 2's ExaBGP: BIRD drops the path when the session closes; the bridge exits
     on stdin EOF (no orphan); ExaBGP restarted, the bridge announces again
  7  a flapping exec check added to PoP 1's prefix (check, service, prefix, cdnctl apply):
     toggling its file 6 times holds the prefix down; `cdnctl bgp status` says "held down"
     while the check is up, and BIRD has no PoP 1 path
  teardown: every process stopped by PID, namespaces deleted by name, temp dir removed, also
     when a step failed or SIGTERM/SIGINT arrived

Times come from BIRD's log (`timeformat log "%s.%3f"`) against the time of the action, and as
observed by polling birdc every 20 ms. Every wait is bounded in time and in count. The last
line is `bird-lab: N passed, M failed`.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"

ANYCAST = "203.0.113.53"
PREFIX = ANYCAST + "/32"
ANYCAST6 = "2001:db8:53::53"  # announced with the PoP's link-local next hop, not on the client
PREFIX6 = ANYCAST6 + "/128"
# what BIRD logs when an UPDATE's next hop is bad (notes/bgp-lab.md (f))
NEXT_HOP_ERRORS = ("Invalid NEXT_HOP", "Missing mandatory NEXT_HOP", "mismatched address family",
                   "Malformed")
ZONE = "lab.example."
POP_NAME = "pop.lab.example."  # TXT: the PoP's name
ROUTER_AS = 64500
POP_AS = 64510
HOLD_TIME = 9  # BIRD's side; the PoPs' is bgp.hold_time (default 9)

# the health check of cdn-dnsd, and the BGP settings of the lab
CHECK_INTERVAL = 0.5
CHECK_TIMEOUT = 0.4
CHECK_RISE = 2
CHECK_FALL = 2
REANNOUNCE_DELAY = 1
GRACE = 3
DRAIN_GRACEFUL = 6
DRAIN_PREPEND = 3  # bgp.drain_prepend default
GRACEFUL_SHUTDOWN = "(65535,0)"  # RFC 8326, as BIRD prints it

# the client's stream in scenario 2
STREAM_RATE = 50
STREAM_COUNT = 300  # 6 s
STREAM_TIMEOUT = 0.2
STREAM_KILL_AFTER = 1.5

# the flapping check of scenario 7 (damping defaults: more than 4 changes in 60 s hold down)
FLAP_TOGGLES = 6
FLAP_INTERVAL = 0.2

POLL_INTERVAL = 0.02
SESSION_TIMEOUT = 30.0
ROUTE_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
READY_TIMEOUT = 10.0
DAD_TIMEOUT = 5.0  # the PoP's link-local address leaves `tentative`


class LabError(AssertionError):
    pass


def now():
    return time.time()


def run(argv, check=True, timeout=10.0):
    """One short command, bounded in time; its output, or LabError naming what failed."""
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LabError("timed out after %.0f s: %s" % (timeout, " ".join(argv)))
    if check and done.returncode != 0:
        raise LabError("failed (%d): %s: %s" % (done.returncode, " ".join(argv),
                                                (done.stderr or done.stdout).strip()))
    return done.stdout


def wait_until(what, predicate, timeout, interval=POLL_INTERVAL):
    """Polls predicate() until it returns a true value (returned), at most `timeout` seconds and
    timeout/interval+1 tries; LabError on expiry."""
    deadline = now() + timeout
    for _ in range(int(timeout / interval) + 1):
        value = predicate()
        if value:
            return value
        if now() >= deadline:
            break
        time.sleep(interval)
    raise LabError("timed out after %.1f s waiting for %s" % (timeout, what))


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as gone
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def read_from(path, offset):
    try:
        with open(path, errors="replace") as f:
            f.seek(offset)
            return f.read()
    except OSError:
        return ""


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# ---------------------------------------------------------------- the lab

class Lab:
    def __init__(self, build_dir, keep=False):
        self.tag = "bl%d" % os.getpid()
        self.router = self.tag + "r"
        self.pops = [self.tag + "p1", self.tag + "p2"]
        self.client = self.tag + "c"
        self.keep = keep
        build = os.path.abspath(build_dir)
        self.cdnctl_bin = os.path.join(build, "cli", "cdnctl")
        self.dnsd_bin = os.path.join(build, "dns", "cdn-dnsd")
        self.healthd_bin = os.path.join(build, "healthd", "cdn-healthd")
        self.bridge_bin = os.path.join(build, "bgp", "cdn-exabgp-bridge")
        self.dir = tempfile.mkdtemp(prefix="bird-lab-%d-" % os.getpid())
        self.namespaces = []  # created by this run, deleted by name
        self.owned = True  # false when the names were taken before this run started
        self.procs = {}  # name -> Popen of its latest start
        self.all_procs = []  # (name, Popen) of every start, stopped by PID
        self.extra_pids = {}  # name -> pid of processes not our children (ExaBGP's bridges)
        self.bird_sock = self.path("bird.ctl")
        self.bird_log = self.path("bird.log")
        # PoP i: router side address, PoP side address (also its router id and next hop)
        self.links = [("192.0.2.1", "192.0.2.2"), ("192.0.2.5", "192.0.2.6")]
        # PoP i: its IPv6 next hop for PREFIX6 (its veth's link-local address), once read
        self.next_hops6 = {}

    def router_if(self, i):
        return "%sr%d" % (self.tag, i)

    def pop_if(self, i):
        return "%sp%d" % (self.tag, i)

    def binaries(self):
        return [self.cdnctl_bin, self.dnsd_bin, self.healthd_bin, self.bridge_bin]

    def all_namespaces(self):
        return [self.router] + self.pops + [self.client]

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def pop_path(self, i, *parts):
        return self.path("pop%d" % i, *parts)

    def db(self, i):
        return self.pop_path(i, "config.db")

    def run_dir(self, i):
        return self.pop_path(i, "run")

    def flag_file(self, i):
        return self.pop_path(i, "flap.up")

    # -- namespaces and links
    def build_network(self):
        existing = [ns for ns in self.all_namespaces() if os.path.exists("/run/netns/" + ns)]
        if existing:
            # not ours: a leftover of another run with the same PID; left alone
            self.owned = False
            raise LabError("network namespace(s) %s already exist" % " ".join(existing))
        for ns in self.all_namespaces():
            out = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True,
                                 timeout=10)
            if out.returncode != 0:
                raise LabError("cannot create network namespace %s: %s" %
                               (ns, out.stderr.strip() or "ip netns add failed"))
            self.namespaces.append(ns)
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        # veth pairs created directly inside the namespaces: no device ever appears on the host
        for i, pop in enumerate(self.pops, 1):
            router_if, pop_if = self.router_if(i), self.pop_if(i)
            run(["ip", "link", "add", router_if, "netns", self.router, "type", "veth",
                 "peer", "name", pop_if, "netns", pop])
            router_addr, pop_addr = self.links[i - 1]
            run(["ip", "-n", self.router, "addr", "add", router_addr + "/30", "dev", router_if])
            run(["ip", "-n", pop, "addr", "add", pop_addr + "/30", "dev", pop_if])
            run(["ip", "-n", self.router, "link", "set", router_if, "up"])
            run(["ip", "-n", pop, "link", "set", pop_if, "up"])
            run(["ip", "-n", pop, "addr", "add", PREFIX, "dev", "lo"])
            run(["ip", "-n", pop, "route", "add", "default", "via", router_addr])
        router_if, client_if = self.tag + "rc", self.tag + "c0"
        run(["ip", "link", "add", router_if, "netns", self.router, "type", "veth",
             "peer", "name", client_if, "netns", self.client])
        run(["ip", "-n", self.router, "addr", "add", "198.51.100.1/30", "dev", router_if])
        run(["ip", "-n", self.client, "addr", "add", "198.51.100.2/30", "dev", client_if])
        run(["ip", "-n", self.router, "link", "set", router_if, "up"])
        run(["ip", "-n", self.client, "link", "set", client_if, "up"])
        run(["ip", "-n", self.client, "route", "add", "default", "via", "198.51.100.1"])
        for key in ("net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0"):
            run(["ip", "netns", "exec", self.router, "sysctl", "-q", "-w", key])

    # -- processes
    def start(self, name, argv, env=None):
        """Starts a process; its output is appended to NAME.out (restarts keep the earlier
        output). Returns the Popen and the offset in NAME.out where this start's output
        begins."""
        out_path = self.path(name + ".out")
        offset = file_size(out_path)
        out = open(out_path, "a")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        self.procs[name] = proc
        self.all_procs.append((name, proc))
        return proc, offset

    def wait_output(self, name, proc, offset, text, timeout=READY_TIMEOUT):
        """Waits for `text` in NAME.out after `offset`; LabError if the process exits first."""
        def seen():
            if text in read_from(self.path(name + ".out"), offset):
                return True
            if proc.poll() is not None:
                raise LabError("%s exited (%d) before printing %s; its output: %s" % (
                    name, proc.returncode, text,
                    read_from(self.path(name + ".out"), offset).strip()[-600:]))
            return False
        wait_until("%s to print %s" % (name, text), seen, timeout, 0.02)

    # -- cdnctl, one database and run dir per PoP
    def cdnctl(self, i, *args, check=True, timeout=40.0):
        """Runs cdnctl for PoP i; (exit code, stdout, stderr). With check, an exit code other
        than 0 is a LabError quoting the command and its output."""
        argv = [self.cdnctl_bin, "--db", self.db(i), "--run-dir", self.run_dir(i)] + list(args)
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LabError("timed out after %.0f s: cdnctl %s" % (timeout, " ".join(args)))
        with open(self.pop_path(i, "cdnctl.log"), "a") as log:
            log.write("%.3f $ cdnctl %s\n-> %d\n%s%s" % (now(), " ".join(args), done.returncode,
                                                       done.stdout, done.stderr))
        if check and done.returncode != 0:
            raise LabError("`cdnctl %s` in pop%d exited %d: %s" % (
                " ".join(args), i, done.returncode,
                (done.stderr.strip() + " " + done.stdout.strip()).strip()))
        return done.returncode, done.stdout, done.stderr

    def cdnctl_json(self, i, *args):
        _, out, _ = self.cdnctl(i, *(list(args) + ["--json"]), timeout=15.0)
        try:
            return json.loads(out)
        except ValueError:
            raise LabError("`cdnctl %s --json` in pop%d printed no JSON: %s" % (
                " ".join(args), i, out.strip()[:300]))

    def prefix_status(self, i, prefix=PREFIX):
        """PoP i's `cdnctl bgp status --json` entry for `prefix` ({} when missing)."""
        status = self.cdnctl_json(i, "bgp", "status")
        for item in status.get("prefixes", []):
            if item.get("prefix") == prefix:
                return item
        return {}

    def check_state(self, i, name):
        for item in self.cdnctl_json(i, "health").get("checks", []):
            if item.get("name") == name:
                return item.get("state", "")
        return ""

    def link_local(self, i):
        """PoP i's link-local address on its veth, once DAD is done (bounded): its IPv6 next
        hop."""
        def ready():
            out = run(["ip", "-n", self.pops[i - 1], "-6", "addr", "show", "dev",
                       self.pop_if(i), "scope", "link"])
            m = re.search(r"inet6 (fe80:[0-9a-f:]+)/\d+ scope link(.*)", out)
            if not m:
                return None
            if "dadfailed" in m.group(2):
                raise LabError("DAD failed for %s in %s: %s" % (m.group(1), self.pops[i - 1],
                                                                out.strip()))
            return None if "tentative" in m.group(2) else m.group(1)
        return wait_until("a link-local address on %s in %s, DAD done" % (
            self.pop_if(i), self.pops[i - 1]), ready, DAD_TIMEOUT, 0.05)

    def configure_pop(self, i):
        os.makedirs(self.run_dir(i), exist_ok=True)
        router_addr, pop_addr = self.links[i - 1]
        self.next_hops6[i] = self.link_local(i)
        zone = self.pop_path(i, "lab.example.zone")
        with open(zone, "w") as f:
            f.write("""\
$ORIGIN %(zone)s
$TTL 60
@    IN SOA ns1.%(zone)s hostmaster.%(zone)s 1 3600 900 604800 60
@    IN NS  ns1.%(zone)s
ns1  IN A   %(anycast)s
pop  IN TXT "pop%(i)d"
""" % {"zone": ZONE, "anycast": ANYCAST, "i": i})
        c = lambda *args: self.cdnctl(i, *args)
        c("init")
        c("zone", "import", ZONE.rstrip("."), zone)
        c("set", "dns.nsid", "pop%d" % i)
        c("set", "bgp.local_as", str(POP_AS))
        c("set", "bgp.router_id", pop_addr)
        c("set", "bgp.local_address", pop_addr)
        c("set", "bgp.reannounce_delay", str(REANNOUNCE_DELAY))
        c("set", "bgp.grace", str(GRACE))
        c("bgp", "neighbor", "add", router_addr, "--peer-as", str(ROUTER_AS))
        c("check", "add", "dnsd", "--kind", "dns", "--target", "127.0.0.1:53",
          "--qname", ZONE, "--qtype", "SOA", "--interval", str(CHECK_INTERVAL),
          "--timeout", str(CHECK_TIMEOUT), "--rise", str(CHECK_RISE), "--fall", str(CHECK_FALL))
        c("service", "add", "dns", "--check", "dnsd")
        c("prefix", "add", PREFIX, "--next-hop", pop_addr, "--service", "dns")
        # IPv6 over the IPv4 session: an explicit IPv6 next hop, never `self`
        c("prefix", "add", PREFIX6, "--next-hop", self.next_hops6[i], "--service", "dns")
        c("bgp", "render", "--bridge", self.bridge_bin, "--output",
          self.pop_path(i, "exabgp.conf"))

    # -- the daemons of a PoP
    def start_dnsd(self, i):
        name = "dnsd%d" % i
        proc, offset = self.start(name, [
            "ip", "netns", "exec", self.pops[i - 1], self.dnsd_bin, "--db", self.db(i),
            "--listen", ANYCAST + ":53", "--listen", "127.0.0.1:53",
            "--control", os.path.join(self.run_dir(i), "dnsd.sock"),
            "--metrics", "127.0.0.1:9531", "--threads", "1", "--foreground"])
        self.wait_output(name, proc, offset, "event=dnsd.ready")
        return proc

    def start_healthd(self, i):
        name = "healthd%d" % i
        proc, offset = self.start(name, [
            "ip", "netns", "exec", self.pops[i - 1], self.healthd_bin, "--db", self.db(i),
            "--control", os.path.join(self.run_dir(i), "healthd.sock"),
            "--dnsd-control", os.path.join(self.run_dir(i), "dnsd.sock"), "--foreground"])
        self.wait_output(name, proc, offset, "event=healthd.ready")
        return proc

    def bridge_pids(self, i):
        """PIDs of running cdn-exabgp-bridge processes of PoP i (found by their command line,
        which holds this run's temp dir)."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv and argv[0] == self.bridge_bin.encode() and self.db(i).encode() in argv \
                    and pid_alive(int(entry)):
                found.append(int(entry))
        return found

    def start_exabgp(self, i):
        _, env_text, _ = self.cdnctl(i, "bgp", "render", "--env")
        env = dict(os.environ)
        for line in env_text.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                env[key.strip()] = value.strip()
        if env.get("exabgp_api_ack") != "true" or env.get("exabgp_api_cli") != "false":
            raise LabError("`cdnctl bgp render --env` did not turn acks on and the CLI off: %r"
                           % env_text)
        env.update({
            "exabgp_daemon_daemonize": "false",
            "exabgp_daemon_user": "root",
            "exabgp_daemon_drop": "false",
            "exabgp_daemon_pid": self.pop_path(i, "exabgp.pid"),
            "exabgp_log_destination": self.path("exabgp%d.log" % i),
        })
        before = set(self.bridge_pids(i))
        # `ip netns exec` execs, so the PID is ExaBGP's own
        proc, _ = self.start("exabgp%d" % i, ["ip", "netns", "exec", self.pops[i - 1], "exabgp",
                                              self.pop_path(i, "exabgp.conf")], env=env)

        def bridge_started():
            if proc.poll() is not None:
                raise LabError("PoP %d's ExaBGP exited (%d) before its bridge started; see "
                               "exabgp%d.out" % (i, proc.returncode, i))
            return [pid for pid in self.bridge_pids(i) if pid not in before]
        pids = wait_until("PoP %d's cdn-exabgp-bridge to start" % i, bridge_started, 10.0, 0.05)
        self.extra_pids["bridge%d.%d" % (i, len(self.extra_pids))] = pids[0]
        return proc, pids[0]

    def start_pop(self, i):
        self.configure_pop(i)
        self.start_dnsd(i)
        self.start_healthd(i)

    # -- BIRD
    def write_bird_conf(self):
        peers = "".join(
            "protocol bgp pop%d from pops { neighbor %s as %d; }\n" % (i, pop_addr, POP_AS)
            for i, (_, pop_addr) in enumerate(self.links, 1))
        conf = """\
log "%(log)s" all;
timeformat log "%%s.%%3f";
router id 192.0.2.1;
debug protocols { states, routes };
protocol device { scan time 1; }
# the best path goes into this namespace's kernel table, so the client's packets follow BGP
protocol kernel { ipv4 { import none; export all; }; }

template bgp pops {
    local as %(router_as)d;
    hold time %(hold)d;
    connect retry time 2;
    connect delay time 1;
    error wait time 1, 5;
    ipv4 { import all; export none; };
    # IPv6 NLRI over the IPv4 session, next hop the PoP's link-local address (master6 only)
    ipv6 { import all; export none; };
}
%(peers)s""" % {"log": self.bird_log, "router_as": ROUTER_AS, "hold": HOLD_TIME,
                "peers": peers}
        path = self.path("bird.conf")
        with open(path, "w") as f:
            f.write(conf)
        run(["bird", "-p", "-c", path])
        return path

    def start_bird(self):
        conf = self.write_bird_conf()
        self.start("bird", ["ip", "netns", "exec", self.router, "bird", "-f", "-c", conf,
                            "-s", self.bird_sock, "-P", self.path("bird.pid")])
        wait_until("BIRD's control socket", lambda: self.birdc_ok("show status"), 10.0, 0.05)

    def birdc(self, *command):
        return run(["birdc", "-s", self.bird_sock] + list(command), timeout=5.0)

    def birdc_ok(self, *command):
        try:
            return "Daemon is up and running" in self.birdc(*command)
        except LabError:
            return False

    def show_route(self, prefix=PREFIX):
        """`show route all` lines of `prefix`, for messages."""
        out, keep = [], False
        for line in self.birdc("show", "route", "all").splitlines():
            if line.startswith(("BIRD ", "Table ")):
                continue
            if line and not line[0].isspace():
                keep = line.split()[0] == prefix
            if keep:
                out.append(line.strip())
        return " | ".join(out)

    def paths(self, prefix=PREFIX):
        """`show route all`, read for `prefix`: {protocol: {"best", "next_hop", "iface", "kind",
        "as_path", "community", "bgp_next_hop"}}."""
        out = self.birdc("show", "route", "all")
        paths, current, proto = {}, None, None
        for line in out.splitlines():
            if not line.strip() or line.startswith(("BIRD ", "Table ")):
                continue
            if not line[0].isspace():  # a new prefix, with its first path
                current = line.split()[0]
            m = re.search(r"^\S*\s+(unicast|unreachable|blackhole|prohibit)\s+\[(\S+)\s.*?\](\s+\*)?",
                          line)
            if m:
                proto = m.group(2)
                if current == prefix:
                    paths[proto] = {"best": bool(m.group(3)), "next_hop": "", "iface": "",
                                    "kind": m.group(1), "as_path": "", "community": "",
                                    "bgp_next_hop": ""}
                continue
            if current != prefix or proto not in paths:
                continue
            m = re.match(r"\s+via (\S+)(?: on (\S+))?", line)
            if m:
                paths[proto]["next_hop"] = m.group(1)
                paths[proto]["iface"] = m.group(2) or ""
            m = re.match(r"\s+BGP\.next_hop:\s*(.*)$", line)
            if m:
                paths[proto]["bgp_next_hop"] = m.group(1).strip()
            m = re.match(r"\s+BGP\.as_path:\s*(.*)$", line)
            if m:
                paths[proto]["as_path"] = m.group(1).strip()
            m = re.match(r"\s+BGP\.community:\s*(.*)$", line)
            if m:
                paths[proto]["community"] = m.group(1).strip()
        return paths

    def protocol_state(self, name):
        for line in self.birdc("show", "protocols", name).splitlines():
            fields = line.split()
            if fields and fields[0] == name:
                return " ".join(fields[3:])
        return ""

    def bird_route_events(self, proto, prefix=PREFIX):
        """[(epoch, 'added'|'removed'|...)] for `prefix` imported from `proto`, from BIRD's
        log."""
        events = []
        channel = "ipv6" if ":" in prefix else "ipv4"
        pattern = re.compile(r"^(\d+\.\d+) <TRACE> %s\.%s > (\w+)\b.*\s%s(?=\s|$)" %
                             (re.escape(proto), channel, re.escape(prefix)))
        for line in read_lines(self.bird_log):
            m = pattern.match(line)
            if m:
                events.append((float(m.group(1)), m.group(2)))
        return events

    # -- the client
    def probe(self, timeout=0.5):
        """One DNS query from the client to the anycast address: "TXT NSID" or "lost"."""
        out = run(["ip", "netns", "exec", self.client, PYTHON,
                   os.path.join(HERE, "dns_probe.py"), "probe", ANYCAST, POP_NAME, str(timeout)],
                  check=False, timeout=timeout + 10)
        return out.strip()

    def wait_client_reaches(self, pop, timeout=5.0):
        """Waits until the anycast address answers with `pop` as TXT and as NSID."""
        seen = []

        def reached():
            answer = self.probe()
            seen.append(answer)
            return answer == "%s %s" % (pop, pop)
        try:
            wait_until("the client to reach %s" % pop, reached, timeout, 0.05)
        except LabError:
            raise LabError("the client did not get answers from %s within %.0f s (answers: %s)"
                           % (pop, timeout, ", ".join(seen[-5:])))
        return len(seen)

    def start_stream(self, rate, count, timeout):
        return self.start("stream", [
            "ip", "netns", "exec", self.client, PYTHON, os.path.join(HERE, "dns_probe.py"),
            "stream", ANYCAST, POP_NAME, str(rate), str(count), str(timeout)])

    def show_logs(self, lines=12):
        """The last lines of every log of this run, for a failed run."""
        names = []
        for root, _, files in os.walk(self.dir):
            names += [os.path.join(root, f) for f in files if f.endswith((".log", ".out"))]
        for name in sorted(names):
            tail = read_lines(name)[-lines:]
            if tail:
                print("---- %s (last %d lines)" % (os.path.relpath(name, self.dir), len(tail)))
                for line in tail:
                    print("    " + line)
        sys.stdout.flush()

    # -- teardown
    def teardown(self):
        """Everything this run started, by PID, and every namespace it made, by name. Never
        raises; returns a list of what could not be cleaned."""
        problems = []
        # ExaBGP first: its bridges then exit on stdin EOF
        for name, proc in [p for p in self.all_procs if p[0].startswith("exabgp")] + \
                [p for p in self.all_procs if not p[0].startswith("exabgp")]:
            if proc.poll() is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
        for name, proc in self.all_procs:
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    problems.append("%s (pid %d) did not stop" % (name, proc.pid))
        # ExaBGP's bridges are not our children: they exit on stdin EOF when ExaBGP goes;
        # anything left is stopped by its PID after checking what it runs.
        for name, pid in self.extra_pids.items():
            try:
                wait_until("%s to exit" % name, lambda: not pid_alive(pid), STOP_TIMEOUT, 0.05)
            except LabError:
                try:
                    with open("/proc/%d/cmdline" % pid, "rb") as f:
                        ours = self.dir.encode() in f.read()
                    if ours:
                        os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        # every name this run may have made, also one whose `ip netns add` was interrupted
        for ns in self.all_namespaces() if self.owned else []:
            if ns not in self.namespaces and os.path.exists("/run/netns/" + ns):
                self.namespaces.append(ns)
        for ns in reversed(self.namespaces):
            # a process still inside a namespace this run made is this run's: stop it by PID
            try:
                pids = run(["ip", "netns", "pids", ns], check=False).split()
            except LabError:
                pids = []
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            try:
                run(["ip", "netns", "del", ns])
            except LabError as e:
                problems.append(str(e))
        self.namespaces = []
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        return problems


# ---------------------------------------------------------------- scenarios

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.measures = []  # (key, text)

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""),
              flush=True)

    def measure(self, key, value):
        text = str(value) if isinstance(value, int) else "%.3f" % value
        self.measures = [(k, v) for k, v in self.measures if k != key] + [(key, text)]


def scenario(report, name, body):
    """Runs one check; an exception is a failure with its message."""
    try:
        detail = body()
    except LabError as e:
        report.check(name, False, str(e))
        return False
    except Exception as e:  # a bug in the lab itself is still a failed check, with its trace
        report.check(name, False, "%s: %s" % (type(e).__name__, e))
        traceback.print_exc()
        return False
    report.check(name, True, detail or "")
    return True


def route_change_time(lab, proto, kinds, after, prefix=PREFIX):
    """BIRD's log stamp of the first change of `kinds` to `prefix` from `proto` at or after
    `after` (BIRD stamps whole milliseconds: never earlier than `after`)."""
    if isinstance(kinds, str):
        kinds = (kinds,)
    for stamp, event in lab.bird_route_events(proto, prefix):
        if event in kinds and stamp >= after - 0.002:
            return max(stamp, after)
    return None


def removal_time(lab, proto, after, prefix=PREFIX):
    return wait_until("BIRD's log line for %s's removal of %s" % (proto, prefix),
                      lambda: route_change_time(lab, proto, "removed", after, prefix), 2.0)


def added_time(lab, proto, after, prefix=PREFIX):
    return wait_until("BIRD's log line for %s's path to %s" % (proto, prefix),
                      lambda: route_change_time(lab, proto, "added", after, prefix), 2.0)


def has_paths(lab, *protos, prefix=PREFIX):
    paths = lab.paths(prefix)
    return paths if set(protos) <= set(paths) else None


def next_hop_errors(lab):
    """BIRD's log lines about a bad NEXT_HOP in an UPDATE (none is expected)."""
    return [line for line in read_lines(lab.bird_log)
            if any(text in line for text in NEXT_HOP_ERRORS)]


def read_stream(path):
    """The stream's lines: [(seq, sent, result)] and its summary line."""
    queries, summary = [], ""
    for line in read_lines(path):
        fields = line.split()
        if fields and fields[0] == "done":
            summary = line
        elif len(fields) == 4 and fields[0].isdigit():
            queries.append((int(fields[0]), float(fields[1]), fields[2]))
    return queries, summary


def run_scenarios(lab, report):
    for binary in lab.binaries():
        if not os.access(binary, os.X_OK):
            raise LabError("%s is missing (build first: make build)" % binary)
    # -- setup: network, BIRD, then per PoP dnsd, healthd, ExaBGP with the bridge
    lab.build_network()
    lab.start_bird()
    for i in (1, 2):
        lab.start_pop(i)
    started = now()
    for i in (1, 2):
        lab.start_exabgp(i)

    def s1_paths():
        paths = wait_until("both PoPs' paths in BIRD", lambda: has_paths(lab, "pop1", "pop2"),
                           SESSION_TIMEOUT)
        took = now() - started
        report.measure("setup_both_paths_seconds", took)
        hops = {proto: paths[proto]["next_hop"] for proto in ("pop1", "pop2")}
        if hops != {"pop1": "192.0.2.2", "pop2": "192.0.2.6"}:
            raise LabError("unexpected next hops %s" % hops)
        best = [p for p, v in paths.items() if v["best"]]
        return "next hops %s, best %s, %.3f s after ExaBGP start" % (
            ", ".join("%s via %s" % kv for kv in sorted(hops.items())), "/".join(best), took)
    if not scenario(report, "1: both PoPs' paths in BIRD", s1_paths):
        return
    scenario(report, "1: the client gets DNS answers from the anycast address (pop1, best path)",
             lambda: "TXT and NSID pop1, after %d probe(s)" % lab.wait_client_reaches("pop1"))

    def s1_ipv6():
        problems = []
        for i in (1, 2):
            with open(lab.pop_path(i, "exabgp.conf")) as f:
                families = [line.strip() for line in f if line.strip().startswith("family")]
            if not families or any("ipv6 unicast" not in line for line in families):
                problems.append("pop%d's exabgp.conf lacks ipv6 unicast: %s" % (i, families))
        paths6 = wait_until("both PoPs' IPv6 paths in BIRD",
                            lambda: has_paths(lab, "pop1", "pop2", prefix=PREFIX6),
                            ROUTE_TIMEOUT)
        for i in (1, 2):
            path, want = paths6["pop%d" % i], lab.next_hops6[i]
            # BIRD shows a link-local-only next hop as BGP.next_hop ":: fe80::..."
            if path["kind"] != "unicast" or path["next_hop"] != want or \
                    path["iface"] != lab.router_if(i) or \
                    want not in path["bgp_next_hop"].split():
                problems.append("pop%d's IPv6 path is %s via %s on %s (BGP.next_hop %s), want "
                                "unicast via %s on %s" % (
                                    i, path["kind"], path["next_hop"] or "-",
                                    path["iface"] or "-", path["bgp_next_hop"] or "-", want,
                                    lab.router_if(i)))
        # the IPv4 paths next to them, unchanged by the IPv6 NLRI in the same session
        paths4 = lab.paths()
        hops4 = {proto: (paths4[proto]["kind"], paths4[proto]["next_hop"])
                 for proto in ("pop1", "pop2") if proto in paths4}
        if hops4 != {"pop1": ("unicast", "192.0.2.2"), "pop2": ("unicast", "192.0.2.6")}:
            problems.append("IPv4 paths now %s, want unicast via 192.0.2.2 and 192.0.2.6" %
                            hops4)
        errors = next_hop_errors(lab)
        if errors:
            problems.append("BIRD logged %d NEXT_HOP error(s), first: %s" % (len(errors),
                                                                             errors[0]))
        if problems:
            raise LabError("; ".join(problems) + " (IPv6: %s; IPv4: %s)" % (
                lab.show_route(PREFIX6), lab.show_route()))
        best = [p for p, v in paths6.items() if v["best"]]
        return "%s; best %s; IPv4 still via 192.0.2.2/192.0.2.6; no NEXT_HOP errors; ipv6 " \
               "unicast in both exabgp.conf" % (
                   ", ".join("pop%d via %s on %s (BGP.next_hop %s)" % (
                       i, paths6["pop%d" % i]["next_hop"], paths6["pop%d" % i]["iface"],
                       paths6["pop%d" % i]["bgp_next_hop"]) for i in (1, 2)), "/".join(best))
    scenario(report, "1: both PoPs' IPv6 paths in BIRD with their link-local next hops, IPv4 "
             "intact", s1_ipv6)

    # -- 2: cdn-dnsd of PoP 1 stopped while the client sends a stream
    withdraw_bound = CHECK_FALL * CHECK_INTERVAL + 1.0
    state = {}

    def s2_withdraw():
        if "pop1" not in lab.paths():
            raise LabError("pop1's path is not in BIRD before the stop")
        stream, _ = lab.start_stream(STREAM_RATE, STREAM_COUNT, STREAM_TIMEOUT)
        state["stream"] = stream
        time.sleep(STREAM_KILL_AFTER)
        if stream.poll() is not None:
            raise LabError("the client's stream exited early (%d)" % stream.returncode)
        killed = now()
        state["killed"] = killed
        lab.procs["dnsd1"].send_signal(signal.SIGTERM)
        wait_until("pop1's path to leave BIRD", lambda: "pop1" not in lab.paths(),
                   ROUTE_TIMEOUT)
        observed = now() - killed
        if "pop2" not in lab.paths():
            raise LabError("pop2's path went away too")
        removed = removal_time(lab, "pop1", killed)
        state["removed"] = removed
        took = removed - killed
        report.measure("withdraw_seconds", took)
        lab.procs["dnsd1"].wait(STOP_TIMEOUT)
        if took > withdraw_bound:
            raise LabError("withdrawn %.3f s after SIGTERM, more than fall x interval + 1 s = "
                           "%.1f s" % (took, withdraw_bound))
        return "%.3f s from SIGTERM to BIRD's change (observed %.3f s; bound %.1f s)" % (
            took, observed, withdraw_bound)
    withdrawn = scenario(report, "2: SIGTERM of pop1's cdn-dnsd withdraws its path",
                         s2_withdraw)

    def s2_ipv6():
        killed = state.get("killed")
        if killed is None:
            raise LabError("cdn-dnsd was not stopped")
        wait_until("pop1's IPv6 path to leave BIRD",
                   lambda: "pop1" not in lab.paths(PREFIX6), ROUTE_TIMEOUT)
        removed = removal_time(lab, "pop1", killed, PREFIX6)
        took = removed - killed
        report.measure("withdraw6_seconds", took)
        paths6 = lab.paths(PREFIX6)
        if "pop2" not in paths6 or paths6["pop2"]["next_hop"] != lab.next_hops6[2]:
            raise LabError("pop2's IPv6 path is not there as before: %s" %
                           lab.show_route(PREFIX6))
        if took > withdraw_bound:
            raise LabError("IPv6 path withdrawn %.3f s after SIGTERM, more than fall x "
                           "interval + 1 s = %.1f s" % (took, withdraw_bound))
        gap = ""
        if "removed" in state:
            gap = " (%+.3f s from the IPv4 withdraw)" % (removed - state["removed"])
        return "%.3f s from SIGTERM to BIRD's change%s; pop2's IPv6 path stays" % (took, gap)
    scenario(report, "2: pop1's IPv6 path (same service) is withdrawn too", s2_ipv6)

    def s2_stream():
        stream = state.get("stream")
        if stream is None:
            raise LabError("no stream was started")
        try:
            stream.wait(STREAM_COUNT / STREAM_RATE + STREAM_TIMEOUT + 5.0)
        except subprocess.TimeoutExpired:
            raise LabError("the client's stream did not end in time")
        queries, summary = read_stream(lab.path("stream.out"))
        if not summary or not queries:
            raise LabError("the stream printed no summary: %s" % summary)
        lost = [q for q in queries if q[2] == "lost"]
        report.measure("lost_queries", len(lost))
        if not withdrawn:
            raise LabError("no withdraw to measure the stream against (%s)" % summary)
        killed, removed = state["killed"], state["removed"]
        settle = removed + 0.3
        before = [q for q in queries if q[1] < killed - STREAM_TIMEOUT]
        after = [q for q in queries if q[1] > settle]
        problems = []
        if not before or any(q[2] != "pop1" for q in before):
            problems.append("before the stop not all answered by pop1: %s" %
                            sorted(set(q[2] for q in before)))
        if not after or any(q[2] != "pop2" for q in after):
            problems.append("after the switch not all answered by pop2: %s" %
                            sorted(set(q[2] for q in after)))
        stray = [q for q in lost if not killed - STREAM_TIMEOUT <= q[1] <= settle]
        if stray:
            problems.append("%d queries lost outside the switch (first at %+.3f s from the "
                            "stop)" % (len(stray), stray[0][1] - killed))
        # the queries sent between the stop and the withdraw may be lost, no others
        most = int((removed - killed + STREAM_TIMEOUT + 0.3) * STREAM_RATE) + 1
        if len(lost) > most:
            problems.append("%d lost, more than the %d sent while the path pointed at a "
                            "stopped server" % (len(lost), most))
        if problems:
            raise LabError("; ".join(problems) + " (%s)" % summary)
        window = "%.3f to %.3f s after the stop" % (lost[0][1] - killed, lost[-1][1] - killed) \
            if lost else "none"
        return "%s; %d lost (sent %s), %d answered by pop1 before, %d by pop2 after" % (
            summary, len(lost), window, len(before), len(after))
    scenario(report, "2: the client's stream goes on at pop2", s2_stream)

    # -- 3: cdn-dnsd of PoP 1 restarted
    reannounce_bound = CHECK_RISE * CHECK_INTERVAL + REANNOUNCE_DELAY

    def s3_reannounce():
        if "pop1" in lab.paths():
            raise LabError("pop1's path is in BIRD before the restart")
        restarted = now()
        lab.start_dnsd(1)
        reasons = set()

        def back():
            try:
                reasons.add(lab.prefix_status(1).get("reason", ""))
            except LabError:
                pass
            return "pop1" in lab.paths()
        wait_until("pop1's path to come back", back, ROUTE_TIMEOUT, 0.05)
        observed = now() - restarted
        added = added_time(lab, "pop1", restarted)
        took = added - restarted
        report.measure("reannounce_seconds", took)
        delayed = [r for r in reasons if "re-announce delay" in r]
        problems = []
        if took > reannounce_bound + 1.0:
            problems.append("back after %.3f s, more than rise x interval + delay = %.1f s "
                            "(+1 s slack)" % (took, reannounce_bound))
        if took < REANNOUNCE_DELAY:
            problems.append("back after %.3f s, before the re-announce delay (%d s)" %
                            (took, REANNOUNCE_DELAY))
        if not delayed:
            problems.append("bgp status never showed the re-announce delay (reasons seen: %s)"
                            % sorted(reasons))
        if problems:
            raise LabError("; ".join(problems))
        lab.wait_client_reaches("pop1")
        return "%.3f s from the restart to BIRD's change (observed %.3f s; rise x interval + " \
               "delay = %.1f s); status said \"%s\"; client at pop1 again" % (
                   took, observed, reannounce_bound, delayed[0])
    if scenario(report, "3: restarted cdn-dnsd re-announces after rise x interval + delay",
                s3_reannounce):
        def s3_ipv6():
            path = wait_until("pop1's IPv6 path to come back",
                              lambda: lab.paths(PREFIX6).get("pop1"), ROUTE_TIMEOUT)
            if path["next_hop"] != lab.next_hops6[1]:
                raise LabError("pop1's IPv6 path is back via %s, want %s" % (
                    path["next_hop"], lab.next_hops6[1]))
            return "via %s on %s" % (path["next_hop"], path["iface"])
        scenario(report, "3: pop1's IPv6 path comes back too", s3_ipv6)

    # -- 4: graceful drain of PoP 1, then undrain
    drained_path = "%s" % " ".join([str(POP_AS)] * (DRAIN_PREPEND + 1))
    drain = {}

    def s4_prefer():
        if not has_paths(lab, "pop1", "pop2"):
            raise LabError("both paths must be in BIRD before the drain: %s" % lab.show_route())
        issued = now()
        drain["issued"] = issued
        lab.cdnctl(1, "drain", PREFIX, "--graceful", str(DRAIN_GRACEFUL))

        def prepended():
            paths = lab.paths()
            p1, p2 = paths.get("pop1"), paths.get("pop2")
            if p1 is None:
                raise LabError("pop1's path was withdrawn before the graceful time: %s" %
                               lab.show_route())
            if p1["as_path"] == drained_path and GRACEFUL_SHUTDOWN in p1["community"] and \
                    p2 is not None and p2["best"]:
                return p1
            return None
        p1 = wait_until("pop1's path to be prepended, with 65535:0, pop2 best", prepended,
                        ROUTE_TIMEOUT)
        took = now() - issued
        status = lab.prefix_status(1)
        if status.get("desired") != "draining":
            raise LabError("bgp status: desired %r, want draining (%s)" % (
                status.get("desired"), status.get("reason")))
        lab.wait_client_reaches("pop2")
        return "%.3f s after `cdnctl drain`: pop1 as_path %s, community %s; pop2 best; " \
               "status \"%s\"; client at pop2" % (took, p1["as_path"], p1["community"],
                                                   status.get("reason"))
    if scenario(report, "4: graceful drain of pop1: longer AS path + 65535:0, BIRD prefers pop2",
                s4_prefer):
        def s4_withdraw():
            wait_until("pop1's path to leave BIRD", lambda: "pop1" not in lab.paths(),
                       DRAIN_GRACEFUL + ROUTE_TIMEOUT)
            removed = removal_time(lab, "pop1", drain["issued"])
            took = removed - drain["issued"]
            report.measure("drain_withdraw_seconds", took)
            # the drain's start is stored in whole seconds
            if not DRAIN_GRACEFUL - 1.1 <= took <= DRAIN_GRACEFUL + 2.0:
                raise LabError("withdrawn %.3f s after the drain, want about %d s" % (
                    took, DRAIN_GRACEFUL))
            if "pop2" not in lab.paths():
                raise LabError("pop2's path went away too")
            return "%.3f s after `cdnctl drain` (graceful %d s)" % (took, DRAIN_GRACEFUL)
        scenario(report, "4: pop1's path withdrawn after the graceful time", s4_withdraw)

    def s4_undrain():
        issued = now()
        lab.cdnctl(1, "undrain", PREFIX)

        def plain():
            p1 = lab.paths().get("pop1")
            return p1 if p1 and p1["best"] and p1["as_path"] == str(POP_AS) and \
                GRACEFUL_SHUTDOWN not in p1["community"] else None
        wait_until("pop1's plain path, best", plain, ROUTE_TIMEOUT)
        took = now() - issued
        report.measure("undrain_seconds", took)
        lab.wait_client_reaches("pop1")
        return "pop1's path back and best %.3f s after `cdnctl undrain` (observed); client at " \
               "pop1" % took
    scenario(report, "4: undrain brings pop1's path back", s4_undrain)

    # -- 5: cdn-healthd of PoP 1 killed
    def s5_kill():
        if "pop1" not in lab.paths():
            raise LabError("pop1's path is not in BIRD before the kill")
        killed = now()
        lab.procs["healthd1"].send_signal(signal.SIGKILL)
        wait_until("pop1's path to leave BIRD", lambda: "pop1" not in lab.paths(),
                   GRACE + ROUTE_TIMEOUT)
        observed = now() - killed
        lab.procs["healthd1"].wait(STOP_TIMEOUT)
        removed = removal_time(lab, "pop1", killed)
        took = removed - killed
        report.measure("healthd_death_withdraw_seconds", took)
        if took > GRACE + 1.0:
            raise LabError("withdrawn %.3f s after the kill, more than bgp.grace + 1 s" % took)
        if took < GRACE - 0.3:
            raise LabError("withdrawn %.3f s after the kill, before bgp.grace (%d s)" % (
                took, GRACE))
        return "%.3f s from SIGKILL to BIRD's change (observed %.3f s; bgp.grace %d s)" % (
            took, observed, GRACE)
    scenario(report, "5: SIGKILL of pop1's cdn-healthd: the bridge withdraws after the grace",
             s5_kill)

    def s5_restart():
        if lab.procs["healthd1"].poll() is None:
            raise LabError("pop1's cdn-healthd still runs")
        restarted = now()
        lab.start_healthd(1)
        wait_until("pop1's path to come back", lambda: "pop1" in lab.paths(), ROUTE_TIMEOUT)
        observed = now() - restarted
        added = added_time(lab, "pop1", restarted)
        report.measure("healthd_restart_announce_seconds", added - restarted)
        lab.wait_client_reaches("pop1")
        return "%.3f s from the restart to BIRD's change (observed %.3f s); client at pop1" % (
            added - restarted, observed)
    scenario(report, "5: restarted cdn-healthd: pop1's path comes back", s5_restart)

    # -- 6: ExaBGP of PoP 2 killed
    def s6_kill():
        if "pop2" not in lab.paths():
            raise LabError("pop2's path is not in BIRD before the kill")
        bridges = lab.bridge_pids(2)
        state["bridges2"] = bridges
        proc = lab.procs["exabgp2"]
        killed = now()
        proc.send_signal(signal.SIGKILL)
        wait_until("pop2's path to leave BIRD", lambda: "pop2" not in lab.paths(),
                   HOLD_TIME + ROUTE_TIMEOUT)
        observed = now() - killed
        proc.wait(STOP_TIMEOUT)
        removed = removal_time(lab, "pop2", killed)
        session = lab.protocol_state("pop2")
        report.measure("exabgp_death_to_bird_seconds", removed - killed)
        return "%.3f s from SIGKILL to BIRD's change (observed %.3f s); pop2 session: %s" % (
            removed - killed, observed, session)
    scenario(report, "6: SIGKILL of pop2's ExaBGP drops its path", s6_kill)

    def s6_no_orphan():
        bridges = state.get("bridges2")
        if not bridges:
            raise LabError("no cdn-exabgp-bridge of pop2 was running before the kill")
        wait_until("pop2's cdn-exabgp-bridge (pid %s) to exit on stdin EOF" % bridges,
                   lambda: not any(pid_alive(pid) for pid in bridges), STOP_TIMEOUT, 0.05)
        return "pid %s gone" % " ".join(map(str, bridges))
    scenario(report, "6: pop2's cdn-exabgp-bridge exits with its ExaBGP", s6_no_orphan)
    scenario(report, "6: the client gets answers from pop1",
             lambda: "after %d probe(s)" % lab.wait_client_reaches("pop1"))

    def s6_restart():
        restarted = now()
        _, pid = lab.start_exabgp(2)
        wait_until("pop2's path to come back", lambda: "pop2" in lab.paths(), SESSION_TIMEOUT)
        observed = now() - restarted
        added = added_time(lab, "pop2", restarted)
        report.measure("exabgp_restart_announce_seconds", added - restarted)
        return "%.3f s from the restart to BIRD's change (observed %.3f s); new bridge pid %d" % (
            added - restarted, observed, pid)
    scenario(report, "6: restarted ExaBGP in pop2 announces again", s6_restart)

    # -- 7: a flapping check on PoP 1's prefix is held down
    def s7_add():
        with open(lab.flag_file(1), "w"):
            pass
        lab.cdnctl(1, "check", "add", "flap", "--kind", "exec", "--interval", str(FLAP_INTERVAL),
                   "--timeout", "0.1", "--rise", "1", "--fall", "1", "--",
                   "/usr/bin/test", "-e", lab.flag_file(1))
        lab.cdnctl(1, "service", "add", "flap", "--check", "flap")
        lab.cdnctl(1, "prefix", "add", PREFIX, "--next-hop", lab.links[0][1],
                   "--service", "dns", "--service", "flap")
        lab.cdnctl(1, "apply")
        # The new check starts unknown (dnsd's keeps its state): toggle only once both are up,
        # so each toggle is an up/down change of the prefix (an unknown check hides it)
        wait_until("the dnsd and flap checks to be up",
                   lambda: lab.check_state(1, "flap") == "up" and
                   lab.check_state(1, "dnsd") == "up", 5.0, 0.1)
        wait_until("pop1's path in BIRD with the flap service", lambda: "pop1" in lab.paths(),
                   ROUTE_TIMEOUT)
        status = lab.prefix_status(1)
        if status.get("desired") != "announced":
            raise LabError("bgp status: desired %r (%s)" % (status.get("desired"),
                                                             status.get("reason")))
        return "check flap (exec, every %.1f s, rise 1, fall 1) bound to %s; announced" % (
            FLAP_INTERVAL, PREFIX)
    if not scenario(report, "7: a flap check added to pop1's prefix (cdnctl apply)", s7_add):
        return

    def s7_flap():
        began = now()
        for n in range(FLAP_TOGGLES):
            want = "down" if n % 2 == 0 else "up"
            if want == "down":
                os.unlink(lab.flag_file(1))
            else:
                with open(lab.flag_file(1), "w"):
                    pass
            wait_until("the flap check to be %s (toggle %d)" % (want, n + 1),
                       lambda: lab.check_state(1, "flap") == want, 3.0, 0.05)
        toggled = now() - began
        if not os.path.exists(lab.flag_file(1)):
            raise LabError("the lab left the file missing")

        def held():
            status = lab.prefix_status(1)
            return status if status.get("desired") == "withdrawn" and \
                "held down" in status.get("reason", "") else None
        status = wait_until("bgp status to say held down", held, 5.0, 0.1)
        check = lab.check_state(1, "flap")
        if check != "up":
            raise LabError("the flap check is %r, want up while its file exists" % check)
        # the route may still be coming back from the last up: it must go and stay away
        wait_until("pop1's path to leave BIRD", lambda: "pop1" not in lab.paths(),
                   ROUTE_TIMEOUT)
        time.sleep(REANNOUNCE_DELAY + 0.5)
        paths = lab.paths()
        if "pop1" in paths:
            raise LabError("pop1's path is back in BIRD while held down: %s" % lab.show_route())
        if "pop2" not in paths:
            raise LabError("pop2's path is missing: %s" % lab.show_route())
        lab.wait_client_reaches("pop2")
        return "%d toggles in %.1f s; check up, prefix %s: \"%s\" (held %.0f s more); BIRD " \
               "has only pop2; client at pop2" % (
                   FLAP_TOGGLES, toggled, status.get("desired"), status.get("reason"),
                   status.get("held_for_s", -1))
    scenario(report, "7: the flapping prefix is held down while its check is up", s7_flap)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", required=True,
                        help="the build tree with cli/cdnctl, dns/cdn-dnsd, healthd/cdn-healthd, "
                             "bgp/cdn-exabgp-bridge")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs)")
    args = parser.parse_args()

    def on_signal(signum, _frame):
        raise SystemExit("bird-lab: stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    report = Report()
    if os.geteuid() != 0:
        report.check("setup", False, "network namespaces need root (running as uid %d)" %
                     os.geteuid())
        print("bird-lab: %d passed, %d failed" % (report.passed, report.failed))
        return 1
    for tool in ("ip", "bird", "birdc", "exabgp"):
        if not shutil.which(tool):
            report.check("setup", False, "%s not found (packaging/deps.sh lab installs it)" % tool)
            print("bird-lab: %d passed, %d failed" % (report.passed, report.failed))
            return 1

    lab = Lab(args.build_dir, keep=args.keep)
    print("bird-lab: namespaces %s, %s, %s, %s; files in %s" % (
        lab.router, lab.pops[0], lab.pops[1], lab.client, lab.dir), flush=True)
    interrupted = None
    try:
        run_scenarios(lab, report)
    except LabError as e:
        report.check("setup", False, str(e))
    except SystemExit as e:
        interrupted = e
        report.check("run", False, str(e))
    except Exception as e:
        report.check("setup", False, "%s: %s" % (type(e).__name__, e))
        traceback.print_exc()
    finally:
        if report.failed:
            lab.show_logs()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        names = list(lab.namespaces)
        pids = [p.pid for _, p in lab.all_procs] + list(lab.extra_pids.values())
        problems = lab.teardown()
        left_ns = [ns for ns in (lab.all_namespaces() if lab.owned else [])
                   if os.path.exists("/run/netns/" + ns)]
        left_pids = [pid for pid in pids if pid_alive(pid)]
        if left_ns:
            problems.append("namespaces left: %s" % " ".join(left_ns))
        if left_pids:
            problems.append("processes left: %s" % " ".join(map(str, left_pids)))
        if not args.keep and os.path.exists(lab.dir):
            problems.append("temp dir left: %s" % lab.dir)
        report.check("teardown (%d processes by PID, %d namespaces by name)" %
                     (len(pids), len(names)), not problems, "; ".join(problems))
    for key, value in report.measures:
        print("%s=%s" % (key, value))
    print("bird-lab: %d passed, %d failed" % (report.passed, report.failed))
    if interrupted is not None:
        return 1
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
