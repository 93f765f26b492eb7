"""The inventory's rules that do not depend on the database: which object types deploy to Controllers and which
are released, the file names of a JS7 archive, and validation of a configuration (its schema through
`stellwerk.inventory`, then its references to other inventory objects) into JOC's `valid` flag and `invalidMsg`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from stellwerk.cockpit.db.enums import ConfigurationType as T
from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import EngineItem, Item
from stellwerk.inventory.kinds import ItemKind
from stellwerk.inventory.references import verify_references
from stellwerk.model.items import FileWatch, JobResource, LockItem, PlannableBoard
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow

DEPLOYABLE = (T.JOBRESOURCE, T.LOCK, T.NOTICEBOARD, T.WORKFLOW, T.FILEORDERSOURCE)  # in deployment order
RELEASABLE = (T.WORKINGDAYSCALENDAR, T.NONWORKINGDAYSCALENDAR, T.SCHEDULE, T.INCLUDESCRIPT, T.JOBTEMPLATE, T.REPORT)  # fmt: skip
CALENDARS = (T.WORKINGDAYSCALENDAR, T.NONWORKINGDAYSCALENDAR)

# The file suffix of each type in a JS7 archive (`folder/name.workflow.json`).
SUFFIXES: dict[T, str] = {
    T.WORKFLOW: "workflow",
    T.JOBRESOURCE: "jobresource",
    T.LOCK: "lock",
    T.NOTICEBOARD: "noticeboard",
    T.FILEORDERSOURCE: "fileordersource",
    T.WORKINGDAYSCALENDAR: "calendar",
    T.NONWORKINGDAYSCALENDAR: "calendar",
    T.SCHEDULE: "schedule",
    T.JOBTEMPLATE: "jobtemplate",
    T.INCLUDESCRIPT: "includescript",
    T.REPORT: "report",
}
_KINDS = {kind.value: kind for kind in ItemKind}
PATH = re.compile(r'^(/|(/[^/\\<>?:"|*]+)+)$')
NAME = re.compile(r'^[^/\\<>?:"|*]+$')


def file_name(object_type: T, name: str) -> str:
    """The archive file name of an object: `hello.workflow.json`."""
    return f"{name}.{SUFFIXES[object_type]}.json"


def type_of_file(file: str, content: Mapping[str, Any]) -> T | None:
    """The object type of an archive entry by its suffix (a calendar's by its `type`); None if unknown."""
    stem = file.rsplit("/", 1)[-1].removesuffix(".json")
    suffix = stem.rpartition(".")[2]
    if suffix == "calendar":
        return (
            T.NONWORKINGDAYSCALENDAR
            if content.get("type") == T.NONWORKINGDAYSCALENDAR
            else T.WORKINGDAYSCALENDAR
        )
    found = [kind for kind, known in SUFFIXES.items() if known == suffix]
    return found[0] if found else None


def path_problem(path: str, field: str = "$.path") -> str | None:
    """Why `path` is not an absolute inventory path, or None."""
    if len(path) > 255 or not PATH.match(path):
        return f'{field}: {path!r} is not an absolute path such as /folder/name (no \\ < > ? : " | *)'
    if any(part in (".", "..") for part in path.split("/")):
        return f"{field}: {path!r} has a . or .. folder (a path names its folders, from the root down)"
    return None


def decoded(object_type: T, name: str, content: Mapping[str, Any]) -> Item | str | None:
    """The object checked against its schema: the decoded item, the problems (`$.path: message`, one a line),
    or None for types that `stellwerk.inventory` does not know (include scripts, reports)."""
    suffix = SUFFIXES.get(object_type)
    if suffix is None or suffix not in _KINDS:
        return None
    data = json.dumps(content).encode()
    item = decode_item(data, file_name=f"{name}.{suffix}.json", dialect="auto")
    if isinstance(item, Problem):
        prefix = f"{name}.{suffix}.json: "
        return "\n".join(line.removeprefix(prefix) for line in item.message.splitlines())
    return item


class Known(msgspec.Struct, frozen=True, kw_only=True):
    """The names of the inventory's objects other objects may refer to."""

    workflows: Collection[str] = ()
    locks: Collection[str] = ()
    boards: Collection[str] = ()
    job_resources: Collection[str] = ()


def reference_problems(item: Item, known: Known) -> list[str]:
    """What `item` refers to that the inventory does not hold (agents are the Controllers' business)."""
    if not isinstance(item, Workflow | FileWatch):
        return []
    stubs: list[EngineItem] = [
        *(Workflow(path=name) for name in known.workflows),
        *(LockItem(path=name) for name in known.locks),
        *(PlannableBoard(path=name) for name in known.boards),
        *(JobResource(path=name) for name in known.job_resources),
    ]
    if isinstance(item, Workflow):
        problems = verify_references([item], stubs)
    else:
        problems = verify_references([], [*stubs, item])
    return [problem.message.split(": ", 1)[-1] for problem in problems]


def validation(object_type: T, name: str, content: Mapping[str, Any] | None, known: Known) -> str | None:
    """JOC's `invalidMsg` of a configuration (None: valid)."""
    if object_type == T.FOLDER:
        return None
    if content is None:
        return "$: the configuration is missing"
    item = decoded(object_type, name, content)
    if isinstance(item, str):
        return item
    if item is None:
        return None
    problems = reference_problems(item, known)
    return "; ".join(problems) or None
