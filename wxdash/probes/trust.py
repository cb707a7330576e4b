"""The TLS settings of the three handshakes a probe may make, on the API calls' trust store.

The verified handshake trusts what the WeChat API calls trust (`SSL_CERT_FILE`, else
`SSL_CERT_DIR`, else certifi: `transport.default_tls`), so a probe and a fetch never disagree
about a certificate. The other two verify nothing: one reads a certificate that failed, the
other asks whether the server still speaks TLS 1.2.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from wxdash.i18n import _
from wxdash.wechat.transport import ConnectFailed, default_tls, load_tls


class TrustError(Exception):
    """The trusted certificates could not be loaded; `hint` says where to look."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = _("Point SSL_CERT_FILE at a PEM file of CA certificates, or unset it.")


def _unverified(*, tls12: bool = False) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if tls12:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


class Trust:
    """The contexts, made once (loading certifi's file takes a while) when first needed.
    `make` builds the verifying one: the demo passes its own, trusting its made-up CA."""

    def __init__(self, make: Callable[[], ssl.SSLContext] = default_tls) -> None:
        self._make = make
        self._contexts: tuple[ssl.SSLContext, ssl.SSLContext, ssl.SSLContext] | None = None

    def load(self) -> None:
        """Make the contexts now; TrustError if the trusted certificates cannot be read."""
        if self._contexts is not None:
            return
        try:
            verified = load_tls(self._make)
        except ConnectFailed as error:
            raise TrustError(error.reason) from None
        self._contexts = (verified, _unverified(), _unverified(tls12=True))

    def _get(self, index: int) -> ssl.SSLContext:
        self.load()
        assert self._contexts is not None
        return self._contexts[index]

    @property
    def verified(self) -> ssl.SSLContext:
        """Checks the chain against the trust store, and the host name."""
        return self._get(0)

    @property
    def unverified(self) -> ssl.SSLContext:
        """Reads whatever certificate the server presents."""
        return self._get(1)

    @property
    def tls12(self) -> ssl.SSLContext:
        """Offers TLS 1.2 and nothing else."""
        return self._get(2)
