#!/usr/bin/python3
"""UDP helpers of the bird lab, run inside its namespaces.

    udp_echo.py serve ADDRESS PORT NAME    answer every datagram with `NAME <datagram>`;
                                           prints `ready` once bound
    udp_echo.py probe ADDRESS PORT TIMEOUT send one datagram, print the answering NAME or
                                           `timeout`; exit 0 only on an answer
"""

import os
import socket
import sys


def serve(address, port, name):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, int(port)))
    print("ready pid=%d" % os.getpid(), flush=True)
    while True:
        data, peer = sock.recvfrom(2048)
        sock.sendto(name.encode() + b" " + data, peer)


def probe(address, port, timeout):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(float(timeout))
    token = os.urandom(6).hex().encode()
    sock.sendto(token, (address, int(port)))
    try:
        while True:
            data, _ = sock.recvfrom(2048)
            name, _, echoed = data.partition(b" ")
            if echoed == token:
                print(name.decode())
                return 0
    except socket.timeout:
        print("timeout")
        return 1


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "serve" and len(sys.argv) == 5:
        serve(*sys.argv[2:5])
    elif mode == "probe" and len(sys.argv) == 5:
        sys.exit(probe(*sys.argv[2:5]))
    else:
        sys.exit(__doc__)
