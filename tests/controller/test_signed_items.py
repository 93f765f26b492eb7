"""Signed items at the item API: with trusted certificates, workflows and job resources only signed by one of
them; an unsigned or tampered item is refused and nothing changes. Without, the API behaves as before."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from stellwerk.controller.service import ControllerService
from stellwerk.transport.client import HttpError, NodeClient
from stellwerk.transport.pki import KeyAndCertificate, new_ca, new_node_certificate
from stellwerk.trust.signatures import sign
from tests.controller.support import COCKPIT, controller_config
from tests.transport.pki import TestPki

API = "/controller/api"
WORKFLOW = {
    "TYPE": "Workflow",
    "path": "W",
    "versionId": "1",
    "instructions": [{"TYPE": "Prompt", "question": "'?'"}],
}
JOB_RESOURCE = {"TYPE": "JobResource", "path": "R", "env": {"A": "'1'"}}


def signer(organization: str) -> tuple[KeyAndCertificate, KeyAndCertificate]:
    now = datetime.now(UTC)
    ca = new_ca(organization, now=now)
    return ca, new_node_certificate(
        ca, "signer", organization=organization, dns_names=(), ip_addresses=(), now=now, days=1
    )


def signed(item: dict[str, Any], by: KeyAndCertificate) -> dict[str, Any]:
    signed_item = sign(json.dumps(item), by.key, by.certificate)
    return {"TYPE": "AddOrChangeSigned", "signed": msgspec.to_builtins(signed_item)}


@contextlib.asynccontextmanager
async def running(
    pki: TestPki, folder: Path, trusted: tuple[Path, ...]
) -> AsyncIterator[tuple[ControllerService, NodeClient]]:
    config = controller_config(pki, folder / "controller", trusted_certificates=trusted)
    async with ControllerService.start(config) as controller:
        async with NodeClient(controller.url, ssl_context=pki.client_context(COCKPIT)) as client:
            yield controller, client


async def update(client: NodeClient, *operations: dict[str, Any]) -> Any:
    return await client.post(f"{API}/item", {"TYPE": "UpdateItems", "operations": list(operations)}, dict)


async def refused(client: NodeClient, *operations: dict[str, Any]) -> str:
    with pytest.raises(HttpError) as refusal:
        await update(client, *operations)
    assert refusal.value.status == 400
    return refusal.value.message


async def test_only_items_signed_by_a_trusted_certificate_are_accepted(pki: TestPki, tmp_path: Path) -> None:
    ca, signing = signer("Signers")
    _, stranger = signer("Strangers")
    trusted = tmp_path / "signers.pem"
    trusted.write_bytes(ca.certificate_pem())
    async with running(pki, tmp_path, (trusted,)) as (controller, client):
        lock = {"TYPE": "AddOrChange", "item": {"TYPE": "Lock", "path": "L"}}
        unsigned = {"TYPE": "AddOrChange", "item": WORKFLOW}
        assert "Workflow:W~1 is not signed" in await refused(client, lock, unsigned)
        tampered = signed(WORKFLOW, signing)
        tampered["signed"]["string"] = tampered["signed"]["string"].replace("'?'", "'!'")
        assert "TamperedWithSignedItem" in await refused(client, lock, tampered)
        assert "not trusted" in await refused(client, lock, signed(WORKFLOW, stranger))
        assert controller.state.workflows == {} and controller.state.locks == {}, "nothing changed"
        accepted = await update(client, lock, signed(WORKFLOW, signing), signed(JOB_RESOURCE, signing))
        assert accepted == {"TYPE": "Accepted"}
        assert [w.path for w in controller.state.workflows.values()] == ["W"]
        assert set(controller.state.job_resources) == {"R"} and set(controller.state.locks) == {"L"}


async def test_without_trusted_certificates_items_need_no_signature(pki: TestPki, tmp_path: Path) -> None:
    _, signing = signer("Signers")
    async with running(pki, tmp_path, ()) as (controller, client):
        assert "trusts no signing certificate" in await refused(client, signed(WORKFLOW, signing))
        assert await update(client, {"TYPE": "AddOrChange", "item": WORKFLOW}) == {"TYPE": "Accepted"}
        assert len(controller.state.workflows) == 1
