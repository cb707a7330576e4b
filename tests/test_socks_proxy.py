"""`HTTPS_PROXY=socks5://...` works, as the README promises (issue 14, item 17): `wxdash fetch`
through a SOCKS5 proxy on loopback, which forwards to the fake server behind a certificate for
the host the profile names."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from conftest import APPID, MARKER, assert_no_marker, fast, profile

from wxdash.fakeserver import FakeWeChat, sample_domains
from wxdash.wechat.client import WeChatClient
from wxdash.wechat.errors import NetworkError
from wxdash.wechat.tokens import LiteralToken

Run = Callable[..., subprocess.CompletedProcess[str]]
Writer = Callable[[dict[str, Any] | str], Path]
HOST = "api.example.test"  # never resolved here: the proxy is asked for it by name


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed during the SOCKS handshake")
        data += chunk
    return data


class Socks5:
    """A SOCKS5 proxy (no authentication, CONNECT only) on loopback. Whatever host it is asked
    for, it ends TLS with `context` and forwards the plain bytes to `upstream`, as a proxy and
    the real host would together. It notes each address it was asked for and the bytes it saw
    outside TLS."""

    def __init__(self, upstream: tuple[str, int], context: ssl.SSLContext) -> None:
        self.upstream = upstream
        self.context = context
        self.asked: list[tuple[str, int]] = []
        self.clear = b""
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._threads: list[threading.Thread] = []
        accept = threading.Thread(target=self._accept, daemon=True)
        accept.start()

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self._sock.getsockname()[1]}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(10)
            _version, methods = _exactly(conn, 2)
            greeting = _exactly(conn, methods)
            conn.sendall(b"\x05\x00")
            request = _exactly(conn, 4)
            kind = request[3]
            if kind == 1:
                address = _exactly(conn, 4)
                host = socket.inet_ntoa(address)
            elif kind == 4:
                address = _exactly(conn, 16)
                host = socket.inet_ntop(socket.AF_INET6, address)
            else:
                size = _exactly(conn, 1)
                address = size + _exactly(conn, size[0])
                host = address[1:].decode("ascii")
            port = _exactly(conn, 2)
            self.clear += greeting + request + address + port
            self.asked.append((host, int.from_bytes(port, "big")))
            conn.sendall(b"\x05\x00\x00\x01" + bytes(6))  # succeeded
            with (
                self.context.wrap_socket(conn, server_side=True) as tls,
                socket.create_connection(self.upstream) as upstream,
            ):
                _relay(tls, upstream)

    def close(self) -> None:
        self._sock.close()


def _relay(tls: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    while True:
        if tls.pending():
            ready = [tls]
        else:
            ready, _, _ = select.select([tls, upstream], [], [], 10)
        if not ready:
            return
        for side in ready:
            data = side.recv(65536)
            if not data:
                return
            (upstream if side is tls else tls).sendall(data)


@pytest.fixture
def socks(fake: FakeWeChat, tmp_path: Path) -> Iterator[tuple[Socks5, Path]]:
    """The proxy in front of the fake server, and the CA file that makes its certificate
    trusted (SSL_CERT_FILE)."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(HOST).configure_cert(context)
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    host, port = fake.url.removeprefix("http://").rsplit(":", 1)
    proxy = Socks5((host, int(port)), context)
    try:
        yield proxy, pem
    finally:
        proxy.close()


def test_item17_fetch_works_through_a_socks5_proxy(
    fake: FakeWeChat,
    socks: tuple[Socks5, Path],
    write_config: Writer,
    config_path: Path,
    run_cli: Run,
    tmp_path: Path,
) -> None:
    proxy, pem = socks
    app = fake.add_app(APPID, token=MARKER)
    write_config(
        {
            "network": {"retries": 1, "read_timeout": 5.0, "connect_timeout": 5.0},
            "profiles": [profile("Shop", access_token=MARKER, api_base=f"https://{HOST}")],
        }
    )
    env = {"HTTPS_PROXY": proxy.url, "SSL_CERT_FILE": str(pem)}
    result = run_cli("fetch", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "bug in wxdash" not in result.stderr
    wanted = sample_domains()["effective_domain"]["requestdomain"][0]
    assert wanted in result.stdout
    assert app.domain_calls == 1
    # The proxy was asked for the host by name, and never saw the token: it stays inside TLS.
    assert proxy.asked and set(proxy.asked) == {(HOST, 443)}
    assert MARKER.encode() not in proxy.clear
    assert_no_marker(result.stdout, result.stderr, folders=(tmp_path,), allowed=(config_path,))


async def test_item17_socks_proxy_without_socksio_installed_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # An install that left the extra out: the import fails as it would without the package.
    monkeypatch.setitem(sys.modules, "socksio", None)
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:9")
    async with WeChatClient(fast(max_attempts=1)) as client:
        with pytest.raises(NetworkError) as caught:
            await client.get_effective_domain(f"https://{HOST}", LiteralToken(MARKER))
    assert "socksio" in caught.value.message
    assert "pip install httpx[socks]" in caught.value.message
    assert "HTTPS_PROXY" in caught.value.hint
