#!/usr/bin/env python3
"""Userspace "impairment wire" for Parley's NAT lab: an L2 cable with delay and loss.

Why: this machine's kernel has no sch_netem, so `tc qdisc ... netem` fails ("Specified qdisc kind
is unknown"). Instead, run this inside a namespace that holds two veth ends IF_A and IF_B (no IP
addresses needed, both must be up):

    python3 tests/lab/wire.py IF_A IF_B

Every frame received on IF_A goes out of IF_B and vice versa (AF_PACKET, ETH_P_ALL, promiscuous;
frames of type PACKET_OUTGOING, i.e. our own sends, are ignored). Per direction: a FIFO with due
times (fixed delay, order kept), random loss, a "down" switch, at most 10,000 queued frames (tail
drop beyond; "dropped_full" also counts frames the kernel dropped because this program fell behind
and the socket's receive buffer overflowed). Control on stdin, one line each, one answer line on stdout:
    set delay_ms=<n> loss_pct=<x>   -> ok      (either key may be left out; it keeps its value)
    down / up                       -> ok      (down = cut cable: drops everything, also in flight)
    stats -> stats a_to_b=<n> b_to_a=<n> dropped_loss=<n> dropped_down=<n> dropped_full=<n>
    anything else                   -> error <reason>
"ready" is printed once both sockets are open. Exit 0 on stdin EOF or SIGTERM; 2 on start errors.

Offloads: veth does TSO and checksum offload, so a "frame" may be a 64 KiB TCP super-frame whose
checksum is not filled in yet. The sockets use PACKET_VNET_HDR, which passes that metadata through
untouched, so no ethtool is needed and TCP/UDP work as they are. But then one frame can be ~44
wire packets, so loss_pct applies per super-frame. For per-packet loss, limit GSO on the veth ends
in the endpoint namespaces:  ip link set dev eth0 gso_max_segs 1   (frames then stay <= MTU).
"""
import collections, math, random, signal, socket, struct, sys, threading, time

ETH_P_ALL, SOL_PACKET, PACKET_ADD_MEMBERSHIP, PACKET_MR_PROMISC, PACKET_VNET_HDR = 3, 263, 1, 1, 15
PACKET_STATISTICS = 6
MAX_QUEUE, BUFSIZE = 10_000, 262_144      # BUFSIZE: 10-byte vnet header + frame up to 64 KiB and more
cfg = {"delay_ms": 0.0, "loss_pct": 0.0, "down": False}


def open_socket(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)   # protocol 0: nothing arrives until bind
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((ifname, ETH_P_ALL))
    mreq = struct.pack("iHH8s", socket.if_nametoindex(ifname), PACKET_MR_PROMISC, 0, b"")
    s.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    return s


class Direction:
    def __init__(self, rx, tx):
        self.rx, self.tx = rx, tx
        self.queue = collections.deque()              # (due time, frame)
        self.cond = threading.Condition()
        self.forwarded = self.dropped_loss = self.dropped_down = self.dropped_full = 0

    def kernel_drops(self):                           # receive-buffer overflows since last call
        return struct.unpack("II", self.rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]

    def receive_loop(self):
        while True:
            try:
                frame, addr = self.rx.recvfrom(BUFSIZE)
            except OSError as e:                      # e.g. ENETDOWN while the link is down
                print(f"wire: receive failed: {e}", file=sys.stderr)
                time.sleep(0.1)
                continue
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            with self.cond:
                if cfg["down"]:
                    self.dropped_down += 1
                elif cfg["loss_pct"] and random.random() * 100 < cfg["loss_pct"]:
                    self.dropped_loss += 1
                elif len(self.queue) >= MAX_QUEUE:
                    self.dropped_full += 1
                else:
                    self.queue.append((time.monotonic() + cfg["delay_ms"] / 1000, frame))
                    if len(self.queue) == 1:
                        self.cond.notify()

    def send_loop(self):
        while True:
            with self.cond:
                while not self.queue or self.queue[0][0] > time.monotonic():
                    self.cond.wait(self.queue[0][0] - time.monotonic() if self.queue else None)
                frame = self.queue.popleft()[1]
                if cfg["down"]:
                    self.dropped_down += 1
                    continue
            try:
                self.tx.send(frame)
                self.forwarded += 1
            except OSError as e:                      # not counted as forwarded; say why
                print(f"wire: send of {len(frame)} bytes failed: {e}", file=sys.stderr)


def command(line, dirs):
    words = line.split()
    if words == ["stats"]:
        ab, ba = dirs
        for d in dirs:
            with d.cond:
                d.dropped_full += d.kernel_drops()
        total = lambda name: getattr(ab, name) + getattr(ba, name)
        return (f"stats a_to_b={ab.forwarded} b_to_a={ba.forwarded} dropped_loss={total('dropped_loss')}"
                f" dropped_down={total('dropped_down')} dropped_full={total('dropped_full')}")
    if words in (["down"], ["up"]):
        cfg["down"] = words[0] == "down"
        return "ok"
    if not words or words[0] != "set":
        return f"error unknown command {line.strip()!r} (want: set, down, up, stats)"
    if len(words) == 1:
        return "error set needs delay_ms=<n> and/or loss_pct=<x>"
    new = {}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if key not in ("delay_ms", "loss_pct") or not eq:
            return f"error bad argument {word!r} (want delay_ms=<n> or loss_pct=<x>)"
        try:
            number = float(value)
        except ValueError:
            return f"error {key} is not a number: {value!r}"
        limit = 100 if key == "loss_pct" else 3_600_000
        if not (math.isfinite(number) and 0 <= number <= limit):
            return f"error {key} must be between 0 and {limit}"
        new[key] = number
    cfg.update(new)
    return "ok"


def main(argv):
    if len(argv) != 3 or argv[1] == argv[2]:
        print("usage: wire.py IF_A IF_B  (two different interfaces)", file=sys.stderr)
        return 2
    socks = []
    for ifname in argv[1:]:
        try:
            socks.append(open_socket(ifname))
        except PermissionError as e:
            print(f"wire: cannot open a packet socket (need root / CAP_NET_RAW): {e}", file=sys.stderr)
            return 2
        except OSError as e:
            print(f"wire: cannot use interface {ifname!r}: {e}", file=sys.stderr)
            return 2
    a, b = socks
    dirs = (Direction(a, b), Direction(b, a))
    for d in dirs:
        threading.Thread(target=d.receive_loop, daemon=True).start()
        threading.Thread(target=d.send_loop, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    for line in sys.stdin:
        print(command(line, dirs), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
