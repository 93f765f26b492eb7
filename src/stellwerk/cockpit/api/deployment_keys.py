"""`/joc/api/profile/key...`: the keys deployments are signed with, as the security level wants them (JOC's
Signature Key Management): at LOW the Cockpit's one key (changing it needs the certificates' manage permission),
at MEDIUM each account's own key pair, at HIGH each account's certificate only (the private key never reaches
the Cockpit; signatures are made outside). The caller needs the deploy permission."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from cryptography import x509
from fastapi import APIRouter, Depends
from pydantic import Field

from stellwerk.cockpit.api.inventory_body import json_body
from stellwerk.cockpit.api.inventory_common import DEPLOY, ok
from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.signing import (
    account_keys,
    delete_account_keys,
    new_signer,
    pem_of,
    security_level,
    store_account_key,
)

router = APIRouter(prefix="/joc/api/profile/key", tags=["deployment keys"])

SHARED_KEY = "sos:products:joc:administration:certificates:manage"


class KeyPair(JocModel):
    """jocKeyPair-schema."""

    private_key: str | None = None
    public_key: str | None = None
    key_i_d: str | None = Field(default=None, alias="keyID")
    certificate: str | None = None
    valid_until: str | None = None
    key_type: str | None = None
    key_algorithm: str


class StoreKey(Audited):
    """setKey-schema."""

    keys: KeyPair


class GenerateKey(Audited):
    """generateKey-schema (an EC P-256 key with a self-signed certificate; `dn` is not used)."""

    key_algorithm: str
    valid_until: str | None = None
    dn: str | None = None
    use_ssl_ca: bool = False


async def _allowed(caller: Caller, level: str) -> None:
    caller.require(DEPLOY)
    if level == "LOW":
        caller.require(SHARED_KEY)


def _answer(level: str, stored: dict[str, str]) -> dict[str, Any]:
    certificate = x509.load_pem_x509_certificate(stored["certificate"].encode())
    answer: dict[str, Any] = {
        "deliveryDate": delivery_date(),
        "certificate": stored["certificate"],
        "keyAlgorithm": "ECDSA" if "EC" in type(certificate.public_key()).__name__ else "RSA",
        "validUntil": delivery_date(certificate.not_valid_after_utc),
    }
    if level == "MEDIUM" and "key" in stored:
        answer["privateKey"] = stored["key"]
    return answer


@router.post("")
async def key(cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """The certificate (and, at MEDIUM, the private key) the caller's deployments are signed with."""
    caller.require(DEPLOY)
    async with cockpit.database.session() as db:
        level = await security_level(db)
        stored = await account_keys(db, caller.account)
    if stored is None:
        raise UnknownObject(f"No signing key for {caller.account} at security level {level}")
    return _answer(level, stored)


@router.post("/store")
async def store(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[StoreKey, Depends(json_body(StoreKey))]
) -> dict[str, Any]:
    """Stores the caller's key pair (LOW: the Cockpit's key; HIGH: a certificate, never a private key)."""
    if not body.keys.certificate:
        raise BadRequest("$.keys.certificate: required (PEM)")
    now = cockpit.now()
    async with cockpit.database.session() as db:
        level = await security_level(db)
        await _allowed(caller, level)
        try:
            await store_account_key(db, caller.account, body.keys.private_key, body.keys.certificate, now)
        except ValueError as error:
            raise BadRequest(f"$.keys.{error}" if ":" in str(error) else f"$.keys: {error}") from None
        await audit(db, caller, "./profile/key/store", AuditCategory.DEPLOYMENT, body.model_copy(update={"keys": body.keys.model_copy(update={"private_key": None})}), now)  # fmt: skip
    return ok()


@router.post("/generate")
async def generate(
    cockpit: CockpitDep, caller: CallerDep, body: Annotated[GenerateKey, Depends(json_body(GenerateKey))]
) -> dict[str, Any]:
    """Generates and stores a key pair for the caller (LOW and MEDIUM only)."""
    now = cockpit.now()
    async with cockpit.database.session() as db:
        level = await security_level(db)
        await _allowed(caller, level)
        if level not in ("LOW", "MEDIUM"):
            raise BadRequest(f"securityLevel {level}: the Cockpit generates keys at LOW and MEDIUM only")
        made = pem_of(new_signer(datetime.fromtimestamp(now / 1000, UTC)))
        await store_account_key(db, caller.account, made["key"], made["certificate"], now)
        await audit(db, caller, "./profile/key/generate", AuditCategory.DEPLOYMENT, body, now)
    return _answer(level, made)


@router.post("/delete")
async def delete(cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """Deletes the caller's key (or certificate)."""
    now = cockpit.now()
    async with cockpit.database.session() as db:
        level = await security_level(db)
        await _allowed(caller, level)
        await delete_account_keys(db, caller.account)
        await audit(db, caller, "./profile/key/delete", AuditCategory.DEPLOYMENT, None, now)
    return {"deliveryDate": delivery_date()}
