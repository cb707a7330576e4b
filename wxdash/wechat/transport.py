"""What both HTTP paths share (the lean `wire` and `httpx_path`): origins, timeouts, the
certificates trusted, and the errors either raises for the client to turn into messages."""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from wxdash.i18n import N_, _

Origin = tuple[str, str, int]  # scheme, host, port


@functools.lru_cache(maxsize=256)
def origin_of(url: str) -> Origin:
    """`(scheme, host, port)` of a URL without secrets in it (an api_base): asked per call."""
    parts = urlsplit(url)
    scheme = parts.scheme
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname or "", port


# -- what can go wrong ----------------------------------------------------------------


class WireError(Exception):
    """No usable answer. `reason` says why: wxdash's words (a template marked for the catalog,
    translated when read) or the transport's own (an OS or TLS message, kept as it is)."""

    # Whether the request's bytes were written: a write may then have been carried out.
    sent = False

    def __init__(self, template: str = "", /, **params: Any) -> None:
        super().__init__(template.format(**params) if params else template)
        self.template = template
        self.params = params

    @property
    def reason(self) -> str:
        text = _(self.template) if self.template else ""
        return text.format(**self.params) if self.params else text

    @property
    def plain(self) -> str:
        """What went wrong in a user's words, for an error without a reason of its own."""
        if isinstance(self, ConnectFailed):
            return _("connection refused or host unreachable")
        if isinstance(self, Closed | NotHttp):
            return _("the connection was closed or reset before an answer")
        return type(self).__name__


class ConnectFailed(WireError):
    """Refused, unreachable, not resolved, or a certificate that could not be verified."""


class Closed(WireError):
    """The connection was closed or reset before the answer was complete."""


class NotHttp(WireError):
    """What came back was not HTTP/1.1."""


class BadEncoding(WireError):
    """A compressed body that could not be decompressed."""


class ProxyRefused(WireError):
    """The proxy would not connect us (only through httpx)."""


class TimedOut(WireError):
    """No answer in time; `what` says which wait ran out, in httpx's names."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what  # ConnectTimeout, ReadTimeout, WriteTimeout or PoolTimeout


def default_tls() -> ssl.SSLContext:
    """The certificates httpx would trust: SSL_CERT_FILE, or SSL_CERT_DIR, or certifi's."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    import certifi  # only when an https host is first called

    return ssl.create_default_context(cafile=certifi.where())


def ascii_host(host: str) -> str:
    """A host as DNS and the Host header take it: internationalised names in punycode."""
    return host if host.isascii() else host.encode("idna").decode("ascii")


def authority(origin: Origin) -> str:
    """The Host header: IPv6 literals in brackets, the port unless it is the scheme's own."""
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else ascii_host(host)
    return host if port == (443 if scheme == "https" else 80) else f"{host}:{port}"


def request_target(target: str) -> str:
    """Path and query with what HTTP does not allow there (spaces, non-ASCII) percent-encoded,
    as httpx does; what is already encoded stays as it is."""
    return quote(target, safe="/?&=%:@!$'()*+,;~-._")


def split_url(url: str) -> tuple[Origin, str]:
    """The origin and the request target (path and query) of a URL. The query holds the
    token, so only the part before the path goes through `origin_of`'s memory."""
    start = url.index("://") + 3
    ends = [i for i in (url.find("/", start), url.find("?", start)) if i >= 0]
    cut = min(ends) if ends else len(url)
    target = url[cut:]
    return origin_of(url[:cut]), target if target.startswith("/") else "/" + target


def load_tls(make: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    """`make()`, with certificates that cannot be read reported as a failure to connect."""
    try:
        return make()
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise ConnectFailed(
            N_(
                "cannot load the trusted certificates ({reason}); "
                "check SSL_CERT_FILE and SSL_CERT_DIR"
            ),
            reason=str(exc),
        ) from None


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float
    read: float  # also bounds each write, as httpx's single `timeout` does


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def proxy_for(origin: Origin) -> bool:
    """Whether a proxy applies to this origin, as httpx would find it: HTTP(S)_PROXY or
    ALL_PROXY unless NO_PROXY says otherwise, and on macOS and Windows the system's settings."""
    system = sys.platform in ("darwin", "win32")
    if not system and not any(name.lower().endswith("_proxy") for name in os.environ):
        return False  # nowhere else to look: spare the slow import below
    import urllib.request

    scheme, host, _port = origin
    proxies = urllib.request.getproxies()
    return bool(proxies.get(scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(host)
