"""What changed since the last deployment: the deployment history keeps the engine JSON each Controller got, so
the draft is made into engine JSON the same way (with the deployed version's id) and the two are compared as
pretty-printed JSON, line by line."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence

import msgspec

from stellwerk.cockpit.api import inventory as inventory_api
from stellwerk.cockpit.api.inventory_common import VIEW, known
from stellwerk.cockpit.api.inventory_models import ReadRequest
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ConfigurationType
from stellwerk.cockpit.db.repositories.deployments import DeploymentRepository
from stellwerk.cockpit.db.repositories.inventory import InventoryRepository
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.deploy import agent_ids_by_name, prepared
from stellwerk.cockpit.services.inventory import DEPLOYABLE
from stellwerk.cockpit.ui.web import body_of


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    """How the draft differs from what one Controller has: the unified diff's lines (none: the same), or why
    the draft cannot be made into what would be deployed."""

    controller_id: str
    commit_id: str
    account: str
    deployed: int
    lines: list[str]
    problem: str | None = None


def pretty(text: str) -> list[str]:
    """JSON text as sorted, indented lines: a difference in formatting is none."""
    return json.dumps(json.loads(text), indent=2, sort_keys=True).splitlines()


async def deployed_names(
    cockpit: Cockpit, controller_ids: Sequence[str], folder: str
) -> set[tuple[ConfigurationType, str]]:
    """The (type, name) of every item of the folder that some Controller has (by the deployment history)."""
    found: set[tuple[ConfigurationType, str]] = set()
    async with cockpit.database.reading() as db:
        history = DeploymentRepository(db)
        for controller_id in controller_ids:
            deployed = await history.deployed(controller_id, folder, recursive=False, object_types=DEPLOYABLE)
            found |= {(d.object_type, d.name) for d in deployed}
    return found


async def differences(
    cockpit: Cockpit, caller: Caller, controller_ids: Sequence[str], path: str, kind: ConfigurationType
) -> list[Difference]:
    """The draft at `path` against its deployed version on each Controller that has one."""
    caller.require(VIEW)
    # The API's read checks the caller's folders and answers 404 for an unknown object.
    await inventory_api.read_configuration(
        cockpit, caller, body_of(ReadRequest, {"path": path, "objectType": kind.value})
    )
    found = []
    async with cockpit.database.reading() as db:
        draft = await InventoryRepository(db).read(kind, path)
        assert draft is not None
        names = await known(db)
        history = DeploymentRepository(db)
        for controller_id in controller_ids:
            deployment = await history.latest(controller_id, kind, draft.name)
            if deployment is None:
                continue
            agent_ids = await agent_ids_by_name(db, controller_id)
            version = deployment.version_id or deployment.commit_id
            made = prepared(draft, names, version, None, agent_ids)
            problem = made if isinstance(made, str) else None
            lines = [] if isinstance(made, str) else _diff(deployment.content, made.text, controller_id)
            found.append(
                Difference(
                    controller_id=controller_id, commit_id=deployment.commit_id, account=deployment.account,
                    deployed=deployment.deployed, lines=lines, problem=problem,
                )
            )  # fmt: skip
    return found


def _diff(deployed: str, draft: str, controller_id: str) -> list[str]:
    return list(
        difflib.unified_diff(
            pretty(deployed), pretty(draft), f"deployed on {controller_id}", "draft", lineterm=""
        )
    )
