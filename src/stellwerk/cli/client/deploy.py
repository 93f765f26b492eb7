"""`stellwerk deploy PATH…`: shows what changes against the inventory, then validates, stores, releases (schedules,
calendars, job templates) and deploys (workflows, locks, boards, job resources, file order sources) to the
Controller, through `/inventory/...` and `/inventory/deployment/deploy` as the browser does. With `--dry-run`
only the changes are shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from stellwerk.cli.client.changes import Change, Kind, change_of
from stellwerk.cli.client.exits import CliFailure, Exit
from stellwerk.cli.client.local_inventory import DEPLOYABLE, LocalObject, local_objects
from stellwerk.cli.client.session import Session, operator_command, table

_MARKS = {Kind.ADDED: "+", Kind.CHANGED: "~", Kind.NOT_DEPLOYED: "!", Kind.UNCHANGED: "="}


def _stored(session: Session, local: LocalObject) -> dict[str, Any] | None:
    body = {"path": local.path, "objectType": local.object_type}
    try:
        return session.client.call("/inventory/read/configuration", body)
    except CliFailure as failure:
        if failure.exit_code == Exit.UNKNOWN_OBJECT:
            return None
        raise


def _show_changes(session: Session, changes: list[Change]) -> None:
    rows = [(_MARKS[change.kind], change.kind.value, change.local.object_type, change.local.path) for change in changes]  # fmt: skip
    session.console.print(table("Changes", ("", "Change", "Type", "Path"), rows))
    for change in changes:
        for line in change.diff:
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else None
            session.console.print(Text(line, style=style or ""), highlight=False)


def _validate(session: Session, work: list[Change]) -> None:
    """Fails (bad input) on an object the Cockpit finds invalid, unless what it misses is another object
    of this deployment (stored before it)."""
    names = {change.local.name for change in work}
    problems = []
    for change in work:
        local = change.local
        answer = session.client.call(f"/inventory/{local.object_type.lower()}/validate", local.configuration)
        message = str(answer.get("invalidMsg", ""))
        if not answer.get("valid", True) and not any(name in message for name in names - {local.name}):
            problems.append(f"{local.object_type} {local.path} ({local.source}): {message}")
    if problems:
        raise CliFailure("invalid, nothing stored:\n" + "\n".join(problems), Exit.BAD_INPUT)


def _store(session: Session, work: list[Change]) -> None:
    with session.progress("Storing", len(work)) as step:
        for change in work:
            local = change.local
            body = {"path": local.path, "objectType": local.object_type, "configuration": local.configuration}
            session.client.call("/inventory/store", body)
            step()
    invalid = []
    for change in work:
        stored = _stored(session, change.local) or {}
        if not stored.get("valid", False):
            invalid.append(f"{change.local.object_type} {change.local.path}: {stored.get('invalidMsg')}")
    if invalid:
        raise CliFailure("stored as invalid drafts, nothing deployed:\n" + "\n".join(invalid), Exit.BAD_INPUT)


def _release_and_deploy(session: Session, work: list[Change]) -> dict[str, Any]:
    refs = [{"path": change.local.path, "objectType": change.local.object_type} for change in work]
    releasable = [ref for ref in refs if ref["objectType"] not in DEPLOYABLE]
    deployable = [{"configuration": ref} for ref in refs if ref["objectType"] in DEPLOYABLE]
    done: dict[str, Any] = {
        "released": releasable,
        "deployed": [item["configuration"] for item in deployable],
    }
    with session.progress("Releasing and deploying", bool(releasable) + bool(deployable)) as step:
        if releasable:
            session.client.call("/inventory/release", {"update": releasable})
            step()
        if deployable:
            body = {"controllerIds": [session.controller_id], "store": {"draftConfigurations": deployable}}
            session.client.call("/inventory/deployment/deploy", body)
            step()
    return done


@operator_command(None, "deploy")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--folder", default="/", show_default=True, help="The inventory folder the PATHS go into.")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
def deploy_command(session: Session, paths: tuple[Path, ...], folder: str, dry_run: bool) -> None:
    """Deploy the inventory files (NAME.workflow.json, NAME.lock.yaml, …) of PATHS, files or directories:
    a directory's subfolders become inventory folders. The changes are shown first."""
    objects = local_objects(paths, "/" + folder.strip("/"))
    if not objects:
        raise CliFailure(f"no inventory files in {', '.join(map(str, paths))}", Exit.BAD_INPUT)
    changes = []
    with session.progress("Comparing", len(objects)) as step:
        for local in objects:
            changes.append(change_of(local, _stored(session, local)))
            step()
    if not session.as_json:
        _show_changes(session, changes)
    work = [change for change in changes if change.needs_work]
    result: dict[str, Any] = {
        "changes": [change.to_json() for change in changes],
        "released": [],
        "deployed": [],
    }
    if work and not dry_run:
        _validate(session, work)
        _store(session, work)
        result |= _release_and_deploy(session, work)
    session.emit(result, lambda: _summary(result, work, dry_run))


def _summary(result: dict[str, Any], work: list[Change], dry_run: bool) -> str:
    if not work:
        return "Nothing to deploy: the inventory has all of it deployed already."
    if dry_run:
        return f"{len(work)} objects would change (dry run: nothing stored)."
    return f"Deployed {len(result['deployed'])} and released {len(result['released'])} objects."
