"""Random command sequences against the engine (hypothesis): the invariants hold after every step, and replaying
the journal of emitted events (through the codec) on a fresh state gives the same orders."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from stellwerk.engine.apply import apply_event
from stellwerk.engine.commands import execute_command
from stellwerk.engine.state import EngineState
from stellwerk.engine.wakeup import next_wakeup_of_state
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.codec import decode_keyed_event, encode_keyed_event
from stellwerk.model.items import LockItem
from stellwerk.model.problems import Problem
from tests.engine.exploration import check_invariants, settle
from tests.engine.harness import T0, failed_rc, rc, shell_job, state_with, workflow

A = "agentA"
JOBS = {"a": shell_job(A, processLimit=2), "b": shell_job(A)}


def _job(name: str) -> dict[str, Any]:
    return {"TYPE": "Execute.Named", "jobName": name}


def _items() -> EngineState:
    retry = {
        "TYPE": "Try",
        "maxTries": 2,
        "retryDelays": [5],
        "try": {"instructions": [_job("a")]},
        "catch": {"instructions": [{"TYPE": "Retry"}]},
    }
    lock = {"TYPE": "Lock", "demands": [{"lockPath": "L"}], "lockedWorkflow": {"instructions": [_job("b")]}}
    return state_with(
        workflow("Linear", {"instructions": [_job("a"), _job("b")], "jobs": JOBS}),
        workflow("Retry", {"instructions": [retry], "jobs": JOBS}),
        workflow("Locked", {"instructions": [lock], "jobs": JOBS}),
        locks=(LockItem(path="L", limit=1),),
    )


ORDER_IDS = st.sampled_from(["o1", "o2", "o3"])


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = _items()
        self.now = T0
        self.journal: list[bytes] = []

    def _record(self, events: list[e.KeyedEvent]) -> None:
        self.journal.extend(encode_keyed_event(keyed) for keyed in events)

    def _command(self, command: c.Command) -> None:
        events = execute_command(self.state, command, self.now)
        if isinstance(events, Problem):
            return
        for keyed in events:
            assert apply_event(self.state, keyed) is None
        self._record(events)
        self._settle()

    def _settle(self) -> None:
        log: list[e.KeyedEvent] = []
        settle(self.state, sorted(self.state.orders), self.now, log)
        self._record(log)

    @rule(order_id=ORDER_IDS, path=st.sampled_from(["Linear", "Retry", "Locked"]))
    def add(self, order_id: str, path: str) -> None:
        self._command(
            c.AddOrder(order=c.FreshOrder(id=order_id, workflow_path=path, delete_when_terminated=True))
        )

    @rule(order_id=ORDER_IDS, kill=st.booleans())
    def cancel(self, order_id: str, kill: bool) -> None:
        self._command(
            c.CancelOrders(order_ids=(order_id,), mode=o.FreshOrStarted(kill=o.Kill() if kill else None))
        )

    @rule(order_id=ORDER_IDS, kill=st.booleans(), reset=st.booleans())
    def suspend(self, order_id: str, kill: bool, reset: bool) -> None:
        mode = o.SuspensionMode(reset_state=reset, kill=o.Kill() if kill else None)
        self._command(c.SuspendOrders(order_ids=(order_id,), mode=mode))

    @rule(order_id=ORDER_IDS, as_succeeded=st.booleans())
    def resume(self, order_id: str, as_succeeded: bool) -> None:
        self._command(c.ResumeOrder(order_id=order_id, as_succeeded=as_succeeded))

    @rule(data=st.data(), code=st.sampled_from([0, 1]))
    def report_outcome(self, data: st.DataObject, code: int) -> None:
        processing = sorted(k for k, v in self.state.orders.items() if isinstance(v.state, o.Processing))
        if not processing:
            return
        order_id = data.draw(st.sampled_from(processing))
        keyed = e.KeyedEvent(order_id, e.OrderProcessed(outcome=rc(0) if code == 0 else failed_rc(code)))
        assert apply_event(self.state, keyed) is None
        self._record([keyed])
        self._settle()

    @precondition(lambda self: next_wakeup_of_state(self.state, self.now) is not None)
    @rule()
    def advance_time(self) -> None:
        wakeup = next_wakeup_of_state(self.state, self.now)
        assert wakeup is not None
        self.now = max(self.now, wakeup)
        self._settle()

    @invariant()
    def invariants_hold(self) -> None:
        check_invariants(self.state, self.now)

    @invariant()
    def replaying_the_journal_gives_the_same_orders(self) -> None:
        replayed = _items()
        for line in self.journal:
            assert apply_event(replayed, decode_keyed_event(line)) is None
        assert msgspec.json.encode(replayed.orders) == msgspec.json.encode(self.state.orders)


EngineMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestEngineMachine = EngineMachine.TestCase
