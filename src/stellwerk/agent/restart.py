"""Processes the Agent lost: after a restart, and at an orderly shutdown (js7-reference §1.3 step 7, §6.4).

An order recovered in Processing gets OrderProcessed{Disrupted{ProcessLost}}: the engine moves it to the same
position and the job runs again. For a job with isNotRestartable the outcome is Disrupted{Other} instead: the
engine treats it as a failure (caught by a catch on the Agent, else the order detaches to fail at the Controller).
"""

from __future__ import annotations

from stellwerk.engine.state import EngineState, job_of_order
from stellwerk.model import events as e
from stellwerk.model import order as o
from stellwerk.model.outcome import Disrupted, OtherReason, ProcessLost

LOST_DUE_TO_RESTART = "ProcessLostDueToRestart"
KILLED_DUE_TO_SHUTDOWN = "ProcessKilledDueToSubagentShutdown"


def lost_process_events(state: EngineState, problem: str) -> list[e.KeyedEvent]:
    """OrderProcessed for every order in Processing, in order id order."""
    lost = []
    for order_id in sorted(state.orders):
        order = state.orders[order_id]
        if isinstance(order.state, o.Processing):
            lost.append(e.KeyedEvent(order_id, e.OrderProcessed(outcome=lost_outcome(state, order, problem))))
    return lost


def lost_outcome(state: EngineState, order: o.Order, problem: str) -> Disrupted:
    job = job_of_order(state, order)
    if job is not None and job.is_not_restartable:
        return Disrupted(reason=OtherReason(problem=problem))
    return Disrupted(reason=ProcessLost(problem=problem))
