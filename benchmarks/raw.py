"""The lowest a Python fleet fetch can go: `wxdash fetch --all`'s calls on bare asyncio sockets.

No HTTP library, no checks, no retries: each profile's two POSTs (server and webview domains)
side by side, `concurrency` profiles at a time, over kept-alive connections, answers read by
Content-Length and printed as one JSON list. Only the fake server answers like this; it is a
reference for what the interpreter, the loopback and the server cost, not a client.

    python benchmarks/raw.py CONFIG CONCURRENCY
"""

from __future__ import annotations

import asyncio
import json
import sys
import tomllib
from typing import Any
from urllib.parse import urlsplit

PATHS = ("/wxa/get_effective_domain", "/wxa/get_effective_webviewdomain")


async def fetch_all(config: str, concurrency: int) -> None:
    with open(config, "rb") as handle:
        profiles = tomllib.load(handle)["profiles"]
    base = urlsplit(profiles[0]["api_base"])
    host, port = base.hostname or "", base.port or 80
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(2 * concurrency):
        idle.put_nowait(await asyncio.open_connection(host, port))

    async def call(token: str, path: str) -> Any:
        reader, writer = await idle.get()
        writer.write(
            f"POST {path}?access_token={token} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await reader.readexactly(length)
        idle.put_nowait((reader, writer))
        return json.loads(body)

    limit = asyncio.Semaphore(concurrency)

    async def one(profile: dict[str, Any]) -> Any:
        async with limit:
            return await asyncio.gather(*(call(profile["access_token"], p) for p in PATHS))

    results = await asyncio.gather(*(one(p) for p in profiles))
    print(json.dumps(results, ensure_ascii=False))
    while not idle.empty():
        idle.get_nowait()[1].close()


if __name__ == "__main__":
    asyncio.run(fetch_all(sys.argv[1], int(sys.argv[2])))
