"""decode (inventory) -> engine JSON -> decode (engine dialect) gives the same struct; the encoding is stable."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from stellwerk.inventory.decode import decode_item
from stellwerk.inventory.items import RawItem
from stellwerk.model.problems import Problem
from tests.inventory.helpers import example_files, fixture_files


@pytest.mark.parametrize("path", example_files() + fixture_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_round_trip(path: Path) -> None:
    item = decode_item(path.read_bytes(), file_name=path.name)
    assert not isinstance(item, Problem), item.message
    encoded = msgspec.json.encode(item)
    if isinstance(item, RawItem):
        assert msgspec.json.decode(encoded, type=RawItem) == item
        return
    engine_name = path.name.rsplit(".", 1)[0] + ".json"
    for dialect in ("auto", "engine"):
        again = decode_item(encoded, file_name=engine_name, dialect=dialect)
        assert again == item
        assert msgspec.json.encode(again) == encoded


def test_engine_legacy_names_are_normalized() -> None:
    legacy = {
        "TYPE": "Workflow",
        "path": "w",
        "instructions": [
            {
                "TYPE": "If",
                "predicate": "true",
                "then": {"instructions": [{"TYPE": "Execute.Named", "jobName": "j"}]},
            },
            {"TYPE": "AddOrder", "orderId": "'x'", "workflowPath": "w", "forceJobAdmission": True},
            {"TYPE": "ImplicitEnd"},
        ],
        "jobs": {
            "j": {
                "agentPath": "A",
                "parallelism": 2,
                "subagentSelectionId": "bundle",
                "skipIfNoAdmissionForOrderDay": True,
                "executable": {"TYPE": "ScriptExecutable", "script": "x"},
            }
        },
    }
    item = decode_item(msgspec.json.encode(legacy), file_name="w.workflow.json")
    assert msgspec.json.decode(msgspec.json.encode(item)) == {
        "TYPE": "Workflow",
        "path": "w",
        "orderPreparation": {},
        "instructions": [
            {
                "TYPE": "If",
                "ifThens": [
                    {
                        "predicate": "true",
                        "then": {"instructions": [{"TYPE": "Execute.Named", "jobName": "j"}]},
                    }
                ],
            },
            {"TYPE": "AddOrder", "orderId": "'x'", "workflowPath": "w", "forceAdmission": True},
        ],
        "jobs": {
            "j": {
                "agentPath": "A",
                "executable": {"TYPE": "ShellScriptExecutable", "script": "x"},
                "subagentBundleIdExpr": "'bundle'",
                "processLimit": 2,
                "skipIfNoAdmissionStartForOrderDay": True,
            }
        },
    }


def test_engine_legacy_board() -> None:
    board = {"TYPE": "Board", "path": "B", "postOrderToNoticeId": "$a", "expectOrderToNoticeId": "$b"}
    item = decode_item(msgspec.json.encode(board), file_name="B.noticeboard.json", dialect="engine")
    assert msgspec.json.decode(msgspec.json.encode(item)) == {
        "TYPE": "GlobalBoard",
        "path": "B",
        "postOrderToNoticeKey": "$a",
        "expectOrderToNoticeKey": "$b",
    }


def test_engine_path_must_match_the_file_name() -> None:
    item = decode_item(b'{"TYPE": "Lock", "path": "L2", "limit": 1}', file_name="L1.lock.json")
    assert item == Problem("L1.lock.json: $.path: 'L2' differs from the name 'L1' given by the file name")
