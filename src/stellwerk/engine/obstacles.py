"""Why an order does not move: human-readable reasons, printed by `stellwerk run` when it is stuck, and the obstacles
as JS7 types them (`typed_obstacles`, served by the Controller and JOC's `/order/obstacles`). Read from the state
alone; nothing is changed."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from stellwerk.engine.admission import admission_decision
from stellwerk.engine.state import EngineState, job_key, job_of_order
from stellwerk.engine.step import Step
from stellwerk.engine.subagent_choice import choose_subagent
from stellwerk.engine.subagent_selection import Wait
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.outcome import describe
from stellwerk.model.workflow import instruction_at, job_of


def obstacles(state: EngineState, order_id: str, now: int) -> list[str]:
    """Reasons like "waiting until 2026-11-21T09:00:00Z", "expecting notice B/2026-11-21", "suspended"."""
    order = state.orders.get(order_id)
    if order is None:
        return [f"unknown order {order_id}"]
    step = Step(state, order, state.workflow_of(order), now)
    reasons = [*_flags(order), *_state_reasons(step)]
    return reasons


def instant(millis: int) -> str:
    moment = datetime.fromtimestamp(millis / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{millis % 1000:03d}Z" if millis % 1000 else f"{text}Z"


def _flags(order: o.Order) -> list[str]:
    reasons = ["suspended"] if order.is_suspended else []
    match order.mark:
        case o.Cancelling():
            reasons.append("cancellation pending")
        case o.Suspending():
            reasons.append("suspension pending")
        case o.Resuming():
            reasons.append("resumption pending")
    if isinstance(order.attached_state, o.Attaching | o.Detaching):
        verb = "attaching to" if isinstance(order.attached_state, o.Attaching) else "detaching from"
        reasons.append(f"{verb} agent {order.attached_state.agent_path}")
    return reasons


def _state_reasons(step: Step) -> list[str]:
    order = step.order
    match order.state:
        case o.Fresh() if order.scheduled_for is not None and order.scheduled_for > step.now:
            return [f"waiting until {instant(order.scheduled_for)}"]
        case o.DelayingRetry(until=until):
            return [f"waiting until {instant(until)} (retry delay)"]
        case o.Sleeping(until=until):
            return [f"waiting until {instant(until)} (sleep)"]
        case o.BetweenCycles(cycle_state=cycle_state) if cycle_state is not None:
            return [f"waiting until {instant(cycle_state.next)} (next cycle)"]
        case o.WaitingForAdmission(until=until):
            return [f"waiting for admission period (from {instant(until)})"]
        case o.ExpectingNotices(notice_ids=notice_ids):
            return [f"expecting notice {'/'.join(notice_id)}" for notice_id in notice_ids]
        case o.WaitingForLock():
            return _lock_reasons(step)
        case o.Prompting(question=question):
            return [f"prompting: {question}"]
        case o.Forked():
            return _fork_reasons(step)
        case o.Processing():
            return ["processing a job"]
    return _halted_reasons(step)


def _halted_reasons(step: Step) -> list[str]:
    order = step.order
    last = order.last_outcome()
    detail = f" ({describe(last)})" if last is not None else ""
    match order.state:
        case o.Failed() | o.FailedWhileFresh() | o.FailedInFork():
            return [f"failed{detail}"]
        case o.Stopped() | o.StoppedWhileFresh():
            return [f"stopped{detail}"]
        case o.Broken(problem=problem):
            return [f"broken: {problem}" if problem else "broken"]
        case o.Ready() | o.Fresh():
            return _job_reasons(step)
    return []


def _lock_reasons(step: Step) -> list[str]:
    instruction = step.instruction
    if not isinstance(instruction, i.Lock):
        return ["waiting for a lock"]
    reasons = []
    for demand in instruction.demands:
        lock_state = step.state.lock_states.get(demand.lock_path)
        holders = sorted(lock_state.holders) if lock_state is not None else []
        held = f" (held by {', '.join(holders)})" if holders else ""
        reasons.append(f"waiting for lock {demand.lock_path}{held}")
    return reasons


def _fork_reasons(step: Step) -> list[str]:
    waiting = [child.id for child in step.state.children_of(step.order) if not _joinable(step, child)]
    return [f"waiting for children {', '.join(waiting)}"] if waiting else ["waiting for the join"]


def _joinable(step: Step, child: o.Order) -> bool:
    if isinstance(child.state, o.FailedInFork | o.Cancelled):
        return True
    at_end = isinstance(instruction_at(step.workflow, child.position), i.ImplicitEnd)
    return isinstance(child.state, o.Ready) and at_end and child.is_detached


def _job_reasons(step: Step) -> list[str]:
    instruction = step.instruction
    if not isinstance(instruction, i.ExecuteNamed | i.ExecuteAnonymous):
        return []
    job = job_of(step.workflow, instruction)
    if job is None:
        return []
    key = (step.workflow.path, job_key(step.workflow, step.order.position))
    if len(step.state.processing.get(key, ())) >= job.process_limit:
        return [f"job process limit reached ({job.process_limit})"]
    agent_limit = step.state.agent_process_limit(job.agent_path)
    if agent_limit is not None and len(step.state.agent_processing.get(job.agent_path, ())) >= agent_limit:
        return [f"agent process limit reached ({agent_limit})"]
    decision = admission_decision(
        step, job.admission_time_scheme, job.skip_if_no_admission_start_for_order_day
    )
    if decision == "wait":
        return ["waiting for admission period"]
    if isinstance(choose_subagent(step, job), Wait):
        return ["no Subagent available"]
    return []


class Obstacle(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str
    until: int | None = None  # epoch milliseconds, for WaitingForAdmission


def typed_obstacles(state: EngineState, order_id: str) -> tuple[Obstacle, ...] | None:
    """JS7's obstacles of the order (JOC's ObstacleType): its workflow suspended, waiting for its job's
    admission time, its job's or its Agent's process limit reached. None when there is no such order."""
    order = state.orders.get(order_id)
    if order is None:
        return None
    found: list[Obstacle] = []
    control = state.workflow_path_controls.get(order.workflow_id.path)
    if control is not None and control.suspended:
        found.append(Obstacle(type="WorkflowIsSuspended"))
    if isinstance(order.state, o.WaitingForAdmission):
        found.append(Obstacle(type="WaitingForAdmission", until=order.state.until))
    if isinstance(order.state, o.Ready) and not order.is_suspended:
        found += _process_limits(state, order)
    return tuple(found)


def _process_limits(state: EngineState, order: o.Order) -> list[Obstacle]:
    job = job_of_order(state, order)
    workflow = state.workflows.get(order.workflow_id)
    if job is None or workflow is None:
        return []
    found = []
    key = (order.workflow_id.path, job_key(workflow, order.position))
    if len(state.processing.get(key, ())) >= job.process_limit:
        found.append(Obstacle(type="JobProcessLimitReached"))
    agent_limit = state.agent_process_limit(job.agent_path)
    if agent_limit is not None and len(state.agent_processing.get(job.agent_path, ())) >= agent_limit:
        found.append(Obstacle(type="AgentProcessLimitReached"))
    return found
