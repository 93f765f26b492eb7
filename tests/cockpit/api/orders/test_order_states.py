"""The state groups JOC shows for the engine's order states: a table of every engine state."""

from __future__ import annotations

import msgspec
import pytest

from stellwerk.cockpit.db.enums import OrderStateText
from stellwerk.cockpit.services.order_states import NEVER_MILLIS, joc_state, summary
from stellwerk.model import order as o
from stellwerk.model.workflow import WorkflowId

T = OrderStateText


def an_order(state: o.OrderState, **more: object) -> o.Order:
    position = o.WorkflowPosition(workflow_id=WorkflowId(path="wf", version_id="v1"), position=(0,))
    return msgspec.structs.replace(o.Order(id="A", workflow_position=position, state=state), **more)


@pytest.mark.parametrize(
    ("state", "text", "reason"),
    [
        (o.Fresh(), T.SCHEDULED, None),
        (o.Ready(), T.INPROGRESS, None),
        (o.Processed(), T.INPROGRESS, None),
        (o.Processing(), T.RUNNING, None),
        (o.ProcessingKilled(), T.FAILED, None),
        (o.DelayingRetry(until=1), T.WAITING, "DELAYING_RETRY"),
        (o.Forked(children=()), T.WAITING, "FORKED"),
        (o.WaitingForLock(), T.WAITING, "WAITING_FOR_LOCK"),
        (o.ExpectingNotices(notice_ids=()), T.WAITING, "EXPECTING_NOTICES"),
        (o.BetweenCycles(), T.WAITING, "BETWEEN_CYCLES"),
        (o.Sleeping(until=1), T.WAITING, "SLEEPING"),
        (o.WaitingForAdmission(until=1), T.WAITING, "WAITING_FOR_ADMISSION"),
        (o.Prompting(question="ok?"), T.PROMPTING, None),
        (o.Failed(), T.FAILED, None),
        (o.FailedWhileFresh(), T.FAILED, None),
        (o.FailedInFork(), T.FAILED, None),
        (o.Stopped(), T.FAILED, None),
        (o.StoppedWhileFresh(), T.FAILED, None),
        (o.Broken(), T.FAILED, None),
        (o.Finished(), T.FINISHED, None),
        (o.Cancelled(), T.CANCELLED, None),
    ],
)
def test_each_engine_state_has_its_joc_group(
    state: o.OrderState, text: OrderStateText, reason: str | None
) -> None:
    shown = joc_state(an_order(state))
    assert (shown.text, shown.reason) == (text, reason)
    assert shown.to_json()["_text"] == text.value


def test_suspended_beats_the_state_until_the_order_has_terminated() -> None:
    assert joc_state(an_order(o.Processing(), is_suspended=True)).text == T.SUSPENDED
    assert joc_state(an_order(o.Ready(), is_suspended=True)).text == T.SUSPENDED
    assert joc_state(an_order(o.Finished(), is_suspended=True)).text == T.FINISHED


def test_a_fresh_order_scheduled_never_is_pending() -> None:
    assert joc_state(an_order(o.Fresh(), scheduled_for=NEVER_MILLIS)).text == T.PENDING
    assert joc_state(an_order(o.Fresh(), scheduled_for=NEVER_MILLIS - 1)).text == T.SCHEDULED


def test_severities_follow_joc() -> None:
    assert joc_state(an_order(o.Processing())).severity == 0
    assert joc_state(an_order(o.Failed())).severity == 2
    assert joc_state(an_order(o.Prompting(question="?"))).to_json() == {"severity": 9, "_text": "PROMPTING"}


def test_the_summary_counts_groups_and_terminated_orders_together() -> None:
    counted = summary([T.RUNNING, T.RUNNING, T.FINISHED, T.CANCELLED, T.WAITING, T.UNKNOWN])
    assert counted["running"] == 2
    assert counted["terminated"] == 2
    assert counted["waiting"] == 1
    assert counted["failed"] == 0
    assert set(counted) == {
        "pending", "scheduled", "inProgress", "running", "prompting", "suspended", "waiting", "blocked", "failed",
        "terminated",
    }  # fmt: skip
