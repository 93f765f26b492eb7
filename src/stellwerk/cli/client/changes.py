"""What a deployment changes: each local object against the inventory's version of it (absent, different,
the same but never deployed or released, the same), with a unified diff of the JSON where it differs. Pure."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stellwerk.cli.client.local_inventory import LocalObject


class Kind(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    NOT_DEPLOYED = "not deployed"  # the same draft, not deployed (or released) yet
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    local: LocalObject
    kind: Kind
    diff: tuple[str, ...] = ()

    @property
    def needs_work(self) -> bool:
        return self.kind != Kind.UNCHANGED

    def to_json(self) -> dict[str, Any]:
        return {"path": self.local.path, "objectType": self.local.object_type, "change": self.kind.value, "diff": list(self.diff)}  # fmt: skip


def _lines(configuration: dict[str, Any]) -> list[str]:
    return json.dumps(configuration, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


def change_of(local: LocalObject, stored: dict[str, Any] | None) -> Change:
    """`stored` is JOC's configuration object (`/inventory/read/configuration`), None when there is none."""
    if stored is None:
        return Change(local, Kind.ADDED)
    current = stored.get("configuration") or {}
    if current != local.configuration:
        diff = difflib.unified_diff(_lines(current), _lines(local.configuration), local.path, local.path, lineterm="")  # fmt: skip
        return Change(local, Kind.CHANGED, tuple(diff))
    if not (stored.get("deployed") or stored.get("released")) or not stored.get("valid", True):
        return Change(local, Kind.NOT_DEPLOYED)
    return Change(local, Kind.UNCHANGED)
