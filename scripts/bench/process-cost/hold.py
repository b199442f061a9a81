"""Holds stalled HTTP connections for the parked-streams bench (process-cost/parked.ts).

    python3 hold.py HOST PORT PATH

Reads commands on stdin: `open K` opens K more connections, each sending `GET PATH` and never
reading. Answers `opened N` (the total) on stdout. Exits when stdin closes.

Each socket gets a small receive buffer (SO_RCVBUF) and announces a small MSS (TCP_MAXSEG)
before it connects. Neither changes what the server process holds: they keep the *kernel* from
taking ~2 MB of every stalled stream (the server's send buffer autotunes up to tcp_wmem's max
on loopback), so the server reaches back-pressure after ~0.1 MB instead, and 5,000 stalled
streams do not push the kernel into TCP memory pressure. Node's net API cannot set either.
"""
import resource
import socket
import sys

RCVBUF = 4096
MSS = 536

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
held = []
print("holder ready", flush=True)
for line in sys.stdin:
    words = line.split()
    if len(words) != 2 or words[0] != "open":
        continue
    try:
        for _ in range(int(words[1])):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, MSS)
            s.connect((host, port))
            s.sendall(request)
            held.append(s)
        print(f"opened {len(held)}", flush=True)
    except OSError as err:
        print(f"holder error after {len(held)}: {err}", flush=True)
