#!/usr/bin/python3
"""DNS client of the bird lab: asks the anycast address which PoP answers (python3 standard
library only; run inside the client namespace).

    dns_probe.py probe HOST[:PORT] QNAME [TIMEOUT]
    dns_probe.py stream HOST[:PORT] QNAME RATE COUNT TIMEOUT

Every query is `QNAME TXT` over UDP (port 53 unless given) with EDNS and an empty NSID option (RFC 5001). Each
PoP serves a different TXT string there and its own NSID, so an answer names the PoP.

probe: one query; prints `TXT NSID` (`-` for a missing part), or `lost` after TIMEOUT seconds
(default 0.5), or `error RCODE`.

stream: COUNT queries at RATE per second, each given TIMEOUT seconds (a steady stream, bounded
in count and in time: at most COUNT/RATE + TIMEOUT + 1 seconds). One line a query, in order:
    SEQ SENT_EPOCH RESULT RTT_MS
RESULT is the TXT string, `lost` or `error-RCODE`; RTT_MS is `-` when lost. The last line is
`done sent=N answered=N lost=N`.
"""

import os
import select
import socket
import struct
import sys
import time

PORT = 53
TYPE_TXT = 16
TYPE_OPT = 41
NSID = 3


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, qname):
    header = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1)
    question = encode_name(qname) + struct.pack("!HH", TYPE_TXT, 1)
    # OPT: root name, type 41, UDP size 1232, no extended rcode/flags, one empty NSID option
    opt = b"\0" + struct.pack("!HHIH", TYPE_OPT, 1232, 0, 4) + struct.pack("!HH", NSID, 0)
    return header + question + opt


def skip_name(wire, pos):
    for _ in range(128):
        length = wire[pos]
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
        if length == 0:
            return pos
    raise ValueError("name too long")


def parse(wire):
    """(qid, rcode, txt or None, nsid or None)."""
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    rcode = flags & 0xF
    pos = 12
    for _ in range(qd):
        pos = skip_name(wire, pos) + 4
    txt = nsid = None
    for index in range(an + ns + ar):
        pos = skip_name(wire, pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", wire[pos:pos + 10])
        pos += 10
        rdata = wire[pos:pos + rdlen]
        pos += rdlen
        if index < an and rtype == TYPE_TXT and txt is None and rdata:
            txt = rdata[1:1 + rdata[0]].decode("utf-8", "replace")
        elif rtype == TYPE_OPT:
            at = 0
            while at + 4 <= len(rdata):
                code, length = struct.unpack("!HH", rdata[at:at + 4])
                if code == NSID:
                    nsid = rdata[at + 4:at + 4 + length].decode("utf-8", "replace")
                at += 4 + length
    return qid, rcode, txt, nsid


def server(text):
    host, _, port = text.partition(":")
    return host, int(port or PORT)


def probe(host, qname, timeout):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    qid = int.from_bytes(os.urandom(2), "big")
    sock.sendto(query(qid, qname), server(host))
    deadline = time.time() + timeout
    while True:
        left = deadline - time.time()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            print("lost")
            return 1
        wire, _ = sock.recvfrom(65535)
        try:
            rid, rcode, txt, nsid = parse(wire)
        except (ValueError, IndexError, struct.error):
            continue
        if rid != qid:
            continue
        if rcode:
            print("error %d" % rcode)
            return 1
        print("%s %s" % (txt or "-", nsid or "-"))
        return 0


def stream(host, qname, rate, count, timeout):
    count = max(0, min(count, 60000))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setblocking(False)
    base = int.from_bytes(os.urandom(2), "big")
    results = [None] * count  # (sent, result, rtt_ms)
    pending = {}  # qid -> (seq, sent)
    start = time.time()
    hard_stop = start + count / rate + timeout + 1.0
    seq = 0
    while (seq < count or pending) and time.time() < hard_stop:
        now = time.time()
        if seq < count and now >= start + seq / rate:
            qid = (base + seq) & 0xFFFF
            try:
                sock.sendto(query(qid, qname), server(host))
            except OSError:
                pass  # no route for a moment: the query counts as lost
            pending[qid] = (seq, now)
            seq += 1
        for qid, (s, sent) in list(pending.items()):
            if now - sent >= timeout:
                results[s] = (sent, "lost", None)
                del pending[qid]
        wake = [sent + timeout for _, sent in pending.values()]
        if seq < count:
            wake.append(start + seq / rate)
        wait = max(0.0, min(wake) - time.time()) if wake else 0.0
        if select.select([sock], [], [], wait)[0]:
            while True:
                try:
                    wire, _ = sock.recvfrom(65535)
                except BlockingIOError:
                    break
                try:
                    rid, rcode, txt, _ = parse(wire)
                except (ValueError, IndexError, struct.error):
                    continue
                if rid in pending:
                    s, sent = pending.pop(rid)
                    got = time.time()
                    results[s] = (sent, ("error-%d" % rcode) if rcode else (txt or "-"),
                                  (got - sent) * 1000)
    answered = lost = 0
    for s, r in enumerate(results):
        if r is None:
            continue  # never sent (hard stop)
        sent, result, rtt = r
        if result == "lost":
            lost += 1
        else:
            answered += 1
        print("%d %.6f %s %s" % (s, sent, result, "-" if rtt is None else "%.1f" % rtt))
    print("done sent=%d answered=%d lost=%d" % (seq, answered, lost))
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "probe":
        timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
        return probe(sys.argv[2], sys.argv[3], timeout)
    if len(sys.argv) == 7 and sys.argv[1] == "stream":
        return stream(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]),
                      float(sys.argv[6]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
