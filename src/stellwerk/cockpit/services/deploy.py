"""Deploying drafts to Controllers and revoking them there.

A deployment converts each draft to its engine item (a workflow gets the commit id as its new version id),
signs workflows and job resources when the security level asks for it, and sends every item of the commit in
one UpdateItems per Controller, which the Controller applies all or nothing. The deployment history records
what each Controller accepted (DEPLOYED) or refused (NOT_DEPLOYED, with the Controller's message), and the
drafts a Controller accepted are marked deployed.

The history keeps each item's text with its signature (`X509Signature` as engine JSON), so that the deployed
versions can be sent again exactly as they were (`redeploy`, e.g. after a Controller was reset, and
`synchronize`, for the items a Controller lacks).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.cockpit.db.enums import DeploymentOperation, DeploymentState
from stellwerk.cockpit.db.repositories.agents import AgentRepository
from stellwerk.cockpit.db.repositories.deployments import (
    PENDING_DELIVERY,
    Deployment,
    DeploymentRepository,
    NewDeployment,
)
from stellwerk.cockpit.db.repositories.inventory import Configuration, InventoryRepository
from stellwerk.cockpit.errors import BadRequest, ControllerUnreachable, JocError
from stellwerk.cockpit.security.guard import Caller
from stellwerk.cockpit.services.inventory import DEPLOYABLE, Known, decoded, reference_problems
from stellwerk.cockpit.services.signing import SIGNED, Signer, SigningRefused, signer
from stellwerk.inventory.items import RawItem
from stellwerk.model.items import JobResource
from stellwerk.model.workflow import Workflow
from stellwerk.trust.signatures import sign

_ORDER = {kind: index for index, kind in enumerate(DEPLOYABLE)}
_KEY_KINDS = {
    T.WORKFLOW: "Workflow",
    T.JOBRESOURCE: "JobResource",
    T.LOCK: "Lock",
    T.FILEORDERSOURCE: "FileWatch",
}


class Prepared(msgspec.Struct, frozen=True, kw_only=True):
    """One draft as it goes to the Controllers: its engine JSON text and the operation carrying it."""

    draft: Configuration
    text: str
    operation: dict[str, Any]
    signature: str | None


def new_commit_id() -> str:
    return str(uuid.uuid4())


def with_agent_ids(content: Any, agent_ids: Mapping[str, str]) -> Any:
    """The inventory JSON with every `agentName` that names an Agent (or one of its aliases) replaced by the
    Agent's id, which is the AgentRef's path on the Controller; other names stay as written."""
    if isinstance(content, dict):
        return {
            key: agent_ids.get(value, value)
            if key == "agentName" and isinstance(value, str)
            else with_agent_ids(value, agent_ids)
            for key, value in content.items()
        }
    if isinstance(content, list):
        return [with_agent_ids(value, agent_ids) for value in content]
    return content


async def agent_ids_by_name(db: AsyncSession, controller_id: str) -> dict[str, str]:
    """The ids of a Controller's Agents by their names and aliases."""
    found = {}
    for agent in await AgentRepository(db).agents(controller_id):
        for name in (agent.name, *agent.name_aliases):
            found[name] = agent.agent_id
    return found


def prepared(
    draft: Configuration,
    names: Known,
    commit_id: str,
    key: Signer | None,
    agent_ids: Mapping[str, str],
) -> Prepared | str:
    """The draft as engine item, or why it cannot be deployed (schema and references, with JSON paths)."""
    if draft.object_type not in DEPLOYABLE or draft.content is None:
        return f"{draft.object_type.value} is not deployed to Controllers"
    content = with_agent_ids(msgspec.json.decode(draft.content), agent_ids)
    item = decoded(draft.object_type, draft.name, content)
    if item is None or isinstance(item, RawItem):
        return f"{draft.object_type.value} is not deployed to Controllers"
    if isinstance(item, str):
        return item
    if problems := reference_problems(item, names):
        return "; ".join(problems)
    if isinstance(item, Workflow):
        item = msgspec.structs.replace(item, version_id=commit_id)
    text = msgspec.json.encode(item).decode()
    signature = None
    if key is not None and isinstance(item, Workflow | JobResource):
        signature = msgspec.json.encode(sign(text, key.key, key.certificate).signature).decode()
    return Prepared(draft=draft, text=text, operation=operation(text, signature), signature=signature)


def operation(text: str, signature: str | None) -> dict[str, Any]:
    """The UpdateItems operation adding an item's engine JSON text, signed when a signature is given."""
    if signature is None:
        return {"TYPE": "AddOrChange", "item": msgspec.json.decode(text)}
    signed = {"string": text, "signature": msgspec.json.decode(signature)}
    return {"TYPE": "AddOrChangeSigned", "signed": signed}


def deletion_key(deployment: Deployment) -> str:
    """The Controller's item key of a deployed item (every version, for a workflow)."""
    kind = _KEY_KINDS.get(deployment.object_type)
    if kind is None:  # a board: its engine TYPE says which
        kind = str(msgspec.json.decode(deployment.content).get("TYPE", "GlobalBoard"))
    return f"{kind}:{deployment.name}"


def in_order(drafts: Sequence[Configuration]) -> list[Configuration]:
    """Referenced kinds first (job resources, locks, boards), then workflows, then file order sources."""
    unique = {(d.object_type, d.path): d for d in drafts}
    return sorted(unique.values(), key=lambda d: (_ORDER.get(d.object_type, 99), d.path))


async def deploy(
    cockpit: Cockpit,
    db: AsyncSession,
    caller: Caller,
    controller_ids: Sequence[str],
    drafts: Sequence[Configuration],
    deletions: Sequence[Configuration],
    names: Known,
    now: int,
) -> list[str]:
    """Deploys `drafts` and deletes `deletions` on each Controller; the Controllers' refusals (empty when all
    accepted). Invalid drafts refuse the whole deployment before anything is sent (JOC-400)."""
    commit_id = new_commit_id()
    key = await _signer(db, caller, now) if any(d.object_type in SIGNED for d in drafts) else None
    plans: dict[str, list[Prepared]] = {}
    problems: dict[str, None] = {}
    for controller_id in controller_ids:
        agent_ids = await agent_ids_by_name(db, controller_id)
        plans[controller_id] = []
        for draft in in_order(drafts):
            made = prepared(draft, names, commit_id, key, agent_ids)
            if isinstance(made, str):
                problems[f"{draft.object_type.value} {draft.path}: {made}"] = None
            else:
                plans[controller_id].append(made)
    if problems:
        raise BadRequest("Not deployed: " + "; ".join(problems))
    refusals = []
    for controller_id, ready in plans.items():
        refusal = await _send(cockpit, db, caller, controller_id, ready, deletions, commit_id, now)
        if refusal is not None:
            refusals.append(f"{controller_id}: {refusal}")
    return refusals


async def _send(
    cockpit: Cockpit,
    db: AsyncSession,
    caller: Caller,
    controller_id: str,
    ready: Sequence[Prepared],
    deletions: Sequence[Configuration],
    commit_id: str,
    now: int,
) -> str | None:
    """One UpdateItems to one Controller, recorded in the history; the Controller's refusal, if any."""
    history = DeploymentRepository(db)
    deleted = [d for d in [await _deployed(history, controller_id, c) for c in deletions] if d is not None]
    deleted.sort(key=lambda d: -_ORDER.get(d.object_type, 0))
    operations = [p.operation for p in ready] + [{"TYPE": "Delete", "key": deletion_key(d)} for d in deleted]
    if not operations:
        return None
    state, error = DeploymentState.DEPLOYED, None
    try:
        await cockpit.proxies.get(controller_id).update_items(
            {"TYPE": "UpdateItems", "operations": operations}
        )
    except ControllerUnreachable as unreachable:
        state, error = DeploymentState.NOT_DEPLOYED, f"{PENDING_DELIVERY} ({unreachable.message})"
    except JocError as refused:
        state, error = DeploymentState.NOT_DEPLOYED, refused.message
    rows = [_record(controller_id, p, commit_id, caller, state, error) for p in ready]
    rows += [_deletion(d, commit_id, caller, state, error) for d in deleted]
    await history.record(rows, now)
    if state == DeploymentState.DEPLOYED:
        await InventoryRepository(db).set_deployed([p.draft.id for p in ready], True)
        await InventoryRepository(db).set_deployed([d.configuration_id for d in deleted if d.configuration_id], False)  # fmt: skip
    return error


async def deploy_signed(
    cockpit: Cockpit,
    db: AsyncSession,
    caller: Caller,
    controller_id: str,
    items: Sequence[tuple[Configuration, str, str | None]],
    now: int,
) -> str | None:
    """Deploys items exactly as they were exported for signing: (draft, engine JSON text, signature as
    X509Signature JSON or None for the kinds that go unsigned); the Controller's refusal, if any."""
    ready = [
        Prepared(draft=draft, text=text, operation=operation(text, signature), signature=signature)
        for draft, text, signature in sorted(
            items, key=lambda i: (_ORDER.get(i[0].object_type, 99), i[0].path)
        )
    ]
    return await _send(cockpit, db, caller, controller_id, ready, (), new_commit_id(), now)


async def _signer(db: AsyncSession, caller: Caller, now: int) -> Signer | None:
    try:
        return await signer(db, now, caller.account)
    except SigningRefused as refused:
        raise BadRequest(f"Not deployed: {refused}") from None


async def for_signing(
    db: AsyncSession, controller_id: str, drafts: Sequence[Configuration], names: Known
) -> list[Prepared]:
    """The drafts as the Controller will get them (one new commit), for signing outside the Cockpit; JOC-400
    naming every draft that cannot be deployed."""
    commit_id = new_commit_id()
    agent_ids = await agent_ids_by_name(db, controller_id)
    made = [(draft, prepared(draft, names, commit_id, None, agent_ids)) for draft in in_order(drafts)]
    if problems := [f"{d.object_type.value} {d.path}: {m}" for d, m in made if isinstance(m, str)]:
        raise BadRequest("Not exported: " + "; ".join(problems))
    return [m for _, m in made if not isinstance(m, str)]


async def _deployed(
    history: DeploymentRepository, controller_id: str, draft: Configuration
) -> Deployment | None:
    return await history.latest(controller_id, draft.object_type, draft.name)


def _record(
    controller_id: str,
    item: Prepared,
    commit_id: str,
    caller: Caller,
    state: DeploymentState,
    error: str | None,
) -> NewDeployment:
    return NewDeployment(
        controller_id=controller_id,
        object_type=item.draft.object_type,
        path=item.draft.path,
        content=item.text,
        commit_id=commit_id,
        account=caller.account,
        state=state,
        configuration_id=item.draft.id,
        version_id=_version_id(item.text) if item.draft.object_type == T.WORKFLOW else None,
        signature=item.signature,
        error_message=error,
    )


def _sent_again(deployed: Deployment, commit_id: str, account: str) -> NewDeployment:
    """The record of a deployed (or pending) version sent to its Controller again, unchanged, under a new commit."""
    return NewDeployment(
        controller_id=deployed.controller_id,
        object_type=deployed.object_type,
        path=deployed.path,
        content=deployed.content,
        commit_id=commit_id,
        account=account,
        operation=deployed.operation,
        configuration_id=deployed.configuration_id,
        version_id=deployed.version_id,
        signature=deployed.signature,
    )


def _version_id(text: str) -> str | None:
    version: str | None = msgspec.json.decode(text).get("versionId")
    return version


def _deletion(
    deployed: Deployment, commit_id: str, caller: Caller, state: DeploymentState, error: str | None
) -> NewDeployment:
    return NewDeployment(
        controller_id=deployed.controller_id,
        object_type=deployed.object_type,
        path=deployed.path,
        content=deployed.content,
        commit_id=commit_id,
        account=caller.account,
        operation=DeploymentOperation.DELETE,
        state=state,
        configuration_id=deployed.configuration_id,
        error_message=error,
    )


async def revoke_everywhere(
    cockpit: Cockpit, db: AsyncSession, caller: Caller, configurations: Sequence[Configuration], now: int
) -> None:
    """Deletes what any Controller has of these objects (before they go to the trash); a refusal is JOC-420
    and the caller's transaction is rolled back."""
    deployable = [c for c in configurations if c.object_type in DEPLOYABLE]
    if not deployable:
        return
    history = DeploymentRepository(db)
    controller_ids = [
        controller_id
        for controller_id in cockpit.proxies.ids()
        if any([await _deployed(history, controller_id, c) for c in deployable])
    ]
    refusals = await deploy(cockpit, db, caller, controller_ids, [], deployable, Known(), now)
    if refusals:
        raise JocError("Not removed, a Controller refused to delete: " + "; ".join(refusals))


def held_key(item: dict[str, Any]) -> tuple[str, str, str | None]:
    """An item the Controller holds as (TYPE, path or id, versionId)."""
    return str(item.get("TYPE")), str(item.get("path") or item.get("id")), item.get("versionId")


def deployed_key(deployment: Deployment) -> tuple[str, str, str | None]:
    kind, _, name = deletion_key(deployment).partition(":")
    return kind, name, deployment.version_id


async def redeploy(
    cockpit: Cockpit,
    db: AsyncSession,
    caller: Caller,
    controller_id: str,
    folder: str,
    *,
    recursive: bool,
    missing_only: bool,
    now: int,
) -> list[Deployment]:
    """Sends the deployed versions (by the history) of the folder's items the caller sees to the Controller
    again, exactly as they were signed; with `missing_only` just those the Controller does not hold. What was
    sent is recorded under a new commit; a refusal is JOC-420 and the caller's transaction is rolled back."""
    return await send_deployed(
        cockpit, db, controller_id, folder, recursive=recursive, missing_only=missing_only, now=now,
        sees=caller.sees, account=caller.account,
    )  # fmt: skip


async def send_deployed(
    cockpit: Cockpit,
    db: AsyncSession,
    controller_id: str,
    folder: str,
    *,
    recursive: bool,
    missing_only: bool,
    now: int,
    sees: Callable[[str], bool],
    account: str,
) -> list[Deployment]:
    """`redeploy` of the items whose paths `sees` lets through, recorded as `account`'s (also the Cockpit's
    restart service, which has no caller)."""
    proxy = cockpit.proxies.get(controller_id)
    history = DeploymentRepository(db)
    found = [d for d in await history.deployed(controller_id, folder, recursive=recursive) if sees(d.path)]
    if missing_only:
        held = {held_key(item) for item in await proxy.items()}
        found = [d for d in found if deployed_key(d) not in held]
    found.sort(key=lambda d: (_ORDER.get(d.object_type, 99), d.path))
    if not found:
        return []
    try:
        await proxy.update_items({"TYPE": "UpdateItems", "operations": [operation(d.content, d.signature) for d in found]})  # fmt: skip
    except JocError as refused:
        raise JocError(f"Redeployment refused by {controller_id}: {refused.message}") from None
    commit_id = new_commit_id()
    rows = [_sent_again(d, commit_id, account) for d in found]
    await history.record(rows, now)
    return found


async def send_pending(
    cockpit: Cockpit, db: AsyncSession, controller_id: str, *, now: int, account: str
) -> list[Deployment]:
    """Delivers the deployments that did not reach the Controller because it was unreachable (updates, then
    deletions, in dependency order), recorded as deployed under a new commit as `account`'s; a refusal is a
    JocError and nothing is recorded."""
    history = DeploymentRepository(db)
    pending = await history.pending(controller_id)
    updates = sorted(
        (d for d in pending if d.operation == DeploymentOperation.UPDATE),
        key=lambda d: _ORDER.get(d.object_type, 99),
    )
    deletions = sorted(
        (d for d in pending if d.operation == DeploymentOperation.DELETE),
        key=lambda d: -_ORDER.get(d.object_type, 0),
    )
    if not pending:
        return []
    operations = [operation(d.content, d.signature) for d in updates]
    operations += [{"TYPE": "Delete", "key": deletion_key(d)} for d in deletions]
    await cockpit.proxies.get(controller_id).update_items({"TYPE": "UpdateItems", "operations": operations})
    commit_id = new_commit_id()
    rows = [_sent_again(d, commit_id, account) for d in (*updates, *deletions)]
    await history.record(rows, now)
    inventory = InventoryRepository(db)
    await inventory.set_deployed([d.configuration_id for d in updates if d.configuration_id], True)
    await inventory.set_deployed([d.configuration_id for d in deletions if d.configuration_id], False)
    return [*updates, *deletions]
