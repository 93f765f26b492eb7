"""Reading inventory files and folders from disk for `stellwerk run`."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from stellwerk.engine.state import EngineState
from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import Item, RawItem
from stellwerk.inventory.kinds import split_file_name
from stellwerk.model.items import Calendar, GlobalBoard, JobResource, LockItem, PlannableBoard
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow

MAX_FILE_BYTES = 10 * 1024 * 1024


def inventory_files(paths: list[Path]) -> list[Path] | Problem:
    """The item files named or found (recursively) below the given paths, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and _is_item_file(p))
        elif path.is_file():
            found.append(path)
        else:
            return Problem(f"{path}: no such file or directory")
    return found


def _is_item_file(path: Path) -> bool:
    return not isinstance(split_file_name(path.name), Problem)


def load_items(paths: list[Path]) -> list[Item] | Problem:
    files = inventory_files(paths)
    if isinstance(files, Problem):
        return files
    items: list[Item] = []
    problems: list[str] = []
    for file in files:
        item = _load(file)
        if isinstance(item, Problem):
            problems.append(item.message)
        else:
            items.append(item)
    if problems:
        return Problem("\n".join(problems))
    return items


def _load(file: Path) -> Item | Problem:
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return Problem(f"{file}: larger than {MAX_FILE_BYTES} bytes")
        data = file.read_bytes()
    except OSError as error:
        return Problem(f"{file}: {error.strerror}")
    return decode_item(data, file_name=str(file))


def state_of(items: list[Item], version_id: str = "1") -> EngineState | Problem:
    """An engine state holding the items; workflows get one version id; duplicate names are refused."""
    state = EngineState()
    seen: set[tuple[str, str]] = set()
    for item in items:
        kind, name = type(item).__name__, _name_of(item)
        if (kind, name) in seen:
            return Problem(f"Duplicate {kind} '{name}'")
        seen.add((kind, name))
        _add(state, item, version_id)
    return state


def _name_of(item: Item) -> str:
    return item.name if isinstance(item, RawItem) else getattr(item, "path", "")


def _add(state: EngineState, item: Item, version_id: str) -> None:
    match item:
        case Workflow():
            state.add_workflow(replace(item, version_id=version_id))
        case LockItem():
            state.locks[item.path] = item
        case GlobalBoard() | PlannableBoard():
            state.boards[item.path] = item
        case JobResource():
            state.job_resources[item.path] = item
        case Calendar():
            state.calendars[item.path] = item
