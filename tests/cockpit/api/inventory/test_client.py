"""The real JOC client (js7-client-python) imports-and-deploys a signed folder and exports it again."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pydantic
import pytest
from cryptography.hazmat.primitives import serialization
from js7.client.client import Client
from js7.model.configuration.auth_configuration import AuthConfiguration, BasicAuth
from js7.model.configuration.http_configuration import HTTPConfiguration
from js7.model.public.client.filter.export_folders_filter import ExportFoldersFilter

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.services.signing import new_signer, set_verification_certificate
from tests.cockpit.api.conftest import ADMIN_PASSWORD, ControllerNodes, RunningCockpit
from tests.cockpit.api.inventory.items import LOCK, workflow
from tests.cockpit.api.inventory.test_deployment import item_keys

# The client keeps its HTTP connection open after the calls (it has no close); that is not the Cockpit's.
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_the_client_imports_deploys_and_exports(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes], tmp_path: Path
) -> None:
    running, controller = controller_cockpit
    signer = new_signer(datetime.now(UTC))
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(signer.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip
    pem = signer.certificate.public_bytes(serialization.Encoding.PEM).decode()

    async def trust(cockpit: Cockpit) -> None:
        async with cockpit.database.session() as db:
            await set_verification_certificate(db, pem, cockpit.now())

    running.call(trust)
    source = tmp_path / "source" / "team"
    source.mkdir(parents=True)
    (source / "hello.workflow.json").write_text(json.dumps(workflow(lock="L1")))
    (source / "L1.lock.json").write_text(json.dumps(LOCK))
    url = urlparse(running.url)
    client = Client(
        http_config=HTTPConfiguration(host=url.hostname or "", port=url.port or 0),
        auth_config=AuthConfiguration(basic_auth=BasicAuth(username="root", password=ADMIN_PASSWORD)),
    )
    try:
        client.inventory.deploy.import_deploy_configurations(
            controller_id=controller.controller_id, file_path=tmp_path / "source", private_key_file=key_file
        )
    except pydantic.ValidationError:
        pass  # the client 2.0.17 parses this endpoint's answer bytes as a dict; the Cockpit answered 200
    keys = item_keys(running, controller)
    assert "Lock:L1" in keys and any(k.startswith("Workflow:hello~") for k in keys)

    out = tmp_path / "out"
    out.mkdir()
    done = client.inventory.manage.export_folders(
        controller_id=controller.controller_id,
        out_dir=out,
        filter=ExportFoldersFilter(folder_paths=["/team"], for_signing=False),
        filename="team.zip",
    )
    assert done
    assert sorted(zipfile.ZipFile(out / "team.zip").namelist()) == [
        "team/L1.lock.json",
        "team/hello.workflow.json",
    ]
