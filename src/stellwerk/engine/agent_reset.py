"""ResetAgent (js7-reference §6.1 step 8): the Controller takes back every order and item at the Agent, before
the Agent drops its journal. Pure.

An order at the Agent (attaching, attached or detaching) is disrupted (`OrderProcessed` if a job ran for it,
else `OrderOutcomeAdded`), uncatchably, leaves its waiting state, is detached, and then fails as any order
does with an uncatchable outcome: `OrderFailed`, or `OrderFailedInFork` in a fork (a try's catch is skipped,
locks and notices are released on the way out). Items attached there are detached. The Agent's events that are
still on their way are not adopted any more (adoption.py), so nothing the Agent did after this counts.
"""

from __future__ import annotations

from stellwerk.engine.apply import apply_events
from stellwerk.engine.clone import clone
from stellwerk.engine.failure import plan_failure
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, OtherReason
from stellwerk.model.problems import Problem

AGENT_RESET = Disrupted(reason=OtherReason(problem="AgentReset"), uncatchable=True)
_FAILABLE = (o.Fresh, o.Ready, o.Processed)


def reset_agent_events(state: EngineState, command: c.ResetAgent, now: int) -> list[e.KeyedEvent] | Problem:
    agent_path = command.agent_path
    record = state.agents.get(agent_path)
    if agent_path not in state.agent_refs and record is None:
        return Problem(f"Unknown Agent '{agent_path}'")
    if record is not None and record.resetting:
        return Problem(f"Agent '{agent_path}' is being reset already")
    events = [e.KeyedEvent(agent_path, ie.AgentResetStarted(force=command.force))]
    events += [
        e.KeyedEvent(agent_path, ie.ItemDetached(key=key, delegate_id=agent_path))
        for key in sorted(state.attached_items.get(agent_path, ()))
    ]
    scratch = clone(state)
    if problem := apply_events(scratch, events):
        return problem
    for order_id in _orders_at(state, agent_path):
        taken_back = _take_back(scratch, order_id, now)
        if isinstance(taken_back, Problem):
            return taken_back
        events += taken_back
    return events


def _orders_at(state: EngineState, agent_path: str) -> list[str]:
    return sorted(
        order.id
        for order in state.orders.values()
        if order.attached_state is not None and order.attached_state.agent_path == agent_path
    )


def _take_back(scratch: EngineState, order_id: str, now: int) -> list[e.KeyedEvent] | Problem:
    """The order's events, applied to `scratch` too (the next order may be its fork's parent)."""
    order = scratch.orders[order_id]
    disrupted: e.Event = (
        e.OrderProcessed(outcome=AGENT_RESET)
        if isinstance(order.state, o.Processing)
        else e.OrderOutcomeAdded(outcome=AGENT_RESET)
    )
    reset: list[e.Event] = [e.OrderStateReset()] if isinstance(order.state, o.RESETTABLE) else []
    events = [e.KeyedEvent(order_id, event) for event in (disrupted, *reset, e.OrderDetached())]
    if problem := apply_events(scratch, events):
        return problem
    order = scratch.orders[order_id]
    if isinstance(order.state, _FAILABLE):
        step = Step(scratch, order, scratch.workflow_of(order), now)
        failed = [e.KeyedEvent(order_id, event) for event in plan_failure(step)]
        if problem := apply_events(scratch, failed):
            return problem
        events += failed
    return events
