"""The pure decision of a Cockpit cluster member at a heartbeat."""

from __future__ import annotations

from stellwerk.cockpit.services.cluster.election import (
    Claim,
    HandOver,
    Lease,
    Renew,
    Seen,
    StepDown,
    Timing,
    Wait,
    decide,
    fenced,
    observed,
)

TIMING = Timing(heartbeat_ms=2000, takeover_ms=6000)


def test_nobody_holding_the_lease_means_claim_it() -> None:
    assert decide("a", None, None, False, 0, TIMING) == Claim()
    assert (
        decide("a", Lease(holder=None, version=3), Seen(version=3, since_ms=0), False, 0, TIMING) == Claim()
    )


def test_the_holder_renews_and_a_restarted_holder_claims_back_at_once() -> None:
    lease = Lease(holder="a", version=7)
    assert decide("a", lease, Seen(version=7, since_ms=0), True, 0, TIMING) == Renew()
    assert decide("a", lease, Seen(version=7, since_ms=0), False, 0, TIMING) == Claim()


def test_a_standby_claims_only_after_seeing_one_version_for_the_takeover_time() -> None:
    lease = Lease(holder="a", version=7)
    seen = observed(lease, None, 1000)
    assert seen == Seen(version=7, since_ms=1000)
    assert decide("b", lease, seen, False, 6999, TIMING) == Wait()
    assert decide("b", lease, seen, False, 7000, TIMING) == Claim()
    renewed = Lease(holder="a", version=8)
    seen = observed(renewed, seen, 6500)
    assert seen == Seen(version=8, since_ms=6500)
    assert decide("b", renewed, seen, False, 7000, TIMING) == Wait()


def test_a_switch_over_is_handed_over_by_the_holder_and_others_keep_waiting() -> None:
    lease = Lease(holder="a", version=7, switch_to="b")
    assert decide("a", lease, Seen(version=7, since_ms=0), True, 0, TIMING) == HandOver("b")
    assert decide("b", lease, Seen(version=7, since_ms=0), False, 10, TIMING) == Wait()
    assert decide("a", Lease(holder="a", version=8, switch_to="a"), None, True, 0, TIMING) == Renew()


def test_a_member_running_services_under_another_holder_steps_down() -> None:
    assert decide("a", Lease(holder="b", version=9), None, True, 0, TIMING) == StepDown()


def test_the_holder_fences_itself_a_heartbeat_before_a_standby_may_claim() -> None:
    assert TIMING.fence_ms == 4000
    assert not fenced(1000, 4999, TIMING)
    assert fenced(1000, 5000, TIMING)
    assert fenced(None, 0, TIMING)
