from __future__ import annotations

from pathlib import Path

from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import EngineItem, RawItem
from stellwerk.inventory.references import verify_references
from stellwerk.model.items import FileWatch, LockItem
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow
from tests.inventory.helpers import EXAMPLES, FIXTURES


def _load(folder: Path) -> list[EngineItem]:
    items: list[EngineItem] = []
    for path in sorted(folder.iterdir()):
        item = decode_item(path.read_bytes(), file_name=path.name)
        assert not isinstance(item, Problem), item.message
        if not isinstance(item, RawItem):
            items.append(item)
    return items


def test_every_example_folder_is_self_contained() -> None:
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        items = _load(folder)
        workflows = [w for w in items if isinstance(w, Workflow)]
        assert verify_references(workflows, items) == [], folder.name


def test_unknown_references() -> None:
    items = _load(FIXTURES)
    workflows = [w for w in items if isinstance(w, Workflow)]
    others = [x for x in items if not isinstance(x, Workflow)]
    assert [p.message for p in verify_references(workflows, others)] == [
        "Workflow:everything: unknown lock 'L1'",
        "Workflow:everything: unknown lock 'L1'",
        "Workflow:everything: unknown board 'B1'",
        "Workflow:everything: unknown board 'B1'",
        "Workflow:everything: unknown board 'B2'",
        "Workflow:everything: unknown board 'B1'",
        "Workflow:everything: unknown board 'B1'",
        "Workflow:everything: unknown board 'B2'",
        "Workflow:everything: unknown board 'B1'",
        "Workflow:everything: unknown board 'B2'",
        "Workflow:everything: unknown workflow 'other'",
        "FileWatch:watch: unknown workflow 'other'",
    ]
    fixed = [*others, LockItem(path="L1"), Workflow(path="other")]
    remaining = [p.message for p in verify_references(workflows, fixed)]
    assert all("board" in message for message in remaining)


def test_agents_are_checked_only_when_known_agents_are_given() -> None:
    watch = FileWatch(path="fw", workflow_path="w", agent_path="agentX", directory_expr="'/in'")
    workflows = [Workflow(path="w")]
    assert verify_references(workflows, [watch]) == []
    assert verify_references(workflows, [watch], known_agents={"agentA"}) == [
        Problem("FileWatch:fw: unknown agent 'agentX'")
    ]
