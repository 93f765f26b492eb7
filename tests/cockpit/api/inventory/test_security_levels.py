"""JOC's security levels against a Controller that accepts workflows only signed by a trusted certificate:
MEDIUM signs with the deploying account's own key (none stored: refused, nothing sent); HIGH keeps no private
key: deploy is refused, the objects are exported for signing, signed outside and deployed with their
signatures by import_deploy (a wrong signature is refused and nothing is deployed); redeploy sends the signed
items again. Key management needs the deploy permission."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.services.signing import Signer, new_signer, pem_of, security_level, set_security_level
from stellwerk.trust.signatures import sign
from tests.cockpit.api.conftest import (
    ControllerNodes,
    RunningCockpit,
    _empty,
    serve_cockpit,
    serve_with_controller,
)
from tests.cockpit.api.inventory.conftest import login_as
from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.inventory.test_archive import export, upload
from tests.cockpit.api.inventory.test_deployment import draft, item_keys
from tests.cockpit.api.inventory.test_redeploy import _lose
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid
from tests.cockpit.backends import run

SIGNER = new_signer(datetime.now(UTC))


@pytest.fixture
def signing_cockpit(database_url: str, tmp_path: Path) -> Iterator[tuple[RunningCockpit, ControllerNodes]]:
    trusted = tmp_path / "signer.pem"
    trusted.write_text(pem_of(SIGNER)["certificate"])
    yield from serve_with_controller(database_url, tmp_path, f'\n[signing]\ntrusted-certificates = ["{trusted.as_posix()}"]\n')  # fmt: skip


def _level(running: RunningCockpit, level: str) -> None:
    async def put(cockpit: Cockpit) -> None:
        async with cockpit.database.session() as db:
            await set_security_level(db, level, cockpit.now())

    running.call(put)


def _signed_zip(exported: bytes, signer: Signer) -> bytes:
    """The exported archive with a `.sig` (base64) next to each file, signed outside the Cockpit."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            text = source.read(name)
            target.writestr(name, text)
            signature = sign(text.decode(), signer.key, signer.certificate).signature.signature_string
            target.writestr(name + ".sig", signature)
    return buffer.getvalue()


def _workflows(running: RunningCockpit, controller: ControllerNodes) -> list[str]:
    return [key for key in item_keys(running, controller) if key.startswith("Workflow:")]


def test_medium_and_high_sign_as_joc_does(signing_cockpit: tuple[RunningCockpit, ControllerNodes]) -> None:
    running, controller = signing_cockpit
    joc = Joc(running.url)
    joc.login("root", "admin-secret")
    joc.ok("/joc/api/inventory/store", {"path": "/team/hello", "objectType": "WORKFLOW", "configuration": workflow()})  # fmt: skip
    body = {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team/hello", "WORKFLOW")]}}
    keys = pem_of(SIGNER)

    unsigned = joc.post("/joc/api/inventory/deployment/deploy", body)
    assert unsigned.status == 420 and "not signed" in unsigned.error["message"]
    _level(running, "MEDIUM")
    no_key = joc.post("/joc/api/inventory/deployment/deploy", body)
    assert no_key.status == 420 and "root has no signing key" in no_key.error["message"]
    assert _workflows(running, controller) == []

    viewer = login_as(running, "viewer", ("sos:products:joc:inventory:view",))
    key_body = {
        "keys": {"privateKey": keys["key"], "certificate": keys["certificate"], "keyAlgorithm": "ECDSA"}
    }
    assert Joc(running.url).post("/joc/api/profile/key/store", key_body).status == 401
    assert viewer.post("/joc/api/profile/key/store", key_body).status == 403
    assert viewer.post("/joc/api/profile/key/generate", {"keyAlgorithm": "ECDSA"}).status == 403
    assert joc.post("/joc/api/profile/key", {}).status == 420  # root has no key yet
    joc.ok("/joc/api/profile/key/store", key_body)
    shown = joc.ok("/joc/api/profile/key", {})
    assert_valid("sign/jocKeyPair-schema.json", {k: v for k, v in shown.items() if k != "deliveryDate"})
    assert shown["certificate"] == keys["certificate"] and shown["privateKey"] == keys["key"]
    joc.ok("/joc/api/inventory/deployment/deploy", body)
    [medium] = _workflows(running, controller)

    _level(running, "HIGH")
    refused = joc.post("/joc/api/inventory/deployment/deploy", body)
    assert refused.status == 420 and "HIGH" in refused.error["message"]
    joc.ok("/joc/api/inventory/store", {"path": "/team/L1", "objectType": "LOCK", "configuration": LOCK})
    joc.ok("/joc/api/inventory/deployment/deploy", {"controllerIds": ["e2e"], "store": {"draftConfigurations": [draft("/team/L1", "LOCK")]}})  # fmt: skip
    assert "Lock:L1" in item_keys(running, controller), "what goes unsigned needs no key"
    private = joc.post("/joc/api/profile/key/store", key_body)
    assert private.status == 420 and "privateKey" in private.error["message"]
    assert joc.post("/joc/api/profile/key/generate", {"keyAlgorithm": "ECDSA"}).status == 420
    joc.ok(
        "/joc/api/profile/key/store", {"keys": {"certificate": keys["certificate"], "keyAlgorithm": "ECDSA"}}
    )
    assert "privateKey" not in joc.ok("/joc/api/profile/key", {})

    for_signing = {"controllerId": "e2e", "deployables": {"draftConfigurations": [draft("/team/hello", "WORKFLOW")]}}  # fmt: skip
    exported = export(joc, "/joc/api/inventory/export", {"exportFile": {"filename": "s.zip"}, "forSigning": for_signing})  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert archive.namelist() == ["team/hello.workflow.json"]
        assert '"agentPath":"agentA"' in archive.read("team/hello.workflow.json").decode()
    fields = {"format": "ZIP", "controllerId": "e2e", "signatureAlgorithm": "SHA256withECDSA"}
    other = new_signer(datetime.now(UTC))
    wrong = upload(joc, "/joc/api/inventory/deployment/import_deploy", _signed_zip(exported, other), fields)
    assert wrong.status == 420 and "hello.workflow.json.sig" in wrong.error["message"]
    unsigned_zip = upload(joc, "/joc/api/inventory/deployment/import_deploy", exported, fields)
    assert unsigned_zip.status == 420 and "not signed" in unsigned_zip.error["message"]
    assert _workflows(running, controller) == [medium]

    answer = upload(joc, "/joc/api/inventory/deployment/import_deploy", _signed_zip(exported, SIGNER), fields)
    assert answer.status == 200, answer.body
    high = [key for key in _workflows(running, controller) if key != medium]
    assert len(high) == 1
    assert joc.ok("/joc/api/inventory/read/configuration", {"path": "/team/hello", "objectType": "WORKFLOW"})["deployed"]  # fmt: skip

    _lose(running, "Workflow:hello")
    joc.ok("/joc/api/inventory/deployment/redeploy", {"controllerId": "e2e"})
    assert _workflows(running, controller) == high, "the signed items go again as they were signed"


def test_the_configured_level_is_set_at_every_start(database_url: str, tmp_path: Path) -> None:
    run(lambda: _empty(database_url))

    async def level(cockpit: Cockpit) -> str:
        async with cockpit.database.session() as db:
            return await security_level(db)

    base = CockpitConfig(data_directory=tmp_path / "cockpit", database_url=database_url)
    for running in serve_cockpit(base, admin_password="admin-secret"):
        assert running.call(level) == "NONE"
    for running in serve_cockpit(msgspec.structs.replace(base, security_level="HIGH")):
        assert running.call(level) == "HIGH"
    for running in serve_cockpit(base):
        assert running.call(level) == "HIGH", "without a configured level the stored one stays"
