"""The inventory objects of files on disk as `deploy` sends them: each file `FOLDER/NAME.KIND.json` (or `.yaml`)
becomes the object `/FOLDER/NAME` of JOC's type for KIND, its folder taken relative to the directory given (or
`--folder` for a single file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from stellwerk.cli.client.exits import CliFailure, Exit
from stellwerk.inventory.kinds import ItemKind, split_file_name
from stellwerk.model.problems import Problem

OBJECT_TYPES = {
    ItemKind.WORKFLOW: "WORKFLOW",
    ItemKind.LOCK: "LOCK",
    ItemKind.NOTICEBOARD: "NOTICEBOARD",
    ItemKind.JOBRESOURCE: "JOBRESOURCE",
    ItemKind.FILEORDERSOURCE: "FILEORDERSOURCE",
    ItemKind.SCHEDULE: "SCHEDULE",
    ItemKind.JOBTEMPLATE: "JOBTEMPLATE",
}
DEPLOYABLE = frozenset({"WORKFLOW", "LOCK", "NOTICEBOARD", "JOBRESOURCE", "FILEORDERSOURCE"})
# Stored first: what others refer to (a workflow names its locks, boards and job resources; a schedule its
# workflows and calendars).
_STORE_ORDER = ("LOCK", "NOTICEBOARD", "JOBRESOURCE", "WORKINGDAYSCALENDAR", "NONWORKINGDAYSCALENDAR",
                "JOBTEMPLATE", "WORKFLOW", "FILEORDERSOURCE", "SCHEDULE")  # fmt: skip


@dataclass(frozen=True)
class LocalObject:
    path: str  # the inventory path, e.g. /basics/hello
    object_type: str
    configuration: dict[str, Any]
    source: Path

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


def local_objects(paths: tuple[Path, ...], folder: str = "/") -> list[LocalObject]:
    """The objects of the files and directories, in the order to store them; an unreadable file fails."""
    found: list[LocalObject] = []
    for given in paths:
        files = sorted(file for file in given.rglob("*") if file.is_file()) if given.is_dir() else [given]
        base = given if given.is_dir() else given.parent
        for file in files:
            named = split_file_name(file.name)
            if isinstance(named, Problem):
                if given.is_dir():
                    continue  # other files (a job's script, a README) may lie beside the inventory
                raise CliFailure(str(named), Exit.BAD_INPUT)
            relative = PurePosixPath(folder, file.parent.relative_to(base).as_posix(), named.name)
            configuration = _read(file, named.is_yaml)
            found.append(
                LocalObject(str(relative), _object_type(named.kind, configuration), configuration, file)
            )
    return sorted(found, key=lambda item: (_STORE_ORDER.index(item.object_type), item.path))


def _read(file: Path, is_yaml: bool) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(file.read_text()) if is_yaml else json.loads(file.read_text())
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise CliFailure(f"{file}: {error}", Exit.BAD_INPUT) from None
    if not isinstance(loaded, dict):
        raise CliFailure(f"{file}: an inventory object is a JSON object", Exit.BAD_INPUT)
    return loaded


def _object_type(kind: ItemKind, configuration: dict[str, Any]) -> str:
    if kind == ItemKind.CALENDAR:
        working = configuration.get("type") != "NONWORKINGDAYSCALENDAR"
        return "WORKINGDAYSCALENDAR" if working else "NONWORKINGDAYSCALENDAR"
    return OBJECT_TYPES[kind]
