#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A TCP proxy that delays every chunk by a fixed time in each direction: latency for the
pull benchmark's shaped links (bench/pull/shaped-link.sh) and the faults suite's cut link
(TwoHosts in tests/faults/fault_support.h). This machine's kernel has no netem, so `tc` can
shape the rate (tbf) but not the delay; this adds half the round trip each way, and keeps
order.

    delay_proxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT ONE_WAY_DELAY_MS

It prints "ready" once listening. Chunks wait in memory for the delay only: at most the
rate times the delay (1.25 MB at 50 Mbit/s and 100 ms each way).
"""
import asyncio
import collections
import sys
import time


async def pump(reader, writer, delay):
    queue = collections.deque()
    arrived = asyncio.Event()
    done = False

    async def read_side():
        nonlocal done
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                queue.append((time.monotonic() + delay, chunk))
                arrived.set()
        except (ConnectionError, OSError):
            pass
        done = True
        arrived.set()

    async def write_side():
        try:
            while True:
                while not queue:
                    if done:
                        return
                    arrived.clear()
                    await arrived.wait()
                due, chunk = queue.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            try:
                writer.write_eof()
            except (OSError, RuntimeError):
                pass

    await asyncio.gather(read_side(), write_side())


async def main():
    listen_host, listen_port, target_host, target_port, delay_ms = sys.argv[1:6]
    delay = float(delay_ms) / 1000.0

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(target_host, int(target_port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, delay), pump(server_reader, client_writer, delay))
        for w in (client_writer, server_writer):
            w.close()

    server = await asyncio.start_server(handle, listen_host, int(listen_port))
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    asyncio.run(main())
