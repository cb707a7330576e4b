"""A server's leaf certificate as a probe reports it: its dates, issuer and names.

A certificate that passed verification is read from what the ssl module already decoded
(no extra import: a healthy fleet costs nothing more). One that failed verification is read
with `cryptography`, since the standard library does not decode it; that import happens only
then. Both give the issuer as RFC 4514 writes it (`CN=R11,O=Let's Encrypt,C=US`).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class CertInfo:
    """What a probe reports of a leaf certificate."""

    not_before: datetime
    not_after: datetime
    issuer: str
    names: tuple[str, ...]  # its DNS names and IP addresses, else its common name


# The ssl module's attribute names as RFC 4514 (and cryptography) abbreviate them.
_SHORT = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "stateOrProvinceName": "ST",
    "localityName": "L",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}


def _escaped(value: str) -> str:
    """An attribute value escaped as RFC 4514 section 2.4 asks."""
    out = "".join("\\" + c if c in ',+"\\<>;' else c for c in value)
    if out.startswith(("#", " ")):
        out = "\\" + out
    if out.endswith(" "):
        out = out[:-1] + "\\ "
    return out


def _moment(text: str) -> datetime:
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), UTC)


def from_verified(decoded: dict[str, Any] | None) -> CertInfo | None:
    """The certificate of a verified handshake, from `SSLObject.getpeercert()`."""
    if not decoded:
        return None
    try:
        issuer = ",".join(
            "+".join(f"{_SHORT.get(k, k)}={_escaped(v)}" for k, v in rdn)
            for rdn in reversed(decoded.get("issuer", ()))
        )
        names = [
            v for kind, v in decoded.get("subjectAltName", ()) if kind in ("DNS", "IP Address")
        ]
        if not names:
            names = [v for rdn in decoded.get("subject", ()) for k, v in rdn if k == "commonName"]
        return CertInfo(
            _moment(decoded["notBefore"]), _moment(decoded["notAfter"]), issuer, tuple(names)
        )
    except (KeyError, ValueError, TypeError):
        return None


def read_certificate(der: bytes | None) -> CertInfo | None:
    """The certificate in `der` (one that failed verification), or None when there is none
    or it cannot be read."""
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


def _names(cert: Any) -> tuple[str, ...]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return tuple(str(a.value) for a in common)
    san = extension.value
    names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
    names += [str(a) for a in san.get_values_for_type(x509.IPAddress)]
    return tuple(names)
