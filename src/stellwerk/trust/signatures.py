"""Signed items (js7-reference §1.1): the item's JSON text with an X.509 signature over its UTF-8 bytes.

A signed item reads `{"string": "<item json>", "signature": {"TYPE": "X509", "algorithm": "SHA256withECDSA",
"signatureString": "<base64>", "signerCertificate": "<PEM>"}}`. It is trusted when the signer's certificate is
one of the trusted certificates or is issued by one of them, is valid now, and the signature matches the text:
a changed character anywhere makes it a tampered item.
"""

from __future__ import annotations

import base64
from datetime import datetime

import msgspec
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from stellwerk.model.problems import Problem

ALGORITHMS = {"SHA256withECDSA": hashes.SHA256(), "SHA512withECDSA": hashes.SHA512(), "SHA256withRSA": hashes.SHA256(), "SHA512withRSA": hashes.SHA512()}  # fmt: skip


class X509Signature(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="X509"):
    algorithm: str
    signature_string: str = msgspec.field(name="signatureString")
    signer_certificate: str = msgspec.field(name="signerCertificate")


class SignedItem(msgspec.Struct, frozen=True, kw_only=True):
    string: str
    signature: X509Signature


SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def sign(item_json: str, key: SigningKey, certificate: x509.Certificate) -> SignedItem:
    """Sign the exact text of an item (what the Cockpit does at deployment)."""
    data = item_json.encode()
    if isinstance(key, ec.EllipticCurvePrivateKey):
        algorithm, signature = "SHA256withECDSA", key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        algorithm, signature = "SHA256withRSA", key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return SignedItem(
        string=item_json,
        signature=X509Signature(
            algorithm=algorithm,
            signature_string=base64.b64encode(signature).decode(),
            signer_certificate=certificate.public_bytes(Encoding.PEM).decode(),
        ),
    )


def verify(signed: SignedItem, trusted: list[x509.Certificate], now: datetime) -> str | Problem:
    """The item's JSON text when the signature is trusted; otherwise a Problem saying why."""
    try:
        signer = x509.load_pem_x509_certificate(signed.signature.signer_certificate.encode())
    except ValueError:
        return Problem("The signer's certificate cannot be read")
    if not signer.not_valid_before_utc <= now <= signer.not_valid_after_utc:
        return Problem(f"The signer's certificate is not valid now: {signer.subject.rfc4514_string()}")
    if not any(_vouches_for(anchor, signer) for anchor in trusted):
        return Problem(f"The signer is not trusted: {signer.subject.rfc4514_string()}")
    if not _signature_matches(signed, signer):
        return Problem("TamperedWithSignedItem: the signature does not match the item")
    return signed.string


def _vouches_for(anchor: x509.Certificate, signer: x509.Certificate) -> bool:
    if anchor == signer:
        return True
    try:
        signer.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _signature_matches(signed: SignedItem, signer: x509.Certificate) -> bool:
    digest = ALGORITHMS.get(signed.signature.algorithm)
    if digest is None:
        return False
    try:
        signature = base64.b64decode(signed.signature.signature_string, validate=True)
        key = signer.public_key()
        data = signed.string.encode()
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(digest))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), digest)
        else:
            return False
    except (ValueError, InvalidSignature):
        return False
    return True
