"""Appliance mode: cdnctl writes the config database, cdn-dnsd serves what `apply` loads.

The path an operator takes: init, zone import, set dns.listen, start cdn-dnsd --db, then
record add / apply / rollback / apply, each checked with kdig on the running server.
"""

import json
import os
import subprocess
import unittest

import dnstest

ZONE = """$TTL 300
@ SOA ns1 hostmaster 1 3600 900 1209600 60
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.10
"""


def cdnctl_binary():
    path = os.environ.get("CDNCTL") or os.path.join(dnstest.SOURCE_DIR, "build", "release", "cli",
                                                      "cdnctl")
    if not os.path.exists(path):
        raise AssertionError("cdnctl not found at %s (set CDNCTL)" % path)
    return path


class Appliance(unittest.TestCase):
    def setUp(self):
        self.tmp = dnstest.TempDir()
        self.run_dir = self.tmp.join("run")
        os.makedirs(self.run_dir)
        self.env = dict(os.environ, CDN_DB=self.tmp.join("config.db"), CDN_RUN_DIR=self.run_dir)
        self.port = dnstest.free_port()
        self.ctl("init")
        self.ctl("zone", "import", "appliance.test", self.tmp.write("a.zone", ZONE))
        self.ctl("set", "dns.listen", "127.0.0.1:%d" % self.port)

    def tearDown(self):
        self.tmp.cleanup()

    def ctl(self, *args, expect=0):
        proc = subprocess.run([cdnctl_binary()] + list(args), env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        out = proc.stdout.decode() + proc.stderr.decode()
        self.assertEqual(proc.returncode, expect, "cdnctl %s -> %s" % (" ".join(args), out))
        return out

    def dnsd(self):
        binary = dnstest.dnsd_binary()
        return dnstest.Daemon([binary, "--db", self.env["CDN_DB"], "--metrics", "127.0.0.1:0",
                               "--foreground"],
                              ready=r"event=dnsd\.ready\b", env=self.env, name="cdn-dnsd")

    def ask(self, name, qtype="A"):
        return dnstest.kdig("127.0.0.1", self.port, name, qtype)

    def test_apply_loads_each_change_and_rollback_takes_it_back(self):
        with self.dnsd() as dnsd:
            fields = dnstest.parse_event_line(dnsd.ready_line)
            self.assertEqual(fields["listen"], "127.0.0.1:%d" % self.port)  # from the database
            self.assertEqual(fields["control"], os.path.join(self.run_dir, "dnsd.sock"))
            self.assertEqual(self.ask("www.appliance.test").rcode, "NOERROR")
            self.assertEqual(self.ask("new.appliance.test").rcode, "NXDOMAIN")

            self.ctl("record", "add", "appliance.test", "new", "300", "IN", "A", "192.0.2.99")
            # Written, not yet applied: the server still serves the old version.
            self.assertEqual(self.ask("new.appliance.test").rcode, "NXDOMAIN")
            version = json.loads(self.ctl("history", "--json"))[0]["version"]
            out = self.ctl("apply")
            self.assertIn("dnsd: v%d loaded" % version, out)
            self.assertEqual(self.ask("new.appliance.test").rcode, "NOERROR")

            status = json.loads(self.ctl("status", "--json"))
            dnsd_status = [d for d in status["daemons"] if d["name"] == "dnsd"][0]
            self.assertEqual(dnsd_status["state"], "running")
            self.assertEqual(dnsd_status["reply"]["version"], version)

            self.ctl("rollback", str(version - 1))
            self.ctl("apply")
            self.assertEqual(self.ask("new.appliance.test").rcode, "NXDOMAIN")

    def test_a_refused_change_changes_nothing_and_the_server_keeps_serving(self):
        with self.dnsd():
            before = self.ctl("history", "--json")
            out = self.ctl("record", "add", "appliance.test", "www", "300", "IN", "CNAME",
                           "elsewhere.example.", expect=1)
            self.assertIn("CNAME", out)
            broken = self.tmp.write("broken.zone", ZONE + "bad A 1.2.3.999\nworse AAAA nope\n")
            out = self.ctl("zone", "import", "other.test", broken, expect=1)
            self.assertIn("broken.zone:6:", out)
            self.assertIn("broken.zone:7:", out)
            self.assertEqual(self.ctl("history", "--json"), before)
            self.ctl("apply")
            self.assertEqual(self.ask("www.appliance.test").rcode, "NOERROR")
            self.assertEqual(self.ask("www.other.test").rcode, "REFUSED")

    def test_apply_without_a_running_server_says_so_with_exit_3(self):
        out = self.ctl("apply", expect=3)
        self.assertIn("dnsd", out)


if __name__ == "__main__":
    dnstest.run_tests()
