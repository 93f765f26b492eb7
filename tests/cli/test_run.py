"""`stellwerk run` as a user runs it: a subprocess with files on disk."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).parents[2]


def run(*args: str, cwd: Path | None = None, timeout: float = 60) -> tuple[int, list[dict[str, Any]], str]:
    done = subprocess.run(
        [sys.executable, "-m", "stellwerk", "run", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def write(folder: Path, name: str, item: dict[str, Any] | str) -> Path:
    path = folder / name
    path.write_text(item if isinstance(item, str) else json.dumps(item))
    return path


def shell(script: str, **fields: Any) -> dict[str, Any]:
    return {
        "agentName": "agentA",
        "executable": {"TYPE": "ShellScriptExecutable", "script": script},
        **fields,
    }


def one_job(script: str, **fields: Any) -> dict[str, Any]:
    return {
        "TYPE": "Workflow",
        "instructions": [{"TYPE": "Execute.Named", "jobName": "j", "label": "j"}],
        "jobs": {"j": shell(script, **fields)},
    }


def types(events: list[dict[str, Any]], key: str | None = None) -> list[str]:
    return [e["TYPE"] for e in events if key is None or e["Key"] == key]


def test_a_folder_of_examples_runs_to_the_end() -> None:
    code, events, stderr = run("--skip-time", str(ROOT / "examples" / "parallel"))
    assert code == 0, stderr
    finished = [e["Key"] for e in events if e["TYPE"] == "OrderFinished"]
    assert len(finished) == 2
    report = "".join(
        e["chunk"] for e in events if e["TYPE"] == "OrderStdoutWritten" and e["Key"].endswith("forkJoin")
    )
    assert report == "left=2 right=5\n"


def test_malformed_json_is_refused_with_the_file_named(tmp_path: Path) -> None:
    write(tmp_path, "broken.workflow.json", '{"TYPE": "Workflow", "instructions": [')
    code, events, stderr = run(str(tmp_path))
    assert code == 2
    assert events == []
    assert "broken.workflow.json" in stderr


def test_an_unknown_job_is_refused_with_its_json_path(tmp_path: Path) -> None:
    workflow = one_job("exit 0")
    workflow["instructions"] = [
        {
            "TYPE": "If",
            "predicate": "true",
            "then": {"instructions": [{"TYPE": "Execute.Named", "jobName": "x", "label": "x"}]},
        }
    ]
    write(tmp_path, "w.workflow.json", workflow)
    code, _, stderr = run(str(tmp_path))
    assert code == 2
    assert "w.workflow.json: $.instructions[0].then.instructions[0].jobName: unknown job 'x'" in stderr


def test_a_wrong_type_is_refused_with_its_json_path(tmp_path: Path) -> None:
    write(tmp_path, "w.workflow.json", one_job("exit 0", parallelism="two"))
    code, _, stderr = run(str(tmp_path))
    assert code == 2
    assert "w.workflow.json: $.jobs.j.parallelism" in stderr


def test_a_malformed_order_spec_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "w.workflow.json", one_job("exit 0"))
    code, _, stderr = run("--order", '{"workflowName": "w", "colour": 1}', str(tmp_path))
    assert code == 2
    assert "colour" in stderr


def test_an_unknown_workflow_in_an_order_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "w.workflow.json", one_job("exit 0"))
    code, events, stderr = run("--order", '{"workflowName": "nope"}', str(tmp_path))
    assert code == 2
    assert "nope" in stderr
    assert events == []


def test_yaml_workflows_run(tmp_path: Path) -> None:
    write(
        tmp_path,
        "y.workflow.yaml",
        "TYPE: Workflow\ninstructions:\n  - {TYPE: Execute.Named, jobName: j, label: j}\n"
        "jobs:\n  j:\n    agentName: agentA\n    executable: {TYPE: ShellScriptExecutable, script: 'echo from yaml'}\n",
    )
    code, events, stderr = run(str(tmp_path))
    assert code == 0, stderr
    assert [e["chunk"] for e in events if e["TYPE"] == "OrderStdoutWritten"] == ["from yaml\n"]


def test_timeout_stops_the_run_and_its_processes(tmp_path: Path) -> None:
    marker = f"stellwerk-test-{time.time_ns()}"
    write(tmp_path, "w.workflow.json", one_job(f"exec sleep 30 # {marker}"))
    started = time.monotonic()
    code, events, stderr = run("--timeout", "1", str(tmp_path))
    assert code == 4, stderr
    assert time.monotonic() - started < 20
    assert "OrderProcessingStarted" in types(events)
    survivors = [p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])]
    assert survivors == []


def test_skip_time_jumps_over_long_sleeps(tmp_path: Path) -> None:
    workflow = one_job("exit 0")
    workflow["instructions"].insert(0, {"TYPE": "Sleep", "duration": "3600"})
    write(tmp_path, "w.workflow.json", workflow)
    started = time.monotonic()
    code, events, stderr = run("--skip-time", str(tmp_path))
    assert code == 0, stderr
    assert time.monotonic() - started < 20
    sleeping = next(e for e in events if e["TYPE"] == "OrderSleeping")
    moved = next(e for e in events if e["TYPE"] == "OrderMoved")
    assert moved["eventId"] // 1000 >= sleeping["until"]


def test_a_stuck_run_names_the_obstacle(tmp_path: Path) -> None:
    code, _, stderr = run(
        "--order",
        '{"workflowName": "prompt", "orderId": "q"}',
        str(ROOT / "tests/conformance/examples/e13_prompt"),
    )
    assert code == 3
    assert "q: prompting: Approve deployment?" in stderr


def test_job_resources_and_order_arguments_reach_the_environment(tmp_path: Path) -> None:
    write(
        tmp_path,
        "db.jobresource.json",
        {"TYPE": "JobResource", "arguments": {"url": "'db://x'"}, "env": {"DB_URL": "$url"}},
    )
    workflow = one_job('echo "$DB_URL $WHO"', jobResourceNames=["db"])
    workflow["jobs"]["j"]["executable"]["env"] = {"WHO": "$who"}
    workflow["orderPreparation"] = {"parameters": {"who": {"type": "String"}}}
    write(tmp_path, "w.workflow.json", workflow)
    code, events, stderr = run("--order", '{"workflowName": "w", "arguments": {"who": "me"}}', str(tmp_path))
    assert code == 0, stderr
    assert [e["chunk"] for e in events if e["TYPE"] == "OrderStdoutWritten"] == ["db://x me\n"]


def test_a_missing_required_argument_is_refused(tmp_path: Path) -> None:
    workflow = one_job("exit 0")
    workflow["orderPreparation"] = {"parameters": {"who": {"type": "String"}}}
    write(tmp_path, "w.workflow.json", workflow)
    code, _, stderr = run(str(tmp_path))
    assert code == 2
    assert "who" in stderr


def test_process_limit_runs_one_process_at_a_time(tmp_path: Path) -> None:
    write(tmp_path, "w.workflow.json", one_job("sleep 0.2", parallelism=1))
    code, events, stderr = run(
        "--order",
        '{"workflowName": "w", "orderId": "a"}',
        "--order",
        '{"workflowName": "w", "orderId": "b"}',
        str(tmp_path),
    )
    assert code == 0, stderr
    steps = [
        (e["Key"], e["TYPE"]) for e in events if e["TYPE"] in {"OrderProcessingStarted", "OrderProcessed"}
    ]
    assert steps == [
        ("a", "OrderProcessingStarted"),
        ("a", "OrderProcessed"),
        ("b", "OrderProcessingStarted"),
        ("b", "OrderProcessed"),
    ]


def test_a_python_job_that_raises_fails_the_order(tmp_path: Path) -> None:
    (tmp_path / "jobs_mod.py").write_text("def boom(step):\n    raise RuntimeError('no')\n")
    workflow = one_job("unused")
    workflow["jobs"]["j"]["executable"] = {"TYPE": "InternalExecutable", "className": "jobs_mod:boom"}
    write(tmp_path, "w.workflow.json", workflow)
    code, events, stderr = run(str(tmp_path))
    assert code == 1, stderr
    processed = next(e for e in events if e["TYPE"] == "OrderProcessed")
    assert processed["outcome"] == {"TYPE": "Failed", "namedValues": {"returnCode": 1}}
    assert "RuntimeError: no" in "".join(e["chunk"] for e in events if e["TYPE"] == "OrderStderrWritten")
