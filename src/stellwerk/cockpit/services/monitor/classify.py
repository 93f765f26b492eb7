"""PURE: what the Monitor learns from a batch of a Controller's events. A job step that ended (`OrderProcessed`,
with its outcome, return code and whether the job wrote to stderr since it started) and the Agents that lost or
regained their coupling (`AgentCouplingFailed`, `AgentReset`, `AgentCoupled`). `observe` keeps what it needs
between batches in a `Watch`: the orders whose running step wrote to stderr, the Agents now failing (an Agent
that fails again with another problem is notified once, until it is coupled again).

`verdicts` then judges a step by its job's JOC-only settings (`JobRules`): ERROR for a failed step, WARNING for a
`returnCodeMeaning.warning` code, for stderr with `warnOnErrWritten`, and for a duration beyond `warnIfLonger` or
below `warnIfShorter`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stellwerk.model.jobs import parse_code_ranges

ERROR = "ERROR"
WARNING = "WARNING"
RECOVERED = "RECOVERED"

_STEP_EVENTS = frozenset({"OrderProcessingStarted", "OrderStderrWritten", "OrderProcessed"})
_AGENT_EVENTS = frozenset({"AgentCouplingFailed", "AgentReset", "AgentCoupled"})
WATCHED = _STEP_EVENTS | _AGENT_EVENTS


@dataclass(frozen=True)
class StepEnded:
    """A job step that ended: `event_id` is OrderProcessed's, `outcome` its TYPE (Succeeded, Failed, TimedOut,
    Killed, Disrupted); `message` the outcome's problem, if any; `time` when it ended (the event's timestamp,
    the Agent's time; None: its EventId's)."""

    order_id: str
    event_id: int
    outcome: str
    return_code: int | None
    message: str | None
    stderr_written: bool
    time: int | None = None

    @property
    def ended(self) -> int:
        """When the step ended (epoch ms), as the History recorded it."""
        return self.event_id // 1000 if self.time is None else self.time


@dataclass(frozen=True)
class AgentChanged:
    """An Agent that failed (`failed`) or was coupled again."""

    agent_id: str
    failed: bool
    message: str


@dataclass
class Watch:
    """What `observe` remembers between the batches of one Controller."""

    stderr: set[str] = field(default_factory=set)
    failing_agents: set[str] = field(default_factory=set)


def relevant(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events the Monitor looks at (cheap: the History's batch listener calls it)."""
    return [event for event in events if event.get("TYPE") in WATCHED]


def observe(watch: Watch, events: Iterable[Mapping[str, Any]]) -> list[StepEnded | AgentChanged]:
    """The steps ended and the Agents changed in `events`; `watch` is updated."""
    found: list[StepEnded | AgentChanged] = []
    for event in events:
        kind, key = event.get("TYPE"), str(event.get("Key", ""))
        if kind == "OrderProcessingStarted":
            watch.stderr.discard(key)
        elif kind == "OrderStderrWritten":
            watch.stderr.add(key)
        elif kind == "OrderProcessed":
            found.append(_step(key, event, key in watch.stderr))
            watch.stderr.discard(key)
        elif kind in ("AgentCouplingFailed", "AgentReset") and key not in watch.failing_agents:
            watch.failing_agents.add(key)
            problem = event.get("problem") or ("the Agent was reset" if kind == "AgentReset" else "")
            found.append(AgentChanged(key, True, f"Agent {key}: coupling failed: {problem}"))
        elif kind == "AgentCoupled" and key in watch.failing_agents:
            watch.failing_agents.discard(key)
            found.append(AgentChanged(key, False, f"Agent {key} is coupled again"))
    return found


def _step(order_id: str, event: Mapping[str, Any], stderr_written: bool) -> StepEnded:
    outcome = event.get("outcome") or {}
    kind = str(outcome.get("TYPE", ""))
    inner = outcome.get("outcome") if kind in ("TimedOut", "Killed") else outcome
    named = (inner or {}).get("namedValues") or {}
    code = named.get("returnCode")
    message = (inner or {}).get("message")
    if kind == "Disrupted":
        reason = outcome.get("reason") or {}
        message = f"{reason.get('TYPE', 'Disrupted')}: {reason.get('problem') or 'the process was disrupted'}"
    if kind == "TimedOut":
        message = message or "the job timed out"
    return StepEnded(
        order_id=order_id,
        event_id=int(event.get("eventId", 0)),
        outcome=kind,
        return_code=code if isinstance(code, int) and not isinstance(code, bool) else None,
        message=message if isinstance(message, str) else None,
        stderr_written=stderr_written,
        time=time if isinstance(time := event.get("timestamp"), int) else None,
    )


@dataclass(frozen=True)
class JobRules:
    """The JOC-only settings of a job that decide its warnings (from its inventory definition)."""

    warning_codes: tuple[tuple[int, int], ...] = ()
    warn_on_err_written: bool = False
    warn_if_longer: str | None = None
    warn_if_shorter: str | None = None
    criticality: str = "NORMAL"
    mail_to: str | None = None
    mail_cc: str | None = None
    mail_bcc: str | None = None


@dataclass(frozen=True)
class Verdict:
    """A notification a step deserves: ERROR or WARNING, and why."""

    type: str
    message: str


_CLOCK = re.compile(r"^([0-9]+):([0-5][0-9]):([0-5][0-9])$")
_SECONDS = re.compile(r"^([0-9]+)s?$")
_PERCENT = re.compile(r"^([0-9]+)%$")


def limit_ms(text: str | None, average_ms: float | None, *, longer: bool) -> float | None:
    """A `warnIfLonger`/`warnIfShorter` (`HH:MM:SS`, seconds, or a percentage of the job's average duration) as
    milliseconds: a percentage p allows the average ± p% (longer: +, shorter: −); None when it does not apply
    (not set, not understood, or a percentage without an average yet)."""
    if not text:
        return None
    if clock := _CLOCK.match(text):
        hours, minutes, seconds = (int(part) for part in clock.groups())
        return float((hours * 3600 + minutes * 60 + seconds) * 1000)
    if seconds_match := _SECONDS.match(text):
        return float(int(seconds_match.group(1)) * 1000)
    if (percent := _PERCENT.match(text)) and average_ms is not None:
        share = int(percent.group(1)) / 100
        return average_ms * (1 + share) if longer else average_ms * max(0.0, 1 - share)
    return None


def verdicts(step: StepEnded, rules: JobRules, duration_ms: int, average_ms: float | None) -> list[Verdict]:
    """The notifications a step deserves by its outcome and its job's rules (a failed step: just the ERROR)."""
    if step.outcome != "Succeeded":
        if step.outcome == "Disrupted" and (step.message or "").startswith("ProcessLost"):
            return [Verdict(WARNING, f"The job's process was lost and the step is repeated ({step.message})")]
        return [Verdict(ERROR, _failure_message(step))]
    found = []
    code = step.return_code
    if code is not None and any(low <= code <= high for low, high in rules.warning_codes):
        found.append(Verdict(WARNING, f"The job ended with the warning return code {code}"))
    if step.stderr_written and rules.warn_on_err_written:
        found.append(Verdict(WARNING, "The job wrote to its error channel (stderr)"))
    longest = limit_ms(rules.warn_if_longer, average_ms, longer=True)
    if longest is not None and duration_ms > longest:
        found.append(
            Verdict(WARNING, f"The job ran {_seconds(duration_ms)}, longer than {_seconds(longest)}")
        )
    shortest = limit_ms(rules.warn_if_shorter, average_ms, longer=False)
    if shortest is not None and duration_ms < shortest:
        found.append(
            Verdict(WARNING, f"The job ran {_seconds(duration_ms)}, shorter than {_seconds(shortest)}")
        )
    return found


def _failure_message(step: StepEnded) -> str:
    what = {"TimedOut": "timed out", "Killed": "was killed", "Disrupted": "was disrupted"}.get(
        step.outcome, "failed"
    )
    parts = [f"The job {what}"]
    if step.return_code is not None:
        parts.append(f"with return code {step.return_code}")
    text = " ".join(parts)
    return f"{text}: {step.message}" if step.message else text


def _seconds(millis: float) -> str:
    return f"{millis / 1000:.3f} s"


def rules_of(job: Mapping[str, Any]) -> JobRules:
    """The rules of a job as JOC's inventory JSON has it (`returnCodeMeaning` in the executable, or, deprecated,
    in the job)."""
    executable = job.get("executable") or {}
    meaning = executable.get("returnCodeMeaning") or job.get("returnCodeMeaning") or {}
    mail = (job.get("notification") or {}).get("mail") or {}
    return JobRules(
        warning_codes=code_ranges(meaning.get("warning")),
        warn_on_err_written=bool(job.get("warnOnErrWritten", False)),
        warn_if_longer=job.get("warnIfLonger"),
        warn_if_shorter=job.get("warnIfShorter"),
        criticality=str(job.get("criticality") or "NORMAL"),
        mail_to=mail.get("to"),
        mail_cc=mail.get("cc"),
        mail_bcc=mail.get("bcc"),
    )


def code_ranges(codes: Any) -> tuple[tuple[int, int], ...]:
    """Return codes as a list of ints or a string like `"1,3..5"`; nothing for anything else."""
    if isinstance(codes, list):
        return tuple((c, c) for c in codes if isinstance(c, int))
    return tuple(parse_code_ranges(codes) or ()) if isinstance(codes, str) else ()
