"""The Cluster Watch's rules one by one (js7-reference §8.4), as `decide` answers them."""

from __future__ import annotations

from stellwerk.cluster.decide import (
    Answer,
    CheckEvent,
    CheckState,
    Confirmed,
    ConfirmNodeLoss,
    Refused,
    Watch,
    WatchRequest,
    decide,
)
from stellwerk.cluster.states import (
    ClusterCoupled,
    ClusterCouplingPrepared,
    ClusterFailedOver,
    ClusterNodesAppointed,
    ClusterPassiveLost,
    Coupled,
    Empty,
    FailedOver,
    NodesAppointed,
    PassiveLost,
    Timing,
)

TIMING = Timing(heartbeat=1.0, heartbeat_timeout=2.0, consent_timeout=1.0)  # heartbeat valid for 4 s
COUPLED = Coupled(active="Primary", generation=3)
FAIL_OVER = CheckEvent(
    node="Backup", state=COUPLED, event=ClusterFailedOver(failed_active="Primary", activated="Backup")
)
PASSIVE_LOST = CheckEvent(node="Primary", state=COUPLED, event=ClusterPassiveLost(lost="Backup"))


def _run(watch: Watch, *timed: tuple[float, WatchRequest]) -> tuple[Watch, list[Answer]]:
    answers = []
    for now, request in timed:
        watch, answer = decide(watch, request, now, TIMING)
        answers.append(answer)
    return watch, answers


def _taught(heard_at: float = 0.0) -> Watch:
    return Watch(state=COUPLED, active_heard_at=heard_at)


def test_fail_over_is_refused_while_the_active_heartbeat_is_valid_and_confirmed_after() -> None:
    watch, answers = _run(_taught(), (3.9, FAIL_OVER), (4.0, FAIL_OVER))
    assert isinstance(answers[0], Refused)
    assert answers[1] == Confirmed()
    assert watch.state == FailedOver(active="Backup", generation=4)


def test_after_passive_lost_the_passive_cannot_fail_over_and_after_fail_over_the_old_active_cannot_go_on() -> (
    None
):
    _, answers = _run(_taught(), (0.0, PASSIVE_LOST), (100.0, FAIL_OVER))
    assert answers[0] == Confirmed()
    assert isinstance(answers[1], Refused)
    assert "ClusterFailOverWhilePassiveLost" in answers[1].problem.message

    _, answers = _run(
        _taught(), (10.0, FAIL_OVER), (10.0, PASSIVE_LOST), (10.0, CheckState(node="Primary", state=COUPLED))
    )
    assert answers[0] == Confirmed()
    assert all(isinstance(answer, Refused) for answer in answers[1:])


def test_an_untaught_watch_confirms_no_loss_until_an_operator_confirms_the_refused_one() -> None:
    watch, answers = _run(
        Watch(),
        (100.0, FAIL_OVER),
        (100.0, ConfirmNodeLoss(lost="Backup", confirmer="ops")),  # not the refused loss
        (100.0, ConfirmNodeLoss(lost="Primary", confirmer="ops")),
        (101.0, FAIL_OVER),
    )
    assert [type(a) for a in answers] == [Refused, Refused, Confirmed, Confirmed]
    assert "untaught" in answers[0].problem.message  # type: ignore[union-attr]
    assert answers[3] == Confirmed(manual_confirmer="ops")
    assert watch.state == FailedOver(active="Backup", generation=4)


def test_a_manual_confirmation_is_void_once_the_lost_node_is_heard_again() -> None:
    _, answers = _run(
        Watch(),
        (100.0, FAIL_OVER),
        (100.0, ConfirmNodeLoss(lost="Primary", confirmer="ops")),
        (100.5, CheckState(node="Primary", state=COUPLED)),
        (101.0, FAIL_OVER),
    )
    assert isinstance(answers[3], Refused)


def test_an_untaught_watch_learns_when_both_nodes_report_the_same_state() -> None:
    watch, answers = _run(
        Watch(),
        (1.0, CheckState(node="Primary", state=COUPLED)),
        (2.0, CheckState(node="Backup", state=COUPLED)),
    )
    # A node reporting itself active is not confirmed by an untaught watch, and told that this is the only reason
    # (a running active node goes on; a restarted one waits).
    assert isinstance(answers[0], Refused) and answers[0].untaught
    assert answers[1] == Confirmed()
    assert watch.state == COUPLED


def test_a_new_cluster_teaches_the_watch_through_its_events() -> None:
    appointed = CheckEvent(node="Primary", state=Empty(), event=ClusterNodesAppointed(active="Primary"))
    prepared = NodesAppointed(active="Primary", generation=1)
    watch, answers = _run(
        Watch(),
        (0.0, appointed),
        (0.0, CheckEvent(node="Primary", state=prepared, event=ClusterCouplingPrepared(active="Primary"))),
    )
    assert answers == [Confirmed(), Confirmed()]
    assert watch.state is not None and watch.state.generation == 2
    # An event that does not fit the state is refused.
    _, [answer] = _run(
        watch, (0.0, CheckEvent(node="Primary", state=COUPLED, event=ClusterCoupled(active="Primary")))
    )
    assert isinstance(answer, Refused)


def test_a_repeated_loss_request_whose_answer_was_lost_is_confirmed_again() -> None:
    _, answers = _run(_taught(), (0.0, PASSIVE_LOST), (1.0, PASSIVE_LOST))
    assert answers == [Confirmed(), Confirmed()]
    _, answers = _run(Watch(state=PassiveLost(active="Primary", generation=4)), (1.0, PASSIVE_LOST))
    assert answers == [Confirmed()]
