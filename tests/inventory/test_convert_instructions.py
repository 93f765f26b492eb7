"""Inventory instruction -> engine instruction, one row per mapping of js7-reference §1.11 and §3.1."""

from __future__ import annotations

from typing import Any

import pytest

from stellwerk.inventory.order_ids import ADDED_ORDER_ID_EXPRESSION
from tests.inventory.helpers import as_json, named, shell_job, workflow

J = named("j")
BLOCK = {"instructions": [J]}
ENGINE_J = {"TYPE": "Execute.Named", "label": "j", "jobName": "j"}
ENGINE_BLOCK = {"instructions": [ENGINE_J]}
K = named("j", "k")
BLOCK_K = {"instructions": [K]}
ENGINE_BLOCK_K = {"instructions": [{"TYPE": "Execute.Named", "label": "k", "jobName": "j"}]}


def engine_instructions(*instructions: dict[str, Any], jobs: dict[str, Any] | None = None) -> list[Any]:
    converted = workflow({"instructions": list(instructions), "jobs": jobs or {"j": shell_job()}})
    result: list[Any] = as_json(converted.instructions)
    return result


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("named job", {**J, "defaultArguments": {"a": "1"}}, {**ENGINE_J, "defaultArguments": {"a": "1"}}),
    (
        "If single form",
        {"TYPE": "If", "predicate": "true", "then": BLOCK, "else": BLOCK_K},
        {"TYPE": "If", "ifThens": [{"predicate": "true", "then": ENGINE_BLOCK}], "else": ENGINE_BLOCK_K},
    ),
    (
        "CaseWhen",
        {
            "TYPE": "CaseWhen",
            "cases": [{"predicate": "true", "then": BLOCK}, {"predicate": "false", "then": BLOCK_K}],
        },
        {
            "TYPE": "If",
            "ifThens": [
                {"predicate": "true", "then": ENGINE_BLOCK},
                {"predicate": "false", "then": ENGINE_BLOCK_K},
            ],
        },
    ),
    (
        "ForkList over a list variable",
        {"TYPE": "ForkList", "children": "hosts", "childToId": "host", "workflow": BLOCK},
        {
            "TYPE": "ForkList",
            "children": "$hosts",
            "childToId": '(x, i) => ($i + 1) ++ "." ++ $x.host',
            "childToArguments": "(x) => $x",
            "workflow": ENGINE_BLOCK,
        },
    ),
    (
        "ForkList over subagents",
        {
            "TYPE": "ForkList",
            "agentName": "A",
            "subagentClusterIdExpr": "$b",
            "subagentIdVariable": "sub",
            "workflow": BLOCK,
        },
        {
            "TYPE": "ForkList",
            "children": "subagentIds($b)",
            "childToId": '(x, i) => ($i + 1) ++ "." ++ $x',
            "childToArguments": "(x) => { sub: $x }",
            "agentPath": "A",
            "workflow": ENGINE_BLOCK,
        },
    ),
    (
        "Finish unsuccessful",
        {"TYPE": "Finish", "message": "nothing to do", "unsuccessful": True},
        {
            "TYPE": "Finish",
            "outcome": {"TYPE": "Failed", "message": "nothing to do", "namedValues": {"returnCode": 1}},
        },
    ),
    (
        "Finish successful",
        {"TYPE": "Finish", "unsuccessful": False},
        {"TYPE": "Finish", "outcome": {"TYPE": "Succeeded", "namedValues": {"returnCode": 0}}},
    ),
    ("Finish plain", {"TYPE": "Finish", "message": "dropped"}, {"TYPE": "Finish"}),
    (
        "Fail outcome",
        {"TYPE": "Fail", "message": "'fatal'", "outcome": {"returnCode": 7, "why": "x"}, "uncatchable": True},
        {
            "TYPE": "Fail",
            "message": "'fatal'",
            "namedValues": {"returnCode": 7, "why": "x"},
            "uncatchable": True,
        },
    ),
    (
        "Fail non-numeric returnCode dropped",
        {"TYPE": "Fail", "outcome": {"returnCode": "seven"}},
        {"TYPE": "Fail"},
    ),
    (
        "Lock single form",
        {"TYPE": "Lock", "lockName": "L", "count": 2, "lockedWorkflow": BLOCK},
        {"TYPE": "Lock", "demands": [{"lockPath": "L", "count": 2}], "lockedWorkflow": ENGINE_BLOCK},
    ),
    (
        "Lock demands",
        {
            "TYPE": "Lock",
            "demands": [{"lockName": "L"}, {"lockName": "M", "count": 1}],
            "lockedWorkflow": BLOCK,
        },
        {
            "TYPE": "Lock",
            "demands": [{"lockPath": "L"}, {"lockPath": "M", "count": 1}],
            "lockedWorkflow": ENGINE_BLOCK,
        },
    ),
    (
        "PostNotice",
        {"TYPE": "PostNotice", "noticeBoardName": "B"},
        {"TYPE": "PostNotices", "boardPaths": ["B"]},
    ),
    (
        "PostNotices",
        {"TYPE": "PostNotices", "noticeBoardNames": ["B", "C"]},
        {"TYPE": "PostNotices", "boardPaths": ["B", "C"]},
    ),
    (
        "ExpectNotice",
        {"TYPE": "ExpectNotice", "noticeBoardName": "B"},
        {"TYPE": "ExpectNotices", "boardPaths": "'B'"},
    ),
    (
        "ExpectNotices",
        {"TYPE": "ExpectNotices", "noticeBoardNames": "'B' || 'C'", "whenNotAnnounced": "DontWait"},
        {"TYPE": "ExpectNotices", "boardPaths": "'B' || 'C'", "whenNotAnnounced": "DontWait"},
    ),
    (
        "ConsumeNotices without subworkflow",
        {"TYPE": "ConsumeNotices", "noticeBoardNames": "'B'"},
        {"TYPE": "ConsumeNotices", "boardPaths": "'B'", "subworkflow": {}},
    ),
    (
        "StickySubagent with a cluster id",
        {"TYPE": "StickySubagent", "agentName": "A", "subagentClusterId": "bundle", "subworkflow": BLOCK},
        {
            "TYPE": "StickySubagent",
            "agentPath": "A",
            "subagentBundleIdExpr": "'bundle'",
            "subworkflow": ENGINE_BLOCK,
        },
    ),
    (
        "StickySubagent with an expression",
        {"TYPE": "StickySubagent", "agentName": "A", "subagentClusterIdExpr": "$b", "subworkflow": BLOCK},
        {
            "TYPE": "StickySubagent",
            "agentPath": "A",
            "subagentBundleIdExpr": "$b",
            "subworkflow": ENGINE_BLOCK,
        },
    ),
    (
        "AddOrder",
        {
            "TYPE": "AddOrder",
            "workflowName": "W",
            "arguments": {"s": "text", "e": "$x", "n": 1.5, "b": False, "l": [1, "a"]},
        },
        {
            "TYPE": "AddOrder",
            "orderId": ADDED_ORDER_ID_EXPRESSION,
            "workflowPath": "W",
            "arguments": {"s": "'text'", "e": "$x", "n": "1.5", "b": "false", "l": "[1, 'a']"},
            "deleteWhenTerminated": True,
        },
    ),
    (
        "AddOrder remaining",
        {
            "TYPE": "AddOrder",
            "workflowName": "W",
            "remainWhenTerminated": True,
            "forceJobAdmission": True,
            "startPosition": [1],
            "endPositions": [[2]],
        },
        {
            "TYPE": "AddOrder",
            "orderId": ADDED_ORDER_ID_EXPRESSION,
            "workflowPath": "W",
            "startPosition": [1],
            "stopPositions": [[2]],
            "forceAdmission": True,
        },
    ),
    (
        "AdmissionTime",
        {
            "TYPE": "AdmissionTime",
            "skipIfNoAdmissionForOrderDay": True,
            "admissionTimeScheme": {"periods": [{"TYPE": "DailyPeriod", "secondOfDay": 0, "duration": 1}]},
            "block": BLOCK,
        },
        {
            "TYPE": "AdmissionTime",
            "admissionTimeScheme": {"periods": [{"TYPE": "DailyPeriod", "secondOfDay": 0, "duration": 1}]},
            "skipIfNoAdmissionStartForOrderDay": True,
            "block": ENGINE_BLOCK,
        },
    ),
    (
        "Options",
        {"TYPE": "Options", "stopOnFailure": True, "block": BLOCK},
        {"TYPE": "Options", "stopOnFailure": True, "block": ENGINE_BLOCK},
    ),
    ("Prompt", {"TYPE": "Prompt", "question": "'ok?'"}, {"TYPE": "Prompt", "question": "'ok?'"}),
    (
        "Sleep",
        {"TYPE": "Sleep", "duration": "$epochSecond - 2"},
        {"TYPE": "Sleep", "duration": "$js7EpochSecond - 2"},
    ),
    (
        "Try",
        {
            "TYPE": "Try",
            "maxTries": 2,
            "retryDelays": [3],
            "try": BLOCK,
            "catch": {"instructions": [{"TYPE": "Retry"}]},
        },
        {
            "TYPE": "Try",
            "try": ENGINE_BLOCK,
            "catch": {"instructions": [{"TYPE": "Retry"}]},
            "maxTries": 2,
            "retryDelays": [3],
        },
    ),
    (
        "Fork",
        {
            "TYPE": "Fork",
            "joinIfFailed": True,
            "branches": [{"id": "a", "workflow": {**BLOCK, "result": {"r": "$x"}}}],
        },
        {
            "TYPE": "Fork",
            "branches": [{"id": "a", "workflow": {**ENGINE_BLOCK, "result": {"r": "$x"}}}],
            "joinIfFailed": True,
        },
    ),
]


@pytest.mark.parametrize(("inventory", "engine"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_instruction(inventory: dict[str, Any], engine: dict[str, Any]) -> None:
    assert engine_instructions(inventory) == [engine]


def test_segment_is_flattened_and_implicit_end_dropped() -> None:
    segment = {"TYPE": "Segment", "label": "s", "block": {"instructions": [named("j", "a"), named("j", "b")]}}
    converted = engine_instructions(named("j", "first"), segment, {"TYPE": "ImplicitEnd"})
    assert [i["label"] for i in converted] == ["first", "a", "b"]


def test_cycle_sets_the_daily_plan_calendar() -> None:
    cycle = {
        "TYPE": "Cycle",
        "schedule": {
            "schemes": [
                {
                    "admissionTimeScheme": {"periods": []},
                    "repeat": {"TYPE": "Periodic", "period": 60, "offsets": [0]},
                }
            ]
        },
        "cycleWorkflow": {"instructions": [J, {"TYPE": "Break"}]},
    }
    assert workflow({"instructions": [cycle], "jobs": {"j": shell_job()}}).calendar_path == "dailyPlan"
    assert workflow({"instructions": [J], "jobs": {"j": shell_job()}}).calendar_path is None


def test_display_fields_of_joc_are_dropped() -> None:
    instruction = {**J, "position": [0], "positionString": "0", "state": {"_text": "x"}}
    assert engine_instructions(instruction) == [ENGINE_J]
