"""StickySubagent: enter `[n,"stickySubagent",0]`, where the jobs of `agentPath` keep the first chosen subagent.

In `stellwerk run` every agent has one subagent named like the agent, so stickiness is only recorded in the order
(`stickySubagents`); the evaluated bundle id is not checked against subagent items, which the engine state does
not hold. Not nestable (JS7). Agent-capable: no detach. The block end (end.py) and failure propagation
(failure.py) emit OrderStickySubagentLeaved.
"""

from __future__ import annotations

from stellwerk.engine.scope import evaluate_string
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import disrupted
from stellwerk.model.problems import Problem


def next_events(step: Step, instruction: i.StickySubagent) -> Events:
    order = step.order
    if not isinstance(order.state, o.Fresh | o.Ready) or not (order.is_detached or order.is_attached):
        return []
    bundle_id = _bundle_id(step, instruction)
    if isinstance(bundle_id, Problem):
        # A fresh order starts first: failure propagation works on started orders.
        started: Events = [e.OrderStarted()] if isinstance(order.state, o.Fresh) else []
        return [*started, e.OrderOutcomeAdded(outcome=disrupted(bundle_id.message))]
    return [e.OrderStickySubagentEntered(agent_path=instruction.agent_path, subagent_bundle_id=bundle_id)]


def _bundle_id(step: Step, instruction: i.StickySubagent) -> str | None | Problem:
    if step.order.sticky_subagents:
        return Problem("StickySubagent instruction must not be nested")
    if instruction.subagent_bundle_id_expr is None:
        return None
    return evaluate_string(step, instruction.subagent_bundle_id_expr)
