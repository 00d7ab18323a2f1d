"""DOC: the shared harness of the integration tests (python3 standard library only).

Parts, from the bottom up:
  TempDir            a scratch directory removed on exit (context manager)
  free_port()        a loopback port free for both UDP and TCP
  Daemon             one real process: started, waited on until it is ready, its stderr drained
                     by a thread (kept in .lines), stopped by PID (SIGTERM, SIGKILL after 5 s)
  Dnsd               cdn-dnsd: reads listen/metrics/control from its `event=dnsd.ready` line
  Knotd              Knot DNS as the reference server: writes knot.conf, polls SOA until it answers
  kdig()             one query through kdig +json, returned as a structured Response
  build_query(), parse_message(), send_udp(), send_tcp()
                     hand-made packets and a small wire parser for what kdig cannot send or show

Every wait is bounded in count and time; no wait is a plain sleep. Every process a test starts is
registered with atexit, so an aborted test run leaves nothing behind.
"""

import atexit
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

SOURCE_DIR = os.environ.get(
    "CDN_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
ZONES_DIR = os.path.join(SOURCE_DIR, "tests", "integration", "zones")

# The zones every DNS integration test can serve: origin -> file.
TEST_ZONES = {
    "example.com": os.path.join(ZONES_DIR, "example.com.zone"),
    "sub.example.com": os.path.join(ZONES_DIR, "sub.example.com.zone"),
    "example": os.path.join(ZONES_DIR, "example.zone"),
}

READY_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED",
          6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH", 10: "NOTZONE", 16: "BADVERS",
          23: "BADCOOKIE"}
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "DNAME": 39, "OPT": 41, "DS": 43, "ANY": 255, "CAA": 257}
# Types whose RDATA holds domain names, compared case-insensitively (RFC 4343).
NAME_RDATA_TYPES = {"NS", "CNAME", "SOA", "PTR", "MX", "SRV", "DNAME"}

OPT_NSID = 3
OPT_ECS = 8


# ---------------------------------------------------------------- locating the programs

def dnsd_binary():
    """Path of cdn-dnsd: $CDN_DNSD when set (ctest sets it), else the release build; None when
    that file is not an executable."""
    path = os.environ.get("CDN_DNSD") or os.path.join(SOURCE_DIR, "build", "release", "dns",
                                                      "cdn-dnsd")
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None


def knotd_binary():
    return shutil.which("knotd") or ("/usr/sbin/knotd" if os.path.exists("/usr/sbin/knotd") else None)


# ---------------------------------------------------------------- files and ports

class TempDir:
    """A scratch directory; removed by cleanup() or on leaving the `with` block."""

    def __init__(self, prefix="cdn-test-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def write(self, name, text):
        path = self.join(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def free_port(host="127.0.0.1"):
    """A port free for both UDP and TCP on `host` right now (for servers without port 0 support)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port found on %s" % host)


def parse_hostport(text):
    """'127.0.0.1:53' or '[::1]:53' -> (host, port)."""
    m = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:\[\]]+):(\d+)", text)
    if not m:
        raise ValueError("not HOST:PORT: %r" % text)
    return (m.group(1), int(m.group(2))) if m.group(1) else (m.group(3), int(m.group(4)))


def parse_event_line(line):
    """'level=info event=x a=1 b="two words"' -> {'level': 'info', 'event': 'x', ...}."""
    fields = {}
    for m in re.finditer(r'(\w[\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)', line):
        value = m.group(2)
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        fields[m.group(1)] = value
    return fields


# ---------------------------------------------------------------- processes

_live_daemons = set()


def _stop_all_at_exit():
    for daemon in list(_live_daemons):
        daemon.stop()


atexit.register(_stop_all_at_exit)


class DaemonError(AssertionError):
    pass


class Daemon:
    """A process started by a test. `ready` is a regex matched against stderr lines (the first
    match ends start()), or a callable polled until it returns true, or None. stderr is drained
    by a thread for the whole life of the process and kept in .lines."""

    def __init__(self, argv, ready=None, name=None, timeout=READY_TIMEOUT, env=None, cwd=None):
        self.argv = [str(a) for a in argv]
        self.name = name or os.path.basename(self.argv[0])
        self.ready = ready
        self.timeout = timeout
        self.env = env
        self.cwd = cwd
        self.proc = None
        self.ready_line = None
        self.returncode = None
        self._lines = []
        self._cond = threading.Condition()
        self._reader = None

    # -- life cycle
    def start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
        _live_daemons.add(self)
        self._reader = threading.Thread(target=self._drain, name="%s-stderr" % self.name,
                                        daemon=True)
        self._reader.start()
        try:
            if isinstance(self.ready, str):
                self.ready_line = self.wait_for_line(self.ready, self.timeout, what="ready line")
            elif callable(self.ready):
                self._poll_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _drain(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def _poll_ready(self):
        deadline = time.monotonic() + self.timeout
        attempts = 0
        while attempts < 400 and time.monotonic() < deadline:
            attempts += 1
            if self.proc.poll() is not None:
                self._fail("exited with status %s before it was ready" % self.proc.returncode)
            if self.ready():
                return
            # A short pause between readiness probes; bounded by count and deadline.
            self.wait_for_exit(0.05)
        self._fail("not ready after %.0f s (%d probes)" % (self.timeout, attempts))

    def _fail(self, why):
        raise DaemonError("%s %s: %s\n--- stderr ---\n%s" % (
            self.name, why, " ".join(self.argv), "\n".join(self.lines()[-60:])))

    def wait_for_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def pid(self):
        return self.proc.pid

    def signal(self, sig):
        if self.running():
            os.kill(self.proc.pid, sig)

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, then SIGKILL after `timeout` seconds. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait_for_exit(timeout) is None:
                try:
                    os.kill(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=timeout)
        self.returncode = self.proc.returncode
        if self._reader:
            self._reader.join(timeout)
        _live_daemons.discard(self)
        return self.returncode

    def __enter__(self):
        return self.start() if self.proc is None else self

    def __exit__(self, *exc):
        self.stop()

    # -- stderr
    def lines(self):
        with self._cond:
            return list(self._lines)

    def events(self, event):
        """Parsed key=value fields of every stderr line with event=`event`."""
        out = []
        for line in self.lines():
            fields = parse_event_line(line)
            if fields.get("event") == event:
                out.append(fields)
        return out

    def wait_for_line(self, pattern, timeout=10.0, start=0, what=None):
        """The first stderr line (from index `start`) matching `pattern`, waiting up to `timeout`.
        Fails showing the captured stderr when it does not come or the process ends first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            index = start
            while True:
                while index < len(self._lines):
                    if regex.search(self._lines[index]):
                        return self._lines[index]
                    index += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if not self._reader.is_alive():
                    # stderr is closed: no line can come any more. The condition's lock is
                    # reentrant, so _fail() may read the lines.
                    status = self.wait_for_exit(min(max(left, 0.1), 2.0))
                    self._fail("%s while waiting for %s" % (
                        "exited with status %s" % status if status is not None
                        else "closed its stderr", what or repr(pattern)))
                self._cond.wait(min(left, 0.5))
        self._fail("gave no %s within %.0f s" % (what or repr(pattern), timeout))


class Dnsd(Daemon):
    """cdn-dnsd on loopback port 0. zones: {origin: file}. After start(): .host, .port
    (first listen address), .listen [(host, port)...], .metrics (host, port) or None, .control."""

    def __init__(self, zones, binary=None, listen=("127.0.0.1:0",), nsid=None, threads=1,
                 control=None, metrics="127.0.0.1:0", extra_args=(), timeout=READY_TIMEOUT):
        binary = binary or dnsd_binary()
        if not binary:
            raise DaemonError("cdn-dnsd not found (set CDN_DNSD or build build/release)")
        argv = [binary]
        for address in listen:
            argv += ["--listen", address]
        for origin, path in zones.items():
            argv += ["--zone", "%s=%s" % (origin, path)]
        if nsid is not None:
            argv += ["--nsid", nsid]
        if threads:
            argv += ["--threads", str(threads)]
        if control:
            argv += ["--control", control]
        if metrics:
            argv += ["--metrics", metrics]
        argv += list(extra_args) + ["--foreground"]
        super().__init__(argv, ready=r"event=dnsd\.ready\b", name="cdn-dnsd", timeout=timeout)
        self.listen = []
        self.metrics = None
        self.control = None
        self.version = None

    def start(self):
        super().start()
        fields = parse_event_line(self.ready_line)
        self.listen = [parse_hostport(a) for a in fields.get("listen", "").split(",") if a]
        if not self.listen:
            self.stop()
            raise DaemonError("ready line names no listen address: %r" % self.ready_line)
        if fields.get("metrics"):
            self.metrics = parse_hostport(fields["metrics"])
        self.control = fields.get("control") or None
        self.version = fields.get("version")
        return self

    @property
    def host(self):
        return self.listen[0][0]

    @property
    def port(self):
        return self.listen[0][1]

    def reload(self, timeout=10.0):
        """SIGHUP, then wait for its outcome line (event=snapshot.published or
        event=reload.failed) and return it."""
        mark = len(self.lines())
        self.signal(signal.SIGHUP)
        return self.wait_for_line(r"event=(snapshot\.published|reload\.failed)\b", timeout,
                                  start=mark, what="reload outcome")


class Knotd(Daemon):
    """Knot DNS serving `zones` ({origin: file}) on 127.0.0.1, one UDP and one TCP worker, no
    DNSSEC, nothing written back to the zone files. Ready once every zone answers SOA.
    server_options adds lines to knot.conf's server section ({"nsid": '"text"'})."""

    def __init__(self, zones, tempdir, port=None, server_options=None, timeout=READY_TIMEOUT):
        self.zones = dict(zones)
        self.server_options = dict(server_options or {})
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        base = os.path.join(tempdir.path if isinstance(tempdir, TempDir) else tempdir,
                            "knot-%d" % self.port)
        os.makedirs(os.path.join(base, "run"))
        os.makedirs(os.path.join(base, "storage"))
        self.conf = os.path.join(base, "knot.conf")
        with open(self.conf, "w") as f:
            f.write(self.config_text(base))
        binary = knotd_binary()
        if not binary:
            raise DaemonError("knotd not found (install knot)")
        super().__init__([binary, "-c", self.conf], ready=self._answers_soa, name="knotd",
                         timeout=timeout)

    def config_text(self, base):
        lines = [
            "server:",
            '    rundir: "%s/run"' % base,
            "    listen: %s@%d" % (self.host, self.port),
            "    udp-workers: 1",
            "    tcp-workers: 1",
            "    background-workers: 1",
        ]
        lines += ["    %s: %s" % (key, value) for key, value in self.server_options.items()]
        lines += [
            "log:",
            "  - target: stderr",
            "    any: info",
            "database:",
            '    storage: "%s/storage"' % base,
            "template:",
            "  - id: default",
            '    storage: "%s/storage"' % base,
            "    zonefile-sync: -1",
            "    zonefile-load: whole",
            "    journal-content: none",
            "    semantic-checks: off",
            "zone:",
        ]
        for origin, path in self.zones.items():
            lines += ["  - domain: %s" % origin, '    file: "%s"' % os.path.abspath(path)]
        return "\n".join(lines) + "\n"

    def _answers_soa(self):
        for origin in self.zones:
            reply = send_udp(self.host, self.port, build_query(origin, "SOA"), timeout=0.5)
            if reply is None:
                return False
            msg = parse_message(reply)
            if msg.rcode != 0 or not any(rr.type == TYPES["SOA"] for rr in msg.answer):
                return False
        return True


# ---------------------------------------------------------------- kdig

class Response:
    """A response as kdig decoded it. Sections are sets of (owner, ttl, class, type, rdata)
    tuples: owner lowercased, names inside RDATA lowercased (RFC 4343), other RDATA as kdig
    prints it (RDATAHEX for types it has no text form for)."""

    def __init__(self, data, text):
        self.json = data
        self.text = text
        self.id = data.get("ID")
        self.opcode = data.get("Opcode", 0)
        self.flags = {f.lower() for f in ("QR", "AA", "TC", "RD", "RA", "AD", "CD") if data.get(f)}
        self.qname = data.get("QNAME")
        self.answer = _rrset(data.get("answerRRs", []))
        self.authority = _rrset(data.get("authorityRRs", []))
        additional = [rr for rr in data.get("additionalRRs", []) if rr.get("TYPE") != 41]
        self.additional = _rrset(additional)
        opts = [rr for rr in data.get("additionalRRs", []) if rr.get("TYPE") == 41]
        self.opt_count = len(opts)
        self.edns = _edns(opts[0]) if opts else None
        ext = (self.edns["ext_rcode"] << 4) if self.edns else 0
        self.rcode_value = ext | data.get("RCODE", 0)
        self.rcode = RCODES.get(self.rcode_value, "RCODE%d" % self.rcode_value)

    @property
    def aa(self):
        return "aa" in self.flags

    @property
    def tc(self):
        return "tc" in self.flags

    def summary(self):
        def show(section):
            return sorted("%s %s %s %s" % (o, t, ty, rd) for o, t, c, ty, rd in section)
        return "rcode=%s flags=%s an=%s ns=%s ar=%s" % (
            self.rcode, " ".join(sorted(self.flags)), show(self.answer), show(self.authority),
            show(self.additional))


def _rdata_key(rr):
    tname = rr.get("TYPEname", "TYPE%d" % rr.get("TYPE", 0))
    text = rr.get("rdata" + tname)
    if text is None:
        return "\\# %d %s" % (rr.get("RDLENGTH", 0), rr.get("RDATAHEX", "").upper())
    text = text.strip()
    return text.lower() if tname in NAME_RDATA_TYPES else text


def _rrset(rrs):
    return frozenset((rr.get("NAME", "").lower(), rr.get("TTL"), rr.get("CLASSname", rr.get("CLASS")),
                      rr.get("TYPEname", "TYPE%d" % rr.get("TYPE", 0)), _rdata_key(rr))
                     for rr in rrs)


def _edns(opt):
    ttl = opt.get("TTL", 0)
    info = {"udp_size": opt.get("CLASS"), "ext_rcode": (ttl >> 24) & 0xFF,
            "version": (ttl >> 16) & 0xFF, "do": bool(ttl & 0x8000), "options": [],
            "nsid": None, "ecs": None}
    info["options"] = parse_edns_options(bytes.fromhex(opt.get("RDATAHEX", "")))
    for code, value in info["options"]:
        if code == OPT_NSID:
            info["nsid"] = value
        elif code == OPT_ECS:
            info["ecs"] = parse_ecs(value)
    return info


def parse_edns_options(rdata):
    """OPT RDATA -> [(code, bytes)]."""
    options, i = [], 0
    while i + 4 <= len(rdata):
        code, length = struct.unpack("!HH", rdata[i:i + 4])
        options.append((code, rdata[i + 4:i + 4 + length]))
        i += 4 + length
    return options


def parse_ecs(value):
    """RFC 7871 6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS."""
    if len(value) < 4:
        return {"malformed": value.hex()}
    family, source, scope = struct.unpack("!HBB", value[:4])
    raw = value[4:]
    if family == 1:
        address = socket.inet_ntop(socket.AF_INET, raw.ljust(4, b"\0")[:4])
    elif family == 2:
        address = socket.inet_ntop(socket.AF_INET6, raw.ljust(16, b"\0")[:16])
    else:
        address = raw.hex()
    return {"family": family, "source": source, "scope": scope, "address": address}


class KdigError(AssertionError):
    pass


def kdig(server, port, qname, qtype="A", *options, tcp=False, timeout=2, retry=0):
    """One query with kdig; returns a Response, or raises KdigError on no answer. `options` are
    kdig's own (+bufsize=1232, +noedns, +nsid, +subnet=..., +dnssec, +norecurse...). UDP queries
    are sent with +ignore so TC=1 answers are seen as such (no automatic TCP retry)."""
    argv = ["kdig", "@%s" % server, "-p", str(port), "-q", qname, "-t", qtype, "+json",
            "+timeout=%d" % timeout, "+retry=%d" % retry]
    argv.append("+tcp" if tcp else "+ignore")
    argv += list(options)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout * (retry + 1) + 10)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    try:
        data = json.loads(out) if out.strip() else {}
    except ValueError:
        raise KdigError("kdig printed no JSON for %s %s: %s %s" % (qname, qtype, out, err))
    if proc.returncode != 0 or "RCODE" not in data:
        raise KdigError("no answer to %s %s from %s@%d (%s): %s" % (
            qname, qtype, server, port, " ".join(options), err.strip() or out.strip()))
    return Response(data, out)


def kdig_version():
    out = subprocess.run(["kdig", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
    return out.decode().strip()


# ---------------------------------------------------------------- wire format

def encode_name(name):
    """Presentation name (no escapes) -> wire, case kept."""
    out = b""
    for label in [l for l in name.rstrip(".").split(".") if l] if name not in (".", "") else []:
        raw = label.encode("ascii")
        if len(raw) > 63:
            raise ValueError("label longer than 63: %r" % label)
        out += bytes([len(raw)]) + raw
    return out + b"\0"


def type_code(qtype):
    if isinstance(qtype, int):
        return qtype
    if qtype.upper().startswith("TYPE"):
        return int(qtype[4:])
    return TYPES[qtype.upper()]


def opt_rr(udp_size=1232, version=0, do=False, ext_rcode=0, options=()):
    rdata = b"".join(struct.pack("!HH", code, len(value)) + value for code, value in options)
    ttl = (ext_rcode << 24) | (version << 16) | (0x8000 if do else 0)
    return b"\0" + struct.pack("!HHIH", 41, udp_size, ttl, len(rdata)) + rdata


def ecs_option(address, source_prefix, scope=0):
    """RFC 7871 6: the address truncated to its prefix length."""
    family = 2 if ":" in address else 1
    raw = socket.inet_pton(socket.AF_INET6 if family == 2 else socket.AF_INET, address)
    raw = raw[:(source_prefix + 7) // 8]
    return (OPT_ECS, struct.pack("!HBB", family, source_prefix, scope) + raw)


def build_query(qname, qtype="A", qid=None, opcode=0, rd=False, cd=False, edns=None,
                qclass=1, qdcount=None, ancount=0, nscount=0, arcount=None, question=None,
                extra=b""):
    """A query packet. edns: None for none, else a dict of opt_rr() arguments. `question`
    replaces the encoded question bytes (for malformed packets); counts may be forced."""
    qid = qid if qid is not None else int.from_bytes(os.urandom(2), "big")
    flags = (opcode & 0xF) << 11 | (0x0100 if rd else 0) | (0x0010 if cd else 0)
    if question is None:
        question = encode_name(qname) + struct.pack("!HH", type_code(qtype), qclass)
    additional = opt_rr(**edns) if edns is not None else b""
    if qdcount is None:
        qdcount = 1 if question else 0
    if arcount is None:
        arcount = 1 if edns is not None else 0
    header = struct.pack("!HHHHHH", qid, flags, qdcount, ancount, nscount, arcount)
    return header + question + additional + extra


class WireError(ValueError):
    pass


class RR:
    def __init__(self, name, rtype, rclass, ttl, rdata):
        self.name, self.type, self.rclass, self.ttl, self.rdata = name, rtype, rclass, ttl, rdata

    def __repr__(self):
        return "RR(%s %d %d %d %s)" % (self.name, self.type, self.rclass, self.ttl,
                                       self.rdata.hex())


class Message:
    """A parsed response: header fields, question (name with its exact case), sections of RR,
    the OPT record decoded into .edns (None without one), full rcode with the EDNS extension."""

    def __init__(self, wire):
        if len(wire) < 12:
            raise WireError("message shorter than a header: %d bytes" % len(wire))
        self.wire = wire
        (self.id, self.flags_value, qd, an, ns, ar) = struct.unpack("!HHHHHH", wire[:12])
        f = self.flags_value
        self.qr, self.opcode = bool(f & 0x8000), (f >> 11) & 0xF
        self.aa, self.tc, self.rd = bool(f & 0x0400), bool(f & 0x0200), bool(f & 0x0100)
        self.ra, self.ad, self.cd = bool(f & 0x0080), bool(f & 0x0020), bool(f & 0x0010)
        self.header_rcode = f & 0xF
        self.counts = (qd, an, ns, ar)
        pos = 12
        self.question = []
        for _ in range(qd):
            name, pos = read_name(wire, pos)
            if pos + 4 > len(wire):
                raise WireError("question cut short")
            qtype, qclass = struct.unpack("!HH", wire[pos:pos + 4])
            pos += 4
            self.question.append((name, qtype, qclass))
        sections = []
        for count in (an, ns, ar):
            rrs = []
            for _ in range(count):
                rr, pos = read_rr(wire, pos)
                rrs.append(rr)
            sections.append(rrs)
        self.answer, self.authority, additional = sections
        self.opts = [rr for rr in additional if rr.type == 41]
        self.additional = [rr for rr in additional if rr.type != 41]
        self.trailing = len(wire) - pos
        self.edns = None
        if self.opts:
            opt = self.opts[0]
            self.edns = {"udp_size": opt.rclass, "ext_rcode": (opt.ttl >> 24) & 0xFF,
                         "version": (opt.ttl >> 16) & 0xFF, "do": bool(opt.ttl & 0x8000),
                         "options": parse_edns_options(opt.rdata), "owner": opt.name}
        self.rcode = ((self.edns["ext_rcode"] << 4) if self.edns else 0) | self.header_rcode

    @property
    def rcode_name(self):
        return RCODES.get(self.rcode, "RCODE%d" % self.rcode)

    def option(self, code):
        for c, value in (self.edns or {}).get("options", []):
            if c == code:
                return value
        return None


def read_name(wire, pos):
    """Name at `pos` -> (text with exact case, position after it). Follows compression
    pointers, refusing loops and forward jumps beyond the message."""
    labels, jumps, end = [], 0, None
    total = 1
    while True:
        if pos >= len(wire):
            raise WireError("name runs past the end")
        length = wire[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(wire):
                raise WireError("pointer cut short")
            if end is None:
                end = pos + 2
            jumps += 1
            if jumps > 64:
                raise WireError("compression loop")
            pos = ((length & 0x3F) << 8) | wire[pos + 1]
            continue
        if length & 0xC0:
            raise WireError("unknown label type 0x%02x" % length)
        if length == 0:
            pos += 1
            break
        label = wire[pos + 1:pos + 1 + length]
        if len(label) != length:
            raise WireError("label cut short")
        total += length + 1
        if total > 255:
            raise WireError("name longer than 255")
        labels.append(label.decode("latin-1"))
        pos += 1 + length
    return (".".join(labels) + ".") if labels else ".", (end if end is not None else pos)


def read_rr(wire, pos):
    name, pos = read_name(wire, pos)
    if pos + 10 > len(wire):
        raise WireError("RR header cut short")
    rtype, rclass, ttl, rdlength = struct.unpack("!HHIH", wire[pos:pos + 10])
    pos += 10
    if pos + rdlength > len(wire):
        raise WireError("RDATA cut short")
    return RR(name, rtype, rclass, ttl, wire[pos:pos + rdlength]), pos + rdlength


def parse_message(wire):
    return Message(wire)


def _family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def send_udp(host, port, packet, timeout=2.0, bufsize=65535):
    """Send one datagram, return the first reply (bytes) or None after `timeout` seconds."""
    with socket.socket(_family(host), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        s.send(packet)
        try:
            return s.recv(bufsize)
        except (socket.timeout, ConnectionRefusedError):
            return None


def recv_exact(sock, n, deadline):
    data = b""
    while len(data) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("timed out after %d of %d bytes" % (len(data), n))
        sock.settimeout(left)
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def tcp_frame(packet):
    """RFC 1035 4.2.2: a two-byte length before each message."""
    return struct.pack("!H", len(packet)) + packet


def read_tcp_message(sock, deadline):
    (length,) = struct.unpack("!H", recv_exact(sock, 2, deadline))
    return recv_exact(sock, length, deadline)


def tcp_connect(host, port, timeout=2.0):
    return socket.create_connection((host, port), timeout=timeout)


def send_tcp(host, port, packets, timeout=3.0, raw=False):
    """Send `packets` (one bytes or a list) in one write over one connection and read as many
    replies. raw=True sends the bytes as given (no length prefix added) and returns what comes
    back before the server closes or `timeout` passes. Returns a list of messages (bytes)."""
    if isinstance(packets, bytes):
        packets = [packets]
    deadline = time.monotonic() + timeout
    with tcp_connect(host, port, timeout) as s:
        if raw:
            s.sendall(b"".join(packets))
            received = b""
            while time.monotonic() < deadline:
                s.settimeout(max(deadline - time.monotonic(), 0.01))
                try:
                    chunk = s.recv(65535)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                received += chunk
            return [received] if received else []
        s.sendall(b"".join(tcp_frame(p) for p in packets))
        return [read_tcp_message(s, deadline) for _ in packets]


# ---------------------------------------------------------------- control sockets

def control(path, request, timeout=10):
    """One JSON-lines request to a daemon's control socket; the reply as a dict."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(request) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


# ---------------------------------------------------------------- running test files

class _CountingResult(unittest.TextTestResult):
    """Counts passes directly: a class skipped in setUpClass is no test run, so testsRun minus
    the rest would not give them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def run_tests(module_name="__main__"):
    """Runs a test module's unittest cases, prints `N passed, M failed`, exits 1 on failure.
    A skipped test counts as neither."""
    suite = unittest.defaultTestLoader.loadTestsFromName(module_name)
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, resultclass=_CountingResult)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.passed
    _stop_all_at_exit()
    print("%d passed, %d failed" % (passed, failed))
    sys.stdout.flush()
    sys.exit(1 if failed else 0)
