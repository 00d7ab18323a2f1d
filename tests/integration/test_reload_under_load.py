"""cdn-dnsd reloads while dnsperf runs: 20 reloads, no query lost or failed; and 20 steering
changes applied with cdnctl while a steered name is under load, none lost either.

DESIGN.md: reload builds a new snapshot off the query path and swaps it; workers read one
snapshot per batch, so a swap can neither drop a query nor answer from a half-built zone.
The load is bounded (a fixed number of queries at a fixed rate); the reloads must all happen
while it runs, which the test checks instead of assuming.
"""

import math
import os
import re
import subprocess
import time
import unittest

import dnstest

NAMES = 3000         # records in the zone: each reload is a real rebuild, all 20 fit in the run
QUERIES = 60000      # dnsperf queries, sent once
RATE = 10000         # queries per second -> about 6 s of load
RELOADS = 20


def zone_text(serial, extra):
    lines = ["$TTL 300",
             "@ SOA ns1 hostmaster %d 3600 900 1209600 60" % serial,
             "@ NS ns1",
             "ns1 A 192.0.2.1"]
    lines += ["h%05d A 198.18.%d.%d" % (i, i // 250, i % 250 + 1) for i in range(NAMES)]
    lines += ["extra%d TXT \"reload %d\"" % (i, i) for i in range(extra)]
    return "\n".join(lines) + "\n"


def dnsperf_stats(text):
    def number(label):
        m = re.search(r"%s:\s+(\d+)" % label, text)
        if not m:
            raise AssertionError("dnsperf printed no '%s':\n%s" % (label, text))
        return int(m.group(1))
    codes = dict((k, int(v)) for k, v in re.findall(r"(\w+) (\d+) \([\d.]+%\)", text.split("Response codes:")[-1].splitlines()[0]))
    return {"sent": number("Queries sent"), "completed": number("Queries completed"),
            "lost": number("Queries lost"), "codes": codes}


class ReloadUnderLoad(unittest.TestCase):
    def test_twenty_reloads_lose_no_query(self):
        with dnstest.TempDir() as tmp:
            zone = tmp.write("load.example.zone", zone_text(1, 0))
            queries = tmp.write("queries.txt", "".join(
                "h%05d.load.example A\n" % (i * 7919 % NAMES) for i in range(QUERIES)))
            with dnstest.Dnsd({"load.example": zone}, threads=2) as dnsd:
                perf = subprocess.Popen(
                    ["dnsperf", "-s", dnsd.host, "-p", str(dnsd.port), "-d", queries, "-n", "1",
                     "-Q", str(RATE), "-c", "4", "-t", "5"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                try:
                    published = 0
                    for serial in range(2, RELOADS + 2):
                        with open(zone, "w") as f:
                            f.write(zone_text(serial, serial))
                        outcome = dnsd.reload(timeout=30)
                        self.assertIn("event=snapshot.published", outcome)
                        published += 1
                    still_loading = perf.poll() is None
                    out, _ = perf.communicate(timeout=120)
                finally:
                    if perf.poll() is None:
                        perf.kill()
                        perf.wait()
                text = out.decode("utf-8", "replace")
                self.assertEqual(perf.returncode, 0, text)
                self.assertTrue(still_loading,
                                "dnsperf ended before the %d reloads did: the test proved nothing"
                                % RELOADS)
                stats = dnsperf_stats(text)
                print("reload-under-load: reloads=%d sent=%d completed=%d lost=%d codes=%s" % (
                    published, stats["sent"], stats["completed"], stats["lost"], stats["codes"]))
                self.assertEqual(published, RELOADS)
                self.assertEqual(stats["sent"], QUERIES)
                self.assertEqual(stats["lost"], 0)
                self.assertEqual(stats["completed"], QUERIES)
                self.assertEqual(stats["codes"], {"NOERROR": QUERIES})
                # The last version is the one served.
                r = dnstest.kdig(dnsd.host, dnsd.port, "extra%d.load.example" % RELOADS, "TXT")
                self.assertEqual(r.rcode, "NOERROR")
                self.assertEqual(len(r.answer), 1)

    def test_steering_changes_applied_under_load_lose_no_query(self):
        with dnstest.TempDir() as tmp:
            run_dir = tmp.join("run")
            os.makedirs(run_dir)
            env = dict(os.environ, CDN_DB=tmp.join("config.db"), CDN_RUN_DIR=run_dir)
            cdnctl = os.environ.get("CDNCTL") or os.path.join(
                dnstest.SOURCE_DIR, "build", "release", "cli", "cdnctl")

            def ctl(*args):
                proc = subprocess.run([cdnctl] + list(args), env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, timeout=60)
                self.assertEqual(proc.returncode, 0, proc.stdout.decode())

            port = dnstest.free_port()
            ctl("init")
            ctl("zone", "import", "load.example", tmp.write("z", zone_text(1, 0)))
            ctl("set", "dns.listen", "127.0.0.1:%d" % port)
            for i, name in enumerate(["fra", "nyc", "tyo"]):
                ctl("edge", "add", name, "--lat", str(10 * i), "--lon", "0", "--ipv4",
                    "192.0.2.%d" % (i + 1))
            ctl("pool", "add", "www", "--edges", "fra,nyc,tyo", "--answers", "1")
            ctl("steer", "add", "www.load.example", "--pool", "www")
            queries = tmp.write("queries.txt", "www.load.example A\n" * 1000)
            dnsd = dnstest.Daemon([dnstest.dnsd_binary(), "--db", env["CDN_DB"], "--threads", "2",
                                   "--control", os.path.join(run_dir, "dnsd.sock"),
                                   "--metrics", "127.0.0.1:0", "--foreground"],
                                  ready=r"event=dnsd\.ready\b", env=env, name="cdn-dnsd")
            with dnsd:
                def answer():
                    r = dnstest.kdig("127.0.0.1", port, "www.load.example", "A")
                    return [rr[4] for rr in r.answer]
                before = answer()
                started = time.monotonic()
                ctl("edge", "set-state", "fra", "down")
                ctl("apply")
                self.assertNotIn("192.0.2.1", answer())  # the change is served
                ctl("edge", "set-state", "fra", "auto")
                ctl("apply")
                self.assertEqual(answer(), before)
                # The load must outlast the changes: size it from what two changes took here
                # (a sanitizer build runs cdnctl several times slower), with room to spare.
                per_change = (time.monotonic() - started) / 2
                passes = min(900, max(QUERIES // 1000,
                                      math.ceil(3 * RELOADS * per_change * RATE / 1000)))
                expected = passes * 1000
                perf = subprocess.Popen(
                    ["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries, "-n",
                     str(passes), "-Q", str(RATE), "-c", "4", "-t", "5"],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                try:
                    for i in range(RELOADS):
                        ctl("edge", "set-state", "fra", "down" if i % 2 == 0 else "auto")
                        ctl("apply")
                    still_loading = perf.poll() is None
                    out, _ = perf.communicate(timeout=150)
                finally:
                    if perf.poll() is None:
                        perf.kill()
                        perf.wait()
                text = out.decode("utf-8", "replace")
                self.assertEqual(perf.returncode, 0, text)
                self.assertTrue(still_loading, "dnsperf ended before the changes did")
                stats = dnsperf_stats(text)
                print("steering-under-load: changes=%d sent=%d completed=%d lost=%d codes=%s" % (
                    RELOADS, stats["sent"], stats["completed"], stats["lost"], stats["codes"]))
                self.assertEqual(stats["lost"], 0)
                self.assertEqual(stats["completed"], expected)
                self.assertEqual(stats["codes"], {"NOERROR": expected})
                self.assertEqual(answer(), before)  # the last change (fra: auto) is served


if __name__ == "__main__":
    dnstest.run_tests()
