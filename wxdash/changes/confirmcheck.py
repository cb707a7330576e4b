"""The verification file a direct webview add needs: WeChat's file, and whether the domain
serves it unchanged at its root (checked before WeChat is asked, as WeChat will check)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wxdash.i18n import N_, _
from wxdash.insight import parse_address
from wxdash.wechat.body import parse_json_body
from wxdash.wechat.errors import ResponseFormatError, WxDashError
from wxdash.wechat.writes import CONFIRMFILE_PATH

if TYPE_CHECKING:
    from wxdash.changes.plan import Change
    from wxdash.probes import HostMap
    from wxdash.profiles import Profile
    from wxdash.wechat.client import TokenProvider, WeChatClient

MAX_FILE = 64 * 1024  # a verification file is a few bytes; more is not it
# A name that is a file at a domain's root and in a folder, nothing else: no folder part, no
# hidden file, no control character, nothing a shell or Windows reads otherwise.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")


@dataclass(frozen=True, slots=True)
class ConfirmFile:
    name: str
    content: bytes


async def confirm_file(
    client: WeChatClient, api_base: str | None, token: TokenProvider
) -> ConfirmFile:
    """WeChat's verification file for the token's mini program (a read: `{}` as its body)."""
    answer = await client.call_with_token(api_base, CONFIRMFILE_PATH, token, parse_json_body, {})
    name, content = answer.get("file_name"), answer.get("file_content")
    if not isinstance(name, str) or not isinstance(content, str) or not name:
        raise ResponseFormatError(N_("WeChat's answer has no usable file_name and file_content"))
    if not plain_name(name):
        raise ResponseFormatError(
            N_("WeChat's file_name {name} is not a plain file name: refused"), name=ascii(name)
        )
    return ConfirmFile(name, content.encode("utf-8"))


def plain_name(name: str) -> bool:
    """Whether `name` is safe as a file in a folder and at a domain's root: letters, digits,
    '.', '_' and '-', not starting with '.'."""
    return _PLAIN_NAME.fullmatch(name) is not None


async def served(
    domain: str, file: ConfirmFile, hosts: HostMap, tls: ssl.SSLContext, timeout: float
) -> str | None:
    """None when https://DOMAIN/FILE_NAME serves the file unchanged; else what is wrong."""
    address = parse_address(domain, "https")
    url = f"https://{address.readable}/{file.name}"
    try:
        async with asyncio.timeout(timeout):
            status, body = await _get(address.host, address.port or 443, file.name, hosts, tls)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        return _("{url} could not be fetched: {reason}").format(url=url, reason=reason)
    if status != 200:
        return _("{url} answered HTTP {status}").format(url=url, status=status)
    if body != file.content:
        return _("{url} does not serve the file unchanged").format(url=url)
    return None


async def _get(
    host: str, port: int, name: str, hosts: HostMap, tls: ssl.SSLContext
) -> tuple[int, bytes]:
    """A plain HTTP/1.1 GET over TLS (Connection: close): the status and the body."""
    target, target_port, addresses = hosts.route(host, port)
    connect_to = addresses[0] if addresses else target
    reader, writer = await asyncio.open_connection(
        connect_to, target_port or 443, ssl=tls, server_hostname=host
    )
    try:
        request = f"GET /{name} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        writer.write(request.encode("ascii"))
        await writer.drain()
        data = await reader.read(MAX_FILE + 4096)
        while len(data) <= MAX_FILE + 4096 and (more := await reader.read(4096)):
            data += more
    finally:
        writer.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise ValueError(_("not an HTTP answer"))
    if b"transfer-encoding: chunked" in head.lower():
        raise ValueError(_("a chunked answer (serve the file as a plain static file)"))
    return int(status_line[1]), body


@dataclass(frozen=True, slots=True)
class ConfirmCheck:
    """How the files are checked: where hosts are reached, what is trusted, how long to wait."""

    hosts: HostMap
    tls: ssl.SSLContext
    timeout: float

    async def split(
        self, client: WeChatClient, profile: Profile, token: TokenProvider, changes: list[Change]
    ) -> tuple[list[Change], list[Change]]:
        """The changes whose domain serves the file (to send), and the others, failed."""
        from wxdash.wechat.errors import hint_for

        try:
            file = await confirm_file(client, profile.api_base, token)
        except WxDashError as error:
            failed = [_failed(c, error.message, error.hint, error.errcode) for c in changes]
            return [], failed
        ready: list[Change] = []
        failed = []
        for change in changes:
            wrong = await served(change.domain, file, self.hosts, self.tls, self.timeout)
            if wrong is None:
                ready.append(change)
            else:
                failed.append(_failed(change, wrong, hint_for(86103)))
        return ready, failed


def _failed(change: Change, message: str, hint: str, errcode: int | None = None) -> Change:
    return dataclasses.replace(change, result="failed", errcode=errcode, message=message, hint=hint)
