"""A made-up certificate authority for the demo's and the benchmark's loopback TLS hosts.

A root, an intermediate, and leaves made on demand with `cryptography` (EC keys: made in a
fraction of a millisecond), so dates stay relative to now: a leaf "expiring in 10 days" is
10 days from whenever the demo starts. Nothing here is trusted outside this process.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Leaf:
    """A server's certificate and key, and the chain it is served with."""

    cert_pem: bytes
    key_pem: bytes
    intermediate_pem: bytes

    def context(
        self, *, chain: bool = True, tls13_only: bool = False, tls12_only: bool = False
    ) -> ssl.SSLContext:
        """A server context presenting this leaf (and its intermediate, unless not `chain`)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if tls13_only:
            context.minimum_version = ssl.TLSVersion.TLSv1_3
        if tls12_only:
            context.maximum_version = ssl.TLSVersion.TLSv1_2
        pem = self.cert_pem + (self.intermediate_pem if chain else b"")
        # The ssl module reads a certificate chain only from files.
        with tempfile.TemporaryDirectory(prefix="wxdash-tls-") as folder:
            cert_file, key_file = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
            for path, data in ((cert_file, pem), (key_file, self.key_pem)):
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                    f.write(data)
            context.load_cert_chain(cert_file, key_file)
        return context


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _name(common: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wxdash demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _pem(item: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    if hasattr(item, "public_bytes"):
        return bytes(item.public_bytes(serialization.Encoding.PEM))
    return bytes(
        item.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


class DemoCA:
    """A root that signs an intermediate that signs the leaves."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        self._root_key = _key()
        root_name = _name("wxdash demo root")
        self._root = self._sign(
            root_name, root_name, self._root_key, self._root_key, now, ca=True, names=()
        )
        self._key = _key()
        self._issuer = _name("wxdash demo intermediate")
        self._intermediate = self._sign(
            self._issuer, root_name, self._key, self._root_key, now, ca=True, names=()
        )
        self.root_pem = _pem(self._root)
        self._intermediate_pem = _pem(self._intermediate)

    def trust(self) -> ssl.SSLContext:
        """A client context that trusts this root alone, and checks host names."""
        return ssl.create_default_context(cadata=self.root_pem.decode("ascii"))

    def leaf(self, names: Sequence[str], *, days: float = 90, age: float = 30) -> Leaf:
        """A leaf for `names` (DNS names, `*.` wildcards or IP addresses), valid from `age`
        days ago until `days` from now (negative: expired)."""
        now = datetime.now(UTC)
        key = _key()
        cert = self._sign(
            _name(names[0]),
            self._issuer,
            key,
            self._key,
            now,
            ca=False,
            names=names,
            start=now - timedelta(days=age),
            end=now + timedelta(days=days),
        )
        return Leaf(_pem(cert), _pem(key), self._intermediate_pem)

    @staticmethod
    def _sign(
        subject: Any,
        issuer: Any,
        key: Any,
        signer: Any,
        now: datetime,
        *,
        ca: bool,
        names: Sequence[str],
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Any:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start or now - timedelta(days=1))
            .not_valid_after(end or now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())


def _general_name(name: str) -> Any:
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)
