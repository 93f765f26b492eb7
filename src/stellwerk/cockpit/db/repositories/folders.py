"""Inventory paths (`/folder/sub/name`) and the SQL condition "in this folder (and below)"."""

from __future__ import annotations

import msgspec
from sqlalchemy import ColumnElement, or_, true
from sqlalchemy.orm import InstrumentedAttribute

ROOT = "/"


class FolderFilter(msgspec.Struct, frozen=True, kw_only=True):
    """A folder, with or without its subfolders (JOC's `{folder, recursive}`)."""

    folder: str
    recursive: bool = True


def folder_of(path: str) -> str:
    """The folder holding `path`: `/a/b/c` → `/a/b`, `/c` → `/`."""
    parent = path.rstrip("/").rsplit("/", 1)[0]
    return parent or ROOT


def name_of(path: str) -> str:
    """The last part of `path`."""
    return path.rstrip("/").rsplit("/", 1)[-1]


def join(folder: str, name: str) -> str:
    """The path of `name` in `folder`."""
    return f"{folder.rstrip('/')}/{name}"


def ancestors(path: str) -> list[str]:
    """The folders above `path`, outermost first, without the root: `/a/b/c` → [`/a`, `/a/b`]."""
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def moved(path: str, old: str, new: str) -> str:
    """`path` after its ancestor folder `old` became `new`."""
    return new + path[len(old) :] if path != old else new


def in_folder(column: InstrumentedAttribute[str], folder: str, recursive: bool = True) -> ColumnElement[bool]:
    """`column` (a folder column) is `folder`, or, when recursive, any folder below it."""
    if not recursive:
        return column == folder
    if folder == ROOT:
        return true()
    return or_(column == folder, column.startswith(folder.rstrip("/") + "/", autoescape=True))


def in_folders(column: InstrumentedAttribute[str], folders: tuple[FolderFilter, ...]) -> ColumnElement[bool]:
    """Any of the folders (true when none is given)."""
    if not folders:
        return true()
    return or_(*(in_folder(column, f.folder, f.recursive) for f in folders))
