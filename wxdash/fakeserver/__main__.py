"""`python -m wxdash.fakeserver`: serve the fake WeChat API on loopback, to try wxdash by hand."""

from __future__ import annotations

import argparse
import time

from wxdash.fakeserver.datasets import big_domains, shop_domains, shop_webview
from wxdash.fakeserver.server import FakeWeChat

# What `--broken-every` apps answer, in turn.
FAILURES = ("errcode:42001", "errcode:45009", "reset")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m wxdash.fakeserver",
        description="Serve a fake WeChat API on loopback for trying wxdash by hand.",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds from each request to its answer"
    )
    parser.add_argument("--apps", type=int, default=3, help="how many apps to register")
    parser.add_argument(
        "--per-protocol", type=int, default=0, help="domains per list (0: a merchant's few)"
    )
    parser.add_argument(
        "--broken-every",
        type=int,
        default=0,
        metavar="N",
        help="every Nth app fails, in turn with 42001, 45009 and a reset connection",
    )
    args = parser.parse_args()
    server = FakeWeChat(latency=args.latency, port=args.port)
    for i in range(args.apps):
        appid = f"wx{i:016x}"
        domains = big_domains(args.per_protocol) if args.per_protocol else shop_domains(f"shop{i}")
        webview = shop_webview(f"shop{i}")
        broken = args.broken_every and i % args.broken_every == args.broken_every - 1
        scenario = FAILURES[(i // args.broken_every) % len(FAILURES)] if broken else "ok"
        server.add_app(
            appid, token=f"token-{appid}", domains=domains, webview=webview, scenario=scenario
        )
    server.platform.token = "component-token"
    print(
        f"fake WeChat on {server.url} with {args.apps} apps; token of appid X is token-X; "
        "the platform's component_access_token is component-token"
    )
    server.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
