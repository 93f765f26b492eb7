"""Bad input becomes one Problem naming the file and the JSON path, never an exception."""

from __future__ import annotations

from typing import Any

import pytest

from stellwerk.inventory.limits import MAX_INPUT_BYTES, MAX_INSTRUCTION_DEPTH, MAX_SCRIPT_LENGTH
from tests.inventory.helpers import named, problem, shell_job

JOBS = {"j": shell_job()}


def wf(*instructions: dict[str, Any], jobs: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"instructions": list(instructions), "jobs": JOBS if jobs is None else jobs, **fields}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'{"instructions": [', "hello.workflow.json: $: malformed JSON: Input data was truncated"),
        (b"[1]", "hello.workflow.json: $: expected an object, got an array"),
        (
            wf({"TYPE": "If", "predicate": "true", "then": {"instructions": [named("j"), named("x")]}}),
            "hello.workflow.json: $.instructions[0].then.instructions[1].jobName: unknown job 'x'",
        ),
        (
            wf(named("j"), jobs={"a": shell_job(parallelism="2")}),
            "hello.workflow.json: $.jobs.a.parallelism: Expected int, got str",
        ),
        (
            wf(named("j"), jobs={"a": shell_job(), "b": shell_job(parallelism="2")}),
            "hello.workflow.json: $.jobs.b.parallelism: Expected int, got str",
        ),
        (
            wf(named("j"), jobs={"j": shell_job(), "b": "", "c": 1}),
            "hello.workflow.json: $.jobs.b: Expected object, got str",
        ),
        (
            wf(named("j"), jobs={"j": shell_job(), "n": None}),
            "hello.workflow.json: $.jobs.n: Expected object, got null",
        ),
        (
            wf({"TYPE": "AddOrder", "workflowName": "w", "arguments": {"": None}}),
            "hello.workflow.json: $.instructions[0].arguments['']: value has no expression form",
        ),
        (
            wf({"TYPE": "Fail", "outcome": {"my var": None}}),
            "hello.workflow.json: $.instructions[0].outcome['my var']: not a value",
        ),
        (
            wf(
                named("j"),
                jobs={
                    "j": shell_job(
                        executable={
                            "TYPE": "InternalExecutable",
                            "className": "m:f",
                            "jobArguments": {"a.b": None},
                        }
                    )
                },
            ),
            "hello.workflow.json: $.jobs.j.executable.jobArguments['a.b']: value has no expression form",
        ),
        (wf({**named("j"), "colour": "red"}), "hello.workflow.json: $.instructions[0].colour: unknown field"),
        (wf({"TYPE": "Jump"}), "hello.workflow.json: $.instructions[0].TYPE: unknown TYPE 'Jump'"),
        (
            wf({"TYPE": "Execute.Named"}),
            "hello.workflow.json: $.instructions[0].jobName: missing required field",
        ),
        (
            wf(named("j"), jobs={"j": shell_job(agentPath="A")}),
            "hello.workflow.json: $.jobs.j.agentPath: unknown field",
        ),
        (
            wf(named("j"), jobs={"j": shell_job(defaultArguments={"a": "'x'", "b": 1})}),
            "hello.workflow.json: $.jobs.j.defaultArguments.b: Expected str, got int",
        ),
        (
            wf({"TYPE": "Retry"}),
            "hello.workflow.json: $.instructions[0]: Retry is only allowed in a catch block",
        ),
        (
            wf({"TYPE": "Try", "try": {"instructions": [{"TYPE": "Retry"}]}, "catch": {"instructions": []}}),
            "hello.workflow.json: $.instructions[0].try.instructions[0]: Retry is only allowed in a catch block",
        ),
        (
            wf(
                {
                    "TYPE": "Try",
                    "maxTries": 3,
                    "try": {"instructions": [named("j")]},
                    "catch": {"instructions": []},
                }
            ),
            "hello.workflow.json: $.instructions[0].maxTries: maxTries and retryDelays require a Retry in the catch block",
        ),
        (
            wf({"TYPE": "Break"}),
            "hello.workflow.json: $.instructions[0]: Break is only allowed inside a Cycle (and not across a Fork)",
        ),
        (wf(named("j"), named("j")), "hello.workflow.json: $.instructions[1].label: duplicate label 'j'"),
        (
            wf(
                {
                    "TYPE": "Fork",
                    "branches": [
                        {"id": "a", "workflow": {"instructions": [], "result": {"r": "1"}}},
                        {"id": "a", "workflow": {"instructions": [], "result": {"r": "2"}}},
                    ],
                }
            ),
            (
                "hello.workflow.json: $.instructions[0].branches[1].id: duplicate branch id 'a'\n"
                "hello.workflow.json: $.instructions[0].branches[1].workflow.result.r: "
                "result 'r' is also returned by branch 'a'"
            ),
        ),
        (
            wf({"TYPE": "Fork", "branches": []}),
            "hello.workflow.json: $.instructions[0].branches: a Fork needs at least one branch",
        ),
        (
            wf({"TYPE": "Lock", "lockName": "L", "count": 0, "lockedWorkflow": {"instructions": []}}),
            "hello.workflow.json: $.instructions[0].count: count must be at least 1",
        ),
        (
            wf(
                {
                    "TYPE": "Lock",
                    "demands": [{"lockName": "L"}, {"lockName": "L"}],
                    "lockedWorkflow": {"instructions": []},
                }
            ),
            "hello.workflow.json: $.instructions[0].demands[1].lockName: lock 'L' is demanded twice",
        ),
        (
            wf({"TYPE": "Lock", "lockedWorkflow": {"instructions": []}}),
            "hello.workflow.json: $.instructions[0]: a Lock needs demands or lockName",
        ),
        (
            wf({"TYPE": "Prompt", "question": "'unterminated"}),
            "hello.workflow.json: $.instructions[0].question: invalid expression: ",
        ),
        (
            wf(
                {
                    "TYPE": "Segment",
                    "label": "s",
                    "block": {"instructions": [{"TYPE": "Sleep", "duration": "1 +"}]},
                }
            ),
            "hello.workflow.json: $.instructions[0].block.instructions[0].duration: invalid expression: ",
        ),
        (
            wf(
                {
                    "TYPE": "CaseWhen",
                    "cases": [
                        {"predicate": "true", "then": {"instructions": []}},
                        {"predicate": "(", "then": {"instructions": []}},
                    ],
                }
            ),
            "hello.workflow.json: $.instructions[0].cases[1].predicate: invalid expression: ",
        ),
        (
            wf(
                named("j"),
                jobs={
                    "j": shell_job(
                        executable={
                            "TYPE": "ShellScriptExecutable",
                            "script": "x",
                            "returnCodeMeaning": {"success": "0,a"},
                        }
                    )
                },
            ),
            "hello.workflow.json: $.jobs.j.executable.returnCodeMeaning.success: invalid return codes '0,a' (expected like \"0,3..5\")",
        ),
        (
            wf(
                named("j"),
                jobs={"j": shell_job(executable={"TYPE": "InternalExecutable", "className": "com.sos.Job"})},
            ),
            "hello.workflow.json: $.jobs.j.executable.className: 'com.sos.Job' is not like 'module:function'",
        ),
        (
            wf(
                named("j"),
                jobs={
                    "j": shell_job(
                        executable={"TYPE": "ShellScriptExecutable", "script": "x" * (MAX_SCRIPT_LENGTH + 1)}
                    )
                },
            ),
            f"hello.workflow.json: $.jobs.j.executable.script: script longer than {MAX_SCRIPT_LENGTH} characters",
        ),
        (
            wf(orderPreparation={"parameters": {"n": {"type": "Number", "default": "many"}}}),
            "hello.workflow.json: $.orderPreparation.parameters.n.default: default of a Number parameter is not a number",
        ),
        (
            wf(orderPreparation={"parameters": {"b": {"type": "Boolean", "default": 1}}}),
            "hello.workflow.json: $.orderPreparation.parameters.b.default: default 1 does not match type Boolean",
        ),
        (
            wf(orderPreparation={"parameters": {"l": {"type": "List"}}}),
            "hello.workflow.json: $.orderPreparation.parameters.l.listParameters: a List parameter needs listParameters",
        ),
        (
            wf({"TYPE": "ForkList", "children": "x", "workflow": {"instructions": []}}),
            "hello.workflow.json: $.instructions[0]: a ForkList needs children and childToId, or agentName and subagentClusterId(Expr)",
        ),
        (
            wf({"TYPE": "AddOrder", "workflowName": "w", "startPosition": "label"}),
            "hello.workflow.json: $.instructions[0].startPosition: labels ('label') are not supported here; give a position array",
        ),
    ],
)
def test_workflow_rejection(document: dict[str, Any] | bytes, message: str) -> None:
    if message.endswith("invalid expression: "):
        assert problem(document).startswith(message)
    else:
        assert problem(document) == message


def test_item_rejections() -> None:
    assert problem({"limit": "one"}, "L.lock.json") == "L.lock.json: $.limit: Expected int, got str"
    assert (
        problem({"boardType": "GLOBAL"}, "B.noticeboard.json")
        == "B.noticeboard.json: $.postOrderToNoticeId: required for a GLOBAL board"
    )
    assert (
        problem({"workflowName": "w", "agentName": "a"}, "F.fileordersource.json")
        == "F.fileordersource.json: $.directoryExpr: a file order source needs directoryExpr or directory"
    )
    assert (
        problem({"env": {"A": 1}}, "R.jobresource.json")
        == "R.jobresource.json: $.env.A: Expected str, got int"
    )
    assert (
        problem({"type": "WORKINGDAYSCALENDAR"}, "c.calendar.json")
        == "c.calendar.json: $.includes: missing required field"
    )
    assert problem(b"includes: [", "c.calendar.yaml").startswith("c.calendar.yaml: $: malformed YAML: ")
    assert problem(b"1: 2", "c.calendar.yaml") == "c.calendar.yaml: $: object key 1 is not a string"
    assert problem(b"{}", "x.widget.json").startswith("x.widget.json: unknown item kind 'widget'")


def test_limits() -> None:
    too_big = b" " * (MAX_INPUT_BYTES + 1)
    assert (
        problem(too_big)
        == f"hello.workflow.json: $: input of {MAX_INPUT_BYTES + 1} bytes exceeds the limit of {MAX_INPUT_BYTES} bytes"
    )
    nested: dict[str, Any] = {"TYPE": "Options", "block": {"instructions": [named("j")]}}
    for _ in range(MAX_INSTRUCTION_DEPTH + 1):
        nested = {"TYPE": "Options", "block": {"instructions": [nested]}}
    message = problem(wf(nested))
    assert message.startswith("hello.workflow.json: $.instructions[0].block.instructions[0]")
    assert message.endswith(f": instructions nested deeper than {MAX_INSTRUCTION_DEPTH} blocks")
    assert (
        problem(b"[" * 100_000 + b"]" * 100_000) == "hello.workflow.json: $: nesting deeper than 512 levels"
    )
    assert (
        problem(b"a: " + b"[" * 5000 + b"]" * 5000, "x.lock.yaml")
        == "x.lock.yaml: $.a[0][0][0][0][0][0][0][0][0][0]" + "[0]" * 502 + ": nesting deeper than 512 levels"
    )
