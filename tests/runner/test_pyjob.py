from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from stellwerk.model.jobs import InternalExecutable, WorkflowJob
from stellwerk.model.outcome import Failed, Succeeded
from stellwerk.model.values import Value
from stellwerk.runner.executors import StepResult, execute_job

if TYPE_CHECKING:
    from conftest import OutputRecorder

JOBS = """
    import sys

    def greet(step):
        print("hello", step.arguments["name"], step.order_id)
        step.err.write("to stderr\\n")
        return {"greeting": "hi " + step.arguments["name"], "doubled": step.arguments["amount"] * 2, "ok": True}

    def exit_code(step):
        return 4

    def nothing(step):
        return None

    def boom(step):
        raise RuntimeError("boom")

    def multi_line(step):
        return {"text": "two\\nlines"}

    class Counter:
        def process(self, step):
            return {"limit": step.job_arguments["limit"]}
"""


@pytest.fixture
def modules(tmp_path: Path) -> Path:
    directory = tmp_path / "modules"
    directory.mkdir()
    (directory / "sample_jobs.py").write_text(textwrap.dedent(JOBS))
    return directory


def run_internal(
    class_name: str,
    work_dir: Path,
    output: OutputRecorder,
    env: Mapping[str, str | None] | None = None,
    arguments: Mapping[str, Value] | None = None,
    job_arguments: Mapping[str, Value] | None = None,
) -> StepResult:
    job = WorkflowJob(agent_path="AGENT", executable=InternalExecutable(class_name=class_name))
    step = execute_job(
        job, env or {}, arguments or {}, work_dir, output, job_arguments=job_arguments, order_id="#1"
    )
    return asyncio.run(step)


def test_function_returning_a_dict(modules: Path, output: OutputRecorder) -> None:
    arguments: dict[str, Value] = {"name": "Ada", "amount": Decimal("1.5")}
    result = run_internal("sample_jobs:greet", modules, output, arguments=arguments)
    assert result.outcome == Succeeded(
        named_values={"returnCode": 0, "greeting": "hi Ada", "doubled": "3.0", "ok": "true"}
    )
    assert output.text("stdout") == "hello Ada #1\n"
    assert output.text("stderr") == "to stderr\n"


def test_module_found_through_pythonpath(modules: Path, tmp_path: Path, output: OutputRecorder) -> None:
    result = run_internal("sample_jobs:exit_code", tmp_path, output, env={"PYTHONPATH": str(modules)})
    assert result.outcome == Failed(named_values={"returnCode": 4})


def test_none_is_success(modules: Path, output: OutputRecorder) -> None:
    assert run_internal("sample_jobs:nothing", modules, output).outcome == Succeeded(
        named_values={"returnCode": 0}
    )


def test_exception_gives_traceback_and_return_code_1(modules: Path, output: OutputRecorder) -> None:
    result = run_internal("sample_jobs:boom", modules, output)
    assert result.outcome == Failed(named_values={"returnCode": 1})
    assert "Traceback" in output.text("stderr")
    assert result.process is not None and result.process.last_stderr_line == "RuntimeError: boom"


def test_class_with_process_method(modules: Path, output: OutputRecorder) -> None:
    result = run_internal("sample_jobs:Counter", modules, output, job_arguments={"limit": 10})
    assert result.outcome == Succeeded(named_values={"returnCode": 0, "limit": "10"})


@pytest.mark.parametrize(
    ("class_name", "message"),
    [
        ("sample_jobs:missing", "has no 'missing'"),
        ("no_such_module:job", "Cannot import 'no_such_module'"),
        ("sample_jobs", "must be 'module:name'"),
        ("sample_jobs:multi_line", "cannot be written as one NAME=VALUE line"),
    ],
)
def test_unusable_jobs_fail_with_a_message(
    modules: Path, output: OutputRecorder, class_name: str, message: str
) -> None:
    result = run_internal(class_name, modules, output)
    assert result.outcome == Failed(named_values={"returnCode": 1})
    assert message in output.text("stderr")
