#!/usr/bin/env python3
"""cdn-dnsd protocol behaviour on the wire: EDNS0, NSID, ECS, rcodes for what we do not serve
or do not implement, malformed packets (the server answers FORMERR or nothing, and keeps
answering), truncation and TCP (RFC 7766 pipelining, idle timeout), and SIGHUP reload.
Each test names the RFC section it checks.

Runs against $CDN_DNSD (or build/release/dns/cdn-dnsd); skipped when it is not built.
CDN_PROTOCOL_REFERENCE=knot runs the same tests against Knot DNS instead (tests of
cdn-dnsd-only features skip), which checks the tests themselves.
"""

import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402
from dnstest import build_query, parse_message, send_udp, send_tcp  # noqa: E402

ON_KNOT = os.environ.get("CDN_PROTOCOL_REFERENCE") == "knot"
NSID = "pop-test-1"
FORMERR, NOTIMP, REFUSED, BADVERS = 1, 4, 5, 16
GOOD = ("www.example.com", "A")


def dnsd_help():
    binary = dnstest.dnsd_binary()
    if not binary:
        return ""
    proc = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=10)
    return proc.stdout.decode("utf-8", "replace")


def start_server(tmp, zones=None, threads=1, nsid=None, tcp_idle_timeout=None):
    zones = zones or dnstest.TEST_ZONES
    if ON_KNOT:
        options = {}
        if nsid is not None:
            options["nsid"] = '"%s"' % nsid
        if tcp_idle_timeout is not None:
            options["tcp-idle-timeout"] = str(tcp_idle_timeout)
        return dnstest.Knotd(zones, tmp, server_options=options).start()
    extra = []
    if tcp_idle_timeout is not None:
        extra += ["--tcp-idle-timeout", str(tcp_idle_timeout)]
    return dnstest.Dnsd(zones, threads=threads, nsid=nsid, extra_args=extra).start()


def need_dnsd(test):
    """Skips a test when neither cdn-dnsd nor the Knot reference mode is available."""
    return unittest.skipUnless(ON_KNOT or dnstest.dnsd_binary(),
                               "cdn-dnsd not built (set CDN_DNSD)")(test)


def dnsd_only(reason):
    return unittest.skipIf(ON_KNOT, "cdn-dnsd only: " + reason)


class ServerFixture(unittest.TestCase):
    threads = 1
    nsid = NSID

    @classmethod
    def setUpClass(cls):
        if not (ON_KNOT or dnstest.dnsd_binary()):
            raise unittest.SkipTest("cdn-dnsd not built (set CDN_DNSD)")
        cls.tmp = dnstest.TempDir()
        cls.server = start_server(cls.tmp, threads=cls.threads, nsid=cls.nsid)
        cls.addr = (cls.server.host, cls.server.port)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.tmp.cleanup()

    # -- helpers
    def udp(self, packet, timeout=2.0):
        wire = send_udp(*self.addr, packet, timeout=timeout)
        return parse_message(wire) if wire is not None else None

    def query(self, qname, qtype="A", **kw):
        packet = build_query(qname, qtype, **kw)
        msg = self.udp(packet)
        self.assertIsNotNone(msg, "no answer to %s %s" % (qname, qtype))
        self.assertEqual(msg.id, struct.unpack("!H", packet[:2])[0], "ID not echoed")
        self.assertTrue(msg.qr, "QR not set")
        return msg

    def assert_still_answers(self, after):
        for transport in ("udp", "tcp"):
            packet = build_query(*GOOD, edns={})
            if transport == "udp":
                wire = send_udp(*self.addr, packet)
            else:
                wire = send_tcp(*self.addr, packet)[0]
            self.assertIsNotNone(wire, "no answer over %s to a good query after %s"
                                 % (transport, after))
            msg = parse_message(wire)
            self.assertEqual(msg.rcode, 0, "after %s" % after)
            self.assertEqual(len(msg.answer), 1, "after %s" % after)
        self.assertTrue(self.server.running(), "server exited after %s:\n%s"
                        % (after, "\n".join(self.server.lines()[-30:])))

    def assert_formerr_or_silence(self, packet, what):
        """RFC 1035 4.1.1: FORMERR for a query the server cannot interpret; dropping a packet
        too broken to answer is also correct. Either way the server keeps serving."""
        for transport in ("udp", "tcp"):
            if transport == "udp":
                wire = send_udp(*self.addr, packet, timeout=0.5)
            else:
                wire = tcp_reply_or_none(self.addr, packet, timeout=1.0)
            if wire is not None:
                self.assertGreaterEqual(len(wire), 12, "%s over %s: short reply" % (what, transport))
                self.assertEqual(wire[:2], packet[:2], "%s over %s: ID" % (what, transport))
                msg_rcode = wire[3] & 0xF
                self.assertTrue(wire[2] & 0x80, "%s over %s: QR not set" % (what, transport))
                self.assertEqual(msg_rcode, FORMERR, "%s over %s: rcode %d, wanted FORMERR"
                                 % (what, transport, msg_rcode))
            self.assert_still_answers(what)


def tcp_reply_or_none(addr, packet, timeout):
    """One framed query over a new connection; its reply, or None when the server closes the
    connection or stays silent for `timeout` seconds."""
    deadline = time.monotonic() + timeout
    with dnstest.tcp_connect(*addr, timeout=timeout) as s:
        s.sendall(dnstest.tcp_frame(packet))
        try:
            return dnstest.read_tcp_message(s, deadline)
        except (socket.timeout, ConnectionError):
            return None


class EdnsTest(ServerFixture):
    def test_payload_size_1232_is_advertised(self):
        # RFC 6891 6.2.3/6.2.5 and DNS Flag Day 2020: we advertise 1232 bytes, whatever the
        # requestor offers; RFC 6891 7: a query with OPT gets an OPT back.
        for offered in (512, 1232, 4096, 65535):
            msg = self.query(*GOOD, edns={"udp_size": offered})
            self.assertIsNotNone(msg.edns, "no OPT in response to OPT (offered %d)" % offered)
            self.assertEqual(msg.edns["udp_size"], 1232, "offered %d" % offered)
            self.assertEqual(msg.edns["version"], 0)
            self.assertEqual(msg.edns["owner"], ".", "RFC 6891 6.1.2: OPT owner is the root")

    def test_no_opt_in_response_without_opt_in_query(self):
        # RFC 6891 7: a responder MUST NOT send an OPT to a requestor that sent none.
        msg = self.query(*GOOD)
        self.assertIsNone(msg.edns)
        self.assertEqual(msg.rcode, 0)

    def test_edns_version_1_gets_badvers(self):
        # RFC 6891 6.1.3: a version the responder does not implement gets BADVERS (16): upper
        # bits in the OPT's extended rcode (1), lower bits in the header (0), and the OPT
        # carries the highest version we implement (0). No answer data.
        msg = self.query(*GOOD, edns={"version": 1})
        self.assertIsNotNone(msg.edns, "BADVERS needs an OPT to carry the extended rcode")
        self.assertEqual(msg.header_rcode, 0)
        self.assertEqual(msg.edns["ext_rcode"], 1)
        self.assertEqual(msg.rcode, BADVERS)
        self.assertEqual(msg.edns["version"], 0)
        self.assertEqual(msg.answer, [])

    def test_do_bit_is_copied(self):
        # RFC 3225 3: the DO bit of the query is copied into the response.
        self.assertTrue(self.query(*GOOD, edns={"do": True}).edns["do"])
        self.assertFalse(self.query(*GOOD, edns={"do": False}).edns["do"])

    def test_unknown_edns_option_is_ignored(self):
        # RFC 6891 6.1.2: options not understood are ignored (and not echoed).
        msg = self.query(*GOOD, edns={"options": [(65001, b"\x01\x02\x03"), (65002, b"")]})
        self.assertEqual(msg.rcode, 0)
        self.assertEqual(len(msg.answer), 1)
        self.assertEqual([c for c, _ in msg.edns["options"] if c in (65001, 65002)], [])

    def test_two_opt_records_get_formerr(self):
        # RFC 6891 6.1.1: more than one OPT RR in a query MUST get FORMERR.
        packet = build_query(*GOOD, edns={}, arcount=2, extra=dnstest.opt_rr())
        msg = self.udp(packet)
        self.assertIsNotNone(msg, "no answer to a query with two OPT records")
        self.assertEqual(msg.rcode, FORMERR)
        self.assert_still_answers("two OPT records")

    def test_opt_outside_additional_gets_formerr(self):
        # RFC 6891 6.1.1: the OPT RR may only be in the additional section.
        question = dnstest.encode_name("www.example.com") + struct.pack("!HH", 1, 1)
        packet = struct.pack("!HHHHHH", 0x1234, 0, 1, 1, 0, 0) + question + dnstest.opt_rr()
        self.assert_formerr_or_silence(packet, "OPT in the answer section")


class NsidTest(ServerFixture):
    def test_nsid_is_returned_when_asked(self):
        # RFC 5001 2.1, 2.3: an empty NSID option in the query asks for the server's
        # identifier, returned as the option's payload.
        msg = self.query(*GOOD, edns={"options": [(dnstest.OPT_NSID, b"")]})
        self.assertEqual(msg.option(dnstest.OPT_NSID), NSID.encode())
        via_kdig = dnstest.kdig(*self.addr, "www.example.com", "A", "+nsid")
        self.assertEqual(via_kdig.edns["nsid"], NSID.encode())

    def test_nsid_is_not_sent_unasked(self):
        # RFC 5001 2.1: the NSID option is sent only in reply to one.
        msg = self.query(*GOOD, edns={})
        self.assertIsNone(msg.option(dnstest.OPT_NSID))


class EcsTest(ServerFixture):
    @dnsd_only("Knot answers ECS only with its geoip module")
    def test_ecs_on_a_static_name_is_echoed_with_scope_0(self):
        # RFC 7871 7.2.1: the response carries the same FAMILY, SOURCE PREFIX-LENGTH and
        # ADDRESS; SCOPE PREFIX-LENGTH 0 says the answer holds for every client address.
        for address, prefix in (("192.0.2.0", 24), ("2001:db8:1::", 56), ("198.51.100.7", 32)):
            msg = self.query(*GOOD, edns={"options": [dnstest.ecs_option(address, prefix)]})
            self.assertEqual(msg.rcode, 0)
            value = msg.option(dnstest.OPT_ECS)
            self.assertIsNotNone(value, "no ECS option for %s/%d" % (address, prefix))
            ecs = dnstest.parse_ecs(value)
            self.assertEqual((ecs["source"], ecs["scope"], ecs["address"]),
                             (prefix, 0, address), "ECS echoed for %s/%d" % (address, prefix))
        via_kdig = dnstest.kdig(*self.addr, "www.example.com", "A", "+subnet=192.0.2.0/24")
        self.assertEqual(via_kdig.edns["ecs"]["scope"], 0)

    def test_ecs_with_address_bits_beyond_the_prefix_gets_formerr(self):
        # RFC 7871 6: ADDRESS bits beyond SOURCE PREFIX-LENGTH, or more octets than the prefix
        # needs, SHOULD get FORMERR. (Answering without an ECS option is also tolerated.)
        bad = (dnstest.OPT_ECS, struct.pack("!HBB", 1, 8, 0) + bytes([192, 0, 2, 1]))
        msg = self.query(*GOOD, edns={"options": [bad]})
        if msg.rcode != FORMERR:
            self.assertIsNone(msg.option(dnstest.OPT_ECS), "a malformed ECS was echoed")
        self.assert_still_answers("malformed ECS")


class RcodeTest(ServerFixture):
    def test_names_outside_our_zones_are_refused(self):
        # RFC 1035 4.1.1 (REFUSED: policy) and RFC 9499 "authoritative": a name in no zone we
        # serve is refused, without AA.
        for qname in ("www.example.org", "com", ".", "xexample.com", "ample.com"):
            msg = self.query(qname, "A", edns={})
            self.assertEqual(msg.rcode, REFUSED, qname)
            self.assertFalse(msg.aa, qname)

    def test_opcode_status_is_not_implemented(self):
        # RFC 1035 4.1.1: opcode 2 (STATUS) and unassigned opcodes get NOTIMP (4).
        for opcode in (2, 3, 15):
            msg = self.query(*GOOD, opcode=opcode)
            self.assertEqual(msg.rcode, NOTIMP, "opcode %d" % opcode)
            self.assertEqual(msg.opcode, opcode, "RFC 1035 4.1.1: OPCODE copied into the response")

    @dnsd_only("Knot implements UPDATE")
    def test_opcode_update_is_not_implemented(self):
        # RFC 2136 3.8 / RFC 1035 4.1.1: a server without dynamic update answers NOTIMP.
        msg = self.query("example.com", "SOA", opcode=5)
        self.assertEqual(msg.rcode, NOTIMP)

    def test_qdcount_0_gets_formerr(self):
        # RFC 1035 4.1.2 / RFC 7873 5.4: a query without a question (and without a COOKIE) is
        # malformed.
        packet = build_query(*GOOD, question=b"", qdcount=0)
        self.assert_formerr_or_silence(packet, "QDCOUNT 0")

    def test_qdcount_2_gets_formerr(self):
        # RFC 9619 4: a query with QDCOUNT > 1 gets FORMERR.
        question = dnstest.encode_name("www.example.com") + struct.pack("!HH", 1, 1)
        packet = build_query(*GOOD, question=question + question, qdcount=2)
        msg = self.udp(packet)
        if msg is not None:
            self.assertEqual(msg.rcode, FORMERR)
        self.assert_formerr_or_silence(packet, "QDCOUNT 2")

    def test_response_packets_are_not_answered(self):
        # RFC 1035 4.1.1: QR=1 marks a response; answering one invites reflection loops.
        packet = bytearray(build_query(*GOOD))
        packet[2] |= 0x80
        self.assertIsNone(send_udp(*self.addr, bytes(packet), timeout=0.5))
        self.assert_still_answers("a packet with QR=1")


class MalformedTest(ServerFixture):
    # RFC 1035 4.1.1: FORMERR when the server cannot interpret the query; dropping a packet
    # that is too broken to answer is also correct. After each one the server still answers.

    def test_compression_loop_in_the_question(self):
        # RFC 1035 4.1.4: a pointer pointing to itself never ends a name.
        question = b"\xc0\x0c" + struct.pack("!HH", 1, 1)
        self.assert_formerr_or_silence(build_query("", question=question), "a pointer loop")
        question = b"\x03www\xc0\x0c" + struct.pack("!HH", 1, 1)
        self.assert_formerr_or_silence(build_query("", question=question), "a two-step loop")

    def test_forward_pointer_in_the_question(self):
        # RFC 1035 4.1.4: a pointer beyond the end of the message.
        question = b"\x03www\xc3\xff" + struct.pack("!HH", 1, 1)
        self.assert_formerr_or_silence(build_query("", question=question), "a wild pointer")

    def test_label_longer_than_63(self):
        # RFC 1035 2.3.4: labels are 63 octets or less (0x40/0x80 length bytes are other
        # label types, RFC 6891 5).
        for length in (64, 0x7f, 0xbf):
            question = bytes([length]) + b"a" * length + b"\x07example\x03com\x00" + \
                struct.pack("!HH", 1, 1)
            self.assert_formerr_or_silence(build_query("", question=question),
                                           "a label of length byte 0x%02x" % length)

    def test_name_longer_than_255(self):
        # RFC 1035 2.3.4: names are 255 octets or less. 4 x 63-octet labels + example.com = 269.
        question = (b"\x3f" + b"a" * 63) * 4 + b"\x07example\x03com\x00" + struct.pack("!HH", 1, 1)
        self.assert_formerr_or_silence(build_query("", question=question), "a 269-octet name")

    def test_trailing_garbage(self):
        # RFC 1035 4.1: a message is exactly its sections; bytes after them are malformed.
        packet = build_query(*GOOD, edns={}, extra=b"\xde\xad\xbe\xef")
        self.assert_formerr_or_silence(packet, "trailing garbage")

    def test_question_cut_short(self):
        packet = build_query(*GOOD)
        self.assert_formerr_or_silence(packet[:-3], "a question without its full QTYPE/QCLASS")
        self.assert_formerr_or_silence(packet[:18], "a name cut in the middle")

    def test_counts_beyond_the_packet(self):
        packet = build_query(*GOOD, ancount=5, nscount=9)
        self.assert_formerr_or_silence(packet, "ANCOUNT/NSCOUNT with no records")

    def test_truncated_header(self):
        # Fewer than 12 octets: no header, so nothing to answer; the server must not crash.
        for length in (0, 1, 2, 5, 11):
            packet = build_query(*GOOD)[:length]
            if length >= 2:
                reply = send_udp(*self.addr, packet, timeout=0.5)
                if reply is not None:
                    self.assertEqual(reply[:2], packet[:2])
            else:
                send_udp(*self.addr, packet, timeout=0.5)
            self.assert_still_answers("a %d-octet packet" % length)

    def test_random_garbage(self):
        # Deterministic noise, many shapes; the server must only ever survive it.
        seed = 12345
        for i in range(200):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            length = seed % 120
            data = bytearray()
            s = seed
            for _ in range(length):
                s = (s * 1103515245 + 12345) & 0x7FFFFFFF
                data.append((s >> 16) & 0xFF)
            if len(data) >= 3:
                data[2] &= 0x7F  # a query, so it is not dropped as a response before parsing
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s_:
                s_.sendto(bytes(data), self.addr)
        self.assert_still_answers("200 random packets")


class TruncationAndTcpTest(ServerFixture):
    def test_large_answer_is_truncated_over_udp_and_whole_over_tcp(self):
        # RFC 1035 4.2.1 / RFC 6891 7 / RFC 2181 9: an answer larger than the requestor's
        # payload (512 without EDNS, else min(offered, 1232), an offer below 512 counting as
        # 512 by RFC 6891 6.2.5) is sent with TC=1 within that size; over TCP (RFC 7766 5) the
        # whole RRset comes back.
        for edns, limit in ((None, 512), ({"udp_size": 1232}, 1232), ({"udp_size": 4096}, 1232),
                            ({"udp_size": 800}, 800), ({"udp_size": 100}, 512)):
            packet = build_query("big.example.com", "TXT", edns=edns)
            wire = send_udp(*self.addr, packet)
            self.assertIsNotNone(wire)
            self.assertLessEqual(len(wire), limit, "UDP answer larger than %d" % limit)
            msg = parse_message(wire)
            self.assertTrue(msg.tc, "TC not set (edns=%s)" % edns)
            self.assertEqual(msg.rcode, 0)
            self.assertEqual(msg.question[0][0], "big.example.com.")
            if edns is not None:
                self.assertIsNotNone(msg.edns, "RFC 6891 7: OPT kept in a truncated answer")
        wire = send_tcp(*self.addr, build_query("big.example.com", "TXT", edns={}))[0]
        msg = parse_message(wire)
        self.assertFalse(msg.tc)
        self.assertEqual(len(msg.answer), 60)
        self.assertGreater(len(wire), 1232)
        via_kdig = dnstest.kdig(*self.addr, "big.example.com", "TXT", tcp=True)
        self.assertEqual(len(via_kdig.answer), 60)

    def test_tcp_pipelining(self):
        # RFC 7766 6.2.1.1: several queries in one write on one connection are all answered;
        # answers may come in any order and are matched by ID and question.
        names = ["www.example.com", "mail.example.com", "nx.b.c.example.com", "big.example.com",
                 "www.sub.example.com"]
        packets = [build_query(n, "TXT" if n.startswith("big") else "A", qid=0x4000 + i,
                               edns={}) for i, n in enumerate(names)]
        replies = send_tcp(*self.addr, packets, timeout=5.0)
        got = {}
        for wire in replies:
            msg = parse_message(wire)
            got[msg.id] = msg
        self.assertEqual(sorted(got), [0x4000 + i for i in range(len(names))])
        for i, name in enumerate(names):
            self.assertEqual(got[0x4000 + i].question[0][0], name + ".")
        self.assertEqual(got[0x4002].rcode, 3)
        self.assertEqual(len(got[0x4003].answer), 60)

    def test_tcp_pipelining_split_across_writes(self):
        # RFC 7766 8: a message may arrive in pieces; the length prefix frames it.
        packets = [build_query("www.example.com", "A", qid=0x5000 + i) for i in range(3)]
        stream = b"".join(dnstest.tcp_frame(p) for p in packets)
        deadline = time.monotonic() + 5
        with dnstest.tcp_connect(*self.addr) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for i in range(0, len(stream), 7):
                s.sendall(stream[i:i + 7])
            ids = sorted(parse_message(dnstest.read_tcp_message(s, deadline)).id
                         for _ in packets)
        self.assertEqual(ids, [0x5000, 0x5001, 0x5002])

    def test_many_tcp_connections_in_turn(self):
        # RFC 7766 6.2.3: connections are closed cleanly and their resources reused.
        for i in range(50):
            msg = parse_message(send_tcp(*self.addr, build_query(*GOOD, qid=i))[0])
            self.assertEqual(msg.id, i)


class TwoThreadsTest(EdnsTest, RcodeTest, MalformedTest, TruncationAndTcpTest):
    """The same behaviours with two UDP workers (each its own SO_REUSEPORT socket)."""
    threads = 2


@need_dnsd
class TcpIdleTimeoutTest(unittest.TestCase):
    def test_idle_connection_is_closed(self):
        # RFC 7766 6.2.3: servers close idle connections after a timeout; a connection that
        # sent nothing, and one idle after an answer, are both closed by the server.
        if not ON_KNOT and "--tcp-idle-timeout" not in dnsd_help():
            self.skipTest("cdn-dnsd has no --tcp-idle-timeout flag")
        idle = 1
        with dnstest.TempDir() as tmp:
            server = start_server(tmp, tcp_idle_timeout=idle)
            try:
                for ask_first in (False, True):
                    with dnstest.tcp_connect(server.host, server.port) as s:
                        start = time.monotonic()
                        if ask_first:
                            s.sendall(dnstest.tcp_frame(build_query(*GOOD, qid=77)))
                            reply = dnstest.read_tcp_message(s, start + 3)
                            self.assertEqual(parse_message(reply).id, 77)
                        s.settimeout(idle + 5)
                        try:
                            data = s.recv(1)
                        except ConnectionResetError:
                            data = b""
                        except socket.timeout:
                            self.fail("connection still open after %d s idle" % (idle + 5))
                        elapsed = time.monotonic() - start
                        self.assertEqual(data, b"")
                        self.assertGreaterEqual(elapsed, idle * 0.5, "closed too early")
            finally:
                server.stop()


ZONE_V1 = """$ORIGIN example.com.
$TTL 300
@       SOA  ns1 hostmaster 1 7200 3600 1209600 300
@       NS   ns1
ns1     A    192.0.2.53
www     A    192.0.2.10
"""
ZONE_V2 = ZONE_V1.replace(" 1 7200", " 2 7200").replace("192.0.2.10", "192.0.2.20") + \
    "new     A    192.0.2.30\n"
ZONE_BROKEN = ZONE_V2.replace(" 2 7200", " 3 7200").replace("192.0.2.20", "192.0.2.40") + \
    "www     CNAME elsewhere\n"   # line 8: CNAME and other data (RFC 1034 3.6.2) with line 6
BROKEN_LINES = (6, 8)


def names_broken_line(text, zone):
    """True when `text` names the zone file and one of the two conflicting lines."""
    return any("%s:%d:" % (os.path.basename(zone), n) in text for n in BROKEN_LINES)


@need_dnsd
@dnsd_only("reload events are cdn-dnsd's log")
class ReloadTest(unittest.TestCase):
    def wait_for_answer(self, server, qname, expected, timeout=10.0):
        """Polls until `qname` A answers `expected` (a set of addresses, or None for NXDOMAIN);
        the reload's outcome is observed, not waited for blindly."""
        deadline = time.monotonic() + timeout
        last = None
        for _ in range(200):
            wire = send_udp(server.host, server.port, build_query(qname, "A"), timeout=0.5)
            if wire is not None:
                msg = parse_message(wire)
                last = (msg.rcode, {socket.inet_ntoa(rr.rdata) for rr in msg.answer if rr.type == 1})
                if (expected is None and msg.rcode == 3) or (expected is not None and
                                                              last == (0, expected)):
                    return
            if time.monotonic() > deadline:
                break
            server.wait_for_exit(0.05)
        self.fail("%s A: wanted %s, last answer %s" % (qname, expected, last))

    def test_sighup_reload_serves_the_changed_zone(self):
        # DESIGN (cdn-dnsd, snapshots): SIGHUP reloads the zone files and swaps in the new data.
        with dnstest.TempDir() as tmp:
            zone = tmp.write("example.com.zone", ZONE_V1)
            for threads in (1, 2):
                with open(zone, "w") as f:
                    f.write(ZONE_V1)
                with dnstest.Dnsd({"example.com": zone}, threads=threads) as server:
                    self.wait_for_answer(server, "www.example.com", {"192.0.2.10"})
                    self.wait_for_answer(server, "new.example.com", None)
                    with open(zone, "w") as f:
                        f.write(ZONE_V2)
                    outcome = server.reload()
                    self.assertIn("event=snapshot.published", outcome)
                    self.wait_for_answer(server, "www.example.com", {"192.0.2.20"})
                    self.wait_for_answer(server, "new.example.com", {"192.0.2.30"})
                    soa = dnstest.kdig(server.host, server.port, "example.com", "SOA")
                    self.assertIn(" 2 7200 ", next(iter(soa.answer))[4])
                    self.assertTrue(server.running())
                    self.assertEqual(server.stop(), 0, "SIGTERM exits 0")

    def test_broken_zone_on_reload_is_refused_and_old_data_kept(self):
        # DESIGN (fail safe): a broken zone is rejected with FILE:LINE, nothing half-applied,
        # the old snapshot keeps serving.
        with dnstest.TempDir() as tmp:
            zone = tmp.write("example.com.zone", ZONE_V2)
            with dnstest.Dnsd({"example.com": zone}, threads=2) as server:
                self.wait_for_answer(server, "www.example.com", {"192.0.2.20"})
                with open(zone, "w") as f:
                    f.write(ZONE_BROKEN)
                line = server.reload()
                self.assertIn("event=reload.failed", line)
                self.assertTrue(names_broken_line(line, zone), "no FILE:LINE in: " + line)
                self.assertTrue(server.running(), "a broken reload must not stop the server")
                self.wait_for_answer(server, "www.example.com", {"192.0.2.20"})
                self.wait_for_answer(server, "new.example.com", {"192.0.2.30"})
                # Fixed again, the next reload goes through.
                with open(zone, "w") as f:
                    f.write(ZONE_V1)
                self.assertIn("event=snapshot.published", server.reload())
                self.wait_for_answer(server, "www.example.com", {"192.0.2.10"})
                self.assertEqual(server.stop(), 0)


@need_dnsd
class StartupTest(unittest.TestCase):
    @dnsd_only("command line and readiness line of cdn-dnsd")
    def test_listens_on_ipv4_and_ipv6_and_stops_on_sigterm(self):
        # DESIGN (cdn-dnsd): several --listen addresses, one port each for UDP and TCP; the
        # readiness line names them; SIGTERM exits 0.
        if not socket.has_ipv6 or not _ipv6_loopback():
            self.skipTest("no IPv6 loopback")
        server = dnstest.Dnsd(dnstest.TEST_ZONES, listen=("127.0.0.1:0", "[::1]:0"), threads=2)
        with server:
            self.assertEqual(len(server.listen), 2, server.ready_line)
            for host, port in server.listen:
                msg = parse_message(send_udp(host, port, build_query(*GOOD)))
                self.assertEqual(len(msg.answer), 1, host)
                msg = parse_message(send_tcp(host, port, build_query(*GOOD))[0])
                self.assertEqual(len(msg.answer), 1, host)
            self.assertEqual(server.stop(), 0)

    @dnsd_only("command line of cdn-dnsd")
    def test_broken_zone_at_startup_fails_with_file_and_line(self):
        with dnstest.TempDir() as tmp:
            zone = tmp.write("example.com.zone", ZONE_BROKEN)
            server = dnstest.Dnsd({"example.com": zone}, timeout=10)
            with self.assertRaises(dnstest.DaemonError) as caught:
                server.start()
            self.assertTrue(names_broken_line(str(caught.exception), zone), str(caught.exception))
            self.assertNotEqual(server.returncode, 0)


def _ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


if __name__ == "__main__":
    dnstest.run_tests()
