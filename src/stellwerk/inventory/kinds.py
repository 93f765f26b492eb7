"""Item kinds by file-name suffix, as in a JS7 export archive: `NAME.workflow.json`, `NAME.lock.yaml`, …"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from stellwerk.inventory.limits import MAX_NAME_LENGTH
from stellwerk.model.problems import Problem


class ItemKind(StrEnum):
    WORKFLOW = "workflow"
    LOCK = "lock"
    NOTICEBOARD = "noticeboard"
    JOBRESOURCE = "jobresource"
    FILEORDERSOURCE = "fileordersource"
    CALENDAR = "calendar"
    SCHEDULE = "schedule"
    JOBTEMPLATE = "jobtemplate"


# JOC keeps these for the daily plan and job templates; the engine never sees them.
RAW_KINDS = frozenset({ItemKind.CALENDAR, ItemKind.SCHEDULE, ItemKind.JOBTEMPLATE})

_YAML_SUFFIXES = frozenset({"yaml", "yml"})
_FORBIDDEN_NAME_CHARACTERS = frozenset('/\\<>?:"|*')


class FileName(NamedTuple):
    name: str
    kind: ItemKind
    is_yaml: bool


def split_file_name(file_name: str) -> FileName | Problem:
    """`folder/hello.workflow.json` -> ("hello", WORKFLOW, False); the folder is not part of the name."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, _, format_suffix = base.rpartition(".")
    name, _, kind_suffix = stem.rpartition(".")
    if format_suffix not in _YAML_SUFFIXES and format_suffix != "json":
        return Problem(f"{base}: not a .json, .yaml or .yml file")
    try:
        kind = ItemKind(kind_suffix)
    except ValueError:
        kinds = ", ".join(f".{k.value}" for k in ItemKind)
        return Problem(f"{base}: unknown item kind {kind_suffix!r} (expected one of {kinds})")
    problem = check_name(name)
    if problem is not None:
        return problem.prefixed(base)
    return FileName(name, kind, format_suffix in _YAML_SUFFIXES)


def check_name(name: str) -> Problem | None:
    if not name:
        return Problem("empty item name")
    if len(name) > MAX_NAME_LENGTH:
        return Problem(f"item name longer than {MAX_NAME_LENGTH} characters")
    if name != name.strip():
        return Problem(f"item name {name!r} has leading or trailing white space")
    bad = sorted({c for c in name if c in _FORBIDDEN_NAME_CHARACTERS or not c.isprintable()})
    if bad:
        return Problem(f"item name {name!r} contains forbidden characters {''.join(bad)!r}")
    return None
