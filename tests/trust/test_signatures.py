from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa

from stellwerk.model.problems import Problem
from stellwerk.transport.pki import KeyAndCertificate, new_ca, new_node_certificate
from stellwerk.trust.signatures import SignedItem, sign, verify

NOW = datetime(2026, 11, 22, tzinfo=UTC)
ITEM = '{"TYPE":"Workflow","path":"W","versionId":"1","instructions":[]}'


def _signer(ca: KeyAndCertificate, name: str = "deployer") -> KeyAndCertificate:
    return new_node_certificate(
        ca, name, organization="Test", dns_names=(), ip_addresses=(), now=NOW, days=30
    )


def test_a_signature_by_a_certificate_the_ca_issued_is_trusted() -> None:
    ca = new_ca("Test", now=NOW)
    signer = _signer(ca)
    signed = sign(ITEM, signer.key, signer.certificate)
    assert verify(signed, [ca.certificate], NOW) == ITEM
    assert verify(signed, [signer.certificate], NOW) == ITEM  # the signer itself is trusted


def test_a_signed_item_survives_json_transport() -> None:
    ca = new_ca("Test", now=NOW)
    signer = _signer(ca)
    wire = msgspec.json.encode(sign(ITEM, signer.key, signer.certificate))
    assert verify(msgspec.json.decode(wire, type=SignedItem), [ca.certificate], NOW) == ITEM


def test_a_tampered_item_is_refused() -> None:
    ca = new_ca("Test", now=NOW)
    signer = _signer(ca)
    signed = sign(ITEM, signer.key, signer.certificate)
    tampered = msgspec.structs.replace(signed, string=ITEM.replace('"W"', '"X"'))
    result = verify(tampered, [ca.certificate], NOW)
    assert isinstance(result, Problem) and result.message.startswith("TamperedWithSignedItem")


def test_a_signer_from_another_ca_is_not_trusted() -> None:
    ours, theirs = new_ca("Test", now=NOW), new_ca("Other", now=NOW)
    signer = _signer(theirs, "intruder")
    result = verify(sign(ITEM, signer.key, signer.certificate), [ours.certificate], NOW)
    assert isinstance(result, Problem) and "not trusted" in result.message


def test_an_expired_signer_is_refused() -> None:
    ca = new_ca("Test", now=NOW)
    signer = _signer(ca)
    result = verify(sign(ITEM, signer.key, signer.certificate), [ca.certificate], NOW + timedelta(days=31))
    assert isinstance(result, Problem) and "not valid now" in result.message


def test_rsa_signatures_verify_too() -> None:
    ca = new_ca("Test", now=NOW)
    signer = _signer(ca)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(signer.certificate.subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(ca.key, hashes.SHA256())
    )
    assert verify(sign(ITEM, key, certificate), [ca.certificate], NOW) == ITEM


def test_garbage_signatures_are_problems_not_exceptions() -> None:
    ca = new_ca("Test", now=NOW)
    signer = _signer(ca)
    signed = sign(ITEM, signer.key, signer.certificate)
    for broken in (
        msgspec.structs.replace(signed.signature, signature_string="%%%"),
        msgspec.structs.replace(signed.signature, algorithm="MD5withRSA"),
        msgspec.structs.replace(signed.signature, signer_certificate="not a certificate"),
    ):
        assert isinstance(
            verify(msgspec.structs.replace(signed, signature=broken), [ca.certificate], NOW), Problem
        )
