#!/usr/bin/env python3
"""tests/bench/geo_ecs.py: query file and answer check of the bench's geo-ecs case (stdlib only).

  geo_ecs.py queries OUT NETS COUNT SEED
      COUNT queries for NAME A in dnsperf's -B binary format (2-byte big-endian length + wire
      message), each with EDNS0 and an ECS option: a random /24 inside a random network of NETS.
  geo_ecs.py check PORT NETS REGIONS SEED [--scope N]
      One random ECS /24 in each network of NETS, plus one query without ECS (source 127.0.0.1,
      region 0): each must be NOERROR with exactly the region's edge address. With --scope, every
      ECS answer must also carry that scope. Prints a summary; exit 1 on any mismatch.

NETS: "A.B.0.0/16<TAB>region" lines; REGIONS: "index name country continent lat lon edge" lines
(both written by geo_mmdb.pl).
"""

import random
import socket
import struct
import sys
from collections import Counter

NAME = "cdn.bench.example"
OPT_ECS = 8


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, subnet=None):
    """A query for NAME A with RD (as dnsperf sends) and EDNS0 (1232 B); ECS if subnet=(a.b.c.d, len)."""
    msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 1) + wire_name(NAME) + struct.pack(">HH", 1, 1)
    opts = b""
    if subnet:
        addr, plen = subnet
        data = socket.inet_aton(addr)[:(plen + 7) // 8]
        body = struct.pack(">HBB", 1, plen, 0) + data
        opts = struct.pack(">HH", OPT_ECS, len(body)) + body
    return msg + b"\0" + struct.pack(">HHIH", 41, 1232, 0, len(opts)) + opts


def read_nets(path):
    nets = []
    with open(path) as f:
        for line in f:
            net, region = line.split()
            a, b = net.split(".")[:2]
            nets.append((int(a), int(b), int(region)))
    return nets


def read_regions(path):
    with open(path) as f:
        return {int(p[0]): p for p in (line.split() for line in f)}


def skip_name(msg, i):
    while True:
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1


def parse(msg):
    """-> (id, rcode, [A addresses], ECS scope or None)"""
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    i = 12
    for _ in range(qd):
        i = skip_name(msg, i) + 4
    addrs, scope = [], None
    for n in range(an + ns + ar):
        i = skip_name(msg, i)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[i:i + 10])
        i += 10
        rdata = msg[i:i + rdlen]
        i += rdlen
        if n < an and rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(rdata))
        if rtype == 41:
            j = 0
            while j + 4 <= len(rdata):
                code, olen = struct.unpack(">HH", rdata[j:j + 4])
                if code == OPT_ECS and olen >= 4:
                    scope = rdata[j + 7]
                j += 4 + olen
    return qid, flags & 0xF, addrs, scope


def ask(sock, port, msg):
    for _ in range(3):
        sock.sendto(msg, ("127.0.0.1", port))
        try:
            while True:
                reply, _ = sock.recvfrom(4096)
                if reply[:2] == msg[:2]:
                    return parse(reply)
        except socket.timeout:
            continue
    return None


def cmd_queries(out, nets_path, count, seed):
    rng = random.Random(seed)
    nets = read_nets(nets_path)
    with open(out, "wb") as f:
        for i in range(count):
            a, b, _ = rng.choice(nets)
            msg = query(i & 0xFFFF, ("%d.%d.%d.0" % (a, b, rng.randrange(256)), 24))
            f.write(struct.pack(">H", len(msg)) + msg)
    return 0


def cmd_check(port, nets_path, regions_path, seed, want_scope):
    rng = random.Random(seed)
    regions = read_regions(regions_path)
    cases = [(None, 0)] + [(("%d.%d.%d.0" % (a, b, rng.randrange(256)), 24), r)
                           for a, b, r in read_nets(nets_path)]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1)
    wrong, scopes = [], Counter()
    for n, (subnet, region) in enumerate(cases):
        want = regions[region][6]
        got = ask(sock, port, query(n + 1, subnet))
        where = "%s/24" % subnet[0] if subnet else "no ECS"
        if got is None:
            wrong.append("%s: no answer" % where)
            continue
        _, rcode, addrs, scope = got
        if subnet:
            scopes[scope] += 1
        if rcode != 0 or addrs != [want]:
            wrong.append("%s: rcode %d %s, want %s (%s)" % (where, rcode, addrs, want, regions[region][1]))
        elif subnet and want_scope is not None and scope != want_scope:
            wrong.append("%s: scope %s, want /%d" % (where, scope, want_scope))
    seen = ", ".join("/%s x%d" % (s, c) for s, c in sorted(scopes.items(), key=lambda x: str(x[0])))
    print("%d/%d right; ECS scopes: %s%s" % (len(cases) - len(wrong), len(cases), seen,
                                            "; first wrong: " + "; ".join(wrong[:3]) if wrong else ""))
    return 1 if wrong else 0


def main(argv):
    if len(argv) == 5 and argv[0] == "queries":
        return cmd_queries(argv[1], argv[2], int(argv[3]), int(argv[4]))
    if len(argv) in (5, 7) and argv[0] == "check":
        scope = int(argv[6]) if len(argv) == 7 and argv[5] == "--scope" else None
        return cmd_check(int(argv[1]), argv[2], argv[3], int(argv[4]), scope)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
