#!/usr/bin/python3
"""The bird lab: an anycast prefix announced by two PoPs to a BIRD 2 router, in network
namespaces made for this run only (python3 standard library; needs root).

    lab.py [--build-dir DIR] [--process TEMPLATE] [--keep]

Topology (names carry this process's PID, so two runs never collide; test addresses exist only
inside these namespaces, nothing on the host is touched):

    <p>p1 (AS64510) 192.0.2.2/30 ==veth== 192.0.2.1/30 ┐
    <p>p2 (AS64510) 192.0.2.6/30 ==veth== 192.0.2.5/30 ┤ <p>r: BIRD 2, AS64500, kernel export
    <p>c  198.51.100.2/30 (default via .1) ==veth== 198.51.100.1/30 ┘

Each PoP binds the anycast 203.0.113.53/32 on its loopback, runs ExaBGP 4.2 (hold time 9 s, no
graceful restart, CLI pipes off, acks on) whose `process` is --process (default: announcer.py,
the stand-in for cdn-exabgp-bridge, driven through a FIFO), and a UDP echo server on the anycast
address answering with the PoP's name, so the client sees which PoP its packets reach. BIRD
exports its best path into the router namespace's kernel table, so the client follows BGP.

Scenarios:
  a  both PoPs' paths appear in BIRD; the client reaches the anycast address (PoP 1, lower
     router id)
  b  a withdraw line in PoP 1 removes its path; time from the line to BIRD's route change; the
     client then reaches PoP 2; a re-announce brings PoP 1's path back
  c  SIGKILL of PoP 2's ExaBGP: BIRD drops the path when the session closes; time from the kill;
     PoP 2's process exits on stdin EOF (no orphan); the client reaches PoP 1
  d  teardown: every process stopped by PID, namespaces deleted by name, temp dir removed, also
     when a step failed or SIGTERM/SIGINT arrived

Times come two ways: from the logs (the announcer's `sent` stamp or the kill time against
BIRD's log, `timeformat log "%s.%3f"`) and as observed by polling birdc every 20 ms. Every wait
is bounded in time and in count. The last line is `bird-lab: N passed, M failed`.
"""

import argparse
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
ECHO_PORT = 5353
ROUTER_AS = 64500
POP_AS = 64510
HOLD_TIME = 9

POLL_INTERVAL = 0.02
SESSION_TIMEOUT = 30.0
ROUTE_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0

DEFAULT_PROCESS = "%s %s {fifo} {log} {prefix}" % (PYTHON, os.path.join(HERE, "announcer.py"))


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


# ---------------------------------------------------------------- the lab

class Lab:
    def __init__(self, process_template, keep=False, build_dir=None):
        self.tag = "bl%d" % os.getpid()
        self.router = self.tag + "r"
        self.pops = [self.tag + "p1", self.tag + "p2"]
        self.client = self.tag + "c"
        self.process_template = process_template
        self.keep = keep
        self.build_dir = build_dir
        self.dir = tempfile.mkdtemp(prefix="bird-lab-%d-" % os.getpid())
        self.namespaces = []  # created by this run, deleted by name
        self.owned = True  # false when the names were taken before this run started
        self.procs = {}  # name -> Popen, stopped by PID
        self.extra_pids = {}  # name -> pid of processes not our children (ExaBGP's helpers)
        self.bird_sock = self.path("bird.ctl")
        self.bird_log = self.path("bird.log")
        # PoP i: router side address, PoP side address, router id
        self.links = [("192.0.2.1", "192.0.2.2"), ("192.0.2.5", "192.0.2.6")]

    def all_namespaces(self):
        return [self.router] + self.pops + [self.client]

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

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
            router_if, pop_if = "%sr%d" % (self.tag, i), "%sp%d" % (self.tag, i)
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
        out = open(self.path(name + ".out"), "w")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        out.close()
        self.procs[name] = proc
        return proc

    def stop(self, name, sig=signal.SIGTERM):
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(sig)
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)

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

    def paths(self):
        """`show route all`, read for PREFIX: {protocol: {"best": bool, "next_hop": str}}."""
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
                if current == PREFIX:
                    paths[proto] = {"best": bool(m.group(3)), "next_hop": "", "kind": m.group(1)}
                continue
            m = re.match(r"\s+via (\S+)", line)
            if m and current == PREFIX and proto in paths:
                paths[proto]["next_hop"] = m.group(1)
        return paths

    def protocol_state(self, name):
        for line in self.birdc("show", "protocols", name).splitlines():
            fields = line.split()
            if fields and fields[0] == name:
                return " ".join(fields[3:])
        return ""

    def bird_route_events(self, proto):
        """[(epoch, 'added'|'removed'|...)] for PREFIX imported from `proto`, from BIRD's log."""
        events = []
        pattern = re.compile(r"^(\d+\.\d+) <TRACE> %s\.ipv4 > (\w+)\b.*\s%s\b" %
                             (re.escape(proto), re.escape(PREFIX)))
        for line in read_lines(self.bird_log):
            m = pattern.match(line)
            if m:
                events.append((float(m.group(1)), m.group(2)))
        return events

    # -- ExaBGP in a PoP
    def exabgp_conf(self, i):
        router_addr, pop_addr = self.links[i - 1]
        command = self.process_template.format(
            fifo=self.path("pop%d.fifo" % i), log=self.path("announcer%d.log" % i),
            prefix=PREFIX, pop="pop%d" % i, dir=self.dir, build=self.build_dir or "")
        # the syntax of bgp/exabgp_config.cc (ExaBGP 4.2, tested in shared/notes/bgp-lab.md)
        return """\
process cdn-bridge {
    run %(command)s;
    encoder text;
}

neighbor %(router)s {
    router-id %(pop)s;
    local-address %(pop)s;
    local-as %(pop_as)d;
    peer-as %(router_as)d;
    hold-time %(hold)d;
    family { ipv4 unicast; }
    api { processes [ cdn-bridge ]; neighbor-changes; }
}
""" % {"command": command, "router": router_addr, "pop": pop_addr, "pop_as": POP_AS,
       "router_as": ROUTER_AS, "hold": HOLD_TIME}

    def start_exabgp(self, i):
        conf = self.path("exabgp%d.conf" % i)
        with open(conf, "w") as f:
            f.write(self.exabgp_conf(i))
        fifo = self.path("pop%d.fifo" % i)
        if not os.path.exists(fifo):
            os.mkfifo(fifo, 0o600)
        env = dict(os.environ)
        env.update({
            "exabgp_daemon_daemonize": "false",
            "exabgp_daemon_user": "root",
            "exabgp_daemon_drop": "false",
            "exabgp_daemon_pid": self.path("exabgp%d.pid" % i),
            "exabgp_log_destination": self.path("exabgp%d.log" % i),
            "exabgp_api_cli": "false",
            "exabgp_api_ack": "true",
        })
        # `ip netns exec` execs, so the PID is ExaBGP's own
        self.start("exabgp%d" % i, ["ip", "netns", "exec", self.pops[i - 1], "exabgp", conf],
                   env=env)
        if "{fifo}" not in self.process_template:
            return  # another process: it is driven its own way, not through the FIFO
        log = self.path("announcer%d.log" % i)
        proc = self.procs["exabgp%d" % i]

        def announcer_started():
            if proc.poll() is not None:
                raise LabError("PoP %d's ExaBGP exited (%d) before its process started; see "
                               "exabgp%d.out" % (i, proc.returncode, i))
            return [l for l in read_lines(log) if " start pid=" in l]
        started = wait_until("PoP %d's process to start" % i, announcer_started, 10.0, 0.05)
        self.extra_pids["announcer%d" % i] = int(started[-1].rsplit("=", 1)[1])

    def command(self, i, word):
        """Writes a command to PoP i's FIFO; returns the time it was written."""
        if "{fifo}" not in self.process_template:
            raise LabError("PoP %d's process takes no FIFO commands (--process without {fifo})"
                           % i)
        try:
            fd = os.open(self.path("pop%d.fifo" % i), os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            raise LabError("PoP %d's FIFO has no reader: %s" % (i, e.strerror))
        try:
            os.write(fd, (word + "\n").encode())
        finally:
            os.close(fd)
        return now()

    def sent_time(self, i, word, after):
        """Epoch of the announcer's `sent WORD` line written at or after `after`."""
        for line in read_lines(self.path("announcer%d.log" % i)):
            stamp, _, what = line.partition(" ")
            if what == "sent " + word and float(stamp) >= after - 0.001:
                return float(stamp)
        return None

    # -- the echo servers and the client
    def start_echo(self, i):
        name = "echo%d" % i
        self.start(name, ["ip", "netns", "exec", self.pops[i - 1], PYTHON,
                          os.path.join(HERE, "udp_echo.py"), "serve", ANYCAST, str(ECHO_PORT),
                          "pop%d" % i])
        wait_until("PoP %d's echo server" % i,
                   lambda: any(l.startswith("ready") for l in read_lines(self.path(name + ".out"))),
                   10.0, 0.05)

    def probe(self, timeout=0.5):
        out = run(["ip", "netns", "exec", self.client, PYTHON, os.path.join(HERE, "udp_echo.py"),
                   "probe", ANYCAST, str(ECHO_PORT), str(timeout)], check=False,
                  timeout=timeout + 10)
        return out.strip()

    def wait_client_reaches(self, pop, timeout=5.0):
        seen = []

        def reached():
            answer = self.probe()
            seen.append(answer)
            return answer == pop
        try:
            wait_until("the client to reach %s" % pop, reached, timeout, 0.05)
        except LabError:
            raise LabError("the client did not reach %s within %.0f s (answers: %s)" %
                           (pop, timeout, ", ".join(seen[-5:])))
        return len(seen)

    def show_logs(self, lines=12):
        """The last lines of every log of this run, for a failed run."""
        for name in sorted(os.listdir(self.dir)) if os.path.isdir(self.dir) else []:
            if name.endswith((".log", ".out")):
                tail = read_lines(self.path(name))[-lines:]
                if tail:
                    print("---- %s (last %d lines)" % (name, len(tail)))
                    for line in tail:
                        print("    " + line)
        sys.stdout.flush()

    # -- teardown
    def teardown(self):
        """Everything this run started, by PID, and every namespace it made, by name. Never
        raises; returns a list of what could not be cleaned."""
        problems = []
        for name in [n for n in self.procs if n.startswith("exabgp")] + \
                [n for n in self.procs if not n.startswith("exabgp")]:
            proc = self.procs[name]
            if proc.poll() is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
        for name, proc in self.procs.items():
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                try:
                    proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    problems.append("%s (pid %d) did not stop" % (name, proc.pid))
        # ExaBGP's helpers are not our children: ExaBGP sends them SIGTERM itself and they exit
        # on stdin EOF; anything left is stopped by its PID after checking what it runs.
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
        self.measures = []  # (key, value)

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""),
              flush=True)

    def measure(self, key, seconds):
        self.measures.append((key, seconds))


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


def route_change_time(lab, proto, kind, after):
    for stamp, event in lab.bird_route_events(proto):
        if event == kind and stamp >= after - 0.002:
            return stamp
    return None


def run_scenarios(lab, report):
    # -- setup
    lab.build_network()
    lab.start_bird()
    for i in (1, 2):
        lab.start_echo(i)
    started = now()
    for i in (1, 2):
        lab.start_exabgp(i)
    for i in (1, 2):
        lab.command(i, "announce")

    def a_paths():
        paths = wait_until("both PoPs' paths in BIRD",
                           lambda: (lambda p: p if {"pop1", "pop2"} <= set(p) else None)(
                               lab.paths()), SESSION_TIMEOUT)
        took = now() - started
        report.measure("setup_both_paths_seconds", took)
        hops = {proto: paths[proto]["next_hop"] for proto in ("pop1", "pop2")}
        if hops != {"pop1": "192.0.2.2", "pop2": "192.0.2.6"}:
            raise LabError("unexpected next hops %s" % hops)
        best = [p for p, v in paths.items() if v["best"]]
        return "next hops %s, best %s, %.3f s after ExaBGP start" % (
            ", ".join("%s via %s" % kv for kv in sorted(hops.items())), "/".join(best), took)
    if not scenario(report, "a: both PoPs' paths in BIRD", a_paths):
        return
    scenario(report, "a: client reaches the anycast address at pop1 (best path)",
             lambda: "after %d probe(s)" % lab.wait_client_reaches("pop1"))

    # -- b: withdraw in PoP 1
    def b_withdraw():
        written = lab.command(1, "withdraw")
        wait_until("pop1's path to leave BIRD", lambda: "pop1" not in lab.paths(),
                   ROUTE_TIMEOUT)
        observed = now() - written
        if "pop2" not in lab.paths():
            raise LabError("pop2's path went away too")
        sent = wait_until("the announcer's `sent withdraw` line",
                          lambda: lab.sent_time(1, "withdraw", written), 2.0)
        removed = wait_until("BIRD's log line for the removal",
                             lambda: route_change_time(lab, "pop1", "removed", sent), 2.0)
        # BIRD stamps its log in whole milliseconds: never below zero
        removed = max(removed, sent)
        report.measure("pop_withdraw_to_bird_seconds", removed - sent)
        report.measure("pop_withdraw_observed_seconds", observed)
        return "%.3f s from the withdraw line to BIRD's change (observed by polling %.3f s)" % (
            removed - sent, observed)
    if scenario(report, "b: pop1 withdraw removes its path, pop2's stays", b_withdraw):
        scenario(report, "b: client then reaches pop2",
                 lambda: "after %d probe(s)" % lab.wait_client_reaches("pop2"))

    def b_reannounce():
        written = lab.command(1, "announce")
        wait_until("pop1's path to come back", lambda: "pop1" in lab.paths(), ROUTE_TIMEOUT)
        observed = now() - written
        lab.wait_client_reaches("pop1")
        return "path back after %.3f s (observed), client at pop1 again" % observed
    scenario(report, "b: pop1 re-announce brings its path back", b_reannounce)

    # -- c: ExaBGP of PoP 2 killed
    def c_kill():
        if "pop2" not in lab.paths():
            raise LabError("pop2's path is not in BIRD before the kill")
        proc = lab.procs["exabgp2"]
        killed = now()
        proc.send_signal(signal.SIGKILL)
        wait_until("pop2's path to leave BIRD", lambda: "pop2" not in lab.paths(),
                   HOLD_TIME + ROUTE_TIMEOUT)
        observed = now() - killed
        proc.wait(STOP_TIMEOUT)
        removed = wait_until("BIRD's log line for the removal",
                             lambda: route_change_time(lab, "pop2", "removed", killed), 2.0)
        removed = max(removed, killed)
        state = lab.protocol_state("pop2")
        report.measure("exabgp_death_to_bird_seconds", removed - killed)
        report.measure("exabgp_death_observed_seconds", observed)
        return "%.3f s from SIGKILL to BIRD's change (observed %.3f s); pop2 session: %s" % (
            removed - killed, observed, state)
    scenario(report, "c: SIGKILL of pop2's ExaBGP drops its path", c_kill)

    def c_no_orphan():
        pid = lab.extra_pids["announcer2"]
        wait_until("pop2's process (pid %d) to exit on stdin EOF" % pid,
                   lambda: not pid_alive(pid), STOP_TIMEOUT, 0.05)
        return "pid %d gone" % pid
    scenario(report, "c: pop2's process exits with its ExaBGP", c_no_orphan)
    scenario(report, "c: client reaches pop1",
             lambda: "after %d probe(s)" % lab.wait_client_reaches("pop1"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=None)
    parser.add_argument("--process", default=DEFAULT_PROCESS,
                        help="ExaBGP's process command; {fifo} {log} {prefix} {pop} {dir} "
                             "{build} are filled in (default: the announcer.py stand-in)")
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

    lab = Lab(args.process, keep=args.keep, build_dir=args.build_dir)
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
        pids = [p.pid for p in lab.procs.values()] + list(lab.extra_pids.values())
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
        report.check("d: teardown (%d processes by PID, %d namespaces by name)" %
                     (len(pids), len(names)), not problems, "; ".join(problems))
    for key, value in report.measures:
        print("%s=%.3f" % (key, value))
    print("bird-lab: %d passed, %d failed" % (report.passed, report.failed))
    if interrupted is not None:
        return 1
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
