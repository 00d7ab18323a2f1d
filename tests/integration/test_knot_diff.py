#!/usr/bin/env python3
"""Differential test: cdn-dnsd and Knot DNS serve the same zone files (tests/integration/zones)
and must give the same answers to a generated list of queries (every owner and empty
non-terminal x several types, names below every node, mixed-case names, with and without EDNS,
TCP). Compared: rcode, header flags, presence of OPT (RFC 6891 7), the answer and authority
sections as sets (owner case-insensitive), and the additional section for referrals (glue).
For ANY only the rcode is compared (RFC 8482 lets answers differ); when both set TC the
sections are not compared (RFC 2181 9 lets a truncated answer carry any whole RRsets).

Every difference is collected, then the test fails listing them all with the query.

The server under test is $CDN_DNSD (or build/release/dns/cdn-dnsd). Without it, or with
CDN_DIFF_SELF=1, a second Knot is the server under test, which checks the harness and zones.
"""

import concurrent.futures
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnstest  # noqa: E402

QTYPES = ["A", "AAAA", "NS", "SOA", "MX", "TXT", "CNAME", "DNAME", "DS", "SRV", "CAA",
          "TYPE65280", "ANY"]
EDNS_VARIANTS = [("+bufsize=1232",), ("+noedns",)]
PARALLEL = 8


def zone_nodes(path, origin):
    """Owner names of a zone file plus the empty non-terminals between them and the apex,
    lowercased. Understands what our zone files use: $ORIGIN, '@', relative names."""
    origin = origin.rstrip(".").lower() + "."
    current = origin
    owners = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith(";"):
                continue
            if line.startswith("$ORIGIN"):
                current = line.split()[1].lower()
                continue
            if line[0] in " \t$":
                continue
            token = line.split()[0].lower()
            name = current if token == "@" else token if token.endswith(".") else \
                token + "." + current
            owners.append(name)
    nodes = set()
    for name in owners:
        while name.endswith(origin) and name not in nodes:
            nodes.add(name)
            if name == origin:
                break
            name = name.split(".", 1)[1]
    return sorted(nodes, key=lambda n: (n.count("."), n))


def mixed_case(name):
    """'www.example.com.' -> 'WwW.ExAmPlE.CoM.' (letters alternate, deterministically)."""
    out, upper = [], True
    for ch in name:
        if ch.isalpha():
            out.append(ch.upper() if upper else ch.lower())
            upper = not upper
        else:
            out.append(ch)
    return "".join(out)


class Query:
    def __init__(self, qname, qtype, options=(), tcp=False):
        self.qname, self.qtype, self.options, self.tcp = qname, qtype, tuple(options), tcp

    def __str__(self):
        return "%s %s %s%s" % (self.qname, self.qtype, " ".join(self.options),
                               " +tcp" if self.tcp else "")

    def key(self):
        return (self.qname, self.qtype, self.options, self.tcp)


def generate_queries(zones):
    queries = []
    seen = set()

    def add(qname, qtype, options=(), tcp=False):
        q = Query(qname, qtype, options, tcp)
        if q.key() not in seen:
            seen.add(q.key())
            queries.append(q)

    all_nodes = []
    for origin, path in zones.items():
        all_nodes += zone_nodes(path, origin)
    for node in all_nodes:
        # A wildcard owner is asked for literally and through a name it synthesizes.
        names = [node] + ([node.replace("*", "synth", 1)] if "*" in node else [])
        for name in names:
            for qtype in QTYPES:
                for edns in EDNS_VARIANTS:
                    add(name, qtype, edns)
            # Below every node: NXDOMAIN, wildcard synthesis, referral or DNAME, by node.
            for qtype in ("A", "TXT", "DS"):
                for edns in EDNS_VARIANTS:
                    add("nx-probe." + name, qtype, edns)
            add("two.nx-probe." + name, "A", EDNS_VARIANTS[0])
            # RFC 4343: lookups are case-insensitive; the question's case must not matter.
            add(mixed_case(name), "A", EDNS_VARIANTS[0])
            add(mixed_case("nx-probe." + name), "TXT", EDNS_VARIANTS[0])
            add(name, "A", EDNS_VARIANTS[0], tcp=True)
            add(name, "ANY", EDNS_VARIANTS[0], tcp=True)
    # Outside every zone we serve: REFUSED (RFC 1035 4.1.1; DESIGN: REFUSED outside our zones).
    for name in ("example.org.", "com.", ".", "example.net.", "xexample.com.", "ample.com."):
        for edns in EDNS_VARIANTS:
            add(name, "A", edns)
            add(name, "SOA", edns)
    # The large RRset: TC over UDP at every buffer size, whole over TCP (RFC 1035 4.2.1,
    # RFC 6891 7).
    for opts in (("+bufsize=1232",), ("+noedns",), ("+bufsize=4096",), ("+bufsize=512",),
                 ("+bufsize=100",), ("+bufsize=1232", "+dnssec")):
        add("big.example.com.", "TXT", opts)
        add("big.example.com.", "TXT", opts, tcp=True)
    # DO set: no DNSSEC here, so the same answers with DO echoed (RFC 3225 3).
    for name in ("www.example.com.", "nx-probe.example.com.", "deleg.example.com.",
                 "x.w.example.com.", "host.dn.example.com."):
        add(name, "A", ("+bufsize=1232", "+dnssec"))
        # RD is copied into the response (RFC 1035 4.1.1). (CD is not compared: Knot without
        # DNSSEC clears it, while RFC 4035 3.1.6 has a security-aware server copy it.)
        add(name, "A", ("+bufsize=1232", "+norecurse"))
    return queries


def ask(server, query):
    host, port = server
    try:
        return dnstest.kdig(host, port, query.qname, query.qtype, *query.options, tcp=query.tcp)
    except dnstest.KdigError as e:
        return e


def ask_all(server, queries):
    with concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(lambda q: ask(server, q), queries))


def is_referral(r):
    return (not r.aa and not r.answer and r.rcode == "NOERROR"
            and any(rr[3] == "NS" for rr in r.authority))


def set_diff(name, ref, got):
    lines = []
    for rr in sorted(ref - got):
        lines.append("    %s only in reference: %s" % (name, " ".join(map(str, rr))))
    for rr in sorted(got - ref):
        lines.append("    %s only in server:    %s" % (name, " ".join(map(str, rr))))
    return lines


def compare(query, ref, got):
    """Returns (differences, notes) for one query; each is a list of text lines."""
    if isinstance(ref, Exception) or isinstance(got, Exception):
        if isinstance(ref, Exception) and isinstance(got, Exception):
            return [], []
        return ["  reference: %s" % (ref if isinstance(ref, Exception) else ref.summary()),
                "  server:    %s" % (got if isinstance(got, Exception) else got.summary())], []
    diffs, notes = [], []
    if ref.rcode != got.rcode:
        diffs.append("    rcode: reference %s, server %s" % (ref.rcode, got.rcode))
    if query.qtype == "ANY":
        return diffs, notes
    if ref.flags != got.flags:
        diffs.append("    flags: reference %s, server %s" % (" ".join(sorted(ref.flags)),
                                                          " ".join(sorted(got.flags))))
    if (ref.edns is None) != (got.edns is None):
        diffs.append("    OPT: reference %s, server %s" % (
            "present" if ref.edns else "absent", "present" if got.edns else "absent"))
    elif ref.edns and got.edns and ref.edns["do"] != got.edns["do"]:
        diffs.append("    DO: reference %s, server %s" % (ref.edns["do"], got.edns["do"]))
    if ref.tc and got.tc:
        return diffs, notes
    diffs += set_diff("answer", ref.answer, got.answer)
    diffs += set_diff("authority", ref.authority, got.authority)
    additional = set_diff("additional", ref.additional, got.additional)
    if is_referral(ref) or is_referral(got):
        diffs += additional
    else:
        notes += additional
    return diffs, notes


class KnotDiffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = dnstest.TempDir()
        cls.zones = dnstest.TEST_ZONES
        cls.reference = dnstest.Knotd(cls.zones, cls.tmp).start()
        binary = dnstest.dnsd_binary()
        if binary and not os.environ.get("CDN_DIFF_SELF"):
            cls.target_name = "cdn-dnsd (%s)" % binary
            cls.target = dnstest.Dnsd(cls.zones, binary=binary, threads=2).start()
        else:
            cls.target_name = "a second knotd (cdn-dnsd not built or CDN_DIFF_SELF set)"
            cls.target = dnstest.Knotd(cls.zones, cls.tmp).start()
        print("reference: knotd on %s@%d; server under test: %s on %s@%d" % (
            cls.reference.host, cls.reference.port, cls.target_name, cls.target.host,
            cls.target.port))

    @classmethod
    def tearDownClass(cls):
        for daemon in (getattr(cls, "target", None), getattr(cls, "reference", None)):
            if daemon:
                daemon.stop()
        cls.tmp.cleanup()

    def servers(self):
        return [("reference", (self.reference.host, self.reference.port)),
                ("server", (self.target.host, self.target.port))]

    def test_generated_queries_get_the_same_answers(self):
        queries = generate_queries(self.zones)
        ref = ask_all((self.reference.host, self.reference.port), queries)
        got = ask_all((self.target.host, self.target.port), queries)
        failures, notes = [], []
        for query, r, g in zip(queries, ref, got):
            d, n = compare(query, r, g)
            if d:
                failures.append("%s\n%s" % (query, "\n".join(d)))
            if n:
                notes.append("%s\n%s" % (query, "\n".join(n)))
        unanswered = sum(isinstance(r, Exception) for r in ref)
        print("%d queries, %d differences, %d additional-section notes, %d unanswered by the "
              "reference" % (len(queries), len(failures), len(notes), unanswered))
        if notes:
            print("Additional-section differences outside referrals (RFC 1034 4.3.2 step 6 makes "
                  "these optional; not failures):")
            print("\n".join(notes))
        self.assertLess(unanswered, len(queries) // 10, "the reference server hardly answers")
        self.assertTrue(self.target.running(), "server under test exited:\n%s"
                        % "\n".join(self.target.lines()[-40:]))
        if failures:
            self.fail("%d of %d queries differ from Knot:\n%s"
                      % (len(failures), len(queries), "\n".join(failures)))

    def test_question_case_is_echoed_exactly(self):
        # RFC 1035 4.1.1 / RFC 4343 4.1: the question is copied into the response as sent,
        # case included (resolvers using 0x20 mixing compare it byte for byte).
        for qname in ("WwW.ExAmPlE.CoM", "nx-PROBE.example.COM", "X.W.Example.Com",
                      "DEleg.example.com", "Nope.Example.ORG"):
            packet = dnstest.build_query(qname, "A", edns={})
            for role, (host, port) in self.servers():
                for transport in ("udp", "tcp"):
                    with self.subTest(server=role, qname=qname, transport=transport):
                        if transport == "udp":
                            wire = dnstest.send_udp(host, port, packet)
                        else:
                            wire = dnstest.send_tcp(host, port, packet)[0]
                        self.assertIsNotNone(wire, "no answer")
                        msg = dnstest.parse_message(wire)
                        self.assertEqual(packet[12:12 + len(qname) + 2],
                                         wire[12:12 + len(qname) + 2])
                        self.assertEqual(msg.question[0][0], qname + ".")

    def test_rfc_corners_on_both_servers(self):
        # Answers fixed by the RFCs, checked on both servers, so that a shared mistake does not
        # pass the diff unnoticed. (name, type, kdig options, check)
        cases = [
            # RFC 4592 2.2.1: the examples of the RFC, against its own zone (example.zone).
            ("host3.example.", "MX", (), lambda r: r.rcode == "NOERROR" and
             ("host3.example.", 3600, "IN", "MX", "10 host1.example.") in r.answer),
            ("host3.example.", "A", (), lambda r: nodata(r, "example.")),
            ("foo.bar.example.", "TXT", (), lambda r: r.rcode == "NOERROR" and
             ("foo.bar.example.", 3600, "IN", "TXT", '"this is a wildcard"') in r.answer),
            ("host1.example.", "MX", (), lambda r: nodata(r, "example.")),
            ("sub.*.example.", "MX", (), lambda r: nodata(r, "example.")),
            ("_telnet._tcp.host1.example.", "SRV", (), lambda r: nxdomain(r, "example.")),
            ("host.subdel.example.", "A", (), lambda r: referral(r, "subdel.example.")),
            ("ghost.*.example.", "MX", (), lambda r: nxdomain(r, "example.")),
            # RFC 4592 2.2.2: no synthesis below an empty non-terminal without its own wildcard.
            ("x.b.c.example.com.", "A", (), lambda r: nxdomain(r, "example.com.")),
            ("c.example.com.", "A", (), lambda r: nodata(r, "example.com.")),
            ("w.example.com.", "A", (), lambda r: nodata(r, "example.com.")),
            ("foo.w.example.com.", "A", (), lambda r: r.answer == {
                ("foo.w.example.com.", 3600, "IN", "A", "192.0.2.98")}),
            ("www.example.com.", "MX", (), lambda r: nodata(r, "example.com.")),
            ("x.deep.w.example.com.", "A", (), lambda r: referral(r, "deep.w.example.com.")),
            ("a.wc.example.com.", "A", (), lambda r: r.answer == {
                ("a.wc.example.com.", 3600, "IN", "CNAME", "www.example.com."),
                ("www.example.com.", 3600, "IN", "A", "192.0.2.80")}),
            # RFC 1034 4.3.2 step 3a: CNAME chains are followed inside the zone.
            ("cname1.example.com.", "A", (), lambda r: r.rcode == "NOERROR" and len(r.answer) == 4
             and ("www.example.com.", 3600, "IN", "A", "192.0.2.80") in r.answer),
            ("cname1.example.com.", "CNAME", (), lambda r: r.answer == {
                ("cname1.example.com.", 3600, "IN", "CNAME", "cname2.example.com.")}),
            # RFC 6604 3: the rcode is that of the last name in the chain.
            ("cname-dangling.example.com.", "A", (), lambda r: r.rcode == "NXDOMAIN" and
             r.aa and len(r.answer) == 1),
            # RFC 6672 2.3 / 3.1: DNAME redirects names below its owner, not the owner.
            ("dn.example.com.", "A", (), lambda r: r.answer == {
                ("dn.example.com.", 3600, "IN", "A", "192.0.2.70")}),
            ("host.dn.example.com.", "A", (), lambda r: r.rcode == "NOERROR" and r.answer >= {
                ("dn.example.com.", 3600, "IN", "DNAME", "dtarget.example.com."),
                ("host.dn.example.com.", 3600, "IN", "CNAME", "host.dtarget.example.com."),
                ("host.dtarget.example.com.", 3600, "IN", "A", "192.0.2.72")}),
            # RFC 1034 4.3.2 step 3b and RFC 1035 4.3.2: referral with glue, AA clear.
            ("www.deleg.example.com.", "A", (), lambda r: referral(r, "deleg.example.com.") and
             r.additional == {("ns1.deleg.example.com.", 3600, "IN", "A", "192.0.2.101"),
                              ("ns2.deleg.example.com.", 3600, "IN", "AAAA", "2001:db8::101")}),
            # RFC 4035 3.1.4.1: DS is answered by the parent side of the cut, authoritatively,
            # also when the child zone is served by the same server.
            ("deleg.example.com.", "DS", (), lambda r: r.aa and len(r.answer) == 1),
            ("sub.example.com.", "DS", (), lambda r: r.aa and len(r.answer) == 1 and
             next(iter(r.answer))[4].startswith("54321 13 2")),
            # The closest zone answers: sub.example.com, with its own SOA.
            ("www.sub.example.com.", "A", (), lambda r: r.aa and r.answer == {
                ("www.sub.example.com.", 600, "IN", "A", "192.0.2.111")}),
            ("nope.sub.example.com.", "A", (), lambda r: nxdomain(r, "sub.example.com.")),
            # RFC 2308 3: the SOA of a negative answer carries min(SOA TTL, SOA MINIMUM).
            ("nope.b.c.example.com.", "A", (), lambda r: any(
                rr[3] == "SOA" and rr[1] == 300 for rr in r.authority)),
            ("nope.sub.example.com.", "A", (), lambda r: any(
                rr[3] == "SOA" and rr[1] == 60 for rr in r.authority)),
            # RFC 3597 5: unknown types round-trip.
            ("unknown.example.com.", "TYPE65280", (), lambda r: r.answer == {
                ("unknown.example.com.", 3600, "IN", "TYPE65280", "\\# 4 0A000001")}),
            # RFC 1035 4.2.1 / RFC 6891 7: the large RRset truncates over UDP, not over TCP.
            ("big.example.com.", "TXT", ("+bufsize=1232",), lambda r: r.tc and r.aa),
            ("big.example.com.", "TXT", ("+noedns",), lambda r: r.tc),
            ("big.example.com.", "TXT", ("+tcp",), lambda r: not r.tc and len(r.answer) == 60),
            # Outside our zones.
            ("www.example.org.", "A", (), lambda r: r.rcode == "REFUSED" and not r.aa),
        ]
        problems = []
        for role, (host, port) in self.servers():
            for qname, qtype, opts, check in cases:
                tcp = "+tcp" in opts
                opts = tuple(o for o in opts if o != "+tcp") or ("+bufsize=1232",)
                try:
                    r = dnstest.kdig(host, port, qname, qtype, *opts, tcp=tcp)
                except dnstest.KdigError as e:
                    problems.append("%s: %s %s: %s" % (role, qname, qtype, e))
                    continue
                if not check(r):
                    problems.append("%s: %s %s %s: %s" % (role, qname, qtype, " ".join(opts),
                                                          r.summary()))
        if problems:
            self.fail("answers against the RFCs:\n" + "\n".join(problems))


def soa_in_authority(r, zone):
    return any(rr[3] == "SOA" and rr[0] == zone for rr in r.authority)


def nodata(r, zone):
    # RFC 2308 2.2: NOERROR, empty answer, the zone's SOA in the authority section.
    return r.rcode == "NOERROR" and r.aa and not r.answer and soa_in_authority(r, zone)


def nxdomain(r, zone):
    # RFC 2308 2.1: NXDOMAIN with the zone's SOA in the authority section.
    return r.rcode == "NXDOMAIN" and r.aa and not r.answer and soa_in_authority(r, zone)


def referral(r, cut):
    return (r.rcode == "NOERROR" and not r.aa and not r.answer and r.authority and
            all(rr[0] == cut and rr[3] == "NS" for rr in r.authority))


if __name__ == "__main__":
    dnstest.run_tests()
