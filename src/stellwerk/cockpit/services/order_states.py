"""The states JOC shows for the engine's orders: each engine order state falls into one of JOC's
`OrderStateText` groups (with a severity for the colour and, for WAITING, the reason), as JOC's OrdersHelper
groups them. A pure mapping; `now` decides whether a fresh order is due."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from stellwerk.cockpit.db.enums import HistoryState, OrderStateText
from stellwerk.model import order as o

# JOC's "never": a fresh order scheduled at or after 9999-12-31 waits for a start by hand (PENDING).
NEVER_MILLIS = 253_402_214_400_000

_GROUPS: dict[type[o.OrderState], OrderStateText] = {
    o.Fresh: OrderStateText.SCHEDULED,
    o.Ready: OrderStateText.INPROGRESS,
    o.Processed: OrderStateText.INPROGRESS,
    o.Processing: OrderStateText.RUNNING,
    o.ProcessingKilled: OrderStateText.FAILED,
    o.DelayingRetry: OrderStateText.WAITING,
    o.Forked: OrderStateText.WAITING,
    o.WaitingForLock: OrderStateText.WAITING,
    o.ExpectingNotices: OrderStateText.WAITING,
    o.BetweenCycles: OrderStateText.WAITING,
    o.Sleeping: OrderStateText.WAITING,
    o.WaitingForAdmission: OrderStateText.WAITING,
    o.Prompting: OrderStateText.PROMPTING,
    o.Failed: OrderStateText.FAILED,
    o.FailedWhileFresh: OrderStateText.FAILED,
    o.FailedInFork: OrderStateText.FAILED,
    o.Stopped: OrderStateText.FAILED,
    o.StoppedWhileFresh: OrderStateText.FAILED,
    o.Broken: OrderStateText.FAILED,
    o.Finished: OrderStateText.FINISHED,
    o.Cancelled: OrderStateText.CANCELLED,
}

# JOC's `OrderWaitingReason` of the WAITING states.
_REASONS: dict[type[o.OrderState], str] = {
    o.DelayingRetry: "DELAYING_RETRY",
    o.Forked: "FORKED",
    o.WaitingForLock: "WAITING_FOR_LOCK",
    o.ExpectingNotices: "EXPECTING_NOTICES",
    o.BetweenCycles: "BETWEEN_CYCLES",
    o.Sleeping: "SLEEPING",
    o.WaitingForAdmission: "WAITING_FOR_ADMISSION",
}

# JOC's severities (the colour of a state in its views).
SEVERITIES: dict[OrderStateText, int] = {
    OrderStateText.RUNNING: 0,
    OrderStateText.SCHEDULED: 1,
    OrderStateText.FAILED: 2,
    OrderStateText.CANCELLED: 2,
    OrderStateText.BROKEN: 2,
    OrderStateText.UNKNOWN: 2,
    OrderStateText.INPROGRESS: 3,
    OrderStateText.PLANNED: 4,
    OrderStateText.PENDING: 4,
    OrderStateText.SUSPENDED: 5,
    OrderStateText.FINISHED: 6,
    OrderStateText.BLOCKED: 7,
    OrderStateText.WAITING: 8,
    OrderStateText.PROMPTING: 9,
}

HISTORY_SEVERITIES: dict[HistoryState, int] = {
    HistoryState.SUCCESSFUL: 0,
    HistoryState.INCOMPLETE: 1,
    HistoryState.FAILED: 2,
}

# The keys of JOC's `OrdersSummary` (overview snapshot) by state group.
SUMMARY_KEYS: dict[OrderStateText, str] = {
    OrderStateText.PENDING: "pending",
    OrderStateText.SCHEDULED: "scheduled",
    OrderStateText.INPROGRESS: "inProgress",
    OrderStateText.RUNNING: "running",
    OrderStateText.PROMPTING: "prompting",
    OrderStateText.SUSPENDED: "suspended",
    OrderStateText.WAITING: "waiting",
    OrderStateText.BLOCKED: "blocked",
    OrderStateText.FAILED: "failed",
    OrderStateText.FINISHED: "terminated",
    OrderStateText.CANCELLED: "terminated",
}


class JocOrderState(msgspec.Struct, frozen=True):
    """JOC's `OrderState`: the group, its severity and, when WAITING, why."""

    text: OrderStateText
    reason: str | None = None

    @property
    def severity(self) -> int:
        return SEVERITIES[self.text]

    def to_json(self) -> dict[str, object]:
        shown: dict[str, object] = {"severity": self.severity, "_text": self.text.value}
        if self.reason is not None:
            shown["_reason"] = self.reason
        return shown


def joc_state(order: o.Order) -> JocOrderState:
    """The state JOC shows for the order: a suspended order that has not terminated is SUSPENDED whatever it
    waits for; a fresh order "scheduled never" is PENDING."""
    state = order.state
    if order.is_suspended and not order.is_terminated:
        return JocOrderState(OrderStateText.SUSPENDED)
    if isinstance(state, o.Fresh) and order.scheduled_for is not None and order.scheduled_for >= NEVER_MILLIS:
        return JocOrderState(OrderStateText.PENDING)
    return JocOrderState(_GROUPS[type(state)], _REASONS.get(type(state)))


def history_state(severity: HistoryState) -> dict[str, object]:
    """JOC's `HistoryState` object of a history row."""
    return {"severity": HISTORY_SEVERITIES[severity], "_text": severity.value}


def summary(states: Iterable[OrderStateText]) -> dict[str, int]:
    """JOC's `OrdersSummary`: how many orders are in each group (FINISHED and CANCELLED count as terminated)."""
    counts = dict.fromkeys(dict.fromkeys(SUMMARY_KEYS.values()), 0)
    for text in states:
        key = SUMMARY_KEYS.get(text)
        if key is not None:
            counts[key] += 1
    return counts
