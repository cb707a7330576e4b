"""The probe of one host, step by step, and of many under one concurrency bound.

For a TLS host, in order, stopping at the first failure: DNS (A and AAAA), a TCP connect, a
handshake with SNI verified against the API calls' trust store (chain, host name, dates), the
expiry against `warn_days`, and a second handshake offering TLS 1.2 only. A certificate that
fails verification is read in a handshake that verifies nothing: at most two handshakes per
host, never more than three. Each wait is bounded by `timeout`. A probe sends nothing but
handshakes: no HTTP request, no token, nothing of the profile. It never raises: every outcome
is a `HostResult`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from wxdash.probes.certs import CertInfo, from_verified, read_certificate
from wxdash.probes.hostmap import HostMap, is_host_name
from wxdash.probes.results import HostResult, Problem, days_left, utc_now
from wxdash.probes.targets import Target
from wxdash.probes.trust import Trust
from wxdash.wechat.redact import redact

log = logging.getLogger("wxdash.probes")

DEFAULT_TIMEOUT = 5.0
DEFAULT_WARN_DAYS = 30
DEFAULT_CONCURRENCY = 32

# OpenSSL's verify codes (X509_V_ERR_*) as a probe's kinds and reasons.
_EXPIRED, _NOT_YET = 10, 9
_HOSTNAME = frozenset({62, 64})  # host name, IP address mismatch
_SELF_SIGNED = 18
_UNTRUSTED = frozenset({2, 19, 20, 21})  # no issuer here, or the chain stops short

Progress = Callable[[HostResult, int, int], None]


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    """How long each step may wait, when an expiry becomes a warning, how many hosts at once."""

    timeout: float = DEFAULT_TIMEOUT
    warn_days: int = DEFAULT_WARN_DAYS
    concurrency: int = DEFAULT_CONCURRENCY


class _Failed(Exception):
    """A step failed: the probe stops with this problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.reason)
        self.problem = problem


def _os_reason(exc: OSError) -> str:
    """The system's words for an error (asyncio's own text names the address again)."""
    if exc.errno:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc) or type(exc).__name__


def _some(names: tuple[str, ...], shown: int = 3) -> str:
    """A certificate's names, the first few: a CDN's may list a hundred."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f", … (+{more})" if more > 0 else "")


def _seconds(timeout: float) -> str:
    return f"{timeout:g}"


async def _getaddrinfo(host: str, port: int | None) -> list[Any]:
    """`socket.getaddrinfo` in a thread of its own that nothing waits for: a resolver that
    hangs past the timeout must not keep the command from ending (asyncio's own executor is
    joined when the loop closes, and so would be the lookup)."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[list[Any]] = loop.create_future()

    def settle(result: list[Any] | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(result or [])

    def lookup() -> None:
        try:
            found, error = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), None
        except Exception as exc:
            found, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting
            loop.call_soon_threadsafe(settle, found, error)

    threading.Thread(target=lookup, name="wxdash-dns", daemon=True).start()
    return await answer


@dataclass
class _Probe:
    """One host's probe as it goes: what each step found."""

    target: Target
    hosts: HostMap
    trust: Trust
    settings: ProbeSettings
    started: datetime = field(default_factory=utc_now)
    addresses: tuple[str, ...] = ()
    port: int | None = None
    problems: list[Problem] = field(default_factory=list)
    version: str | None = None
    cert: CertInfo | None = None

    async def run(self) -> HostResult:
        try:
            await self._resolve()
            if self.target.check == "tcp":
                (await self._connect()).close()
            elif self.target.check == "tls":
                await self._tls()
        except _Failed as failed:
            self.problems.append(failed.problem)
        return self._result()

    def _result(self) -> HostResult:
        cert = self.cert
        return HostResult(
            host=self.target.host,
            port=self.target.port,
            checked_at=self.started,
            problems=tuple(self.problems),
            tls_version=self.version,
            not_after=cert.not_after if cert else None,
            days_left=days_left(cert.not_after, self.started) if cert else None,
            issuer=cert.issuer if cert else None,
            addresses=self.addresses,
        )

    # -- DNS and TCP ------------------------------------------------------------------

    async def _resolve(self) -> None:
        host = self.target.host
        to_host, self.port, known = self.hosts.route(host, self.target.port)
        if known is not None:
            self.addresses = known
            return
        if not is_host_name(to_host):
            raise _Failed(Problem("dns", "dns_invalid", {"host": to_host}))
        if self.hosts.closed:
            raise _Failed(Problem("dns", "dns_unmapped", {"host": to_host}))
        seconds = self.settings.timeout
        try:
            async with asyncio.timeout(seconds):
                infos = await _getaddrinfo(to_host, self.port)
        except TimeoutError:
            raise _Failed(
                Problem("timeout", "timeout_dns", {"host": to_host, "seconds": _seconds(seconds)})
            ) from None
        except (OSError, UnicodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise _Failed(Problem("dns", "dns", {"host": to_host, "reason": reason})) from None
        self.addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.addresses:
            raise _Failed(Problem("dns", "dns_empty", {"host": to_host}))

    async def _connect(self) -> socket.socket:
        """A connected socket to the first address that answers, within one timeout."""
        loop = asyncio.get_running_loop()
        port = self.port or 443
        failure: tuple[str, OSError] | None = None
        seconds = self.settings.timeout
        try:
            async with asyncio.timeout(seconds):
                for address in self.addresses:
                    family = socket.AF_INET6 if ":" in address else socket.AF_INET
                    sock = socket.socket(family, socket.SOCK_STREAM)
                    sock.setblocking(False)
                    try:
                        await loop.sock_connect(sock, (address, port))
                        return sock
                    except OSError as exc:
                        sock.close()
                        failure = (address, exc)
                    except BaseException:
                        sock.close()
                        raise
        except TimeoutError:
            params = {"port": port, "seconds": _seconds(seconds)}
            raise _Failed(Problem("timeout", "timeout_connect", params)) from None
        address, exc = failure or ("?", OSError("no address"))
        params = {"address": address, "port": port, "reason": _os_reason(exc)}
        raise _Failed(Problem("connect", "connect", params))

    # -- TLS --------------------------------------------------------------------------

    async def _handshake(
        self, context: ssl.SSLContext, *, verified: bool = False
    ) -> tuple[str | None, CertInfo | None]:
        """A fresh connection's handshake: the version agreed and the leaf certificate."""
        sock = await self._connect()
        loop = asyncio.get_running_loop()
        seconds = self.settings.timeout
        try:
            async with asyncio.timeout(seconds):
                transport, _protocol = await loop.create_connection(
                    asyncio.Protocol,
                    sock=sock,
                    ssl=context,
                    server_hostname=self.target.host,
                    ssl_handshake_timeout=seconds + 1,  # ours, just above, ends it first
                )
        except BaseException:
            sock.close()
            raise
        try:
            tls = transport.get_extra_info("ssl_object")
            if verified:
                return tls.version(), from_verified(tls.getpeercert())
            return tls.version(), read_certificate(tls.getpeercert(binary_form=True))
        finally:
            transport.abort()  # nothing more to say: no close_notify to wait for

    async def _tls(self) -> None:
        try:
            self.version, self.cert = await self._handshake(self.trust.verified, verified=True)
        except ssl.SSLCertVerificationError as exc:
            await self._read_failed_certificate()
            raise _Failed(self._certificate_problem(exc)) from None
        except (TimeoutError, ssl.SSLError, OSError) as exc:
            raise _Failed(self._tls_problem(exc)) from None
        if self.cert is not None:
            left = days_left(self.cert.not_after, self.started)
            if left < self.settings.warn_days:
                params = {"days": max(left, 0), "date": self.cert.not_after.date().isoformat()}
                reason = "cert_expiring" if left > 0 else "cert_expiring_today"
                self.problems.append(Problem("cert_expiring", reason, params))
        if self.version != "TLSv1.2":
            await self._tls12()

    async def _tls12(self) -> None:
        try:
            await self._handshake(self.trust.tls12)
        except TimeoutError as exc:
            raise _Failed(self._tls_problem(exc)) from None
        except (ssl.SSLEOFError, ConnectionError):
            raise _Failed(Problem("tls12", "tls12_closed")) from None
        except OSError as exc:  # ssl.SSLError among them
            reason = getattr(exc, "reason", None) or _os_reason(exc)
            raise _Failed(Problem("tls12", "tls12", {"reason": reason})) from None

    async def _read_failed_certificate(self) -> None:
        """The certificate that failed, from a handshake that verifies nothing."""
        with contextlib.suppress(_Failed, TimeoutError, OSError):
            self.version, self.cert = await self._handshake(self.trust.unverified)

    def _tls_problem(self, exc: BaseException) -> Problem:
        if isinstance(exc, TimeoutError):
            return Problem("timeout", "timeout_tls", {"seconds": _seconds(self.settings.timeout)})
        if isinstance(exc, ssl.SSLEOFError | ConnectionError):
            return Problem("tls", "tls_closed")
        reason = getattr(exc, "reason", None)
        if not reason:
            reason = _os_reason(exc) if isinstance(exc, OSError) else type(exc).__name__
        return Problem("tls", "tls", {"reason": reason})

    def _certificate_problem(self, exc: ssl.SSLCertVerificationError) -> Problem:
        cert, code = self.cert, exc.verify_code
        issuer = cert.issuer if cert else "?"
        date = cert.not_after.date().isoformat() if cert else "?"
        if code == _EXPIRED:
            left = days_left(cert.not_after, self.started) if cert else 0
            reason = "cert_expired" if left < 0 else "cert_expired_today"
            return Problem("cert_expired", reason, {"days": -left, "date": date})
        if code == _NOT_YET:
            start = cert.not_before.date().isoformat() if cert else "?"
            return Problem("cert_expired", "cert_not_yet", {"date": start})
        if code in _HOSTNAME:
            names = _some(cert.names) if cert and cert.names else "?"
            params = {"names": names, "host": self.target.host}
            return Problem("cert_hostname", "cert_hostname", params)
        if code == _SELF_SIGNED:
            return Problem("cert_untrusted", "cert_self_signed", {"issuer": issuer})
        if code in _UNTRUSTED:
            return Problem("cert_untrusted", "cert_untrusted", {"issuer": issuer})
        reason = exc.verify_message or exc.reason or str(exc)
        return Problem("cert_untrusted", "cert_other", {"reason": reason})


async def probe_host(
    target: Target,
    *,
    hosts: HostMap | None = None,
    trust: Trust | None = None,
    settings: ProbeSettings = ProbeSettings(),
) -> HostResult:
    """Probe one host; every outcome, a bug included, is a HostResult."""
    begun = time.perf_counter()
    probe = _Probe(target, hosts or HostMap(), trust or Trust(), settings)
    try:
        result = await probe.run()
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as exc:
        log.exception("unexpected error probing %s", target.host)
        params = {"type": type(exc).__name__, "detail": redact(str(exc))}
        result = replace(probe._result(), problems=(Problem("internal", "internal", params),))
    log.debug(
        "probed %s:%s: %s %s in %.0f ms",
        target.host,
        target.port,
        result.status,
        ",".join(p.kind for p in result.problems) or "-",
        (time.perf_counter() - begun) * 1000,
    )
    return result


async def probe_all(
    targets: Iterable[Target],
    *,
    hosts: HostMap | None = None,
    trust: Trust | None = None,
    settings: ProbeSettings = ProbeSettings(),
    progress: Progress | None = None,
    cancel: asyncio.Event | None = None,
) -> list[HostResult]:
    """Probe each target once, at most `settings.concurrency` at a time; results in the
    targets' order. `progress(result, done, total)` hears of each as it lands. Once `cancel`
    is set, probes still running are stopped and those finished are returned. TrustError,
    before any probe, if the trusted certificates cannot be loaded."""
    wanted = list(targets)
    hosts, trust = hosts or HostMap(), trust or Trust()
    trust.load()
    limit = asyncio.Semaphore(max(1, settings.concurrency))
    found: dict[int, HostResult] = {}

    async def one(index: int, target: Target) -> None:
        async with limit:
            result = await probe_host(target, hosts=hosts, trust=trust, settings=settings)
        found[index] = result
        if progress is not None:
            progress(result, len(found), len(wanted))

    tasks = [asyncio.ensure_future(one(i, t)) for i, t in enumerate(wanted)]
    try:
        await _until_done_or_cancelled(tasks, cancel)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [found[i] for i in sorted(found)]


async def _until_done_or_cancelled(
    tasks: list[asyncio.Future[None]], cancel: asyncio.Event | None
) -> None:
    if not tasks:
        return
    if cancel is None:
        await asyncio.gather(*tasks)
        return
    cancelled = asyncio.ensure_future(cancel.wait())
    try:
        everything = asyncio.gather(*tasks)
        await asyncio.wait({everything, cancelled}, return_when=asyncio.FIRST_COMPLETED)
        if everything.done():
            everything.result()  # a failing `progress` is the caller's to hear of
        else:
            everything.cancel()
            # Cancelled, it ends in a CancelledError nobody awaits: read it, or asyncio logs
            # "exception was never retrieved" for each cancelled probe run.
            everything.add_done_callback(_read_outcome)
    finally:
        cancelled.cancel()


def _read_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
