"""Shared test helpers: decode a dict as an inventory file and insist on success."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import Item
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent / "conformance" / "examples"


def decoded(document: dict[str, Any], file_name: str = "w.workflow.json") -> Item:
    item = decode_item(json.dumps(document).encode(), file_name=file_name)
    assert not isinstance(item, Problem), item.message
    return item


def workflow(document: dict[str, Any]) -> Workflow:
    item = decoded(document)
    assert isinstance(item, Workflow)
    return item


def problem(document: dict[str, Any] | bytes, file_name: str = "hello.workflow.json") -> str:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    item = decode_item(data, file_name=file_name)
    assert isinstance(item, Problem), f"expected a problem, got {item!r}"
    return item.message


def shell_job(agent: str = "agentA", **fields: Any) -> dict[str, Any]:
    return {
        "agentName": agent,
        "executable": {"TYPE": "ShellScriptExecutable", "script": "exit 0\n"},
        **fields,
    }


def named(job: str, label: str | None = None) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": job, "label": label or job}


def example_files() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.json"))


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_file())


def as_json(value: object) -> Any:
    """The engine JSON of a struct, as plain lists and dicts."""
    return msgspec.json.decode(msgspec.json.encode(value))
