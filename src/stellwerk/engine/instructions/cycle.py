"""Cycle (JS7 CycleExecutor): repeat the cycle block on a schedule within the order's day, on Agent or Controller.

- Ready (after OrderStarted, which waits for `scheduledFor`): the window is the order day of the workflow's Calendar
  (`calendarPath`, default "dailyPlan"; when the state has no Calendar named "dailyPlan" the JOC default
  `Calendar()` is used — offset 0, `#([^#]+)#.*`, yyyy-MM-dd; any other unknown calendar is a Problem).
  OrderCyclingPrepared{cycleState} (BetweenCycles), or OrderMoved to the next instruction if nothing fits.
- BetweenCycles: `stellwerk.calendar.cycle.on_cycle_due` decides: keep waiting, OrderCycleStarted{skipped?} (into
  the `cycle+…` branch), OrderCyclingPrepared (another period), or OrderMoved (done). A null cycleState (after
  Break or the last cycle) moves on at once.
- End of the cycle block: OrderCycleFinished{cycleState: the next one or null}.
Problems (no order day in the order id, unknown calendar) become a Disrupted outcome: the order fails.
`skipped` is reported in whole seconds (JS7 encodes the FiniteDuration as seconds).
"""

from __future__ import annotations

from stellwerk.calendar.cycle import (
    ChangeCycleState,
    EndCycling,
    KeepWaiting,
    StartCycle,
    first_cycle_state,
    next_cycle_state,
    on_cycle_due,
)
from stellwerk.calendar.cycle_branch import parse_cycle_branch_id
from stellwerk.calendar.orderday import order_day
from stellwerk.engine.admission import workflow_zone
from stellwerk.engine.instructions.common import move_on, start_if_fresh
from stellwerk.engine.step import Events, Step
from stellwerk.model import events as e
from stellwerk.model import instructions as i
from stellwerk.model import order as o
from stellwerk.model.items import Calendar
from stellwerk.model.outcome import disrupted
from stellwerk.model.position import Position
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import instruction_at

DEFAULT_CALENDAR = "dailyPlan"


def next_events(step: Step, instruction: i.Cycle) -> Events:
    if (started := start_if_fresh(step)) is not None:
        return started
    state = step.order.state
    if isinstance(state, o.Ready):
        return _prepare(step, instruction)
    if isinstance(state, o.BetweenCycles):
        return _between_cycles(step, instruction, state)
    return []


def _prepare(step: Step, instruction: i.Cycle) -> Events:
    calendar = workflow_calendar(step)
    if isinstance(calendar, Problem):
        return _failed(calendar)
    zone = workflow_zone(step)
    window = order_day(calendar, step.order.id, zone)
    if isinstance(window, Problem):
        return _failed(window)
    first = first_cycle_state(instruction.schedule, zone, window, step.now, instruction.only_one_period)
    if first is None:
        return move_on(step)
    return [e.OrderCyclingPrepared(cycle_state=first)]


def _between_cycles(step: Step, instruction: i.Cycle, state: o.BetweenCycles) -> Events:
    if state.cycle_state is None:
        return move_on(step)
    zone = workflow_zone(step)
    decision = on_cycle_due(
        instruction.schedule, zone, state.cycle_state, step.now, instruction.only_one_period
    )
    match decision:
        case KeepWaiting():
            return []
        case StartCycle(skipped_ms=skipped_ms):
            return [e.OrderCycleStarted(skipped=skipped_ms // 1000 if skipped_ms > 0 else None)]
        case ChangeCycleState(cycle_state=changed):
            return [e.OrderCyclingPrepared(cycle_state=changed)]
        case EndCycling():
            return move_on(step)
    # A waiting order cannot fail (JS7 failOrBreak): it breaks.
    return [e.OrderOutcomeAdded(outcome=disrupted(decision.message)), e.OrderBroken(problem=decision.message)]


def cycle_end_events(step: Step, cycle_position: Position) -> Events:
    """The end of a cycle block: OrderCycleFinished with the next cycle state (None ends the cycling)."""
    instruction = instruction_at(step.workflow, cycle_position)
    bid = step.order.position[-2]
    if not isinstance(instruction, i.Cycle) or not isinstance(bid, str):
        return _failed(Problem(f"No Cycle instruction at {list(cycle_position)}"))
    started = parse_cycle_branch_id(bid)
    if isinstance(started, Problem):
        return _failed(started)
    following = next_cycle_state(
        instruction.schedule, workflow_zone(step), started, step.now, instruction.only_one_period
    )
    return [e.OrderCycleFinished(cycle_state=following)]


def workflow_calendar(step: Step) -> Calendar | Problem:
    """The Calendar of the workflow's `calendarPath` (see the module docstring for the default)."""
    path = step.workflow.calendar_path or DEFAULT_CALENDAR
    calendar = step.state.calendars.get(path)
    if calendar is not None:
        return calendar
    if path == DEFAULT_CALENDAR:
        return Calendar()
    return Problem(f"Unknown Calendar '{path}' (Workflow.calendarPath)")


def _failed(problem: Problem) -> Events:
    return [e.OrderOutcomeAdded(outcome=disrupted(problem.message))]
