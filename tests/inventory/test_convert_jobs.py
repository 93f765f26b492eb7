"""Inventory jobs, executables, parameters and items -> engine, one row per mapping."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stellwerk.inventory.literals import literal_expression, quote_string
from tests.inventory.helpers import as_json, decoded, named, shell_job, workflow

SCRIPT = {"TYPE": "ShellScriptExecutable", "script": "exit 0\n"}


def engine_job(job: dict[str, Any]) -> dict[str, Any]:
    converted = workflow({"instructions": [named("j")], "jobs": {"j": job}})
    result: dict[str, Any] = as_json(converted.jobs["j"])
    return result


def test_job_fields() -> None:
    job = shell_job(
        parallelism=4,
        graceTimeout=3,
        timeout=9,
        jobResourceNames=["R"],
        skipIfNoAdmissionForOrderDay=True,
        isNotRestartable=True,
        failOnErrWritten=True,
        title="t",
        documentationName="d",
        criticality="MINOR",
        warnIfLonger="1",
        warnIfShorter="2",
        warnOnErrWritten=True,
        notification={"mail": {}},
        jobTemplate={"name": "tpl"},
    )
    assert engine_job(job) == {
        "agentPath": "agentA",
        "executable": SCRIPT,
        "jobResourcePaths": ["R"],
        "processLimit": 4,
        "sigkillDelay": 3,
        "timeout": 9,
        "failOnErrWritten": True,
        "skipIfNoAdmissionStartForOrderDay": True,
        "isNotRestartable": True,
    }


@pytest.mark.parametrize(
    ("fields", "expression"),
    [
        ({"subagentClusterId": "bundle"}, "'bundle'"),
        ({"subagentClusterIdExpr": "$b", "withSubagentClusterIdExpr": True}, "$b"),
        ({"subagentClusterId": "x", "subagentClusterIdExpr": "$b"}, "$b"),
    ],
)
def test_subagent_cluster(fields: dict[str, Any], expression: str) -> None:
    assert engine_job(shell_job(**fields))["subagentBundleIdExpr"] == expression


@pytest.mark.parametrize(
    ("joc", "engine"),
    [
        ({"success": "0,1"}, {"success": "0,1"}),
        ({"failure": [2]}, {"failure": [2]}),
        ({"success": [0, 1], "warning": [3]}, {"success": [0, 1, 3]}),
        ({"success": "0..2", "warning": "3,7"}, {"success": "0..3,7"}),
        ({"warning": [5]}, {"success": [0, 5]}),
        ({"failure": "1..9", "warning": "3..4"}, {"failure": "1..2,5..9"}),
        ({"failure": "none"}, {"failure": []}),
    ],
)
def test_return_code_meaning(joc: dict[str, Any], engine: dict[str, Any]) -> None:
    executable = {**SCRIPT, "returnCodeMeaning": joc}
    assert engine_job(shell_job(executable=executable))["executable"]["returnCodeMeaning"] == engine


def test_deprecated_job_level_return_codes_move_to_the_executable() -> None:
    job = shell_job(returnCodeMeaning={"success": [0, 4]})
    assert engine_job(job)["executable"]["returnCodeMeaning"] == {"success": [0, 4]}


def test_legacy_script_executable_and_internal_executable() -> None:
    legacy = {"TYPE": "ScriptExecutable", "script": "x", "env": {"A": "$epochMilli"}}
    assert engine_job(shell_job(executable=legacy))["executable"] == {
        "TYPE": "ShellScriptExecutable",
        "script": "x",
        "env": {"A": "$js7EpochMilli"},
    }
    internal = {
        "TYPE": "InternalExecutable",
        "className": "pkg.mod:fn",
        "internalType": "Python_Graal",
        "jobArguments": {"n": 2, "s": "$x"},
        "arguments": {"a": "'b'"},
    }
    assert engine_job(shell_job(executable=internal))["executable"] == {
        "TYPE": "InternalExecutable",
        "className": "pkg.mod:fn",
        "jobArguments": {"n": "2", "s": "$x"},
        "arguments": {"a": "'b'"},
    }


@pytest.mark.parametrize(
    ("parameter", "engine"),
    [
        ({"type": "String", "default": "fast"}, {"type": "String", "default": "'fast'"}),
        ({"type": "String", "default": "it's"}, {"type": "String", "default": '"it\'s"'}),
        ({"type": "String", "default": ""}, {"type": "String", "default": '""'}),
        ({"type": "Number", "default": 3}, {"type": "Number", "default": "3"}),
        ({"type": "Number", "default": 2.50}, {"type": "Number", "default": "2.5"}),
        ({"type": "Number", "default": "7"}, {"type": "Number", "default": "7"}),
        ({"type": "Boolean", "default": True}, {"type": "Boolean", "default": "true"}),
        ({"type": "String"}, {"type": "String"}),
        ({"type": "String", "final": "$epochSecond"}, {"final": "$js7EpochSecond"}),
        (
            {"type": "List", "listParameters": {"h": {"type": "String"}}, "default": [{"h": "a"}]},
            {
                "type": {"TYPE": "List", "elementType": {"TYPE": "Object", "h": "String"}},
                "default": "[{h: 'a'}]",
            },
        ),
        (
            {"type": "Map", "listParameters": {"k": {"type": "Number"}}},
            {"type": {"TYPE": "Object", "k": "Number"}},
        ),
    ],
)
def test_order_parameters(parameter: dict[str, Any], engine: dict[str, Any]) -> None:
    converted = workflow(
        {"orderPreparation": {"parameters": {"p": parameter}}, "instructions": [{"TYPE": "Finish"}]}
    )
    assert as_json(converted.order_preparation.parameters["p"]) == engine


def test_literal_expressions() -> None:
    assert quote_string("a$b") == "'a$b'"
    assert quote_string('it\'s "$x"\n') == '"it\'s \\"\\$x\\"\\n"'
    assert literal_expression({"a": [1, Decimal("0.5")], "b": None}) is None
    assert literal_expression({"a": [1, Decimal("0.5")]}) == "{a: [1, 0.5]}"


@pytest.mark.parametrize(
    ("file_name", "document", "engine"),
    [
        (
            "L.lock.json",
            {"TYPE": "Lock", "limit": 3, "title": "t"},
            {"TYPE": "Lock", "path": "L", "limit": 3},
        ),
        (
            "B.noticeboard.json",
            {
                "TYPE": "Board",
                "boardType": "GLOBAL",
                "postOrderToNoticeId": "$a",
                "expectOrderToNoticeId": "$b",
                "endOfLife": "$epochMilli + 1",
            },
            {
                "TYPE": "GlobalBoard",
                "path": "B",
                "postOrderToNoticeKey": "$a",
                "expectOrderToNoticeKey": "$b",
                "endOfLife": "$js7EpochMilli + 1",
            },
        ),
        (
            "P.noticeboard.json",
            {"TYPE": "Board", "boardType": "PLANNABLE", "postOrderToNoticeId": "$a"},
            {
                "TYPE": "PlannableBoard",
                "path": "P",
                "postOrderToNoticeKey": "$a",
                "expectOrderToNoticeKey": '""',
            },
        ),
        (
            "R.jobresource.json",
            {"TYPE": "JobResource", "arguments": {"a": "'1'"}, "env": {"A": "$a"}},
            {"TYPE": "JobResource", "path": "R", "variables": {"a": "'1'"}, "env": {"A": "$a"}},
        ),
        (
            "F.fileordersource.json",
            {
                "TYPE": "FileWatch",
                "workflowName": "W",
                "agentName": "A",
                "directory": "/in",
                "pattern": ".*",
                "delay": 2,
            },
            {
                "TYPE": "FileWatch",
                "path": "F",
                "workflowPath": "W",
                "agentPath": "A",
                "directoryExpr": "'/in'",
                "pattern": ".*",
                "delay": 2,
            },
        ),
        (
            "G.fileordersource.json",
            {"workflowName": "W", "agentName": "A", "directoryExpr": "env('IN')"},
            {
                "TYPE": "FileWatch",
                "path": "G",
                "workflowPath": "W",
                "agentPath": "A",
                "directoryExpr": "env('IN')",
            },
        ),
    ],
)
def test_items(file_name: str, document: dict[str, Any], engine: dict[str, Any]) -> None:
    assert as_json(decoded(document, file_name)) == engine
