"""PostNotices, ExpectNotices, ConsumeNotices: js7-reference E8, E9 and the whenNotAnnounced table."""

from __future__ import annotations

from typing import Any

from stellwerk.engine.commands import execute_command
from stellwerk.engine.instructions.boards import announcement_events, availability, expired_notices, notice_id
from stellwerk.engine.state import EngineState
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.problems import Problem
from tests.engine.harness import (
    T0,
    add_order,
    apply,
    failed_rc,
    global_board,
    names,
    pairs,
    plannable_board,
    process,
    rc,
    run,
    shell_job,
    state_with,
    workflow,
)

DAY_MS = 24 * 60 * 60 * 1000
DATE_KEY = "replaceAll($js7OrderId, '^#([0-9]{4}-[0-9]{2}-[0-9]{2})#.*$', '$1')"
END_OF_LIFE = "$js7EpochMilli + 24 * 60 * 60 * 1000"
E = "#2024-05-01#T0000000001-e"
P = "#2024-05-01#T0000000002-p"
PLAN = ("DailyPlan", "2024-05-01")


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name}


def _expect(boards: str, when: str = "Wait") -> dict[str, Any]:
    return {"TYPE": "ExpectNotices", "boardPaths": boards, "whenNotAnnounced": when}


def _consume(boards: str, when: str = "Wait") -> dict[str, Any]:
    sub = {"instructions": [_job("load")]}
    return {"TYPE": "ConsumeNotices", "boardPaths": boards, "whenNotAnnounced": when, "subworkflow": sub}


def _post(*boards: str) -> dict[str, Any]:
    return {"TYPE": "PostNotices", "boardPaths": list(boards)}


def e8_state(when: str = "Wait") -> EngineState:
    posting = workflow(
        "WP", {"instructions": [_job("produce"), _post("B")], "jobs": {"produce": shell_job()}}
    )
    expecting = workflow(
        "WE", {"instructions": [_expect("'B'", when), _job("use")], "jobs": {"use": shell_job()}}
    )
    return state_with(posting, expecting, boards=(global_board("B", DATE_KEY, END_OF_LIFE),))


def test_e8_post_wakes_the_expecting_order_in_the_same_turn() -> None:
    state = e8_state()
    add_order(state, E, "WE")
    assert pairs(run(state, E)) == [
        (E, e.OrderStarted()),
        (E, e.OrderNoticesExpected(notice_ids=(("B", "2024-05-01"),))),
    ]
    add_order(state, P, "WP")
    assert names(run(state, P)) == [
        "OrderAttachable",
        "OrderAttached",
        "OrderStarted",
        "OrderProcessingStarted",
    ]
    assert pairs(process(state, P, rc(0))) == [
        (P, e.OrderProcessed(outcome=rc(0))),
        (P, e.OrderMoved(to=(1,))),
        (P, e.OrderDetachable()),
        (P, e.OrderDetached()),
        (P, e.OrderNoticePosted(notice_id=("B", "2024-05-01"), end_of_life=T0 + DAY_MS)),
        (P, e.OrderMoved(to=(2,))),
        (E, e.OrderNoticesRead()),
        (E, e.OrderMoved(to=(1,))),
        (P, e.OrderFinished()),
        (E, e.OrderAttachable(agent_path="agentA")),
        (E, e.OrderAttached(agent_path="agentA")),
        (E, e.OrderProcessingStarted(subagent_id="agentA")),
    ]
    assert state.expecting == {}
    assert ("B", "2024-05-01") in state.notices


def test_e8_expecting_order_of_another_date_keeps_waiting() -> None:
    state = e8_state()
    other = "#2024-05-02#T0000000003-e"
    add_order(state, other, "WE")
    run(state, other)
    add_order(state, P, "WP")
    run(state, P)
    events = process(state, P, rc(0))
    assert other not in {k.key for k in events}
    assert state.orders[other].state == o.ExpectingNotices(notice_ids=(("B", "2024-05-02"),))


def test_e8_expect_when_the_notice_exists_reads_at_once() -> None:
    state = e8_state()
    apply(state, "B", e.NoticePosted(notice_id=("B", "2024-05-01")))
    add_order(state, E, "WE")
    assert pairs(run(state, E))[:3] == [
        (E, e.OrderStarted()),
        (E, e.OrderNoticesRead()),
        (E, e.OrderMoved(to=(1,))),
    ]
    assert ("B", "2024-05-01") in state.notices  # Expect does not delete


def test_e8_dont_wait_and_skip_move_on_without_notice() -> None:
    for when in ("DontWait", "SkipWhenNoNotice"):
        state = e8_state(when)
        add_order(state, E, "WE")
        assert pairs(run(state, E))[:3] == [
            (E, e.OrderStarted()),
            (E, e.OrderNoticesRead()),
            (E, e.OrderMoved(to=(1,), reason=e.NoNotice())),
        ]


def test_e8_notice_is_deleted_at_its_end_of_life() -> None:
    state = e8_state()
    add_order(state, P, "WP")
    run(state, P)
    process(state, P, rc(0))
    assert expired_notices(state, T0 + DAY_MS - 1) == []
    expired = expired_notices(state, T0 + DAY_MS)
    assert expired == [e.KeyedEvent("B", e.NoticeDeleted(notice_id=("B", "2024-05-01")))]
    apply(state, "B", expired[0].event)
    assert state.notices == {}


def test_derive_deletes_expired_notices_first() -> None:
    state = e8_state()
    apply(state, "B", e.NoticePosted(notice_id=("B", "2024-05-01"), end_of_life=T0 + 5))
    assert run(state, now=T0 + 4) == []
    assert run(state, now=T0 + 5) == [e.KeyedEvent("B", e.NoticeDeleted(notice_id=("B", "2024-05-01")))]
    assert state.notices == {}


def test_posted_notice_from_a_command_wakes_the_expecting_order() -> None:
    state = e8_state()
    add_order(state, E, "WE")
    run(state, E)
    apply(state, "B", e.NoticePosted(notice_id=("B", "2024-05-01")))
    assert names(run(state, E))[:2] == ["OrderNoticesRead", "OrderMoved"]


def test_unknown_board_fails_the_order() -> None:
    state = state_with(workflow("W", {"instructions": [_post("NOPE")]}))
    add_order(state, "x", "W")
    assert names(run(state, "x")) == ["OrderStarted", "OrderOutcomeAdded", "OrderFailed"]


def e9_state(boards: str = "'B1' && 'B2'", when: str = "Wait") -> EngineState:
    consuming = workflow("WC", {"instructions": [_consume(boards, when)], "jobs": {"load": shell_job()}})
    post1 = workflow("WP1", {"instructions": [_post("B1")]})
    post2 = workflow("WP2", {"instructions": [_post("B2")]})
    boards_ = (global_board("B1", DATE_KEY, END_OF_LIFE), global_board("B2", DATE_KEY, END_OF_LIFE))
    return state_with(consuming, post1, post2, boards=boards_)


C = "#2024-05-01#T0000000003-c"
P1 = "#2024-05-01#T0000000004-p1"
P2 = "#2024-05-01#T0000000005-p2"
B1_ID = ("B1", "2024-05-01")
B2_ID = ("B2", "2024-05-01")


def _consuming_order_running() -> tuple[EngineState, list[e.KeyedEvent]]:
    state = e9_state()
    add_order(state, C, "WC")
    assert pairs(run(state, C)) == [
        (C, e.OrderStarted()),
        (C, e.OrderNoticesExpected(notice_ids=(B1_ID, B2_ID))),
    ]
    add_order(state, P1, "WP1")
    first = run(state, P1)
    assert C not in {k.key for k in first}  # True && Unknown = Unknown: still waiting
    add_order(state, P2, "WP2")
    return state, run(state, P2)


def test_e9_consume_starts_when_both_notices_are_posted() -> None:
    state, events = _consuming_order_running()
    assert pairs(events) == [
        (P2, e.OrderStarted()),
        (P2, e.OrderNoticePosted(notice_id=B2_ID, end_of_life=T0 + DAY_MS)),
        (P2, e.OrderMoved(to=(1,))),
        (C, e.OrderNoticesConsumptionStarted(notice_ids=(B1_ID, B2_ID))),
        (P2, e.OrderFinished()),
        (C, e.OrderAttachable(agent_path="agentA")),
        (C, e.OrderAttached(agent_path="agentA")),
        (C, e.OrderProcessingStarted(subagent_id="agentA")),
    ]
    assert state.orders[C].position == (0, "consumeNotices", 0)
    assert pairs(process(state, C, rc(0))) == [
        (C, e.OrderProcessed(outcome=rc(0))),
        (C, e.OrderMoved(to=(0, "consumeNotices", 1))),
        (C, e.OrderDetachable()),
        (C, e.OrderDetached()),
        (C, e.OrderNoticesConsumed()),
        (C, e.OrderFinished()),
    ]
    assert state.notices == {}


def test_e9_failure_keeps_the_notices() -> None:
    state, _ = _consuming_order_running()
    assert pairs(process(state, C, failed_rc(1))) == [
        (C, e.OrderProcessed(outcome=failed_rc(1))),
        (C, e.OrderDetachable()),
        (C, e.OrderDetached()),
        (C, e.OrderNoticesConsumed(failed=True)),
        # JS7 fails at the ConsumeNotices instruction (leaveBlocks), not inside the block as §10 E9 says.
        (C, e.OrderFailed(moved_to=(0,))),
    ]
    assert set(state.notices) == {B1_ID, B2_ID}
    assert state.consumptions == {}


def test_consume_skip_when_no_notice_skips_the_block() -> None:
    state = e9_state(when="SkipWhenNoNotice")
    add_order(state, C, "WC")
    assert pairs(run(state, C)) == [
        (C, e.OrderStarted()),
        (C, e.OrderNoticesRead()),
        (C, e.OrderMoved(to=(1,), reason=e.NoNotice())),
        (C, e.OrderFinished()),
    ]


def test_consume_unknown_with_an_existing_notice_enters_and_consumes_it() -> None:
    for when in ("SkipWhenNoNotice", "DontWait"):
        state = e9_state(when=when)
        apply(state, "B1", e.NoticePosted(notice_id=B1_ID))
        add_order(state, C, "WC")
        events = run(state, C)
        assert events[1].event == e.OrderNoticesConsumptionStarted(notice_ids=(B1_ID, B2_ID))
        process(state, C, rc(0))
        assert state.notices == {}
        assert isinstance(state.orders[C].state, o.Finished)


def test_consume_dont_wait_without_any_notice_enters_the_block() -> None:
    state = e9_state(when="DontWait")
    add_order(state, C, "WC")
    assert names(run(state, C))[:2] == ["OrderStarted", "OrderNoticesConsumptionStarted"]


def test_consume_with_or_needs_one_notice() -> None:
    state = e9_state(boards="'B1' || 'B2'")
    apply(state, "B1", e.NoticePosted(notice_id=B1_ID))
    add_order(state, C, "WC")
    assert run(state, C)[1].event == e.OrderNoticesConsumptionStarted(notice_ids=(B1_ID, B2_ID))


def test_notice_ids_of_plans() -> None:
    assert notice_id("B", "k", None) == ("B", "k")
    assert notice_id("B", "", None) == ("B",)
    assert notice_id("B", "", PLAN) == ("DailyPlan", "2024-05-01", "B")
    assert notice_id("B", "k", PLAN) == ("DailyPlan", "2024-05-01", "B", "k")


def planned_state(when: str = "DontWait") -> EngineState:
    posting = workflow("WPP", {"instructions": [_post("PB")]})
    expecting = workflow("WPE", {"instructions": [_expect("'PB'", when)]})
    return state_with(posting, expecting, boards=(plannable_board("PB"),))


def test_plannable_board_announcement_makes_dont_wait_wait() -> None:
    state = planned_state()
    add_order(state, "post", "WPP", plan_id=PLAN, scheduled_for=T0 + 1000)
    announced = announcement_events(state, "post", T0)
    pb = ("DailyPlan", "2024-05-01", "PB")
    assert announced == [e.KeyedEvent("post", e.OrderNoticeAnnounced(notice_id=pb))]
    apply(state, "post", announced[0].event)
    assert announcement_events(state, "post", T0) == []  # once
    assert availability(state, pb) is False
    add_order(state, "expect", "WPE", plan_id=PLAN)
    assert pairs(run(state, "expect")) == [
        ("expect", e.OrderStarted()),
        ("expect", e.OrderNoticesExpected(notice_ids=(pb,))),
    ]
    assert pairs(run(state, "post", now=T0 + 1000)) == [
        ("post", e.OrderStarted()),
        ("post", e.OrderNoticePosted(notice_id=pb)),
        ("post", e.OrderMoved(to=(1,))),
        ("expect", e.OrderNoticesRead()),
        ("expect", e.OrderMoved(to=(1,))),
        ("post", e.OrderFinished()),
        ("expect", e.OrderFinished()),
    ]
    assert availability(state, pb) is True


def test_plannable_board_without_announcement_in_another_plan_is_unknown() -> None:
    state = planned_state()
    add_order(state, "post", "WPP", plan_id=PLAN, scheduled_for=T0 + 1000)
    for keyed in announcement_events(state, "post", T0):
        apply(state, keyed.key, keyed.event)
    add_order(state, "expect", "WPE", plan_id=("DailyPlan", "2024-05-02"))
    assert names(run(state, "expect")) == ["OrderStarted", "OrderNoticesRead", "OrderMoved", "OrderFinished"]


def test_no_announcement_for_orders_without_plan_or_global_boards() -> None:
    state = planned_state()
    add_order(state, "post", "WPP")
    assert announcement_events(state, "post", T0) == []
    state = e8_state()
    add_order(state, P, "WP", plan_id=PLAN)
    assert announcement_events(state, P, T0) == []


def test_add_order_command_announces_the_notices_of_a_planned_order() -> None:
    state = planned_state()
    fresh = c.FreshOrder(id="post", workflow_path="WPP", plan_id=PLAN, scheduled_for=T0 + 1000)
    events = execute_command(state, c.AddOrder(order=fresh), T0)
    assert not isinstance(events, Problem)
    pb = ("DailyPlan", "2024-05-01", "PB")
    assert [type(k.event) for k in events] == [e.OrderAdded, e.OrderNoticeAnnounced]
    assert events[1] == e.KeyedEvent("post", e.OrderNoticeAnnounced(notice_id=pb))


def test_add_orders_announces_a_notice_once_for_the_batch_and_changes_nothing() -> None:
    state = planned_state()
    batch = c.AddOrders(
        orders=tuple(
            c.FreshOrder(id=order_id, workflow_path="WPP", plan_id=PLAN, scheduled_for=T0 + 1000)
            for order_id in ("p1", "p2", "p1")
        )
    )
    events = execute_command(state, batch, T0)
    assert not isinstance(events, Problem)
    pb = ("DailyPlan", "2024-05-01", "PB")
    assert [(k.key, type(k.event)) for k in events] == [
        ("p1", e.OrderAdded),
        ("p1", e.OrderNoticeAnnounced),
        ("p2", e.OrderAdded),
    ]
    assert state.orders == {}
    assert state.announced == set()
    assert events[1].event == e.OrderNoticeAnnounced(notice_id=pb)
