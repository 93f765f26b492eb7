"""The Monitor's pure parts: events → steps ended and Agents changed, steps → verdicts by the job's rules, the
rules read from JOC's inventory job, and when a Controller counts as lost."""

from __future__ import annotations

from typing import Any

import pytest

from stellwerk.cockpit.services.monitor import reachability
from stellwerk.cockpit.services.monitor.classify import (
    ERROR,
    RECOVERED,
    WARNING,
    AgentChanged,
    JobRules,
    StepEnded,
    Verdict,
    Watch,
    limit_ms,
    observe,
    relevant,
    rules_of,
    verdicts,
)


def _processed(order_id: str, outcome: dict[str, Any], event_id: int = 5_000) -> dict[str, Any]:
    return {"eventId": event_id, "Key": order_id, "TYPE": "OrderProcessed", "outcome": outcome}


def _step(outcome: str = "Succeeded", code: int | None = 0, **more: Any) -> StepEnded:
    fields: dict[str, Any] = {"message": None, "stderr_written": False, **more}
    return StepEnded(order_id="o", event_id=1, outcome=outcome, return_code=code, **fields)


def test_relevant_keeps_only_step_and_agent_events() -> None:
    events = [
        {"TYPE": "OrderAdded", "Key": "o"},
        {"TYPE": "OrderProcessingStarted", "Key": "o"},
        {"TYPE": "OrderStdoutWritten", "Key": "o", "chunk": "x"},
        {"TYPE": "AgentCoupled", "Key": "a"},
        {"TYPE": "JournalEventsReleased"},
    ]
    assert [e["TYPE"] for e in relevant(events)] == ["OrderProcessingStarted", "AgentCoupled"]


def test_a_failed_step_with_its_return_code_and_message() -> None:
    failed = {"TYPE": "Failed", "message": "boom", "namedValues": {"returnCode": 3}}
    [step] = observe(Watch(), [_processed("o1", failed, 7_000)])
    assert step == StepEnded("o1", 7_000, "Failed", 3, "boom", False)
    assert step.ended == 7


def test_a_step_ended_when_its_event_says_so_as_the_history_records_it() -> None:
    """An Agent's event keeps the Agent's time in its `timestamp`; the History's task ends then."""
    processed = {**_processed("o1", {"TYPE": "Succeeded"}, 7_000_123), "timestamp": 6_990}
    [step] = observe(Watch(), [processed])
    assert (step.time, step.ended) == (6_990, 6_990)


def test_stderr_is_remembered_across_batches_until_the_step_ends() -> None:
    watch = Watch()
    assert observe(watch, [{"TYPE": "OrderProcessingStarted", "Key": "o1"}]) == []
    assert observe(watch, [{"TYPE": "OrderStderrWritten", "Key": "o1", "chunk": "oops\n"}]) == []
    ok = {"TYPE": "Succeeded", "namedValues": {"returnCode": 0}}
    [step] = observe(watch, [_processed("o1", ok)])
    assert isinstance(step, StepEnded) and step.stderr_written
    [again] = observe(watch, [{"TYPE": "OrderProcessingStarted", "Key": "o1"}, _processed("o1", ok)])
    assert isinstance(again, StepEnded) and not again.stderr_written


def test_timed_out_and_disrupted_outcomes() -> None:
    timed_out = {"TYPE": "TimedOut", "outcome": {"TYPE": "Failed", "namedValues": {"returnCode": 143}}}
    lost = {"TYPE": "Disrupted", "reason": {"TYPE": "ProcessLost", "problem": "Agent restarted"}}
    first, second = observe(Watch(), [_processed("a", timed_out), _processed("b", lost)])
    assert (first.outcome, first.return_code, first.message) == ("TimedOut", 143, "the job timed out")  # type: ignore[union-attr]
    assert (second.outcome, second.return_code, second.message) == (
        "Disrupted",
        None,
        "ProcessLost: Agent restarted",
    )  # type: ignore[union-attr]


def test_an_agent_failing_is_notified_once_until_it_is_coupled_again() -> None:
    watch = Watch()
    failed = {"TYPE": "AgentCouplingFailed", "Key": "agentA", "problem": "connection refused"}
    [lost] = observe(watch, [failed, {**failed, "problem": "timeout"}])
    assert lost == AgentChanged("agentA", True, "Agent agentA: coupling failed: connection refused")
    assert observe(watch, [failed]) == []
    [back] = observe(watch, [{"TYPE": "AgentCoupled", "Key": "agentA"}])
    assert back.failed is False  # type: ignore[union-attr]
    assert observe(watch, [{"TYPE": "AgentCoupled", "Key": "agentA"}]) == [], "coupled without a failure"
    [reset] = observe(watch, [{"TYPE": "AgentReset", "Key": "agentA"}])
    assert reset == AgentChanged("agentA", True, "Agent agentA: coupling failed: the Agent was reset")


def test_a_failed_step_is_one_error_whatever_the_rules() -> None:
    rules = JobRules(warning_codes=((3, 3),), warn_if_longer="1")
    assert verdicts(_step("Failed", 3, message="bad"), rules, 5_000, None) == [
        Verdict(ERROR, "The job failed with return code 3: bad")
    ]
    assert verdicts(_step("Killed", None), JobRules(), 1, None) == [Verdict(ERROR, "The job was killed")]


def test_a_lost_process_is_a_warning_the_step_is_repeated() -> None:
    [verdict] = verdicts(_step("Disrupted", None, message="ProcessLost: gone"), JobRules(), 1, None)
    assert verdict.type == WARNING and "repeated" in verdict.message


def test_warnings_of_a_successful_step() -> None:
    rules = JobRules(warning_codes=((2, 4),), warn_on_err_written=True, warn_if_longer="00:00:10")
    assert verdicts(_step(code=0), rules, 1_000, None) == []
    found = verdicts(_step(code=3, stderr_written=True), rules, 10_001, None)
    assert [v.message for v in found] == [
        "The job ended with the warning return code 3",
        "The job wrote to its error channel (stderr)",
        "The job ran 10.001 s, longer than 10.000 s",
    ]
    assert verdicts(_step(stderr_written=True), JobRules(), 1, None) == [], "stderr warns only when told to"


def test_shorter_than_and_percentages_of_the_average() -> None:
    shorter = JobRules(warn_if_shorter="5s")
    assert [v.message for v in verdicts(_step(), shorter, 4_999, None)] == [
        "The job ran 4.999 s, shorter than 5.000 s"
    ]
    assert verdicts(_step(), shorter, 5_000, None) == []
    by_average = JobRules(warn_if_longer="50%", warn_if_shorter="50%")
    assert verdicts(_step(), by_average, 100_000, None) == [], "no average yet: no warning"
    assert verdicts(_step(), by_average, 1_500, 1_000.0) == []
    assert len(verdicts(_step(), by_average, 1_501, 1_000.0)) == 1
    assert len(verdicts(_step(), by_average, 499, 1_000.0)) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01:02:03", 3_723_000.0), ("90", 90_000.0), ("90s", 90_000.0), ("", None), ("1h", None)],
)
def test_limits(text: str, expected: float | None) -> None:
    assert limit_ms(text, None, longer=True) == expected


def test_rules_from_the_inventory_job() -> None:
    job = {
        "agentName": "agentA",
        "executable": {
            "TYPE": "ShellScriptExecutable",
            "script": "x",
            "returnCodeMeaning": {"warning": "1,5..7"},
        },
        "warnOnErrWritten": True,
        "warnIfLonger": "10",
        "criticality": "CRITICAL",
        "notification": {"types": ["ERROR"], "mail": {"to": "ops@example.com", "cc": "lead@example.com"}},
    }
    assert rules_of(job) == JobRules(
        warning_codes=((1, 1), (5, 7)),
        warn_on_err_written=True,
        warn_if_longer="10",
        criticality="CRITICAL",
        mail_to="ops@example.com",
        mail_cc="lead@example.com",
    )
    assert rules_of({"returnCodeMeaning": {"warning": [2, 3]}}).warning_codes == ((2, 2), (3, 3))
    assert rules_of({"executable": {"returnCodeMeaning": {"warning": "x"}}}).warning_codes == ()


def test_a_controller_is_lost_after_the_setting_and_recovers_once() -> None:
    state = reachability.Reachability()
    assert reachability.check(state, "c", None, 0, 1_000) is None, "unknown changes nothing"
    assert reachability.check(state, "c", False, 0, 1_000) is None
    assert reachability.check(state, "c", False, 999, 1_000) is None
    assert reachability.check(state, "c", False, 1_000, 1_000) == ERROR
    assert reachability.check(state, "c", False, 5_000, 1_000) is None, "notified once"
    assert reachability.check(state, "c", True, 6_000, 1_000) == RECOVERED
    assert reachability.check(state, "c", True, 7_000, 1_000) is None
    assert reachability.check(state, "c", False, 8_000, 1_000) is None, "a new loss counts from now"
    reachability.forget(state, set())
    assert state == reachability.Reachability()
