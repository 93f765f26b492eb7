"""The keys of deployments (JOC's security levels) kept in the settings section `deployment`:

- `securityLevel`: `NONE` (Stellwerk's default: items go unsigned, for Controllers that trust no signer),
  `LOW` (the Cockpit signs workflows and job resources with one key, the default account's), `MEDIUM` (with
  the deploying account's own key) or `HIGH` (the Cockpit holds no private key: items are exported for signing
  and deployed with the signatures the account made outside, checked with the account's certificate).
- `signingKey`: `{"key", "certificate"}` in PEM, the key of level LOW: imported (`import_signing_key`) or, at
  the first signed deployment, created (an EC P-256 key with a self-signed certificate for the Controllers to
  trust); `signingKey:ACCOUNT` the key of an account (level MEDIUM), `certificate:ACCOUNT` the certificate of
  an account (level HIGH: no key).
- `verificationCertificate`: the PEM certificate that checks the `.sig` files of an archive for import and
  deployment (JOC's public key of the signer).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import msgspec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.model.problems import Problem
from stellwerk.trust.signatures import ALGORITHMS, SignedItem, SigningKey, X509Signature, verify

SECTION = "deployment"
SIGNED = (ConfigurationType.WORKFLOW, ConfigurationType.JOBRESOURCE)  # the kinds the Controller wants signed
LEVELS = ("NONE", "LOW", "MEDIUM", "HIGH")


class Signer(msgspec.Struct, frozen=True):
    key: SigningKey
    certificate: x509.Certificate


async def security_level(db: AsyncSession) -> str:
    level: str = await SettingsRepository(db).get(SECTION, "securityLevel", "NONE")
    return level


async def set_security_level(db: AsyncSession, level: str, now: int) -> None:
    if level not in LEVELS:
        raise ValueError(f"securityLevel: {level!r} is not one of {', '.join(LEVELS)}")
    await SettingsRepository(db).put(SECTION, "securityLevel", level, now)


def new_signer(now: datetime) -> Signer:
    """A fresh EC key with a self-signed certificate valid for ten years."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stellwerk Cockpit deployments")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Signer(key, certificate)


def pem_of(signer: Signer) -> dict[str, str]:
    key = signer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {"key": key.decode(), "certificate": signer.certificate.public_bytes(serialization.Encoding.PEM).decode()}  # fmt: skip


def parsed_signer(key_pem: str, certificate_pem: str) -> Signer:
    """A key pair from PEM; ValueError when either cannot be read or they do not belong together."""
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError("signing keys are EC or RSA keys")
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(
        serialization.Encoding.PEM, public
    ) != certificate.public_key().public_bytes(serialization.Encoding.PEM, public):
        raise ValueError("the certificate is not the key's")
    return Signer(key, certificate)


async def import_signing_key(db: AsyncSession, key_pem: str, certificate_pem: str, now: int) -> None:
    """Replaces the Cockpit's signing key (checked first)."""
    signer = parsed_signer(key_pem, certificate_pem)
    await SettingsRepository(db).put(SECTION, "signingKey", pem_of(signer), now)


class SigningRefused(ValueError):
    """The security level leaves the Cockpit no key to sign with (the message says what to do)."""


def key_name(level: str, account: str) -> str:
    """The setting holding the signing key of `account` at this level (one shared key at LOW)."""
    return "signingKey" if level == "LOW" else f"signingKey:{account}"


async def signer(db: AsyncSession, now: int, account: str = "") -> Signer | None:
    """The key that signs `account`'s deployments, None when they go unsigned. At LOW the shared key, created
    at the first need; at MEDIUM the account's own key; at HIGH the Cockpit holds none (SigningRefused)."""
    level = await security_level(db)
    if level == "NONE":
        return None
    if level == "HIGH":
        raise SigningRefused(
            "security level HIGH: the Cockpit holds no private key; export the objects for signing "
            "(/inventory/export with forSigning) and deploy them with their signatures "
            "(/inventory/deployment/import_deploy)"
        )
    settings = SettingsRepository(db)
    stored = await settings.get(SECTION, key_name(level, account))
    if stored is not None:
        return parsed_signer(stored["key"], stored["certificate"])
    if level == "MEDIUM":
        raise SigningRefused(
            f"security level MEDIUM: the account {account} has no signing key (/profile/key/store or /generate)"
        )
    created = new_signer(datetime.fromtimestamp(now / 1000, UTC))
    await settings.put(SECTION, "signingKey", pem_of(created), now)
    return created


async def store_account_key(db: AsyncSession, account: str, key_pem: str | None, certificate_pem: str, now: int) -> None:  # fmt: skip
    """Stores an account's key pair (LOW: the shared one, MEDIUM: its own) or, at HIGH, only its
    certificate; ValueError when the level does not take it or the PEM is not right."""
    level = await security_level(db)
    settings = SettingsRepository(db)
    if level == "HIGH":
        if key_pem:
            raise ValueError("privateKey: at security level HIGH the Cockpit keeps no private key")
        x509.load_pem_x509_certificate(certificate_pem.encode())
        await settings.put(SECTION, f"certificate:{account}", certificate_pem, now)
        return
    if level == "NONE":
        raise ValueError("securityLevel NONE: deployments are not signed, there is no key to store")
    if not key_pem:
        raise ValueError(f"privateKey: required at security level {level}")
    signer = parsed_signer(key_pem, certificate_pem)
    await settings.put(SECTION, key_name(level, account), pem_of(signer), now)


async def account_keys(db: AsyncSession, account: str) -> dict[str, str] | None:
    """The PEM key pair (`key`, `certificate`) an account signs with at this level; at HIGH the certificate
    only; None when there is none."""
    level = await security_level(db)
    settings = SettingsRepository(db)
    if level == "HIGH":
        certificate = await settings.get(SECTION, f"certificate:{account}")
        return None if certificate is None else {"certificate": certificate}
    if level == "NONE":
        return None
    found: dict[str, str] | None = await settings.get(SECTION, key_name(level, account))
    return found


async def delete_account_keys(db: AsyncSession, account: str) -> None:
    level = await security_level(db)
    name = f"certificate:{account}" if level == "HIGH" else key_name(level, account)
    await SettingsRepository(db).delete(SECTION, name)


async def set_verification_certificate(db: AsyncSession, certificate_pem: str, now: int) -> None:
    x509.load_pem_x509_certificate(certificate_pem.encode())
    await SettingsRepository(db).put(SECTION, "verificationCertificate", certificate_pem, now)


async def verification_certificate(db: AsyncSession) -> str | None:
    found: str | None = await SettingsRepository(db).get(SECTION, "verificationCertificate")
    return found


def verify_detached(
    data: bytes, signature: bytes, algorithm: str, certificate_pem: str, now: int
) -> str | None:
    """Why a detached base64 signature (a `.sig` file) does not sign `data` by the certificate's key, or None."""
    if algorithm not in ALGORITHMS:
        return f"signatureAlgorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}"
    try:
        text = data.decode()
        encoded = base64.b64encode(base64.b64decode(signature.strip(), validate=True)).decode()
    except ValueError:
        return "the signature is not base64 or the file is not UTF-8"
    signed = SignedItem(
        string=text,
        signature=X509Signature(
            algorithm=algorithm, signature_string=encoded, signer_certificate=certificate_pem
        ),
    )
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    checked = verify(signed, [certificate], datetime.fromtimestamp(now / 1000, UTC))
    return checked.message if isinstance(checked, Problem) else None


def x509_signature(algorithm: str, signature: bytes, certificate_pem: str) -> str:
    """A detached base64 signature (a `.sig` file) as the Controller's X509Signature JSON."""
    encoded = base64.b64encode(base64.b64decode(signature.strip(), validate=True)).decode()
    made = X509Signature(algorithm=algorithm, signature_string=encoded, signer_certificate=certificate_pem)
    return msgspec.json.encode(made).decode()
