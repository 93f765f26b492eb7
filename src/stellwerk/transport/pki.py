"""Issuing the certificates of a Stellwerk installation: a private CA and one certificate per node.

Keys are ECDSA P-256 with SHA-256 signatures: every TLS 1.2 and 1.3 stack accepts them (OpenSSL,
browsers, Java, curl), signing is fast, and the keys are small. Ed25519 certificates would be neater,
but browsers refuse them and many TLS 1.2 stacks cannot use them, while the Cockpit serves browsers.
The certificates pass OpenSSL's strict RFC 5280 checks (`ssl.VERIFY_X509_STRICT`), which `tls.py` turns on.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# A little slack for clocks that run behind the issuing machine's.
_BACKDATE = timedelta(hours=1)


class KeyAndCertificate(NamedTuple):
    """A private key and the certificate for its public key."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def subject_name(common_name: str, organization: str) -> x509.Name:
    """`CN=<common_name>,O=<organization>`: the subject DN that allow-lists name."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_ca(organization: str, *, now: datetime, days: int = 3650) -> KeyAndCertificate:
    """A self-signed CA that may sign node certificates only (path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = subject_name(f"{organization} CA", organization)
    usage = _key_usage(digital_signature=False, key_cert_sign=True, crl_sign=True)
    certificate = (
        _builder(name, name, key.public_key(), now, days)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )
    return KeyAndCertificate(key, certificate)


def new_node_certificate(
    ca: KeyAndCertificate,
    common_name: str,
    *,
    organization: str,
    dns_names: tuple[str, ...],
    ip_addresses: tuple[IpAddress, ...],
    now: datetime,
    days: int,
) -> KeyAndCertificate:
    """One certificate for both sides of mutual TLS: serving (serverAuth) and calling (clientAuth)."""
    key = ec.generate_private_key(ec.SECP256R1())
    alternative_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    alternative_names += [x509.IPAddress(address) for address in ip_addresses]
    ca_key_id = x509.SubjectKeyIdentifier.from_public_key(ca.key.public_key())
    usage = _key_usage(digital_signature=True, key_cert_sign=False, crl_sign=False)
    purposes = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    certificate = (
        _builder(subject_name(common_name, organization), ca.certificate.subject, key.public_key(), now, days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(purposes, critical=False)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    return KeyAndCertificate(key, certificate)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: datetime, days: int
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _key_usage(*, digital_signature: bool, key_cert_sign: bool, crl_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )
