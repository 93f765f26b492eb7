"""The Subagent for the next process of an order at an Execute (js7-reference §1.4 `selectNext`).

1. Sticky: inside a StickySubagent block of the job's Agent, the Subagent stuck to by the block's first process.
2. The job's `subagentBundleIdExpr`, evaluated in the order's scope, else the block's bundle id, else the local
   Subagent (Stellwerk keeps the Director's own Subagent the default where JS7 would round-robin over all).
3. `subagent_selection.select_subagent` over the Director's view, continuing round-robin after the last choice.
Where no Director selects (`subagent_view` None: Controller, `stellwerk run`) the subagent is named like the Agent.
"""

from __future__ import annotations

from dataclasses import dataclass

from stellwerk.engine.scope import evaluate_string
from stellwerk.engine.state import EngineState
from stellwerk.engine.step import Step
from stellwerk.engine.subagent_selection import Items, Load, Wait, select_subagent
from stellwerk.model import order as o
from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.problems import Problem


@dataclass(frozen=True, slots=True)
class Choice:
    subagent_id: str
    bundle_id: str | None = None
    stick: bool = False


def choose_subagent(step: Step, job: WorkflowJob) -> Choice | Wait | Problem:
    state = step.state
    view = state.subagent_view
    if view is None:
        return Choice(job.agent_path)
    sticky = next((s for s in step.order.sticky_subagents if s.agent_path == job.agent_path), None)
    target: str | None
    if sticky is not None and sticky.stuck_subagent_id is not None:
        target = sticky.stuck_subagent_id
    elif job.subagent_bundle_id_expr is not None:
        evaluated = evaluate_string(step, job.subagent_bundle_id_expr)
        if isinstance(evaluated, Problem):
            return evaluated
        target = evaluated
    else:
        target = sticky.subagent_bundle_id if sticky is not None else None
    stick = sticky is not None and sticky.stuck_subagent_id is None
    if not target or target == view.local_id:
        return Choice(view.local_id, stick=stick)  # the hot path of an Agent without Subagents
    items = Items(subagents=state.subagent_items, bundles=state.subagent_bundles)
    load = current_load(state) if _needs_load(state, target) else Load()
    selected = select_subagent(target, view, items, load, state.subagent_cursor.get(target))
    if isinstance(selected, Wait | Problem):
        return selected
    return Choice(selected, bundle_id=target, stick=stick)


def _needs_load(state: EngineState, target: str) -> bool:
    """Whether priorities read process counts (expressions, least-loaded pools): counting costs a pass."""
    bundle = state.subagent_bundles.get(target)
    if bundle is not None:
        return any(isinstance(priority, str) for priority in bundle.subagent_to_priority.values())
    view = state.subagent_view
    return view is not None and target in view.least_loaded_pools


def current_load(state: EngineState) -> Load:
    by_target: dict[tuple[str, str], int] = {}
    for subagent_id, order_ids in state.subagent_processing.items():
        for order_id in order_ids:
            order = state.orders.get(order_id)
            bundle = (
                order.state.subagent_bundle_id
                if order is not None and isinstance(order.state, o.Processing)
                else None
            )
            key = (bundle or "", subagent_id)
            by_target[key] = by_target.get(key, 0) + 1
    by_subagent = {sid: len(order_ids) for sid, order_ids in state.subagent_processing.items()}
    return Load(by_subagent=by_subagent, by_target_subagent=by_target)
