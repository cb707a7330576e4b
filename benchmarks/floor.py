"""The floors of the command-line measurements: what the same work costs without wxdash.

`fetch_one` is the smallest script that does the single POST `wxdash fetch -p X -f json` does;
`fetch_all` makes the calls of `wxdash fetch --all` with httpx. Neither imports more than it
needs, so their start-up is a fair floor. The dashboard's floor is in `floor_app.py`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tomllib
from typing import Any

import httpx

GROUPS = ("effective_domain", "mp_domain", "third_domain", "direct_domain")
PROTOCOLS = (
    "requestdomain",
    "wsrequestdomain",
    "uploaddomain",
    "downloaddomain",
    "udpdomain",
    "tcpdomain",
)
PATH = "/wxa/get_effective_domain"
WEBVIEW_PATH = "/wxa/get_effective_webviewdomain"


def fetch_one(url: str, token: str) -> None:
    response = httpx.post(url + PATH, params={"access_token": token}, json={})
    print(json.dumps(response.json(), ensure_ascii=False, indent=2))


async def fetch_all(config: str, concurrency: int) -> None:
    """Every profile's JSON with httpx, `concurrency` profiles at a time, printed as one list.
    The same work as `wxdash fetch --all`: each profile's server and webview domains, the two
    calls side by side."""
    with open(config, "rb") as handle:
        profiles = tomllib.load(handle)["profiles"]
    limit = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=2 * concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def call(profile: dict[str, Any], path: str) -> Any:
            params = {"access_token": profile["access_token"]}
            response = await client.post(profile["api_base"] + path, params=params, json={})
            return response.json()

        async def one(profile: dict[str, Any]) -> Any:
            async with limit:
                return await asyncio.gather(call(profile, PATH), call(profile, WEBVIEW_PATH))

        results = await asyncio.gather(*(one(p) for p in profiles))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    if sys.argv[1] == "--all":
        asyncio.run(fetch_all(sys.argv[2], int(sys.argv[3])))
    else:
        fetch_one(sys.argv[1], sys.argv[2])
