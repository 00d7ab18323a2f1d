#!/usr/bin/env python3
"""tests/bench/reload_1m.py: what an incremental change costs with a 1M-record zone (stdlib only).

Builds an appliance config database with cdnctl (a generated zone `bench.example.` of N records,
default 1M, plus a small steering setup: a MaxMind DB written by tests/integration/geo_regions.pl,
three edges, a pool and a steered name), starts cdn-dnsd in appliance mode on loopback and
measures: the zone import, the daemon's start from the database (exec to its `event=dnsd.ready`
line), its RSS once started, then three times `cdnctl record add` + `cdnctl apply` and three times
`cdnctl edge set` + `cdnctl apply`, each timed on its own, with the daemon's RSS sampled every
10 ms during each apply (peak) and VmHWM read before and after. Every change is checked with a DNS
query once applied. Run it on an otherwise idle machine:
`python3 tests/bench/reload_1m.py --bin build/release` (`--records 100000` for a quicker run,
`--json` for the figures as one JSON object, `--keep` to keep the work directory).
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ZONE = "bench.example."
STEERED = "cdn.bench.example."
SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GEO_SCRIPT = os.path.join(SOURCE_DIR, "tests", "integration", "geo_regions.pl")

# The three edges; geo_regions.pl places 10.1/16 in Frankfurt, 10.2/16 in New York, 10.3/16 in Tokyo.
EDGES = [
    ("fra", "50.1", "8.7", "192.0.2.101"),
    ("nyc", "40.7", "-74.0", "192.0.2.102"),
    ("tyo", "35.7", "139.7", "192.0.2.103"),
]
FRANKFURT_CLIENT = ("10.1.2.0", 24)  # an ECS subnet the steering answers with the fra edge

REPEATS = 3
IMPORT_TIMEOUT = 3600.0
CHANGE_TIMEOUT = 900.0
APPLY_TIMEOUT = 900  # seconds, given to `cdnctl apply --timeout` too
SMALL_TIMEOUT = 120.0
READY_TIMEOUT = 900.0
STOP_TIMEOUT = 20.0
LINE_TIMEOUT = 10.0
SAMPLE_INTERVAL = 0.01


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------- programs and files

def find_binaries(bin_dir):
    """(cdn-dnsd, cdnctl) in DIR, or in a build dir's DIR/dns and DIR/cli."""
    found = []
    for name, sub in (("cdn-dnsd", "dns"), ("cdnctl", "cli")):
        candidates = [os.path.join(bin_dir, name), os.path.join(bin_dir, sub, name)]
        path = next((p for p in candidates if os.path.isfile(p) and os.access(p, os.X_OK)), None)
        if not path:
            raise BenchError("%s not found: looked at %s" % (name, ", ".join(candidates)))
        found.append(os.path.abspath(path))
    return tuple(found)


def write_zone(path, records, seed=1):
    """Writes bench.example. with SOA, two NS (and their addresses) and `records` records:
    mostly A, some AAAA, TXT and CNAME (to an existing A name), a few MX. Same bytes every run."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("; %s %d records, written by tests/bench/reload_1m.py (seed %d)\n"
                % (ZONE, records, seed))
        f.write("$ORIGIN %s\n$TTL 300\n" % ZONE)
        f.write("@ 3600 IN SOA ns1 hostmaster 1 3600 900 1209600 300\n")
        f.write("@ 3600 IN NS ns1\n@ 3600 IN NS ns2\n")
        f.write("ns1 3600 IN A 192.0.2.1\nns2 3600 IN A 192.0.2.2\n")
        lines = []
        for i in range(records):
            kind = i % 100
            if i % 10000 == 5000:  # h5000, h15000, ...: 0.01 % MX
                lines.append("h%d 300 IN MX 10 h%d\n" % (i, i - 5000))
            elif kind < 85:  # every h<multiple of 100> is an A: CNAME and MX targets
                lines.append("h%d 300 IN A %s\n" % (i, a_address(i)))
            elif kind < 94:
                lines.append("h%d 300 IN AAAA 2001:db8:%x::%x\n" % (i, i >> 16, i & 0xffff))
            elif kind < 97:
                lines.append('h%d 300 IN TXT "bench record %d %08x"\n' % (i, i, rng.getrandbits(32)))
            else:
                target = rng.randrange(0, i // 100 + 1) * 100
                lines.append("h%d 300 IN CNAME h%d\n" % (i, target))
            if len(lines) >= 50000:
                f.writelines(lines)
                lines = []
        f.writelines(lines)


def a_address(i):
    """The A record of h<i>: 10.x.y.z from i."""
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def make_mmdb(path):
    """The steering test's MaxMind DB (three regions), written by geo_regions.pl."""
    proc = subprocess.run(["perl", GEO_SCRIPT, path], capture_output=True, text=True,
                          timeout=SMALL_TIMEOUT)
    if proc.returncode != 0 or not os.path.isfile(path):
        raise BenchError("%s failed (libmaxmind-db-writer-perl installed?):\n%s"
                         % (GEO_SCRIPT, proc.stderr))


# ---------------------------------------------------------------- cdnctl

class Cdnctl:
    """cdnctl on one database and run directory; every call is timed and must succeed."""

    def __init__(self, binary, db, run_dir):
        self.binary = binary
        self.env = dict(os.environ, CDN_DB=db, CDN_RUN_DIR=run_dir)

    def run(self, *args, timeout=SMALL_TIMEOUT):
        """Runs cdnctl ARGS; returns (seconds, stdout). Raises on a non-zero exit or timeout."""
        argv = [self.binary] + [str(a) for a in args]
        started = time.monotonic()
        try:
            proc = subprocess.run(argv, env=self.env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BenchError("timed out after %.0f s: %s" % (timeout, " ".join(argv)))
        elapsed = time.monotonic() - started
        if proc.returncode != 0:
            raise BenchError("exit %d: %s\n%s%s" % (proc.returncode, " ".join(argv),
                                                    proc.stdout, proc.stderr))
        return elapsed, proc.stdout

    def apply(self):
        """`cdnctl apply`; returns (seconds, version loaded)."""
        elapsed, out = self.run("apply", "--timeout", APPLY_TIMEOUT, timeout=APPLY_TIMEOUT + 60)
        m = re.search(r"dnsd: v(\d+) loaded", out)
        if not m:
            raise BenchError("cdnctl apply did not report dnsd's version: %r" % out)
        return elapsed, int(m.group(1))


# ---------------------------------------------------------------- cdn-dnsd

class Dnsd:
    """cdn-dnsd in appliance mode on 127.0.0.1 port 0. stderr is read by a thread, each line
    stamped with the time it arrived; stopped by PID (SIGTERM, then SIGKILL)."""

    def __init__(self, binary, db, run_dir):
        self.argv = [binary, "--db", db, "--listen", "127.0.0.1:0",
                     "--control", os.path.join(run_dir, "dnsd.sock"),
                     "--metrics", "127.0.0.1:0", "--foreground"]
        self.env = dict(os.environ, CDN_DB=db, CDN_RUN_DIR=run_dir)
        self.proc = None
        self.port = None
        self.lines = []  # (monotonic time, text)
        self.cond = threading.Condition()
        self.reader = None

    def start(self):
        """Starts the daemon; returns the seconds from exec to its readiness line."""
        started = time.monotonic()
        self.proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._drain, name="dnsd-stderr", daemon=True)
        self.reader.start()
        stamp, line = self.wait_for_line(r"event=dnsd\.ready\b", READY_TIMEOUT, 0, "ready line")
        m = re.search(r"\blisten=127\.0\.0\.1:(\d+)", line)
        if not m:
            raise BenchError("ready line names no 127.0.0.1 address: %r" % line)
        self.port = int(m.group(1))
        return stamp - started

    def _drain(self):
        for raw in self.proc.stderr:
            text = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append((time.monotonic(), text))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def mark(self):
        """Index of the next stderr line, for wait_for_line(start=...)."""
        with self.cond:
            return len(self.lines)

    def wait_for_line(self, pattern, timeout, start, what):
        """(time, line) of the first stderr line from `start` matching `pattern`."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            index = start
            while True:
                while index < len(self.lines):
                    if regex.search(self.lines[index][1]):
                        return self.lines[index]
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BenchError("cdn-dnsd gave no %s within %.0f s\n%s"
                                     % (what, timeout, self.tail()))
                if not self.reader.is_alive():
                    raise BenchError("cdn-dnsd ended (status %s) before its %s\n%s"
                                     % (self.proc.poll(), what, self.tail()))
                self.cond.wait(min(left, 0.5))

    def tail(self, count=30):
        with self.cond:
            return "\n".join(text for _, text in self.lines[-count:])

    def stop(self):
        """SIGTERM, SIGKILL after STOP_TIMEOUT; safe to call when not started or already gone."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=STOP_TIMEOUT)
        if self.reader:
            self.reader.join(STOP_TIMEOUT)


# ---------------------------------------------------------------- memory

def memory_kb(pid):
    """{'VmRSS': kB, 'VmHWM': kB} from /proc/PID/status."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out


class RssSampler:
    """Reads VmRSS every SAMPLE_INTERVAL on a thread between start() and stop(); keeps the peak."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kb = 0
        self.samples = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        while not self.stopping.is_set():
            try:
                rss = memory_kb(self.pid)["VmRSS"]
            except (OSError, KeyError):
                return  # the process is gone: the caller notices it
            self.peak_kb = max(self.peak_kb, rss)
            self.samples += 1
            self.stopping.wait(SAMPLE_INTERVAL)

    def stop(self):
        """Stops sampling; returns the peak VmRSS in kB."""
        self.stopping.set()
        self.thread.join(5.0)
        return self.peak_kb


def mb(kb):
    return kb / 1024.0


class OtherLoad:
    """CPU the rest of the machine uses while the benchmark runs: all busy CPU time from
    /proc/stat minus this script's and its waited-for children's (cdnctl, cdn-dnsd, perl)."""

    def __init__(self):
        self.started = time.monotonic()
        self.busy = self._busy_s()
        self.own = self._own_s()

    @staticmethod
    def _busy_s():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _own_s():
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def cores(self):
        """Average number of cores used by other processes since construction."""
        wall = time.monotonic() - self.started
        other = (self._busy_s() - self.busy) - (self._own_s() - self.own)
        return max(other, 0.0) / wall if wall > 0 else 0.0


# ---------------------------------------------------------------- DNS

def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def build_query(qid, name, subnet=None):
    """A query for NAME A with EDNS0 (1232 B), and an ECS option when subnet=(address, length)."""
    msg = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 1) + wire_name(name) + struct.pack(">HH", 1, 1)
    options = b""
    if subnet:
        address, length = subnet
        data = socket.inet_aton(address)[:(length + 7) // 8]
        body = struct.pack(">HBB", 1, length, 0) + data
        options = struct.pack(">HH", 8, len(body)) + body
    return msg + b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(options)) + options


def skip_name(msg, pos):
    """Position after the (possibly compressed) name at `pos`."""
    while True:
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos


def answer_addresses(msg, qid):
    """(rcode, [dotted A addresses in the answer section]) of a reply to query `qid`."""
    rid, flags, qdcount, ancount = struct.unpack(">HHHH", msg[:8])
    if rid != qid or not flags & 0x8000:
        raise BenchError("not a reply to query %d" % qid)
    pos = 12
    for _ in range(qdcount):
        pos = skip_name(msg, pos) + 4
    addresses = []
    for _ in range(ancount):
        pos = skip_name(msg, pos)
        rtype, _, _, rdlength = struct.unpack(">HHIH", msg[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlength == 4:
            addresses.append(socket.inet_ntoa(msg[pos:pos + 4]))
        pos += rdlength
    return flags & 0xF, addresses


def query_a(port, name, subnet=None, attempts=3, timeout=2.0):
    """(rcode, addresses) of `name` A asked of 127.0.0.1:port over UDP; each try bounded."""
    for attempt in range(attempts):
        qid = random.randrange(65536)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(timeout)
            sock.connect(("127.0.0.1", port))
            sock.send(build_query(qid, name, subnet))
            try:
                while True:
                    reply = sock.recv(65535)
                    if len(reply) >= 12 and struct.unpack(">H", reply[:2])[0] == qid:
                        return answer_addresses(reply, qid)
            except socket.timeout:
                continue
    raise BenchError("no answer for %s A from 127.0.0.1:%d after %d tries" % (name, port, attempts))


def expect_a(port, name, address, subnet=None):
    """Fails unless `name` A is answered NOERROR with exactly `address`."""
    rcode, addresses = query_a(port, name, subnet)
    if rcode != 0 or addresses != [address]:
        raise BenchError("%s A%s: rcode %d, answer %s; expected %s" % (
            name, " (ECS %s/%d)" % subnet if subnet else "", rcode, addresses or "empty", address))


# ---------------------------------------------------------------- the measurement

def setup_database(ctl, workdir, records, figures):
    """init, the zone (generated and imported, timed), the MaxMind DB, edges, pool, steered name."""
    zone_file = os.path.join(workdir, "bench-%d.zone" % records)
    started = time.monotonic()
    write_zone(zone_file, records)
    figures["zone_generate_s"] = time.monotonic() - started
    figures["zone_file_mb"] = os.path.getsize(zone_file) / 1e6
    ctl.run("init")
    figures["zone_import_s"], _ = ctl.run("zone", "import", ZONE, zone_file, timeout=IMPORT_TIMEOUT)
    mmdb = os.path.join(workdir, "regions.mmdb")
    make_mmdb(mmdb)
    ctl.run("geoip", "set", mmdb)
    for name, lat, lon, ipv4 in EDGES:
        ctl.run("edge", "add", name, "--lat", lat, "--lon", lon, "--ipv4", ipv4, "--site", name)
    ctl.run("pool", "add", "web", "--edges", ",".join(e[0] for e in EDGES), "--answers", 1,
            "--ttl", 30)
    ctl.run("steer", "add", STEERED, "--pool", "web")
    figures["db_mb"] = os.path.getsize(ctl.env["CDN_DB"]) / 1e6


def timed_apply(ctl, dnsd):
    """`cdnctl apply` with the daemon's RSS sampled meanwhile: seconds, version, peak/HWM/after
    in kB, and the daemon's own build_ms from its snapshot.published line."""
    pid = dnsd.proc.pid
    before = memory_kb(pid)
    mark = dnsd.mark()
    sampler = RssSampler(pid).start()
    try:
        seconds, version = ctl.apply()
    finally:
        peak = sampler.stop()
    after = memory_kb(pid)
    _, line = dnsd.wait_for_line(r"event=snapshot\.published\b.*\bversion=%d\b" % version,
                                 LINE_TIMEOUT, mark, "snapshot.published for v%d" % version)
    m = re.search(r"\bbuild_ms=(\d+)", line)
    return {"apply_s": seconds, "version": version,
            "rss_peak_kb": max(peak, before["VmRSS"], after["VmRSS"]), "samples": sampler.samples,
            "hwm_before_kb": before["VmHWM"], "hwm_after_kb": after["VmHWM"],
            "rss_after_kb": after["VmRSS"], "dnsd_build_ms": int(m.group(1)) if m else None}


def measure(dnsd_bin, cdnctl_bin, workdir, records):
    """Runs the whole benchmark in `workdir`; returns the figures as a dict."""
    db = os.path.join(workdir, "config.db")
    run_dir = os.path.join(workdir, "run")
    if os.path.exists(db):
        raise BenchError("%s exists (an earlier run?): use a fresh --workdir" % db)
    os.makedirs(run_dir, exist_ok=True)
    ctl = Cdnctl(cdnctl_bin, db, run_dir)
    figures = {"records": records, "dnsd": dnsd_bin, "cdnctl": cdnctl_bin}
    load = OtherLoad()
    setup_database(ctl, workdir, records, figures)

    dnsd = Dnsd(dnsd_bin, db, run_dir)
    try:
        figures["dnsd_start_s"] = dnsd.start()
        port = dnsd.port
        last_a = (records - 1) // 100 * 100  # the last h<multiple of 100>, an A record
        expect_a(port, "h%d.%s" % (last_a, ZONE), a_address(last_a))
        expect_a(port, STEERED, EDGES[0][3], FRANKFURT_CLIENT)
        steady = memory_kb(dnsd.proc.pid)
        figures["rss_steady_mb"] = mb(steady["VmRSS"])
        figures["hwm_steady_mb"] = mb(steady["VmHWM"])

        figures["record"] = []
        for k in range(1, REPEATS + 1):
            name, address = "newname%d" % k, "192.0.2.%d" % (76 + k)
            add_s, _ = ctl.run("record", "add", ZONE, "%s 300 IN A %s" % (name, address),
                               timeout=CHANGE_TIMEOUT)
            run = timed_apply(ctl, dnsd)
            expect_a(port, "%s.%s" % (name, ZONE), address)
            run["change_s"] = add_s
            figures["record"].append(run)

        figures["edge"] = []
        for k in range(1, REPEATS + 1):
            address = "192.0.2.%d" % (110 + k)
            set_s, _ = ctl.run("edge", "set", EDGES[0][0], "--ipv4", address,
                               timeout=CHANGE_TIMEOUT)
            run = timed_apply(ctl, dnsd)
            expect_a(port, STEERED, address, FRANKFURT_CLIENT)
            run["change_s"] = set_s
            figures["edge"].append(run)
        figures["rss_end_mb"] = mb(memory_kb(dnsd.proc.pid)["VmRSS"])
    finally:
        dnsd.stop()
    figures["other_cpu_cores"] = load.cores()
    return figures


# ---------------------------------------------------------------- report

def report(figures):
    """The results table on stdout."""
    def row(label, value, fmt):
        print("%-34s %10s" % (label, fmt % value))

    def runs(label, key, kind, scale=1.0, fmt="%.3f"):
        values = [r[key] * scale for r in figures[kind]]
        print("%-34s %10s   runs: %s" % (label, fmt % statistics.median(values),
                                         "  ".join(fmt % v for v in values)))

    kb = 1 / 1024.0
    print("reload benchmark: %s, %d records (+ SOA, 2 NS, 2 A), zone file %.1f MB, DB %.1f MB"
          % (ZONE, figures["records"], figures["zone_file_mb"], figures["db_mb"]))
    print("%-34s %10s" % ("figure", "median"))
    row("zone import (s)", figures["zone_import_s"], "%.3f")
    row("dnsd start from DB (s)", figures["dnsd_start_s"], "%.3f")
    row("RSS steady (MB)", figures["rss_steady_mb"], "%.1f")
    runs("record add (s)", "change_s", "record")
    runs("apply, record (s)", "apply_s", "record")
    runs("  dnsd build_ms, record", "dnsd_build_ms", "record", fmt="%d")
    runs("RSS peak during reload (MB)", "rss_peak_kb", "record", kb, "%.1f")
    runs("RSS after (MB)", "rss_after_kb", "record", kb, "%.1f")
    runs("VmHWM before apply (MB)", "hwm_before_kb", "record", kb, "%.1f")
    runs("VmHWM after apply (MB)", "hwm_after_kb", "record", kb, "%.1f")
    runs("edge change (s)", "change_s", "edge")
    runs("apply, edge (s)", "apply_s", "edge")
    runs("  dnsd build_ms, edge", "dnsd_build_ms", "edge", fmt="%d")
    runs("RSS peak during reload, edge (MB)", "rss_peak_kb", "edge", kb, "%.1f")
    runs("RSS after, edge (MB)", "rss_after_kb", "edge", kb, "%.1f")
    row("RSS at the end (MB)", figures["rss_end_mb"], "%.1f")
    other = figures["other_cpu_cores"]
    print("other processes used %.0f %% of a core on average during the run" % (other * 100))
    if other >= 0.1:
        print("WARNING: the machine was not idle; these figures measure that load too")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True,
                        help="directory with cdn-dnsd and cdnctl, or a build dir (dns/, cli/)")
    parser.add_argument("--records", type=int, default=1000000, help="records in the zone")
    parser.add_argument("--workdir", help="work directory (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    if args.records < 1:
        parser.error("--records must be >= 1")

    try:
        dnsd_bin, cdnctl_bin = find_binaries(args.bin)
    except BenchError as e:
        print("reload_1m: %s" % e, file=sys.stderr)
        return 2
    temporary = args.workdir is None
    workdir = tempfile.mkdtemp(prefix="cdn-reload-") if temporary else os.path.abspath(args.workdir)
    os.makedirs(workdir, exist_ok=True)
    try:
        figures = measure(dnsd_bin, cdnctl_bin, workdir, args.records)
    except BenchError as e:
        print("reload_1m: FAILED: %s" % e, file=sys.stderr)
        if args.keep or not temporary:
            print("reload_1m: work directory %s" % workdir, file=sys.stderr)
        return 1
    finally:
        if temporary and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report(figures)
    if args.keep or not temporary:
        print("work directory: %s" % workdir)
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
