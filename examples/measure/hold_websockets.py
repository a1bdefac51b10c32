"""What idle WebSocket connections cost the server: hold N of them open on /ws, and read the
server's resident memory before, while they are open and idle, and after they close.

    python examples/measure/hold_websockets.py ws://127.0.0.1:8080/ws --pid SERVER_PID \
        --connections 10000

The server must run on this machine (its memory is read from /proc/PID/status) and allow the
connections (`[limits] max_connections` in its --config; 10,000 by default, all sockets).
"""

import argparse
import asyncio
import time

import websockets


def resident_kb(pid):
    """VmRSS and VmHWM (peak) of a process, in kB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields["VmRSS"], fields["VmHWM"]


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--pid", type=int, required=True, help="the server's process id")
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--key", default="demo-read-key")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds to hold them idle")
    args = parser.parse_args()

    before, _ = resident_kb(args.pid)
    headers = {"X-API-Key": args.key}
    sockets = []
    started = time.monotonic()
    # A few hundred handshakes at a time: the server's accept queue is finite.
    for first in range(0, args.connections, 250):
        batch = range(first, min(first + 250, args.connections))
        sockets += await asyncio.gather(
            *(websockets.connect(args.url, additional_headers=headers, ping_interval=None) for _ in batch)
        )
    opened = time.monotonic() - started
    # Every connection answers one call, so each is a working session, not just a handshake.
    await asyncio.gather(
        *(s.send('{"jsonrpc":"2.0","id":1,"method":"users.get","params":{"id":42}}') for s in sockets)
    )
    answers = await asyncio.gather(*(s.recv() for s in sockets))
    assert all('"result"' in answer for answer in answers), "every connection was answered"
    await asyncio.sleep(args.hold)
    held, _ = resident_kb(args.pid)
    await asyncio.gather(*(s.close() for s in sockets))
    await asyncio.sleep(2)
    after, peak = resident_kb(args.pid)

    n = len(sockets)
    print(f"{n} connections opened in {opened:.1f} s, each answered one call")
    print(f"server VmRSS: {before / 1024:.1f} MB before, {held / 1024:.1f} MB with all {n} open and idle,")
    print(f"              {after / 1024:.1f} MB after they closed (peak VmHWM {peak / 1024:.1f} MB)")
    print(f"per idle connection: {(held - before) * 1024 / n / 1000:.1f} kB")


if __name__ == "__main__":
    asyncio.run(main())
