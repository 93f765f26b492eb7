"""From how a process ended to the step's outcome (JS7's process step semantics)."""

from __future__ import annotations

from collections.abc import Mapping

from stellwerk.model.jobs import WorkflowJob, return_code_meaning
from stellwerk.model.outcome import Failed, Killed, Outcome, Succeeded, TimedOut
from stellwerk.runner.process import ProcessResult


def process_outcome(job: WorkflowJob, result: ProcessResult, return_values: Mapping[str, str]) -> Outcome:
    """returnCodeMeaning decides success; failOnErrWritten fails a success that wrote to stderr;
    a timeout or a kill wraps the outcome (the timeout first, as in JS7)."""
    outcome = completed_outcome(job, result.return_code, return_values)
    if isinstance(outcome, Succeeded) and job.fail_on_err_written and result.stderr_written:
        # As JS7: the message replaces the named values.
        outcome = Failed(message=f"The job's error channel: {result.last_stderr_line or ''}")
    if result.timed_out:
        return TimedOut(outcome=outcome)
    if result.killed:
        return Killed(outcome=outcome)
    return outcome


def completed_outcome(
    job: WorkflowJob, return_code: int, return_values: Mapping[str, str]
) -> Succeeded | Failed:
    """The return values plus `returnCode`, which wins over a return value of that name (as in JS7)."""
    named_values: dict[str, object] = {"returnCode": return_code}
    named_values |= {name: value for name, value in return_values.items() if name != "returnCode"}
    if return_code_meaning(job).is_success(return_code):
        return Succeeded(named_values=named_values)
    return Failed(named_values=named_values)
