"""Failure propagation (JS7 fail and failAndLeave): a stopOnFailure Options stops the order in place; otherwise
from the failing position outwards, leave blocks until a catch, a fork boundary or the top level decides."""

from __future__ import annotations

from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model.outcome import is_uncatchable
from stellwerk.model.position import Position, branch_kind, index_suffix
from stellwerk.model.workflow import instruction_at


def failure_events(step: Step) -> Events:
    """The events that follow a failed outcome. On an Agent only a catch is done; else the order detaches."""
    planned = plan_failure(step)
    if step.order.is_detached:
        return planned
    if planned and isinstance(planned[-1], e.OrderCaught) and _agent_capable(planned):
        return planned
    return [e.OrderDetachable()]


def _agent_capable(planned: Events) -> bool:
    return all(isinstance(ev, e.OrderCaught | e.OrderStickySubagentLeaved) for ev in planned)


def plan_failure(step: Step) -> Events:
    order = step.order
    position = order.position
    last = order.last_outcome()
    uncatchable = last is not None and is_uncatchable(last)
    if stops_on_failure(step, position):
        return [e.OrderStopped()]
    events: Events = []
    # Leaving a lock, consumeNotices or sticky block moves the failing position to that instruction (JS7).
    fail_at = position
    for depth in range(len(position) - 2, 0, -2):
        bid = position[depth]
        assert isinstance(bid, str)
        if position[: depth + 1] == order.inner_block:  # the rest of the branch path is the inner block
            break
        at = position[:depth]
        instruction = instruction_at(step.workflow, at)
        kind = branch_kind(bid)
        if kind == "lock" and isinstance(instruction, i.Lock):
            events.append(e.OrderLocksReleased(lock_paths=tuple(d.lock_path for d in instruction.demands)))
            fail_at = at
        elif kind == "consumeNotices":
            events.append(e.OrderNoticesConsumed(failed=True))
            fail_at = at
        elif kind == "stickySubagent":
            events.append(e.OrderStickySubagentLeaved())
            fail_at = at
        elif kind == "try" and not uncatchable and isinstance(instruction, i.Try):
            if not _retry_exhausted(instruction, bid):
                return [*events, e.OrderCaught(moved_to=(*at, f"catch+{index_suffix(bid)}", 0))]
        elif kind == "fork":
            return [*events, _fail_in_fork(step, at, fail_at)]
    return [*events, e.OrderFailed(moved_to=fail_at)]


def stops_on_failure(step: Step, position: Position) -> bool:
    """JS7 isStopOnFailure: the nearest enclosing Options that sets stopOnFailure decides, before any catch, and
    the order stops where it failed, keeping its locks, notices and sticky agent (JS7 StopOnFailureTest)."""
    for depth in range(len(position) - 2, 0, -2):
        instruction = instruction_at(step.workflow, position[:depth])
        if isinstance(instruction, i.Options) and instruction.stop_on_failure is not None:
            return instruction.stop_on_failure
    return False


def _retry_exhausted(instruction: i.Try, bid: str) -> bool:
    """A catch block that starts with Retry is skipped once maxTries is reached (JS7 keeps the failing position)."""
    catch = instruction.catch.instructions
    starts_with_retry = bool(catch) and isinstance(catch[0], i.Retry)
    tries = index_suffix(bid) + 1
    return starts_with_retry and instruction.max_tries is not None and tries >= instruction.max_tries


def _fail_in_fork(step: Step, fork_at: Position, position: Position) -> e.OrderEvent:
    fork = instruction_at(step.workflow, fork_at)
    if isinstance(fork, i.Fork | i.ForkList) and fork.join_if_failed:
        return e.OrderFailedInFork(moved_to=position)
    return e.OrderFailed(moved_to=position)
