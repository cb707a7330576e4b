"""The lowest a Python probe of many hosts can go: `wxdash probe`'s handshakes on bare asyncio.

For each host, the two handshakes `wxdash probe` makes of a healthy TLS 1.3 host: one verified
against the CA file (chain and host name, SNI set), one offering TLS 1.2 only; `concurrency`
hosts at a time, all to one loopback port. No DNS, no certificate read, no report beyond a
count: a reference for what the interpreter, the loopback and the TLS library cost.

    python benchmarks/raw_probe.py CA_FILE PORT CONCURRENCY HOST...
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys


async def handshake(port: int, context: ssl.SSLContext, host: str) -> str | None:
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=context, server_hostname=host
    )
    version = writer.get_extra_info("ssl_object").version()
    writer.transport.abort()
    return version


async def probe_all(ca_file: str, port: int, concurrency: int, hosts: list[str]) -> int:
    verified = ssl.create_default_context(cafile=ca_file)
    tls12 = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls12.check_hostname = False
    tls12.verify_mode = ssl.CERT_NONE
    tls12.minimum_version = tls12.maximum_version = ssl.TLSVersion.TLSv1_2
    limit = asyncio.Semaphore(concurrency)

    async def one(host: str) -> bool:
        async with limit:
            first = await handshake(port, verified, host)
            second = await handshake(port, tls12, host)
            return first == "TLSv1.3" and second == "TLSv1.2"

    return sum(await asyncio.gather(*(one(h) for h in hosts)))


def main() -> None:
    ca_file, port, concurrency, *hosts = sys.argv[1:]
    fine = asyncio.run(probe_all(ca_file, int(port), int(concurrency), hosts))
    print(json.dumps({"hosts": len(hosts), "fine": fine}))


if __name__ == "__main__":
    main()
