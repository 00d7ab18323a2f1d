"""cdn-dnsd as a process: listen addresses, the control socket, metrics, bad start-ups.

Each test starts the real daemon on loopback port 0 in a temp dir and stops it by PID.
"""

import json
import os
import socket
import subprocess
import time
import urllib.request
import unittest

import dnstest

ZONE = """$TTL 300
@ SOA ns1 hostmaster 1 3600 900 1209600 60
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.10
"""


def metrics(dnsd):
    host, port = dnsd.metrics
    with urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=10) as r:
        return r.read().decode()


def sample(text, name, labels=""):
    key = name + ("{%s}" % labels if labels else "")
    for line in text.splitlines():
        if line.startswith(key + " "):
            return int(line.split()[-1])
    raise AssertionError("no sample %s in:\n%s" % (key, text))


class DnsdServer(unittest.TestCase):
    def setUp(self):
        self.tmp = dnstest.TempDir()
        self.zone = self.tmp.write("example.test.zone", ZONE)

    def tearDown(self):
        self.tmp.cleanup()

    def test_a_wildcard_bind_answers_from_the_address_asked(self):
        # 127.0.0.2 is not the address of the route back; kdig drops answers from elsewhere.
        port = dnstest.free_port("127.0.0.1")
        with dnstest.Dnsd({"example.test": self.zone}, listen=("0.0.0.0:%d" % port,)) as dnsd:
            for address in ("127.0.0.1", "127.0.0.2", "127.0.0.53"):
                r = dnstest.kdig(address, port, "www.example.test", "A")
                self.assertEqual(r.rcode, "NOERROR", address)

    def test_several_listen_addresses_ipv4_and_ipv6_serve_udp_and_tcp(self):
        with dnstest.Dnsd({"example.test": self.zone},
                          listen=("127.0.0.1:0", "[::1]:0"), threads=2) as dnsd:
            self.assertEqual(len(dnsd.listen), 2)
            for host, port in dnsd.listen:
                for tcp in (False, True):
                    r = dnstest.kdig(host, port, "www.example.test", "A", tcp=tcp)
                    self.assertEqual(r.rcode, "NOERROR", (host, port, tcp))

    def test_control_socket_answers_status_stats_reload_and_refuses_unknown_commands(self):
        path = self.tmp.join("dnsd.sock")
        with dnstest.Dnsd({"example.test": self.zone}, control=path) as dnsd:
            self.assertEqual(dnsd.control, path)
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o660)
            status = dnstest.control(path, {"cmd": "status"})
            self.assertTrue(status["ok"])
            self.assertEqual(status["daemon"], "dnsd")
            self.assertEqual(status["zones"], 1)
            dnstest.kdig(dnsd.host, dnsd.port, "www.example.test", "A")
            stats = dnstest.control(path, {"cmd": "stats"})
            self.assertGreaterEqual(stats["queries_udp"], 1)
            with open(self.zone, "a") as f:
                f.write("new A 192.0.2.99\n")
            self.assertTrue(dnstest.control(path, {"cmd": "reload"})["ok"])
            self.assertEqual(dnstest.kdig(dnsd.host, dnsd.port, "new.example.test", "A").rcode,
                             "NOERROR")
            with open(self.zone, "a") as f:
                f.write("broken A 300.1.1.1\n")
            reply = dnstest.control(path, {"cmd": "reload"})
            self.assertFalse(reply["ok"])
            self.assertIn("example.test.zone:7", reply["error"])
            self.assertEqual(dnstest.kdig(dnsd.host, dnsd.port, "new.example.test", "A").rcode,
                             "NOERROR")
            unknown = dnstest.control(path, {"cmd": "explode"})
            self.assertFalse(unknown["ok"])
            self.assertIn("unknown command", unknown["error"])

    def test_metrics_count_queries_by_transport_qtype_and_rcode(self):
        with dnstest.Dnsd({"example.test": self.zone}) as dnsd:
            dnstest.kdig(dnsd.host, dnsd.port, "www.example.test", "A")
            dnstest.kdig(dnsd.host, dnsd.port, "www.example.test", "AAAA", tcp=True)
            dnstest.kdig(dnsd.host, dnsd.port, "nope.example.test", "A")
            dnstest.kdig(dnsd.host, dnsd.port, "example.org", "A")
            text = metrics(dnsd)
            self.assertEqual(sample(text, "cdn_dns_queries_total", 'transport="udp"'), 3)
            self.assertEqual(sample(text, "cdn_dns_queries_total", 'transport="tcp"'), 1)
            self.assertEqual(sample(text, "cdn_dns_queries_by_qtype_total", 'qtype="28"'), 1)
            self.assertEqual(sample(text, "cdn_dns_responses_total", 'rcode="NXDOMAIN"'), 1)
            self.assertEqual(sample(text, "cdn_dns_responses_total", 'rcode="REFUSED"'), 1)
            self.assertEqual(sample(text, "cdn_dns_snapshot_version"), 0)

    def test_user_drops_privileges_after_binding(self):
        os.chmod(self.tmp.path, 0o755)
        os.chmod(self.zone, 0o644)
        with dnstest.Dnsd({"example.test": self.zone}, extra_args=("--user", "nobody")) as dnsd:
            with open("/proc/%d/status" % dnsd.pid()) as f:
                uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
            self.assertEqual(set(uids), {"65534"}, uids)
            self.assertEqual(dnstest.kdig(dnsd.host, dnsd.port, "www.example.test", "A").rcode,
                             "NOERROR")
            # Reload still reads the zone as the unprivileged user.
            self.assertIn("event=snapshot.published", dnsd.reload())

    def test_tcp_connections_over_the_limit_are_closed(self):
        # RFC 7766 6.2.2: a server may limit connections; over the limit it closes new ones.
        with dnstest.Dnsd({"example.test": self.zone},
                          extra_args=("--tcp-max-connections", "2")) as dnsd:
            held = [socket.create_connection((dnsd.host, dnsd.port), timeout=5) for _ in range(2)]
            try:
                query = dnstest.build_query("www.example.test", "A")
                # The two held connections are served.
                for s in held:
                    s.sendall(dnstest.tcp_frame(query))
                    self.assertIsNotNone(dnstest.read_tcp_message(s, time.monotonic() + 5))
                extra = socket.create_connection((dnsd.host, dnsd.port), timeout=5)
                with extra:
                    try:
                        extra.sendall(dnstest.tcp_frame(query))
                        data = extra.recv(65535)
                    except (ConnectionResetError, BrokenPipeError):
                        data = b""
                    self.assertEqual(data, b"", "a connection over the limit was served")
            finally:
                for s in held:
                    s.close()

    def test_bad_start_ups_fail_with_the_reason_and_a_meaningful_exit_code(self):
        binary = dnstest.dnsd_binary()
        broken = self.tmp.write("broken.zone", ZONE + "www CNAME elsewhere.\n")
        cases = [
            (["--listen", "127.0.0.1:0", "--zone", "example.test=" + broken], 1,
             "broken.zone:6"),
            (["--listen", "127.0.0.1:0", "--zone", "example.test=/nonexistent.zone"], 1,
             "/nonexistent.zone"),
            (["--listen", "300.0.0.1:53", "--zone", "example.test=" + self.zone], 1,
             "bad IP address"),
            (["--listen", "127.0.0.1:0", "--zone", "example.test"], 2, "ORIGIN=FILE"),
            (["--listen", "127.0.0.1:0"], 2, "nothing to serve"),
            (["--bogus-flag"], 2, "bogus"),
        ]
        for args, code, message in cases:
            proc = subprocess.run([binary] + args + ["--foreground"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
            out = proc.stdout.decode()
            self.assertEqual(proc.returncode, code, "%s -> %s" % (args, out))
            self.assertIn(message, out, args)


if __name__ == "__main__":
    dnstest.run_tests()
