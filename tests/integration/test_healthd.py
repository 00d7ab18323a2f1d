"""cdn-healthd and cdn-exabgp-bridge end to end on loopback: cdnctl configures checks, services,
prefixes and drains; healthd runs the checks and plans the routes; the bridge runs under a
stand-in for ExaBGP (this file: it reads the bridge's lines and acks each with `done`, or
`error` when told to), exactly as ExaBGP's `process` stanza would run it. The BIRD lab
(tests/bird-lab) repeats the important paths with the real ExaBGP and BIRD.

Also: healthd's edge monitor probing edges' /status and pushing their state to cdn-dnsd, whose
steered answers move when an edge goes down.
"""

import http.server
import json
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import unittest
import urllib.request

import dnstest

PREFIX = "203.0.113.53/32"
ANNOUNCE = "announce route 203.0.113.53/32 next-hop 192.0.2.2 community [ 64510:1 ]"
WITHDRAW = "withdraw route 203.0.113.53/32 next-hop 192.0.2.2"
INTERVAL = 0.2
FALL = 2
RISE = 2


def binary(env, *default):
    return os.environ.get(env) or os.path.join(dnstest.SOURCE_DIR, "build", "release", *default)


class Listener:
    """A TCP port that accepts (up) until closed (down): the local service a check watches."""

    def __init__(self, port):
        self.port = port
        self.sock = None

    def open(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None


class FakeExabgp:
    """Runs the bridge with pipes as ExaBGP does; every line it writes is kept with its time and
    acked (`error` for lines matching `refuse`)."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.refuse = None
        self.log = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._stderr, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            self.lines.put((time.monotonic(), line))
            answer = "error" if self.refuse and re.search(self.refuse, line) else "done"
            try:
                self.proc.stdin.write(answer + "\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                return

    def _stderr(self):
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))

    def next_line(self, timeout):
        """The next line the bridge wrote, as (time, line); AssertionError after `timeout`."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("the bridge wrote nothing in %.1f s; its log:\n%s" %
                                 (timeout, "\n".join(self.log[-20:])))

    def expect(self, line, timeout):
        at, got = self.next_line(timeout)
        if got != line:
            raise AssertionError("expected %r, got %r; log:\n%s" % (line, got,
                                                                    "\n".join(self.log[-20:])))
        return at

    def quiet(self, seconds):
        """True when the bridge writes nothing for `seconds`."""
        try:
            line = self.lines.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError("unexpected line %r" % (line,))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()  # EOF: the bridge exits, as when ExaBGP stops
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode


class Healthd(unittest.TestCase):
    def setUp(self):
        self.dir = dnstest.TempDir()
        self.run_dir = self.dir.join("run")
        os.makedirs(self.run_dir)
        self.db = self.dir.join("config.db")
        self.env = dict(os.environ, CDN_DB=self.db, CDN_RUN_DIR=self.run_dir)
        self.listener = Listener(dnstest.free_port())
        self.listener.open()
        self.daemons = []
        self.bridges = []
        self.ctl("init")
        self.ctl("check", "add", "svc", "--kind", "tcp", "--target",
                 "127.0.0.1:%d" % self.listener.port, "--interval", str(INTERVAL), "--timeout",
                 "0.1", "--rise", str(RISE), "--fall", str(FALL))
        self.ctl("service", "add", "dns", "--check", "svc")
        self.ctl("prefix", "add", PREFIX, "--next-hop", "192.0.2.2", "--service", "dns",
                 "--community", "64510:1")
        for key, value in [("bgp.local_as", "64510"), ("bgp.router_id", "192.0.2.2"),
                           ("bgp.local_address", "192.0.2.2"), ("bgp.reannounce_delay", "1"),
                           ("bgp.grace", "2")]:
            self.ctl("set", key, value)
        self.ctl("bgp", "neighbor", "add", "192.0.2.1", "--peer-as", "64500")

    def tearDown(self):
        for b in self.bridges:
            b.stop()
        for d in self.daemons:
            d.stop()
        self.listener.close()
        self.dir.cleanup()

    def ctl(self, *args, expect=0):
        proc = subprocess.run([binary("CDNCTL", "cli", "cdnctl")] + list(args), env=self.env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, expect, "cdnctl %s -> %s" % (" ".join(args), out))
        return out

    def healthd(self, extra=()):
        d = dnstest.Daemon([binary("CDN_HEALTHD", "healthd", "cdn-healthd"), "--db", self.db,
                            "--control", os.path.join(self.run_dir, "healthd.sock"),
                            "--dnsd-control", os.path.join(self.run_dir, "dnsd.sock"),
                            "--metrics", "127.0.0.1:0"] +
                           list(extra), ready=r"event=healthd\.ready\b", env=self.env,
                           name="cdn-healthd")
        d.start()
        self.daemons.append(d)
        return d

    def bridge(self):
        b = FakeExabgp([binary("CDN_BRIDGE", "bgp", "cdn-exabgp-bridge"), "--db", self.db,
                        "--healthd", os.path.join(self.run_dir, "healthd.sock")], self.env)
        self.bridges.append(b)
        return b

    def metrics(self, daemon):
        host, port = dnstest.parse_hostport(dnstest.parse_event_line(daemon.ready_line)["metrics"])
        with urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=10) as m:
            return m.read().decode()

    def bgp_status(self):
        return json.loads(self.ctl("bgp", "status", "--json"))

    def prefix_status(self):
        return self.bgp_status()["prefixes"][0]

    def wait_status(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            status = self.prefix_status()
            if predicate(status):
                return status
            if time.monotonic() > deadline:
                self.fail("bgp status never matched: %s" % status)
            time.sleep(0.05)

    def test_routes_follow_the_local_service(self):
        self.healthd()
        b = self.bridge()
        b.expect(ANNOUNCE, timeout=5)
        status = self.wait_status(lambda s: s["confirmed"] == "announced")
        self.assertEqual(status["desired"], "announced")
        self.assertTrue(status["in_sync"])
        self.assertIn("connected", self.ctl("bgp", "status"))
        health = json.loads(self.ctl("health", "--json"))
        self.assertEqual(health["checks"][0]["state"], "up")
        self.assertEqual(health["services"], [{"name": "dns", "checks": ["svc"], "shared": False,
                                               "state": "up"}])

        # The service goes down: withdrawn within fall x interval (+ one probe's timeout).
        down_at = time.monotonic()
        self.listener.close()
        withdrawn_at = b.expect(WITHDRAW, timeout=FALL * INTERVAL + 2)
        self.assertLess(withdrawn_at - down_at, FALL * INTERVAL + 1.0)
        status = self.wait_status(lambda s: s["confirmed"] == "withdrawn")
        self.assertIn("service dns down: check svc down", status["reason"])
        self.assertIn("connect refused", self.ctl("health"))
        metrics = self.metrics(self.daemons[0])
        self.assertIn('cdn_healthd_prefix_announced{prefix="203.0.113.53/32"} 0', metrics)
        self.assertIn('cdn_healthd_check_up{check="svc"} 0', metrics)
        self.assertIn('cdn_healthd_check_changes_total{check="svc"} 2', metrics)
        self.assertIn("cdn_healthd_bridge_connected 1", metrics)

        # Back: announced after rise x interval plus the re-announce delay (1 s), not before.
        up_at = time.monotonic()
        self.listener.open()
        announced_at = b.expect(ANNOUNCE, timeout=RISE * INTERVAL + 1 + 3)
        self.assertGreaterEqual(announced_at - up_at, 1.0)
        self.assertLess(announced_at - up_at, RISE * INTERVAL + 1 + 1.5)

    def test_graceful_drain_prepends_then_withdraws_and_survives_a_restart(self):
        self.healthd()
        b = self.bridge()
        b.expect(ANNOUNCE, timeout=5)
        out = self.ctl("drain", PREFIX, "--graceful", "2")
        self.assertIn("healthd: v", out)
        t0 = b.expect("announce route 203.0.113.53/32 next-hop 192.0.2.2 community "
                      "[ 64510:1 65535:0 ] as-path [ 64510 64510 64510 64510 ]", timeout=3)
        self.assertEqual(self.prefix_status()["desired"], "draining")
        t1 = b.expect(WITHDRAW, timeout=4)
        self.assertGreaterEqual(t1 - t0, 1.0)  # 2 s from the drain's start, a whole second
        self.assertIn("drained by operator", self.prefix_status()["reason"])
        self.assertIn("since", self.ctl("prefix", "list"))

        # The drain is in the database: a restarted healthd keeps the prefix withdrawn.
        self.daemons[0].signal(signal.SIGKILL)
        self.daemons[0].wait_for_exit(5)
        self.healthd()
        self.assertTrue(b.quiet(1.5))
        self.assertIn("drained by operator", self.prefix_status()["reason"])

        self.ctl("undrain", PREFIX)
        b.expect(ANNOUNCE, timeout=3)
        self.ctl("undrain", PREFIX, expect=1)  # not drained any more
        self.ctl("drain", expect=2)  # neither a prefix nor --all

    def test_healthd_death_withdraws_after_the_grace_period_and_a_restart_announces(self):
        d = self.healthd()
        b = self.bridge()
        b.expect(ANNOUNCE, timeout=5)
        killed = time.monotonic()
        d.signal(signal.SIGKILL)
        d.wait_for_exit(5)
        withdrawn = b.expect(WITHDRAW, timeout=5)
        self.assertGreaterEqual(withdrawn - killed, 1.5)  # grace 2 s
        self.assertLess(withdrawn - killed, 3.0)
        deadline = time.monotonic() + 5
        while not any("kind=healthd_gone" in line for line in b.log):
            self.assertLess(time.monotonic(), deadline, b.log)
            time.sleep(0.05)
        self.healthd()
        b.expect(ANNOUNCE, timeout=5)

    def test_a_prefix_added_at_run_time_is_announced_and_a_removed_one_withdrawn(self):
        self.healthd()
        b = self.bridge()
        b.expect(ANNOUNCE, timeout=5)
        self.ctl("prefix", "add", "203.0.113.54/32", "--next-hop", "192.0.2.2", "--service",
                 "dns")
        self.ctl("apply", expect=3)  # no cdn-dnsd here; healthd loads it
        b.expect("withdraw route 203.0.113.54/32 next-hop 192.0.2.2", timeout=5)  # unknown yet
        b.expect("announce route 203.0.113.54/32 next-hop 192.0.2.2", timeout=5)
        self.ctl("prefix", "delete", "203.0.113.54/32")
        self.ctl("apply", expect=3)
        b.expect("withdraw route 203.0.113.54/32 next-hop 192.0.2.2", timeout=5)
        self.assertEqual([p["prefix"] for p in self.bgp_status()["prefixes"]], [PREFIX])

    def test_drain_exits_3_when_healthd_does_not_answer(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.bind(os.path.join(self.run_dir, "healthd.sock"))  # a socket nobody accepts on
            out = self.ctl("drain", PREFIX, expect=3)
        self.assertIn("committed, not loaded", out)
        self.assertIn("drain", self.ctl("history"))

    def test_adding_a_check_keeps_the_others_state_and_the_routes(self):
        self.healthd()
        b = self.bridge()
        b.expect(ANNOUNCE, timeout=5)
        self.ctl("check", "add", "disk", "--kind", "exec", "--interval", "0.2", "--timeout",
                 "0.1", "--rise", "2", "--fall", "2", "--", "/bin/true")
        self.ctl("service", "add", "dns", "--check", "svc", "--check", "disk")
        self.ctl("apply", expect=3)  # healthd loads it (no cdn-dnsd here)
        checks = {c["name"]: c for c in json.loads(self.ctl("health", "--json"))["checks"]}
        self.assertEqual(checks["svc"]["state"], "up")  # carried over, not unknown again
        self.assertIn(checks["disk"]["state"], ("unknown", "up"))
        self.assertTrue(b.quiet(1.5))  # the route never moved
        self.wait_status(lambda s: s["desired"] == "announced" and s["in_sync"])

    def test_a_healthd_restart_within_the_grace_period_changes_nothing(self):
        d = self.healthd()
        b = self.bridge()
        b.expect(ANNOUNCE, timeout=5)
        d.stop()
        self.healthd()
        # Its checks warm up (rise x interval), then the same set: no line at all.
        self.assertTrue(b.quiet(2.5))
        self.wait_status(lambda s: s["confirmed"] == "announced" and s["in_sync"])

    def test_an_error_ack_is_reported_and_retried(self):
        self.healthd()
        b = self.bridge()
        b.refuse = r"^announce"
        b.expect(ANNOUNCE, timeout=5)
        time.sleep(0.1)  # let the error ack reach the bridge before it stops refusing
        b.refuse = None
        deadline = time.monotonic() + 5
        while True:
            reports = self.bgp_status()["bridge"]["reports"]
            if any(r["kind"] == "failed" for r in reports):
                break
            self.assertLess(time.monotonic(), deadline, reports)
            time.sleep(0.1)
        self.assertEqual(self.prefix_status()["confirmed"], "withdrawn")
        self.assertIn("failed", self.ctl("bgp", "status"))
        b.expect(ANNOUNCE, timeout=8)  # the bridge's retry, 5 s later
        self.wait_status(lambda s: s["confirmed"] == "announced")

    def test_bad_changes_are_refused_whole_and_the_running_config_stays(self):
        self.healthd()
        version = json.loads(self.ctl("check", "list", "--json"))["version"]
        out = self.ctl("prefix", "add", "2001:db8::/48", "--next-hop", "192.0.2.2", "--service",
                       "dns", "--service", "nosuch", expect=1)
        self.assertIn("next_hop", out)
        self.assertIn("no service named nosuch", out)
        out = self.ctl("check", "add", "x", "--kind", "tcp", "--target", "127.0.0.1:1",
                       "--interval", "1", "--timeout", "2", expect=1)
        self.assertIn("timeout: 2000 ms is longer than interval (1000 ms)", out)
        out = self.ctl("check", "delete", "svc", expect=1)
        self.assertIn("service dns: checks: no check named svc", out)
        self.ctl("service", "add", "origin", "--check", "svc", "--shared")
        out = self.ctl("prefix", "add", "198.51.100.0/24", "--next-hop", "192.0.2.2",
                       "--service", "origin", expect=1)
        self.assertIn("only shared services", out)
        out = self.ctl("set", "bgp.hold_time", "2", expect=1)
        self.assertIn("not a whole number from 3 to 65535", out)
        self.assertEqual(json.loads(self.ctl("check", "list", "--json"))["version"], version + 1)
        self.assertIn("healthd: v%d loaded" % (version + 1), self.ctl("apply", expect=3))
        # A database edited behind cdnctl's back: healthd refuses it and keeps running.
        with sqlite3.connect(self.db) as c:
            v = c.execute("SELECT MAX(version) FROM changelog").fetchone()[0] + 1
            c.execute("INSERT INTO health_objects(kind, name, body, since) VALUES "
                      "('service', 'broken', '{not json', ?)", (v,))
            c.execute("INSERT INTO changelog VALUES (?, 0, 'test', 'test', 'broken')", (v,))
        out = self.ctl("apply", expect=1)
        self.assertIn("service broken: stored body is not a JSON object", out)
        self.assertTrue(self.daemons[0].running())
        status = json.loads(self.ctl("status", "--json"))
        healthd = [d for d in status["daemons"] if d["name"] == "healthd"][0]
        self.assertEqual(healthd["reply"]["version"], version + 1)

    def test_bgp_render_writes_exabgp_config_and_environment(self):
        conf = self.dir.join("exabgp.conf")
        self.ctl("bgp", "render", "--bridge", "/usr/bin/cdn-exabgp-bridge", "--output", conf)
        with open(conf) as f:
            text = f.read()
        self.assertIn("run /usr/bin/cdn-exabgp-bridge --db %s --healthd %s/healthd.sock;" %
                      (self.db, self.run_dir), text)
        self.assertIn("hold-time 9;", text)
        self.assertIn("peer-as 64500;", text)
        self.assertNotIn("graceful-restart", text.replace("No graceful-restart", ""))
        env = self.ctl("bgp", "render", "--env")
        self.assertIn("exabgp_api_ack=true", env)
        self.assertIn("exabgp_api_cli=false", env)


class StatusServer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code, body = self.server.answer
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


class EdgeMonitor(unittest.TestCase):
    """Two edges on 127.0.0.2 and 127.0.0.3 with a /status each; one pool steering www."""

    ZONE = "$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 1209600 60\n@ NS ns1\nns1 A 192.0.2.53\n"

    def setUp(self):
        self.dir = dnstest.TempDir()
        self.run_dir = self.dir.join("run")
        os.makedirs(self.run_dir)
        self.db = self.dir.join("config.db")
        self.env = dict(os.environ, CDN_DB=self.db, CDN_RUN_DIR=self.run_dir)
        self.port = dnstest.free_port()
        status_port = dnstest.free_port()
        self.servers = []
        for address in ("127.0.0.2", "127.0.0.3"):
            s = http.server.ThreadingHTTPServer((address, status_port), StatusServer)
            s.answer = (200, '{"load": 0.25}')
            threading.Thread(target=s.serve_forever, daemon=True).start()
            self.servers.append(s)
        ctl = self.ctl
        ctl("init")
        ctl("zone", "import", "cdn.test", self.dir.write("cdn.test.zone", self.ZONE))
        ctl("set", "dns.listen", "127.0.0.1:%d" % self.port)
        ctl("edge", "add", "a", "--lat", "50", "--lon", "8", "--ipv4", "127.0.0.2")
        ctl("edge", "add", "b", "--lat", "40", "--lon", "-74", "--ipv4", "127.0.0.3")
        ctl("pool", "add", "www", "--edges", "a,b", "--answers", "1")
        ctl("steer", "add", "www.cdn.test", "--pool", "www")
        ctl("set", "healthd.edge_port", str(status_port))
        ctl("set", "healthd.edge_interval", "1")
        ctl("set", "healthd.local_edges", "a")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        for s in self.servers:
            s.shutdown()
            s.server_close()
        self.dir.cleanup()

    ctl = Healthd.ctl

    def start(self, argv, ready, name):
        d = dnstest.Daemon(argv, ready=ready, env=self.env, name=name)
        d.start()
        self.daemons.append(d)
        return d

    def answer(self):
        r = dnstest.kdig("127.0.0.1", self.port, "www.cdn.test", "A")
        return sorted(rr[4] for rr in r.answer)

    def wait_answer(self, expected, timeout=8.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.answer()
            if got == expected:
                return
            if time.monotonic() > deadline:
                self.fail("answer %s, expected %s" % (got, expected))
            time.sleep(0.1)

    def test_edge_states_and_load_reach_dnsd_and_move_answers(self):
        sock = os.path.join(self.run_dir, "dnsd.sock")
        self.start([dnstest.dnsd_binary(), "--db", self.db, "--control", sock, "--metrics",
                    "127.0.0.1:0", "--foreground"], r"event=dnsd\.ready\b", "cdn-dnsd")
        self.start([binary("CDN_HEALTHD", "healthd", "cdn-healthd"), "--db", self.db,
                    "--control", os.path.join(self.run_dir, "healthd.sock"), "--dnsd-control",
                    sock, "--metrics", "127.0.0.1:0"], r"event=healthd\.ready\b", "cdn-healthd")
        self.wait_answer(["127.0.0.2"])
        health = json.loads(self.ctl("health", "--json"))
        edges = {e["name"]: e for e in health["edges"]}
        deadline = time.monotonic() + 8
        while edges["a"]["state"] != "up" and time.monotonic() < deadline:
            time.sleep(0.1)
            edges = {e["name"]: e for e in json.loads(self.ctl("health", "--json"))["edges"]}
        self.assertEqual(edges["a"]["state"], "up")
        self.assertEqual(edges["a"]["last"]["load"], 0.25)
        # Edge a's status fails: healthd marks it down, dnsd answers with b.
        self.servers[0].answer = (503, "{}")
        self.wait_answer(["127.0.0.3"])
        explain = json.loads(self.ctl("explain", "www.cdn.test", "--client", "192.0.2.1",
                                      "--json"))
        self.assertIn("down", json.dumps(explain))
        self.servers[0].answer = (200, '{"load": 0.1}')
        self.wait_answer(["127.0.0.2"])
        # A restarted cdn-dnsd gets the states again (the full sync every few seconds).
        self.servers[0].answer = (503, "{}")
        self.wait_answer(["127.0.0.3"])
        self.daemons[0].stop()
        self.daemons.pop(0)
        self.start([dnstest.dnsd_binary(), "--db", self.db, "--control", sock, "--metrics",
                    "127.0.0.1:0", "--foreground"], r"event=dnsd\.ready\b", "cdn-dnsd")
        self.wait_answer(["127.0.0.3"])

    def test_threads_carry_the_names_their_daemons_document(self):
        sock = os.path.join(self.run_dir, "dnsd.sock")
        dnsd = self.start([dnstest.dnsd_binary(), "--db", self.db, "--control", sock,
                           "--metrics", "127.0.0.1:0", "--threads", "2", "--foreground"],
                          r"event=dnsd\.ready\b", "cdn-dnsd")
        healthd = self.start([binary("CDN_HEALTHD", "healthd", "cdn-healthd"), "--db", self.db,
                              "--control", os.path.join(self.run_dir, "healthd.sock"),
                              "--dnsd-control", sock, "--metrics", "127.0.0.1:0"],
                             r"event=healthd\.ready\b", "cdn-healthd")

        def names(daemon):
            task = "/proc/%d/task" % daemon.proc.pid
            out = set()
            for tid in os.listdir(task):
                with open(os.path.join(task, tid, "comm")) as f:
                    out.add(f.read().strip())
            return out

        # A thread names itself as it starts: wait for that, not for a time.
        want = {healthd: {"healthd/plan", "healthd/push", "healthd/edges", "ctl/accept",
                          "metrics"},
                dnsd: {"dnsd/watch", "dnsd/tcp", "dnsd/udp0", "dnsd/udp1", "ctl/accept",
                       "metrics"}}
        deadline = time.monotonic() + 10
        for daemon, expected in want.items():
            while not expected <= names(daemon) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertLessEqual(expected, names(daemon), daemon.name)

    def test_drain_all_drains_the_boxs_edges_in_steering(self):
        sock = os.path.join(self.run_dir, "dnsd.sock")
        self.start([dnstest.dnsd_binary(), "--db", self.db, "--control", sock, "--metrics",
                    "127.0.0.1:0", "--foreground"], r"event=dnsd\.ready\b", "cdn-dnsd")
        self.start([binary("CDN_HEALTHD", "healthd", "cdn-healthd"), "--db", self.db,
                    "--control", os.path.join(self.run_dir, "healthd.sock"), "--dnsd-control",
                    sock, "--metrics", "127.0.0.1:0"], r"event=healthd\.ready\b", "cdn-healthd")
        self.wait_answer(["127.0.0.2"])
        self.ctl("drain", "--all")
        self.wait_answer(["127.0.0.3"])  # a is this box's edge (healthd.local_edges)
        self.ctl("undrain", "--all")
        self.wait_answer(["127.0.0.2"])


if __name__ == "__main__":
    dnstest.run_tests()
