"""cdnctl against a temporary database: exit codes, --json output, zone import errors, record
validation, history/diff/rollback, settings, and apply against fake daemons on Unix sockets.

Runs $CDNCTL (python3 standard library only). Prints "N passed, M failed" last.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

CDNCTL = os.environ.get("CDNCTL", "cdnctl")

GOOD_ZONE = """$ORIGIN example.com.
$TTL 300
@       IN SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300
@       IN NS  ns1.example.com.
ns1     IN A   192.0.2.53
www     IN A   192.0.2.1
www     IN AAAA 2001:db8::1
alias   IN CNAME www.example.com.
"""

# Two independent errors, on lines 4 and 6.
BROKEN_ZONE = """$ORIGIN example.org.
$TTL 300
@       IN SOA ns1.example.org. hostmaster.example.org. 1 3600 900 604800 300
www     IN A   192.0.2.300
@       IN NS  ns1.example.org.
ftp     IN BOGUSTYPE something
"""


class FakeDaemon:
    """A control socket answering like cdn-dnsd: status, and reload (or refusing reloads)."""

    def __init__(self, path, refuse=None):
        self.path = path
        self.refuse = refuse
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                buf = b""
                while b"\n" not in buf:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                if b"\n" not in buf:
                    continue
                request = json.loads(buf.split(b"\n")[0])
                self.requests.append(request)
                if request.get("cmd") == "status":
                    reply = {"ok": True, "daemon": "dnsd", "version": 1, "zones": 1, "uptime_s": 75}
                elif request.get("cmd") == "reload" and self.refuse:
                    reply = {"ok": False, "error": self.refuse}
                elif request.get("cmd") == "reload":
                    reply = {"ok": True, "version": request.get("version")}
                else:
                    reply = {"ok": False, "error": "unknown command"}
                conn.sendall(json.dumps(reply).encode() + b"\n")

    def stop(self):
        self.stopping = True
        self.thread.join(5)
        self.sock.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


class CdnctlTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cdnctl-test-")
        self.db = os.path.join(self.dir, "config.db")
        self.run_dir = os.path.join(self.dir, "run")
        os.mkdir(self.run_dir)
        self.good = self.write("example.com.zone", GOOD_ZONE)
        self.broken = self.write("example.org.zone", BROKEN_ZONE)

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
        proc = subprocess.run([CDNCTL, "--db", self.db, "--run-dir", self.run_dir, *args],
                              capture_output=True, text=True, timeout=60, env=env)
        if expect is not None:
            self.assertEqual(proc.returncode, expect,
                             f"cdnctl {' '.join(args)}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def json(self, *args):
        return json.loads(self.cdnctl(*args, "--json").stdout)

    def init_with_zone(self):
        self.cdnctl("init")
        self.cdnctl("zone", "import", "example.com", self.good)

    # ---------------------------------------------------------------- usage and init

    def test_usage_errors_exit_2_and_help_exits_0(self):
        self.cdnctl(expect=2)
        self.cdnctl("no-such-command", expect=2)
        self.cdnctl("zone", "import", "only-one-arg", expect=2)
        self.cdnctl("diff", "x", expect=2)
        help_text = self.cdnctl("--help").stdout
        self.assertIn("Examples:", help_text)
        self.assertIn("record add", help_text)
        self.assertIn("Examples:", self.cdnctl("record", "add", "--help").stdout)

    def test_commands_without_a_database_say_how_to_create_one(self):
        proc = self.cdnctl("zone", "list", expect=1)
        self.assertIn("cdnctl", proc.stderr)
        self.assertIn("init", proc.stderr)

    def test_init_creates_an_empty_version_0(self):
        self.cdnctl("init")
        self.cdnctl("init")  # twice is fine
        self.assertEqual(self.json("zone", "list"), {"version": 0, "zones": []})
        self.assertEqual(self.json("history"), [])

    # ---------------------------------------------------------------- zones

    def test_zone_import_list_show_export(self):
        self.init_with_zone()
        listing = self.json("zone", "list")
        self.assertEqual(listing["version"], 1)
        self.assertEqual(listing["zones"], [{"name": "example.com.", "records": 6}])
        shown = self.json("zone", "show", "example.com")
        self.assertEqual([r["type"] for r in shown["records"]],
                         ["SOA", "NS", "A", "A", "AAAA", "CNAME"])  # source order
        self.assertEqual(shown["records"][3]["owner"], "www.example.com.")
        exported = self.cdnctl("zone", "export", "example.com").stdout
        self.assertIn("www.example.com.\t300\tIN\tA\t192.0.2.1", exported)
        # An export imports again, unchanged.
        again = self.write("again.zone", exported)
        self.cdnctl("zone", "import", "example.com", again, expect=1)  # exists
        self.cdnctl("zone", "import", "example.com", again, "--replace")
        self.assertEqual(self.cdnctl("diff", "1", "2").stdout.strip(), "--- v1\n+++ v2")

    def test_zone_import_reports_every_error_with_file_and_line_and_imports_nothing(self):
        self.cdnctl("init")
        proc = self.cdnctl("zone", "import", "example.org", self.broken, expect=1)
        error_lines = [l for l in proc.stderr.splitlines() if l.startswith(self.broken + ":")]
        self.assertGreaterEqual(len(error_lines), 2, proc.stderr)
        self.assertTrue(any(l.startswith(self.broken + ":4: ") for l in error_lines), proc.stderr)
        self.assertTrue(any(l.startswith(self.broken + ":6: ") for l in error_lines), proc.stderr)
        self.assertIn("nothing imported", proc.stderr)
        self.assertEqual(self.json("zone", "list")["zones"], [])
        self.assertEqual(self.json("history"), [])

    def test_zone_import_of_a_missing_file_is_refused(self):
        self.cdnctl("init")
        proc = self.cdnctl("zone", "import", "example.com", os.path.join(self.dir, "nope"), expect=1)
        self.assertIn("nope", proc.stderr)

    def test_zone_delete(self):
        self.init_with_zone()
        self.cdnctl("zone", "delete", "example.com")
        self.assertEqual(self.json("zone", "list")["zones"], [])
        self.cdnctl("zone", "delete", "example.com", expect=1)
        self.cdnctl("zone", "show", "example.com", expect=1)
        self.assertEqual(len(self.json("zone", "show", "example.com", "--version", "1")["records"]), 6)

    # ---------------------------------------------------------------- records

    def test_record_add_and_delete(self):
        self.init_with_zone()
        out = self.cdnctl("record", "add", "example.com", "new", "60", "IN", "A", "192.0.2.9").stdout
        self.assertIn("v2:", out)
        records = self.json("zone", "show", "example.com")["records"]
        self.assertEqual(records[-1]["owner"], "new.example.com.")
        self.assertEqual(records[-1]["ttl"], 60)
        self.cdnctl("record", "add", "example.com", "new 60 IN A 192.0.2.9", expect=1)  # duplicate
        self.cdnctl("record", "delete", "example.com", "new", "A", "192.0.2.9")
        self.cdnctl("record", "delete", "example.com", "new", "A", "192.0.2.9", expect=1)
        self.cdnctl("record", "delete", "example.com", "www", "AAAA")  # the whole RRset
        types = [r["type"] for r in self.json("zone", "show", "example.com")["records"]]
        self.assertNotIn("AAAA", types)
        self.assertEqual(self.json("zone", "list")["version"], 4)

    def test_record_add_refuses_cname_and_other_data(self):
        self.init_with_zone()
        proc = self.cdnctl("record", "add", "example.com", "www 300 IN CNAME other.example.net.",
                           expect=1)
        self.assertIn("refused", proc.stderr)
        self.assertIn("CNAME", proc.stderr)
        proc = self.cdnctl("record", "add", "example.com", "alias 300 IN A 192.0.2.7", expect=1)
        self.assertIn("CNAME", proc.stderr)
        self.assertEqual(self.json("zone", "list")["version"], 1)

    def test_record_add_refuses_an_owner_outside_the_zone(self):
        self.init_with_zone()
        proc = self.cdnctl("record", "add", "example.com", "www.example.net. 300 IN A 192.0.2.7",
                           expect=1)
        self.assertIn("refused", proc.stderr)
        self.assertIn("example.net", proc.stderr)
        self.assertEqual(len(self.json("history")), 1)

    def test_record_add_refuses_bad_rdata(self):
        self.init_with_zone()
        proc = self.cdnctl("record", "add", "example.com", "x 300 IN A 192.0.2.999", expect=1)
        self.assertIn("refused", proc.stderr)
        self.cdnctl("record", "add", "nosuchzone.test", "x 300 IN A 192.0.2.9", expect=1)

    def test_record_delete_refuses_to_break_the_zone(self):
        self.init_with_zone()
        proc = self.cdnctl("record", "delete", "example.com", "@", "SOA", expect=1)
        self.assertIn("refused", proc.stderr)
        self.assertEqual(len(self.json("zone", "show", "example.com")["records"]), 6)

    def test_record_changes_check_the_rules_around_the_owner(self):
        self.init_with_zone()
        # Below a DNAME: the ancestor's DNAME is found without reading the zone.
        self.cdnctl("record", "add", "example.com", "moved 300 IN DNAME example.net.")
        proc = self.cdnctl("record", "add", "example.com", "x.moved 300 IN A 192.0.2.7", expect=1)
        self.assertIn("refused", proc.stderr)
        self.assertIn("DNAME", proc.stderr)
        # A new DNAME above existing data is checked against the whole zone.
        self.cdnctl("record", "add", "example.com", "host.sub 300 IN A 192.0.2.6")
        proc = self.cdnctl("record", "add", "example.com", "sub 300 IN DNAME example.net.",
                           expect=1)
        self.assertIn("refused", proc.stderr)
        # A second SOA, a CNAME beside other data at the apex, the apex's last NS: refused.
        self.cdnctl("record", "add", "example.com",
                    "@ 300 IN SOA ns2.example.com. h.example.com. 2 3600 900 604800 300", expect=1)
        self.cdnctl("record", "add", "example.com", "@ 300 IN CNAME www.example.net.", expect=1)
        self.cdnctl("record", "delete", "example.com", "@", "NS", expect=1)
        # Owner names compare without case; the change is kept exactly as written.
        self.cdnctl("record", "add", "example.com", "Mixed.Example.COM. 300 IN A 192.0.2.8")
        self.cdnctl("record", "add", "example.com", "mixed 300 IN CNAME www.example.com.",
                    expect=1)
        self.cdnctl("record", "delete", "example.com", "MIXED", "A")
        self.assertNotIn("Mixed", self.cdnctl("zone", "export", "example.com").stdout)

    def test_a_config_change_says_it_is_not_live_until_apply(self):
        self.init_with_zone()
        out = self.cdnctl("record", "add", "example.com", "n 300 IN A 192.0.2.9").stdout
        self.assertIn("not live", out)
        # --apply with nothing running: committed, and exit 3 says it is not loaded.
        proc = self.cdnctl("--apply", "record", "add", "example.com", "m 300 IN A 192.0.2.9",
                           expect=3)
        self.assertIn("dnsd: not running", proc.stderr)

    # ---------------------------------------------------------------- history, diff, rollback

    def test_history_diff_and_rollback(self):
        self.init_with_zone()                                                         # v1
        self.cdnctl("record", "add", "example.com", "a 300 IN A 192.0.2.10")          # v2
        self.cdnctl("record", "delete", "example.com", "www", "A", "192.0.2.1")       # v3
        self.cdnctl("set", "dns.nsid", "pop1")                                        # v4
        history = self.json("history")
        self.assertEqual([h["version"] for h in history], [4, 3, 2, 1])
        self.assertIn("zone import", history[-1]["command"])
        self.assertTrue(all(h["user"] and h["time"] and h["summary"] for h in history))
        self.assertEqual(len(self.json("history", "--limit", "2")), 2)

        d = self.json("diff", "1", "4")
        self.assertEqual([r["record"] for r in d["records_added"]],
                         ["a.example.com.\t300\tIN\tA\t192.0.2.10"])
        self.assertEqual([r["record"] for r in d["records_removed"]],
                         ["www.example.com.\t300\tIN\tA\t192.0.2.1"])
        self.assertEqual(d["settings"], [{"key": "dns.nsid", "before": None, "after": "pop1"}])
        text = self.cdnctl("diff", "1", "4").stdout
        self.assertIn("+ a.example.com.", text)
        self.assertIn("- www.example.com.", text)
        self.cdnctl("diff", "1", "99", expect=1)

        self.cdnctl("rollback", "1")                                                  # v5
        self.assertEqual(self.json("history")[0]["version"], 5)
        d = self.json("diff", "1", "5")
        self.assertEqual((d["records_added"], d["records_removed"], d["settings"]), ([], [], []))
        self.assertEqual(self.cdnctl("get", "dns.nsid").stdout, "\n")
        self.cdnctl("rollback", "42", expect=1)
        self.assertEqual(len(self.json("history")), 5)

    # ---------------------------------------------------------------- settings

    def test_settings_are_validated_and_versioned(self):
        self.cdnctl("init")
        self.cdnctl("set", "dns.listen", "127.0.0.1:5300,[::1]:5300")
        self.cdnctl("set", "dns.metrics", "127.0.0.1:9999")
        self.cdnctl("set", "dns.listen", "127.0.0.1", expect=1)
        self.cdnctl("set", "dns.listen", "example.com:53", expect=1)
        self.cdnctl("set", "dns.metrics", "127.0.0.1:70000", expect=1)
        self.cdnctl("set", "no.such.key", "x", expect=1)
        self.assertEqual(self.cdnctl("get", "dns.listen").stdout.strip(), "127.0.0.1:5300,[::1]:5300")
        settings = {s["key"]: s for s in self.json("get")["settings"]}
        self.assertEqual(settings["dns.metrics"]["value"], "127.0.0.1:9999")
        self.assertTrue(settings["dns.nsid"]["default"])
        self.assertEqual(len(self.json("history")), 2)
        self.cdnctl("unset", "dns.metrics")
        self.assertTrue(self.json("get", "dns.metrics")["settings"][0]["default"])

    # ---------------------------------------------------------------- daemons

    def test_apply_with_no_daemon_running_exits_3(self):
        self.init_with_zone()
        proc = self.cdnctl("apply", expect=3)
        self.assertIn("dnsd: not running", proc.stderr)
        status = self.json("status")
        self.assertEqual(status["config_version"], 1)
        self.assertEqual({d["name"]: d["state"] for d in status["daemons"]},
                         {"dnsd": "not running", "healthd": "not running", "edged": "not running"})

    def test_apply_with_a_stale_socket_exits_3(self):
        self.init_with_zone()
        path = os.path.join(self.run_dir, "dnsd.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)  # never listens: like a socket left by a crashed daemon
        s.close()
        proc = self.cdnctl("apply", expect=3)
        self.assertIn("unreachable", proc.stderr)
        self.cdnctl("status", expect=3)

    def test_apply_asks_dnsd_to_load_the_current_version(self):
        self.init_with_zone()
        daemon = FakeDaemon(os.path.join(self.run_dir, "dnsd.sock"))
        try:
            proc = self.cdnctl("apply")
            self.assertEqual(proc.stdout.strip(), "dnsd: v1 loaded")
            self.assertEqual(daemon.requests[-1], {"cmd": "reload", "version": 1})
            self.assertEqual(self.json("apply")["daemons"][0]["state"], "loaded")
            status = self.json("status")
            self.assertEqual(status["daemons"][0]["state"], "running")
            self.assertEqual(status["daemons"][0]["reply"]["uptime_s"], 75)
            self.assertIn("running", self.cdnctl("status").stdout)
        finally:
            daemon.stop()

    def test_apply_reports_who_refused_and_why(self):
        self.init_with_zone()
        daemon = FakeDaemon(os.path.join(self.run_dir, "dnsd.sock"), refuse="zone example.com. broken")
        try:
            proc = self.cdnctl("apply", expect=1)
            self.assertIn("dnsd: refused v1: zone example.com. broken", proc.stderr)
        finally:
            daemon.stop()


class CountingResult(unittest.TextTestResult):
    pass


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CdnctlTest)
    result = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult).run(suite)
    failed = len(result.failures) + len(result.errors)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or result.testsRun == 0 else 0)


if __name__ == "__main__":
    main()
