"""cdnctl's steering commands against a temporary database: edge, pool, steer, geoip, edge
set-state and latency import; every validation error with its message and exit code, --json
output, and history/diff/rollback over steering changes.

Runs $CDNCTL (python3 standard library only). Prints "N passed, M failed" last.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

CDNCTL = os.environ.get("CDNCTL", "cdnctl")

ZONE = """$ORIGIN example.com.
$TTL 300
@       IN SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300
@       IN NS  ns1.example.com.
ns1     IN A   192.0.2.53
alias   IN CNAME www.example.com.
"""


class SteeringTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cdnctl-steer-test-")
        self.db = os.path.join(self.dir, "config.db")
        self.zone = self.write("example.com.zone", ZONE)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def cdnctl(self, *args, expect=0):
        env = dict(os.environ)
        env.pop("CDN_DB", None)
        env.pop("CDN_RUN_DIR", None)
        proc = subprocess.run([CDNCTL, "--db", self.db, *args],
                              capture_output=True, text=True, timeout=60, env=env)
        if expect is not None:
            self.assertEqual(proc.returncode, expect,
                             f"cdnctl {' '.join(args)}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def refused(self, *args, message):
        """Runs a command that must be refused (exit 1) with `message` on stderr."""
        proc = self.cdnctl(*args, expect=1)
        self.assertIn(message, proc.stderr)
        return proc

    def json(self, *args):
        return json.loads(self.cdnctl(*args, "--json").stdout)

    def version(self):
        return self.json("history")[0]["version"] if self.json("history") else 0

    def setup_two_edges(self):
        self.cdnctl("init")
        self.cdnctl("zone", "import", "example.com", self.zone)
        self.cdnctl("edge", "add", "fra1", "--lat", "50.11", "--lon", "8.68", "--ipv4", "192.0.2.10",
                    "--site", "fra", "--capacity", "100")
        self.cdnctl("edge", "add", "ams1", "--lat", "52.37", "--lon", "4.9", "--ipv4", "192.0.2.20",
                    "--ipv6", "2001:db8::20", "--weight", "2")

    def setup_pool_and_name(self):
        self.setup_two_edges()
        self.cdnctl("pool", "add", "web", "--edges", "fra1,ams1", "--answers", "2", "--ttl", "30")
        self.cdnctl("steer", "add", "www.example.com", "--pool", "web")

    # ---------------------------------------------------------------- help and usage

    def test_every_group_has_help_with_examples(self):
        for group in ("edge", "pool", "steer", "geoip", "latency"):
            self.assertIn("Example", self.cdnctl(group, "--help").stdout, group)
        for cmd in (("edge", "add"), ("edge", "set"), ("edge", "set-state"), ("pool", "add"),
                    ("pool", "set"), ("steer", "add"), ("geoip", "set"), ("latency", "import")):
            self.assertIn("Example", self.cdnctl(*cmd, "--help").stdout, cmd)

    def test_usage_errors_exit_2(self):
        self.cdnctl("init")
        self.cdnctl("edge", expect=2)
        self.cdnctl("edge", "add", "fra1", "--lat", "50", expect=2)  # --lon missing
        self.cdnctl("edge", "add", "fra1", "--lat", "north", "--lon", "8", expect=2)
        self.cdnctl("pool", "add", "web", expect=2)  # --edges missing
        self.cdnctl("steer", "add", "www.example.com", expect=2)  # --pool missing
        self.cdnctl("edge", "set-state", "fra1", "sideways", expect=2)
        self.cdnctl("latency", "import", expect=2)

    # ---------------------------------------------------------------- edges

    def test_edge_add_list_show_set_delete(self):
        self.setup_two_edges()
        out = self.cdnctl("edge", "list").stdout
        self.assertIn("fra1", out)
        self.assertIn("2001:db8::20", out)
        listing = self.json("edge", "list")
        self.assertEqual([e["name"] for e in listing["edges"]], ["ams1", "fra1"])
        fra1 = listing["edges"][1]
        self.assertEqual(fra1["latitude"], 50.11)
        self.assertEqual(fra1["capacity"], 100)
        self.assertIsNone(fra1["ipv6"])
        self.assertIsNone(fra1["override"])

        proc = self.cdnctl("edge", "set", "fra1", "--weight", "3", "--ipv6", "2001:db8::10")
        self.assertIn("changed edge fra1", proc.stdout)
        shown = self.json("edge", "show", "fra1")
        self.assertEqual(shown["weight"], 3)
        self.assertEqual(shown["ipv6"], "2001:db8::10")
        self.assertEqual(shown["latitude"], 50.11)  # untouched options stay
        self.assertIn("weight", self.cdnctl("edge", "show", "fra1").stdout)

        self.cdnctl("edge", "add", "syd1", "--lat", "-33.87", "--lon", "151.21", "--ipv6", "2001:db8::40")
        self.cdnctl("edge", "add", "gru1", "--lat=-23.55", "--lon=-46.63", "--ipv4", "192.0.2.40")
        gru1 = self.json("edge", "show", "gru1")
        self.assertEqual((gru1["latitude"], gru1["longitude"]), (-23.55, -46.63))
        self.assertEqual(self.json("edge", "show", "syd1")["latitude"], -33.87)
        self.cdnctl("edge", "delete", "syd1")
        self.cdnctl("edge", "delete", "gru1")

        self.cdnctl("edge", "set", "fra1", "--ipv6", "")  # '' removes the address
        self.assertIsNone(self.json("edge", "show", "fra1")["ipv6"])
        self.cdnctl("edge", "delete", "fra1")
        self.assertEqual([e["name"] for e in self.json("edge", "list")["edges"]], ["ams1"])
        self.refused("edge", "show", "fra1", message="no edge fra1")
        self.refused("edge", "delete", "fra1", message="no edge fra1")
        self.refused("edge", "set", "fra1", "--weight", "2", message="no edge fra1")

    def test_edge_validation_errors(self):
        self.setup_two_edges()
        base = ["--lat", "10", "--lon", "10", "--ipv4", "192.0.2.99"]
        self.refused("edge", "add", "fra1", *base, message="edge fra1 exists")
        self.refused("edge", "add", "Bad_Name", *base,
                     message='bad edge name "Bad_Name": only a-z, 0-9 and - are allowed')
        self.refused("edge", "add", "e1", "--lat", "91", "--lon", "0", "--ipv4", "192.0.2.1",
                     message="edge e1: latitude 91 is outside -90..90")
        self.refused("edge", "add", "e1", "--lat", "-90.5", "--lon", "0", "--ipv4", "192.0.2.1",
                     message="edge e1: latitude -90.5 is outside -90..90")
        self.refused("edge", "add", "e1", "--lat", "0", "--lon", "180.1", "--ipv4", "192.0.2.1",
                     message="edge e1: longitude 180.1 is outside -180..180")
        self.refused("edge", "add", "e1", "--lat", "0", "--lon", "0", "--ipv4", "2001:db8::1",
                     message="edge e1: ipv4 2001:db8::1: an IPv6 address where IPv4 is expected")
        self.refused("edge", "add", "e1", "--lat", "0", "--lon", "0", "--ipv4", "192.0.2.300",
                     message="edge e1: ipv4 192.0.2.300: not a literal IPv4 address")
        self.refused("edge", "add", "e1", "--lat", "0", "--lon", "0", "--ipv6", "192.0.2.1",
                     message="edge e1: ipv6 192.0.2.1: an IPv4 address where IPv6 is expected")
        self.refused("edge", "add", "e1", "--lat", "0", "--lon", "0",
                     message="edge e1: no address (give --ipv4 and/or --ipv6)")
        self.refused("edge", "add", "e1", *base, "--capacity", "0",
                     message="edge e1: capacity 0 is not > 0")
        self.refused("edge", "add", "e1", *base, "--weight", "-1",
                     message="edge e1: weight -1 is not > 0")
        self.refused("edge", "set", "fra1", "--lat", "100", message="latitude 100 is outside")
        # Nothing of that was written.
        self.assertEqual(len(self.json("edge", "list")["edges"]), 2)
        self.assertEqual(self.version(), 3)

    def test_edge_delete_is_refused_while_a_pool_uses_it_naming_the_pools(self):
        self.setup_two_edges()
        self.cdnctl("pool", "add", "web", "--edges", "fra1,ams1")
        self.cdnctl("pool", "add", "eu", "--edges", "fra1")
        self.refused("edge", "delete", "fra1", message="edge fra1 is used by pools eu, web")
        self.refused("edge", "delete", "ams1", message="edge ams1 is used by pool web")
        self.cdnctl("pool", "set", "web", "--edges", "fra1")
        self.cdnctl("edge", "delete", "ams1")

    def test_edge_set_state_overrides_until_auto(self):
        self.setup_two_edges()
        proc = self.cdnctl("edge", "set-state", "fra1", "drain", "--load", "0.5")
        self.assertIn("edge fra1 override state=drain load=0.5", proc.stdout)
        self.assertEqual(self.json("edge", "show", "fra1")["override"], {"state": "drain", "load": 0.5})
        self.assertIn("drain load=0.5", self.cdnctl("edge", "list").stdout)
        self.cdnctl("edge", "set-state", "fra1", "down")
        self.assertEqual(self.json("edge", "show", "fra1")["override"], {"state": "down", "load": None})
        self.refused("edge", "set-state", "fra1", "up", "--load", "-1",
                     message="override of edge fra1: load -1 is not a number >= 0")
        self.refused("edge", "set-state", "fra1", "auto", "--load", "0.2",
                     message="--load cannot be combined with auto")
        self.refused("edge", "set-state", "nope", "up", message="no edge nope")
        self.cdnctl("edge", "set-state", "fra1", "auto")
        self.assertIsNone(self.json("edge", "show", "fra1")["override"])
        self.assertIn("nothing to do", self.cdnctl("edge", "set-state", "fra1", "auto").stdout)
        summaries = [h["summary"] for h in self.json("history")]
        self.assertIn("edge fra1 state auto (override state=down cleared)", summaries)

    # ---------------------------------------------------------------- pools

    def test_pool_add_list_show_set_delete(self):
        self.setup_two_edges()
        self.cdnctl("pool", "add", "web", "--edges", "fra1,ams1", "--answers", "2", "--ttl", "30",
                    "--all-down", "serve-all", "--low", "0.7", "--high", "0.9")
        self.cdnctl("pool", "add", "backup", "--edges", "ams1")
        web = self.json("pool", "show", "web")
        self.assertEqual(web["edges"], ["fra1", "ams1"])
        self.assertEqual((web["answers"], web["ttl"], web["low"], web["high"]), (2, 30, 0.7, 0.9))
        self.assertEqual(web["all_down"], "serve-all")
        backup = self.json("pool", "list")["pools"][0]
        self.assertEqual((backup["name"], backup["answers"], backup["ttl"]), ("backup", 1, 60))
        self.assertEqual((backup["low"], backup["high"]), (0.8, 0.95))
        self.cdnctl("pool", "set", "web", "--all-down", "fallback:backup", "--edges", "ams1,fra1")
        web = self.json("pool", "show", "web")
        self.assertEqual(web["fallback"], "backup")
        self.assertEqual(web["edges"], ["ams1", "fra1"])
        self.assertEqual(web["answers"], 2)
        self.assertIn("fallback:backup", self.cdnctl("pool", "list").stdout)
        self.assertIn("fallback:backup", self.cdnctl("pool", "show", "web").stdout)
        self.refused("pool", "delete", "backup", message="pool backup is the fallback of pool web")
        self.cdnctl("pool", "delete", "web")
        self.cdnctl("pool", "delete", "backup")
        self.assertEqual(self.json("pool", "list")["pools"], [])
        self.refused("pool", "show", "web", message="no pool web")

    def test_pool_validation_errors(self):
        self.setup_two_edges()
        self.cdnctl("pool", "add", "web", "--edges", "fra1")
        self.cdnctl("pool", "add", "backup", "--edges", "ams1", "--all-down", "fallback:web")
        self.refused("pool", "add", "web", "--edges", "fra1", message="pool web exists")
        self.refused("pool", "add", "p", "--edges", "fra1,nope", message="pool p: unknown edge nope")
        self.refused("pool", "add", "p", "--edges", "fra1,fra1", message="pool p: edge fra1 listed twice")
        self.refused("pool", "add", "p", "--edges", "fra1", "--answers", "0",
                     message="pool p: answers 0 is not >= 1")
        self.refused("pool", "add", "p", "--edges", "fra1", "--ttl", "86401",
                     message="pool p: ttl 86401 is outside 0..86400")
        self.refused("pool", "add", "p", "--edges", "fra1", "--ttl", "-1",
                     message="pool p: ttl -1 is outside 0..86400")
        self.refused("pool", "add", "p", "--edges", "fra1", "--low", "0.9", "--high", "0.9",
                     message="pool p: water marks low 0.9 and high 0.9 must satisfy 0 <= low < high <= 1")
        self.refused("pool", "add", "p", "--edges", "fra1", "--high", "1.5",
                     message="must satisfy 0 <= low < high <= 1")
        self.refused("pool", "add", "p", "--edges", "fra1", "--all-down", "fallback:nope",
                     message="pool p: unknown fallback pool nope")
        self.refused("pool", "add", "p", "--edges", "fra1", "--all-down", "fallback:p",
                     message="pool p: fallback pool is the pool itself")
        self.refused("pool", "add", "p", "--edges", "fra1", "--all-down", "everything",
                     message="--all-down everything: expected serve-all or fallback:POOL")
        self.refused("pool", "set", "web", "--all-down", "fallback:backup",
                     message="pool web: fallback cycle web -> backup -> web")
        self.refused("pool", "set", "web", "--edges", "", message="pool web: no edges")
        self.refused("pool", "add", "Web", "--edges", "fra1", message='bad pool name "Web"')
        self.refused("pool", "set", "nope", "--ttl", "5", message="no pool nope")
        self.assertEqual(len(self.json("pool", "list")["pools"]), 2)

    # ---------------------------------------------------------------- steered names

    def test_steer_add_list_delete(self):
        self.setup_pool_and_name()
        self.cdnctl("pool", "add", "backup", "--edges", "ams1")
        names = self.json("steer", "list")["names"]
        self.assertEqual(names, [{"name": "www.example.com.", "pool": "web"}])
        self.assertIn("www.example.com.", self.cdnctl("steer", "list").stdout)
        self.refused("steer", "add", "WWW.example.com.", "--pool", "backup",
                     message="www.example.com. is steered to pool web already")
        self.cdnctl("steer", "add", "www.example.com", "--pool", "backup", "--replace")
        self.assertEqual(self.json("steer", "list")["names"][0]["pool"], "backup")
        self.refused("pool", "delete", "backup",
                     message="pool backup is used by steered name www.example.com.")
        self.cdnctl("steer", "add", "example.com", "--pool", "web")  # the apex is inside too
        self.cdnctl("steer", "delete", "www.example.com")
        self.assertEqual(self.json("steer", "list")["names"], [{"name": "example.com.", "pool": "web"}])
        self.refused("steer", "delete", "www.example.com", message="no steered name www.example.com.")

    def test_steer_validation_errors(self):
        self.setup_pool_and_name()
        self.refused("steer", "add", "cdn.example.org", "--pool", "web",
                     message="cdn.example.org. is not inside any zone in the database")
        self.refused("steer", "add", "alias.example.com", "--pool", "web",
                     message="alias.example.com. has CNAME data in zone example.com.")
        self.refused("steer", "add", "img.example.com", "--pool", "nope",
                     message="steered name img.example.com.: unknown pool nope")
        self.refused("steer", "add", "bad..example.com", "--pool", "web", message="bad name")
        self.assertEqual(len(self.json("steer", "list")["names"]), 1)

    def test_zone_changes_that_would_break_a_steered_name_are_refused(self):
        self.setup_pool_and_name()
        self.refused("zone", "delete", "example.com",
                     message="steered name www.example.com. would be outside every zone")
        self.refused("record", "add", "example.com", "www", "300", "IN", "CNAME", "cdn.example.net.",
                     message="steered name www.example.com. would own CNAME data (cdn.example.net.)")
        replacement = self.write("replacement.zone", ZONE + "www IN CNAME ns1.example.com.\n")
        self.refused("zone", "import", "example.com", replacement, "--replace",
                     message="steered name www.example.com. would own CNAME data")
        self.cdnctl("record", "add", "example.com", "img", "300", "IN", "CNAME", "www.example.com.")
        self.cdnctl("steer", "delete", "www.example.com")
        self.cdnctl("zone", "delete", "example.com")

    # ---------------------------------------------------------------- geoip

    def test_geoip_set_checks_the_file_and_stores_the_setting(self):
        self.cdnctl("init")
        self.refused("geoip", "set", os.path.join(self.dir, "missing.mmdb"), message="no such file")
        self.refused("geoip", "set", self.dir, message="not a regular file")
        self.assertIsNone(self.json("geoip", "show")["path"])
        mmdb = self.write("city.mmdb", "not really a MaxMind DB, but readable")
        proc = self.cdnctl("geoip", "set", mmdb)
        self.assertIn("set geoip.path = " + mmdb, proc.stdout)
        self.assertEqual(self.json("geoip", "show"), {"version": 1, "path": mmdb, "readable": True})
        self.assertEqual(self.cdnctl("get", "geoip.path").stdout.strip(), mmdb)
        self.assertIn(mmdb, self.cdnctl("geoip", "show").stdout)

    # ---------------------------------------------------------------- latency

    def test_latency_import_replaces_the_map(self):
        self.setup_two_edges()
        first = self.write("a.csv", "prefix,edge,rtt_ms\n# measured today\n192.0.2.0/24,fra1,12.5\n"
                                    "\n2001:DB8::/32 , ams1 , 30\n")
        proc = self.cdnctl("latency", "import", first)
        self.assertIn("2 entries for 2 prefixes; was 0 entries", proc.stdout)
        entries = self.json("latency", "list")["latency"]
        self.assertEqual(entries, [{"prefix": "192.0.2.0/24", "edge": "fra1", "rtt_ms": 12.5},
                                   {"prefix": "2001:db8::/32", "edge": "ams1", "rtt_ms": 30}])
        second = self.write("b.csv", "198.51.100.0/24,ams1,7\n")
        self.cdnctl("latency", "import", second)
        self.assertEqual(self.json("latency", "list")["latency"],
                         [{"prefix": "198.51.100.0/24", "edge": "ams1", "rtt_ms": 7}])
        self.assertEqual(self.json("latency", "list", "--edge", "fra1")["latency"], [])
        self.assertIn("198.51.100.0/24", self.cdnctl("latency", "list").stdout)
        self.assertEqual(self.json("edge", "show", "ams1")["latency_entries"], 1)

    def test_latency_import_reports_every_bad_line_and_imports_nothing(self):
        self.setup_two_edges()
        self.cdnctl("latency", "import", self.write("ok.csv", "192.0.2.0/24,fra1,10\n"))
        bad = self.write("bad.csv", "prefix,edge,rtt_ms\n"
                                    "192.0.2.0/24,fra1,11\n"      # line 2: fine
                                    "192.0.2.1/24,fra1,11\n"      # line 3: host bits
                                    "10.0.0.0/8,nope,5\n"         # line 4: unknown edge
                                    "10.0.0.0/8,fra1,-3\n"        # line 5: negative
                                    "10.0.0.0/8,fra1\n"           # line 6: two fields
                                    "192.0.2.0/24,fra1,12\n"      # line 7: repeats line 2
                                    "10.0.0.0/33,fra1,1\n"        # line 8: bad length
                                    "10.0.0.0/8,fra1,fast\n")     # line 9: not a number
        proc = self.cdnctl("latency", "import", bad, expect=1)
        for line, reason in ((3, "bad prefix 192.0.2.1/24: host bits set after /24"),
                             (4, 'unknown edge "nope"'),
                             (5, 'bad rtt_ms "-3"'),
                             (6, "expected 3 fields (prefix,edge,rtt_ms), got 2"),
                             (7, "192.0.2.0/24 to fra1 is given already on line 2"),
                             (8, "bad prefix 10.0.0.0/33: prefix length 33 is longer than 32 bits"),
                             (9, 'bad rtt_ms "fast"')):
            self.assertIn(f"{bad}:{line}: {reason}", proc.stderr)
        self.assertNotIn(f"{bad}:2:", proc.stderr)
        self.assertIn("nothing imported: 7 errors in " + bad, proc.stderr)
        self.assertEqual(self.json("latency", "list")["latency"],
                         [{"prefix": "192.0.2.0/24", "edge": "fra1", "rtt_ms": 10}])
        self.refused("latency", "import", os.path.join(self.dir, "missing.csv"), message="cannot read")

    # ---------------------------------------------------------------- history, diff, rollback

    def test_history_shows_a_summary_for_every_steering_change(self):
        self.setup_pool_and_name()
        summaries = [h["summary"] for h in self.json("history")]
        self.assertEqual(summaries[0], "steered www.example.com. (zone example.com.) to pool web")
        self.assertTrue(summaries[1].startswith("added pool web (edges=fra1,ams1 answers=2 ttl=30"))
        self.assertTrue(summaries[2].startswith("added edge ams1 (site=- lat=52.37 lon=4.9"))
        self.assertIn("steered www.example.com.", self.cdnctl("history").stdout)

    def test_diff_and_rollback_cover_edges_pools_and_names(self):
        self.setup_pool_and_name()  # v1 zone, v2-v3 edges, v4 pool, v5 name
        self.cdnctl("edge", "set-state", "fra1", "drain")  # v6
        self.cdnctl("latency", "import", self.write("l.csv", "192.0.2.0/24,fra1,10\n"))  # v7
        diff = self.json("diff", "3", "7")
        kinds = [(c["kind"], c["key"]) for c in diff["steering"]]
        self.assertEqual(kinds, [("pool", "web"), ("steer", "www.example.com."),
                                 ("override", "fra1"), ("latency", "192.0.2.0/24 fra1")])
        self.assertIsNone(diff["steering"][0]["before"])
        text = self.cdnctl("diff", "3", "7").stdout
        self.assertIn("+ pool web edges=fra1,ams1 answers=2 ttl=30", text)
        self.assertIn("+ steer www.example.com. pool=web", text)

        proc = self.cdnctl("rollback", "3")  # v8: the two edges only
        self.assertIn("rolled back to v3", proc.stdout)
        self.assertEqual(self.json("pool", "list")["pools"], [])
        self.assertEqual(self.json("steer", "list")["names"], [])
        self.assertEqual(self.json("latency", "list")["latency"], [])
        self.assertEqual(len(self.json("edge", "list")["edges"]), 2)
        self.assertEqual(self.json("diff", "3", "8")["steering"], [])

        self.cdnctl("rollback", "7")  # v9: everything back, pool edge order included
        self.assertEqual(self.json("pool", "show", "web")["edges"], ["fra1", "ams1"])
        self.assertEqual(self.json("steer", "list")["names"][0]["pool"], "web")
        self.assertEqual(self.json("edge", "show", "fra1")["override"]["state"], "drain")
        self.assertEqual(self.json("diff", "7", "9")["steering"], [])
        self.assertEqual(self.cdnctl("diff", "7", "9").stdout, "--- v7\n+++ v9\n")


class CountingResult(unittest.TextTestResult):
    pass


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(SteeringTest)
    result = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)


if __name__ == "__main__":
    main()
