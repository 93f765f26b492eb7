"""Whatever the bytes, decoding returns an item or a Problem; it never raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import EngineItem, Item, RawItem
from stellwerk.inventory.kinds import ItemKind
from stellwerk.model.problems import Problem
from tests.inventory.helpers import FIXTURES

FILE_NAMES = [f"x.{kind.value}.{suffix}" for kind in ItemKind for suffix in ("json", "yaml")]
KEYS = st.sampled_from(
    ["TYPE", "instructions", "jobs", "jobName", "label", "agentName", "agentPath", "executable", "script", "then",
     "predicate", "else", "try", "catch", "branches", "id", "workflow", "limit", "demands", "lockName", "count",
     "boardType", "noticeBoardNames", "path", "orderPreparation", "parameters", "type", "default", "block"]
)  # fmt: skip
TYPES = st.sampled_from(
    ["Workflow", "Execute.Named", "If", "CaseWhen", "Try", "Retry", "Fork", "ForkList", "Lock", "Fail", "Finish",
     "Cycle", "Segment", "ShellScriptExecutable", "InternalExecutable", "Board", "GlobalBoard", "Lock", "String"]
)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8) | TYPES
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=40,
)


def _check(result: Item | Problem) -> None:
    assert isinstance(result, Problem | RawItem | EngineItem)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(FILE_NAMES))
def test_random_bytes(data: bytes, file_name: str) -> None:
    _check(decode_item(data, file_name=file_name))


@settings(max_examples=500, deadline=None)
@given(JSON, st.sampled_from(FILE_NAMES))
def test_random_json(document: Any, file_name: str) -> None:
    _check(decode_item(json.dumps(document).encode(), file_name=file_name))


def _mutations(document: Any) -> st.SearchStrategy[Any]:
    """The fixture with one value somewhere replaced by random JSON."""
    paths: list[list[Any]] = []

    def collect(node: Any, path: list[Any]) -> None:
        paths.append(path)
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            collect(value, [*path, key])

    collect(document, [])

    def replace(path: list[Any], value: Any) -> Any:
        copy = json.loads(json.dumps(document))
        if not path:
            return value
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return copy

    return st.builds(replace, st.sampled_from(paths), JSON)


EVERYTHING = json.loads((FIXTURES / "everything.workflow.json").read_text())


@settings(max_examples=500, deadline=None)
@given(_mutations(EVERYTHING))
def test_mutated_workflow(document: Any) -> None:
    result = decode_item(json.dumps(document).encode(), file_name="everything.workflow.json")
    assert isinstance(result, Problem) or result.__class__.__name__ == "Workflow"
