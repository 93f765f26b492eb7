from __future__ import annotations

import pytest

from stellwerk.model.jobs import ReturnCodeMeaning, ShellScriptExecutable, WorkflowJob
from stellwerk.model.outcome import Failed, Killed, Succeeded, TimedOut
from stellwerk.runner.outcomes import process_outcome
from stellwerk.runner.process import ProcessResult


def job(meaning: ReturnCodeMeaning | None = None, fail_on_err_written: bool = False) -> WorkflowJob:
    return WorkflowJob(
        agent_path="AGENT",
        executable=ShellScriptExecutable(script=":", return_code_meaning=meaning),
        fail_on_err_written=fail_on_err_written,
    )


def ended(return_code: int, **facts: object) -> ProcessResult:
    return ProcessResult(pid=1, return_code=return_code, **facts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("meaning", "code", "succeeds"),
    [
        (None, 0, True),
        (None, 1, False),
        (ReturnCodeMeaning(success=(0, 3)), 3, True),
        (ReturnCodeMeaning(success=(0, 3)), 4, False),
        (ReturnCodeMeaning(success="0,3..5"), 4, True),
        (ReturnCodeMeaning(success="0,3..5"), 6, False),
        (ReturnCodeMeaning(failure=(1,)), 2, True),
        (ReturnCodeMeaning(failure="1..9"), 9, False),
    ],
)
def test_return_code_meaning(meaning: ReturnCodeMeaning | None, code: int, succeeds: bool) -> None:
    outcome = process_outcome(job(meaning), ended(code), {})
    assert isinstance(outcome, Succeeded if succeeds else Failed)
    assert outcome.named_values == {"returnCode": code}


def test_return_values_become_named_values_and_return_code_wins() -> None:
    outcome = process_outcome(job(), ended(0), {"a": "1", "returnCode": "99"})
    assert outcome == Succeeded(named_values={"returnCode": 0, "a": "1"})


def test_fail_on_err_written_fails_a_success_with_the_last_error_line() -> None:
    result = ended(0, stderr_written=True, last_stderr_line="disk full")
    assert process_outcome(job(fail_on_err_written=True), result, {}) == Failed(
        message="The job's error channel: disk full"
    )
    assert isinstance(process_outcome(job(), result, {}), Succeeded)


def test_timeout_and_kill_wrap_the_outcome() -> None:
    timed_out = process_outcome(job(), ended(143, signal=15, timed_out=True, killed=True), {})
    assert timed_out == TimedOut(outcome=Failed(named_values={"returnCode": 143}))
    killed = process_outcome(job(), ended(137, signal=9, killed=True), {})
    assert killed == Killed(outcome=Failed(named_values={"returnCode": 137}))
