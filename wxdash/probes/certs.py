"""A server's certificate read with `cryptography`: the standard library cannot read one that
failed verification. Imported only when a probe has a certificate to read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CertInfo:
    """What a probe reports of a leaf certificate."""

    not_before: datetime
    not_after: datetime
    issuer: str
    names: tuple[str, ...]  # its DNS names and IP addresses, else its common name


def read_certificate(der: bytes | None) -> CertInfo | None:
    """The certificate in `der`, or None when there is none or it cannot be read."""
    if not der:
        return None
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
        return CertInfo(
            cert.not_valid_before_utc.replace(microsecond=0),
            cert.not_valid_after_utc.replace(microsecond=0),
            cert.issuer.rfc4514_string(),
            _names(cert),
        )
    except ValueError:
        return None


def _names(cert: object) -> tuple[str, ...]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    assert isinstance(cert, x509.Certificate)
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return tuple(str(a.value) for a in common)
    san = extension.value
    names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    names += [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    return tuple(names)
