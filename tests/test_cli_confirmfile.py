"""A direct webview add checks WeChat's verification file at the domain's root first, over
HTTPS on loopback (trusted through SSL_CERT_FILE, reached with --connect-to)."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import trustme
from conftest import FAST, MARKER, Run, Writer, profile

from wxdash.fakeserver import FakeWeChat

GOOD, BAD = "www.confirm.test", "bad.confirm.test"


class _Files(http.server.BaseHTTPRequestHandler):
    served: ClassVar[dict[tuple[str, str], bytes]] = {}

    def do_GET(self) -> None:
        body = self.served.get((self.headers.get("Host", ""), self.path))
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def https(tmp_path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(GOOD, BAD).configure_cert(context)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address[1], {"SSL_CERT_FILE": str(ca_file)}
    finally:
        server.shutdown()
        server.server_close()


def test_only_the_domain_that_serves_the_file_is_sent(
    fake: FakeWeChat, write_config: Writer, run_cli: Run, https: tuple[int, dict[str, str]]
) -> None:
    port, env = https
    app = fake.add_app("wx0000000000000001", token=MARKER)
    write_config({"network": FAST, "profiles": [
        profile("A", "wx0000000000000001", access_token=MARKER, api_base=fake.url)
    ]})  # fmt: skip
    _Files.served = {(GOOD, f"/{app.confirm_name}"): app.confirm.encode()}
    command = ["domains", "add", "-p", "A", "--via", "direct",
               "--webview", f"https://{GOOD}", "--webview", f"https://{BAD}", "--yes",
               "--connect-to", f"{GOOD}:443:127.0.0.1:{port}",
               "--connect-to", f"{BAD}:443:127.0.0.1:{port}"]  # fmt: skip
    result = run_cli(*command, env=env)
    assert result.returncode == 1, result.stderr
    assert f"webviewdomain  https://{GOOD}  applied" in result.stdout
    assert f"https://{BAD}/{app.confirm_name} answered HTTP 404" in result.stdout
    assert "get_webviewdomain_confirmfile unchanged" in result.stdout  # the hint
    assert app.webview["direct_webviewdomain"] == [f"https://{GOOD}"]
    assert app.write_calls["/wxa/setwebviewdomain_directly"] == 1
    unchecked = run_cli(*command, "--no-confirm-check", env=env)
    assert unchecked.returncode == 0, unchecked.stderr
    assert app.webview["direct_webviewdomain"] == [f"https://{GOOD}", f"https://{BAD}"]
