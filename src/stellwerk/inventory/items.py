"""What decoding an inventory file yields: an engine item, or a JOC-only item kept as its validated JSON."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.inventory.kinds import ItemKind
from stellwerk.model.items import FileWatch, GlobalBoard, JobResource, LockItem, PlannableBoard
from stellwerk.model.workflow import Workflow


class RawItem(msgspec.Struct, frozen=True, kw_only=True):
    """A JOC calendar, schedule or job template: checked, kept as JSON for the daily plan and the Cockpit."""

    kind: ItemKind
    name: str
    data: dict[str, Any]


EngineItem = Workflow | LockItem | GlobalBoard | PlannableBoard | JobResource | FileWatch
Item = EngineItem | RawItem
