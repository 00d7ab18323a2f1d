"""GeoDNS steering end to end: cdnctl configures edges, a pool, a steered name and a MaxMind DB
written at test time; cdn-dnsd (appliance mode) answers each region with its nearest edge and
the right ECS scope, and moves answers when an edge's state changes.

RFC 7871: the answer's scope is the network the decision holds for (here the region's /16),
never longer than the query's source prefix.
"""

import json
import os
import random
import socket
import subprocess
import unittest
import urllib.request

import dnstest

ZONE = """$TTL 300
@ SOA ns1 hostmaster 1 3600 900 1209600 60
@ NS ns1
ns1 A 192.0.2.53
"""

# Edges near each region of geo_regions.pl.
EDGES = [("fra", 50.1, 8.7, "192.0.2.1", "2001:db8::1"),
         ("nyc", 40.7, -74.0, "192.0.2.2", "2001:db8::2"),
         ("tyo", 35.7, 139.7, "192.0.2.3", "2001:db8::3")]
REGIONS = [("10.1.2.0/24", "192.0.2.1"), ("10.2.200.0/24", "192.0.2.2"),
           ("10.3.7.0/24", "192.0.2.3")]


class Steering(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = dnstest.TempDir()
        cls.mmdb = cls.tmp.join("regions.mmdb")
        subprocess.run(["perl", os.path.join(dnstest.SOURCE_DIR, "tests", "integration",
                                             "geo_regions.pl"), cls.mmdb], check=True, timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.dir = dnstest.TempDir()
        self.run_dir = self.dir.join("run")
        os.makedirs(self.run_dir)
        self.env = dict(os.environ, CDN_DB=self.dir.join("config.db"), CDN_RUN_DIR=self.run_dir)
        self.port = dnstest.free_port()
        self.ctl("init")
        self.ctl("zone", "import", "cdn.test", self.dir.write("cdn.test.zone", ZONE))
        self.ctl("set", "dns.listen", "127.0.0.1:%d" % self.port)
        for name, lat, lon, v4, v6 in EDGES:
            self.ctl("edge", "add", name, "--lat", str(lat), "--lon", str(lon), "--ipv4", v4,
                     "--ipv6", v6)
        self.ctl("pool", "add", "www", "--edges", "fra,nyc,tyo", "--answers", "1", "--ttl", "20")
        self.ctl("steer", "add", "www.cdn.test", "--pool", "www")
        # Each test has its own copy: one of them replaces it.
        self.mmdb_copy = self.dir.join("regions.mmdb")
        with open(self.mmdb, "rb") as src, open(self.mmdb_copy, "wb") as dst:
            dst.write(src.read())
        self.ctl("geoip", "set", self.mmdb_copy)

    def tearDown(self):
        self.dir.cleanup()

    def ctl(self, *args, expect=0):
        binary = os.environ.get("CDNCTL") or os.path.join(dnstest.SOURCE_DIR, "build", "release",
                                                          "cli", "cdnctl")
        proc = subprocess.run([binary] + list(args), env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, expect, "cdnctl %s -> %s" % (" ".join(args), out))
        return out

    def dnsd(self):
        return dnstest.Daemon([dnstest.dnsd_binary(), "--db", self.env["CDN_DB"], "--metrics",
                               "127.0.0.1:0", "--foreground"], ready=r"event=dnsd\.ready\b",
                              env=self.env, name="cdn-dnsd")

    def ask(self, subnet, qtype="A"):
        r = dnstest.kdig("127.0.0.1", self.port, "www.cdn.test", qtype, "+subnet=%s" % subnet)
        self.assertEqual(r.rcode, "NOERROR", r.summary())
        return r

    def answers(self, r):
        return sorted(rr[4] for rr in r.answer)

    def test_each_region_gets_its_nearest_edge_with_the_region_as_scope(self):
        with self.dnsd() as dnsd:
            for subnet, edge in REGIONS:
                r = self.ask(subnet)
                self.assertEqual(self.answers(r), [edge], subnet)
                self.assertEqual(r.edns["ecs"]["scope"], 16, (subnet, r.edns))
            r = self.ask("2001:db8:1:5::/56", "AAAA")
            self.assertEqual(self.answers(r), ["2001:db8::1"])
            self.assertEqual(r.edns["ecs"]["scope"], 48)
            # A source prefix shorter than the region: the scope never exceeds it.
            r = self.ask("10.1.0.0/12")
            self.assertLessEqual(r.edns["ecs"]["scope"], 12)
            fields = dnstest.parse_event_line(dnsd.ready_line)
            host, port = dnstest.parse_hostport(fields["metrics"])
            with urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=10) as m:
                text = m.read().decode()
            counts = {}
            for line in text.splitlines():
                if line.startswith("cdn_dns_steered_edge_answers_total{"):
                    labels, value = line.rsplit(" ", 1)
                    counts[labels.split('edge="')[1].rstrip('"}')] = int(value)
            # fra: 10.1/24, the AAAA from 2001:db8:1::, and the /12 (a Frankfurt network or
            # unknown: first in the configured order, fra too); nyc and tyo one each.
            self.assertEqual(counts, {"fra": 3, "nyc": 1, "tyo": 1}, text)
            self.assertIn('cdn_dns_steered_answers_total{reason="nearest"}', text)
            self.assertIn('cdn_dns_ecs_scope_total{scope="16"} 3', text)

    def test_cdnctl_explains_offline_and_from_the_daemon_and_looks_up_addresses(self):
        out = json.loads(self.ctl("explain", "www.cdn.test", "--client", "10.3.1.1", "--json"))
        self.assertIn("offline", out["source"])  # no cdn-dnsd yet
        self.assertEqual(out["answer"][0]["edge"], "tyo")
        self.assertEqual(out["candidates"][0]["verdict"], "chosen")
        self.assertGreater(out["candidates"][1]["distance_km"], 5000)
        with self.dnsd():
            out = json.loads(self.ctl("explain", "www.cdn.test", "--client", "192.0.2.9",
                                      "--ecs", "10.1.2.0/24", "--json"))
            self.assertIn("cdn-dnsd", out["source"])
            self.assertEqual(out["answer"][0]["edge"], "fra")
            self.assertEqual(out["scope"], 16)
            self.assertEqual(out["networks"][0]["network"], "10.1.0.0/16")
        self.assertIn("not a steered name",
                      self.ctl("explain", "ns1.cdn.test", "--client", "10.1.1.1", expect=1))
        lookup = json.loads(self.ctl("geoip", "lookup", "10.2.3.4", "--json"))
        self.assertEqual(lookup["country"], "US")
        self.assertEqual(lookup["network"], "10.2.0.0/16")

    def test_a_new_maxmind_db_on_disk_is_loaded_without_a_config_change(self):
        with self.dnsd() as dnsd:
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            swapped = self.dir.join("swapped.mmdb")
            subprocess.run(["perl", os.path.join(dnstest.SOURCE_DIR, "tests", "integration",
                                                 "geo_regions.pl"), "--swap", swapped],
                           check=True, timeout=60)
            # Replace the file the database names, atomically, as an update job would.
            os.replace(swapped, self.mmdb_copy)
            dnsd.wait_for_line(r"event=geoip\.changed", timeout=15, what="the DB change seen")
            dnsd.wait_for_line(r"event=snapshot\.published", timeout=15,
                               start=len(dnsd.lines()) - 1, what="the reload after it")
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.3"])  # now Tokyo
            self.assertEqual(self.answers(self.ask("10.3.7.0/24")), ["192.0.2.1"])

    def test_pushed_rtts_rebuild_the_rankings(self):
        with self.dnsd():
            sock = os.path.join(self.run_dir, "dnsd.sock")
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            # Frankfurt's clients measure 200 ms to fra and 1 ms to nyc: 100 km per ms wins.
            reply = dnstest.control(sock, {"cmd": "edge-state", "edges": [], "rtt": [
                {"prefix": "10.1.0.0/16", "edge": "fra", "ms": 200},
                {"prefix": "10.1.0.0/16", "edge": "nyc", "ms": 1}]})
            self.assertTrue(reply["ok"], reply)
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.2"])
            self.assertEqual(self.answers(self.ask("10.3.7.0/24")), ["192.0.2.3"])  # untouched
            bad = dnstest.control(sock, {"cmd": "edge-state", "edges": [],
                                 "rtt": [{"prefix": "10.1.0.1/16", "edge": "fra", "ms": 1}]})
            self.assertFalse(bad["ok"])
            self.assertIn("10.1.0.1/16", bad["error"])

    def test_an_edge_marked_down_moves_its_clients_and_back(self):
        with self.dnsd():
            sock = os.path.join(self.run_dir, "dnsd.sock")
            self.assertTrue(dnstest.control(sock, {"cmd": "edge-state",
                                           "edges": [{"name": "fra", "state": "down"}]})["ok"])
            moved = self.answers(self.ask("10.1.2.0/24"))
            self.assertNotEqual(moved, ["192.0.2.1"])
            self.assertTrue(dnstest.control(sock, {"cmd": "edge-state",
                                           "edges": [{"name": "fra", "state": "up"}]})["ok"])
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            bad = dnstest.control(sock, {"cmd": "edge-state", "edges": [{"name": "nope", "state": "up"}]})
            self.assertFalse(bad["ok"])
            self.assertIn("nope", bad["error"])

    def test_an_operator_override_wins_until_auto(self):
        with self.dnsd():
            sock = os.path.join(self.run_dir, "dnsd.sock")
            self.ctl("edge", "set-state", "fra", "drain")
            self.ctl("apply")
            self.assertNotEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            # A pushed "up" does not undo the operator's drain.
            dnstest.control(sock, {"cmd": "edge-state", "edges": [{"name": "fra", "state": "up"}]})
            self.assertNotEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            self.ctl("edge", "set-state", "fra", "auto")
            self.ctl("apply")
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])

    def test_an_operator_state_change_acts_at_once_without_apply(self):
        with self.dnsd():
            out = self.ctl("edge", "set-state", "fra", "down")
            self.assertIn("dnsd: override of fra applied", out)
            self.assertNotIn("not live", out)
            self.assertNotEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            self.ctl("edge", "set-state", "fra", "auto")
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            # A config change, by contrast, waits for apply (or --apply).
            out = self.ctl("edge", "set", "fra", "--ipv4", "192.0.2.11")
            self.assertIn("not live", out)
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            out = self.ctl("--apply", "edge", "set", "fra", "--weight", "2")
            self.assertRegex(out, r"dnsd: v\d+ loaded")
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.11"])

    def test_an_operator_state_change_exits_3_when_dnsd_does_not_confirm(self):
        # A socket file nobody answers on: committed, but not confirmed.
        path = os.path.join(self.run_dir, "dnsd.sock")
        os.makedirs(self.run_dir, exist_ok=True)
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            stale.bind(path)
            out = self.ctl("edge", "set-state", "fra", "drain", expect=3)
            self.assertIn("dnsd: unreachable", out)
        finally:
            stale.close()
            os.unlink(path)
        self.assertRegex(self.ctl("edge", "show", "fra"), r"state\s+drain")

    def test_overload_spills_over_and_comes_back_only_below_the_low_mark(self):
        with self.dnsd():
            sock = os.path.join(self.run_dir, "dnsd.sock")

            def push(load):
                self.assertTrue(dnstest.control(sock, {"cmd": "edge-state", "edges": [
                    {"name": "fra", "state": "up", "load": load}]})["ok"])

            push(0.97)  # above the high mark (0.95)
            self.assertNotEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            push(0.9)  # between the marks: still out (hysteresis)
            self.assertNotEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])
            push(0.5)  # below the low mark (0.8): back
            self.assertEqual(self.answers(self.ask("10.1.2.0/24")), ["192.0.2.1"])

    def test_explain_agrees_with_the_served_answer_for_1000_random_clients(self):
        # The same selection code runs in both; this checks the wiring around it (client address,
        # ECS truncation, scope, states) for clients in every region, in none, over IPv4 and
        # IPv6, with one edge overloaded so that spillover happens too.
        rng = random.Random(7)
        with self.dnsd():
            sock = os.path.join(self.run_dir, "dnsd.sock")
            dnstest.control(sock, {"cmd": "edge-state", "edges": [{"name": "nyc", "load": 0.99}]})
            mismatches = []
            for i in range(1000):
                kind = rng.randrange(4)
                if kind < 3:
                    address = "10.%d.%d.%d" % (rng.choice([1, 2, 3, 4, 9]), rng.randrange(256),
                                               rng.randrange(256))
                    prefix = rng.choice([8, 16, 20, 24, 32])
                else:
                    address = "2001:db8:%x:%x::%x" % (rng.choice([1, 2]), rng.randrange(65536),
                                                      rng.randrange(65536))
                    prefix = rng.choice([32, 48, 56, 64])
                network = "%s/%d" % (address, prefix)
                packed = socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET,
                                          address)
                bits = int.from_bytes(packed, "big") >> (len(packed) * 8 - prefix) << (
                    len(packed) * 8 - prefix)
                masked = socket.inet_ntop(socket.AF_INET6 if ":" in address else socket.AF_INET,
                                          bits.to_bytes(len(packed), "big"))
                qtype = rng.choice(["A", "AAAA"])
                query = dnstest.build_query("www.cdn.test", qtype, edns={
                    "options": [dnstest.ecs_option(masked, prefix)]})
                reply = dnstest.send_udp("127.0.0.1", self.port, query)
                self.assertIsNotNone(reply, network)
                m = dnstest.parse_message(reply)
                served = sorted(socket.inet_ntop(socket.AF_INET if len(rr.rdata) == 4
                                                 else socket.AF_INET6, rr.rdata)
                                for rr in m.answer)
                scope = dnstest.parse_ecs(m.option(dnstest.OPT_ECS))["scope"]
                e = dnstest.control(sock, {"cmd": "explain", "name": "www.cdn.test",
                                   "client": "127.0.0.1", "ecs": "%s/%d" % (masked, prefix)})
                self.assertTrue(e["ok"], e)
                explained = sorted(a for edge in e["answer"] for a in edge["addresses"]
                                   if (":" in a) == (qtype == "AAAA"))
                if served != explained or scope != e["scope"]:
                    mismatches.append((network, qtype, served, explained, scope, e["scope"]))
            self.assertEqual(mismatches[:10], [], "%d of 1000 differ" % len(mismatches))


if __name__ == "__main__":
    dnstest.run_tests()
