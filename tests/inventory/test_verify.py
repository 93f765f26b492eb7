"""Semantic checks on engine workflows, with engine JSON paths."""

from __future__ import annotations

from typing import Any

import msgspec

from stellwerk.inventory.located import Finding
from stellwerk.inventory.verify import verify_workflow
from stellwerk.model.workflow import Workflow

JOB = {"agentPath": "A", "executable": {"TYPE": "ShellScriptExecutable", "script": "x"}}
CYCLE_SCHEDULE = {
    "schemes": [{"admissionTimeScheme": {"periods": []}, "repeat": {"TYPE": "Ticking", "interval": 1}}]
}


def findings(*instructions: dict[str, Any], **fields: Any) -> list[str]:
    workflow = msgspec.convert({"instructions": list(instructions), "jobs": {"j": JOB}, **fields}, Workflow)
    return [str(f) for f in verify_workflow(workflow)]


def test_retry_nested_in_if_inside_catch_is_allowed() -> None:
    retry_in_if = {
        "TYPE": "If",
        "ifThens": [{"predicate": "true", "then": {"instructions": [{"TYPE": "Retry"}]}}],
    }
    try_ = {
        "TYPE": "Try",
        "maxTries": 2,
        "try": {"instructions": []},
        "catch": {"instructions": [retry_in_if]},
    }
    assert findings(try_) == []


def test_retry_in_a_nested_try_block_of_a_catch_is_not() -> None:
    inner = {"TYPE": "Try", "try": {"instructions": [{"TYPE": "Retry"}]}, "catch": {"instructions": []}}
    outer = {"TYPE": "Try", "try": {"instructions": []}, "catch": {"instructions": [inner]}}
    assert findings(outer) == [
        "$.instructions[0].catch.instructions[0].try.instructions[0]: Retry is only allowed in a catch block"
    ]


def test_break_inside_cycle_but_not_across_a_fork() -> None:
    fork = {"TYPE": "Fork", "branches": [{"id": "a", "workflow": {"instructions": [{"TYPE": "Break"}]}}]}
    cycle = {
        "TYPE": "Cycle",
        "schedule": CYCLE_SCHEDULE,
        "cycleWorkflow": {"instructions": [{"TYPE": "Break"}, fork]},
    }
    assert findings(cycle, calendarPath="dailyPlan") == [
        (
            "$.instructions[0].cycleWorkflow.instructions[1].branches[0].workflow.instructions[0]: "
            "Break is only allowed inside a Cycle (and not across a Fork)"
        )
    ]


def test_a_cycle_needs_a_calendar() -> None:
    cycle = {"TYPE": "Cycle", "schedule": CYCLE_SCHEDULE, "cycleWorkflow": {"instructions": []}}
    assert findings(cycle) == ["$.calendarPath: a workflow with a Cycle needs a calendarPath"]


def test_every_expression_is_parsed() -> None:
    bad = "1 +"
    result = findings(
        {"TYPE": "Execute.Named", "jobName": "j", "defaultArguments": {"a": bad}},
        {"TYPE": "Fail", "message": bad},
        {
            "TYPE": "ForkList",
            "children": bad,
            "childToId": "(x) => $x",
            "workflow": {"instructions": [], "result": {"r": bad}},
        },
        {"TYPE": "ConsumeNotices", "boardPaths": "'B' &&", "subworkflow": {}},
        {"TYPE": "AddOrder", "orderId": bad, "workflowPath": "w", "arguments": {"a": bad}},
        orderPreparation={"parameters": {"p": {"type": "String", "default": bad}}},
        result={"r": bad},
    )
    paths = [text.split(": invalid expression")[0] for text in result]
    assert paths == [
        "$.instructions[0].defaultArguments.a",
        "$.instructions[1].message",
        "$.instructions[2].children",
        "$.instructions[2].workflow.result.r",
        "$.instructions[3].boardPaths",
        "$.instructions[4].orderId",
        "$.instructions[4].arguments.a",
        "$.orderPreparation.parameters.p.default",
        "$.result.r",
    ]


def test_return_code_meaning_must_be_one_of_success_and_failure() -> None:
    job = {
        **JOB,
        "executable": {
            "TYPE": "ShellScriptExecutable",
            "script": "x",
            "returnCodeMeaning": {"success": [0], "failure": "1..x"},
        },
    }
    workflow = msgspec.convert({"instructions": [], "jobs": {"j": job}}, Workflow)
    assert verify_workflow(workflow) == [
        Finding("$.jobs.j.executable.returnCodeMeaning", "give either success or failure, not both"),
        Finding(
            "$.jobs.j.executable.returnCodeMeaning.failure",
            "invalid return codes '1..x' (expected like \"0,3..5\")",
        ),
    ]
