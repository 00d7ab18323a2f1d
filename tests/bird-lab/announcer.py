#!/usr/bin/python3
"""Stand-in for cdn-exabgp-bridge: the `process` ExaBGP runs in each PoP of the bird lab.

    announcer.py FIFO LOG PREFIX

Reads one command a line from FIFO (`announce`, `withdraw`, `exit`) and writes the matching
ExaBGP 4.2 text API line on stdout, flushed at once:
    announce route PREFIX next-hop self
    withdraw route PREFIX next-hop self
Reads ExaBGP's acks and events on stdin (with exabgp.api.ack=true every command is answered;
a process that never reads them stalls ExaBGP) and exits on stdin EOF, so it never outlives
its ExaBGP. Every step goes to LOG as `EPOCH.MICROS what`; the lab takes the `sent withdraw`
time as the start of the withdraw measurement.
"""

import os
import select
import sys
import time


def main():
    fifo, log_path, prefix = sys.argv[1:4]
    log = open(log_path, "a", buffering=1)

    def note(what):
        log.write("%.6f %s\n" % (time.time(), what))

    # O_RDWR: the FIFO never reports EOF when a writer closes, and opening never blocks.
    fifo_fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    stdin_fd = sys.stdin.fileno()
    note("start pid=%d" % os.getpid())
    pending = b""
    acks = b""
    while True:
        ready, _, _ = select.select([stdin_fd, fifo_fd], [], [])
        if stdin_fd in ready:
            data = os.read(stdin_fd, 65536)
            if not data:
                note("stdin EOF, exiting")
                os._exit(0)
            acks += data
            while b"\n" in acks:
                line, acks = acks.split(b"\n", 1)
                if line.strip():
                    note("recv " + line.decode("utf-8", "replace").strip())
        if fifo_fd in ready:
            pending += os.read(fifo_fd, 4096)
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                command = line.decode("utf-8", "replace").strip()
                if command in ("announce", "withdraw"):
                    os.write(1, ("%s route %s next-hop self\n" % (command, prefix)).encode())
                    note("sent " + command)
                elif command == "exit":
                    note("exit on command")
                    os._exit(0)
                elif command:
                    note("ignored " + command)


if __name__ == "__main__":
    main()
