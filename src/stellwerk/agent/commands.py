"""What the Controller's commands cause at the Agent (js7-reference §6.1–6.3): events to commit and the answer.
Pure: the state is read, and changed only through the `commit` the caller passes (the journal's commit).

`decide_batch` runs the commands one after the other, committing each command's events as one transaction, so
a command sees the effect of the ones before it; a refused command changes nothing: `decide` refuses what would
not apply, and an order event is checked against its order before it is committed. Decisions taken from JS7:
- DedicateAgentDirector: once per Agent; the same Controller re-sending it gets the same run id, another
  Controller is refused. Every other command but NoOperation and ShutDown needs a dedicated Agent.
- Reset: forced, or of the run the Agent serves, or of an Agent that serves nobody; the shell carries it out.
- CoupleController: the run id must match, and the events after the requested EventId must still be kept.
- AttachItem of an item known as it is, and AttachOrder of a known order, are accepted and ignored.
- DetachOrder of an unknown order is a no-op; of an order that is not Detaching, a Problem.
- MarkOrder with the mark the order has already is accepted and ignored (the Controller re-sends marks).
- DetachItem journals ItemDetached{key, delegateId: this Agent}, which makes this Agent forget the item; an item
  still in use (a workflow version with orders here, a held lock) is refused.
- AttachItem of this Agent's own AgentRef keeps the smaller of its processLimit and the configured one.
"""

from __future__ import annotations

from typing import NamedTuple

from msgspec import structs

from stellwerk.engine.apply import apply_events
from stellwerk.engine.apply_items import all_item_keys, deletion_problem
from stellwerk.engine.clone import clone
from stellwerk.engine.derive import Commit, touched_by
from stellwerk.engine.order_transitions import apply_order_event
from stellwerk.engine.state import EngineState
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.items import AgentRef
from stellwerk.model.problems import Problem
from stellwerk.model.workflow import Workflow, instruction_at

NO_KEY = ""
NOT_DEDICATED = "Agent is not dedicated to a Controller"


class CommandContext(NamedTuple):
    """What the shell knows besides the state: this Agent's path, a fresh run id (used only by a first
    dedication), the last EventId, the EventId after which events are still kept, and the configured limit of
    processes (None: no limit)."""

    agent_path: str
    new_run_id: str
    last_event_id: int
    oldest_event_id: int
    process_limit: int | None = None


class Decision(NamedTuple):
    events: list[e.KeyedEvent]
    response: ac.Response


class BatchDecision(NamedTuple):
    """All events of the batch in order (one transaction), the answers in command order, and the orders whose
    events are to be derived next."""

    events: list[e.KeyedEvent]
    responses: list[ac.Response]
    touched_orders: list[str]


def decide_batch(
    state: EngineState,
    commands: tuple[ac.AgentCommand, ...],
    context: CommandContext,
    commit: Commit | None = None,
) -> BatchDecision:
    """Without `commit`, the batch is planned on a copy of `state` (which stays as it is)."""
    if commit is None:
        state = clone(state)
        commit = _applier(state)
    events: list[e.KeyedEvent] = []
    responses: list[ac.Response] = []
    for command in commands:
        decision = decide(state, command, context)
        problem = _order_event_problem(state, decision.events)
        if problem is not None:
            responses.append(ac.Rejected(message=problem.message))
            continue
        if decision.events:
            commit(decision.events)
        events.extend(decision.events)
        responses.append(decision.response)
    # An attached workflow control (suspend, skip, breakpoints) concerns the orders of its workflow too.
    controlled = (
        i for k in events if isinstance(k.event, ie.ItemAttachedToMe) for i in touched_by(state, None, k)
    )
    touched = [i for i in dict.fromkeys([*(k.key for k in events), *controlled]) if i in state.orders]
    return BatchDecision(events, responses, touched)


def _applier(state: EngineState) -> Commit:
    def apply(events: list[e.KeyedEvent]) -> None:
        if problem := apply_events(state, events):
            raise ValueError(f"Command event does not apply: {problem}")

    return apply


def _order_event_problem(state: EngineState, events: list[e.KeyedEvent]) -> Problem | None:
    """Commands cause at most a few events, and `decide` checks what its non-order events need; an event on an
    existing order is checked against the order here."""
    orders: dict[str, o.Order] = {}
    for keyed in events:
        order = orders.get(keyed.key) or state.orders.get(keyed.key)
        if order is None or isinstance(keyed.event, e.OrderAttachedToAgent):
            continue
        updated = apply_order_event(order, keyed.event)
        if isinstance(updated, Problem):
            return updated
        orders[keyed.key] = updated
    return None


def decide(state: EngineState, command: ac.AgentCommand, context: CommandContext) -> Decision:
    """The events and the answer for one command."""
    match command:
        case ac.DedicateAgentDirector():
            return dedicate(state, command, context)
        case ac.NoOperation() | ac.ShutDown():
            return _accepted()
        case ac.Reset():
            return reset(state, command, context)
    if not _dedicated_controller(state, context.agent_path):
        return _rejected(NOT_DEDICATED)
    match command:
        case ac.CoupleController():
            return couple(state, command, context)
        case ac.AttachItem():
            return attach_item(state, _with_own_limit(command, context))
        case ac.DetachItem():
            return detach_item(state, command, context.agent_path)
        case ac.AttachOrder():
            return attach_order(state, command, context.agent_path)
        case ac.DetachOrder():
            return detach_order(state, command)
        case ac.MarkOrder():
            return mark_order(state, command)
        case ac.ReleaseEvents():
            return release_events(state, command, context)


def dedicate(state: EngineState, command: ac.DedicateAgentDirector, context: CommandContext) -> Decision:
    """`agent_event_id` in the answer is the last EventId before this command; the shell replaces it with the
    EventId after persisting."""
    if command.agent_path != context.agent_path:
        return _rejected(f"This is Agent '{context.agent_path}', not '{command.agent_path}'")
    record = state.agents.get(context.agent_path)
    if record is not None and record.agent_run_id:
        if record.controller_id != command.controller_id:
            return _rejected(
                f"Agent '{context.agent_path}' is dedicated to Controller '{record.controller_id}'"
            )
        return Decision(
            [], ac.Dedicated(agent_run_id=record.agent_run_id, agent_event_id=context.last_event_id)
        )
    dedicated = ie.AgentDedicated(
        agent_path=context.agent_path, agent_run_id=context.new_run_id, controller_id=command.controller_id
    )
    response = ac.Dedicated(agent_run_id=context.new_run_id, agent_event_id=context.last_event_id)
    return Decision([e.KeyedEvent(NO_KEY, dedicated)], response)


def reset(state: EngineState, command: ac.Reset, context: CommandContext) -> Decision:
    """Accepted when forced, when the Agent serves the given run, or when it serves nobody (a repeated reset
    whose first answer was lost); the shell then drops the journal and restarts."""
    record = state.agents.get(context.agent_path)
    run_id = record.agent_run_id if record is not None else ""
    if command.agent_run_id is not None and run_id and command.agent_run_id != run_id:
        return _rejected("Agent run id does not match: the Agent has been reset or replaced")
    return _accepted()


def couple(state: EngineState, command: ac.CoupleController, context: CommandContext) -> Decision:
    record = state.agents[context.agent_path]
    if command.agent_path != context.agent_path:
        return _rejected(f"This is Agent '{context.agent_path}', not '{command.agent_path}'")
    if command.agent_run_id != record.agent_run_id:
        return _rejected("Agent run id does not match: the Agent has been reset or replaced")
    if command.event_id < context.oldest_event_id:
        return _rejected(
            f"Torn event stream: the events after {command.event_id} are no longer kept "
            f"(the oldest kept follow {context.oldest_event_id})"
        )
    if command.event_id > context.last_event_id:
        return _rejected(f"Unknown EventId {command.event_id} (the last is {context.last_event_id})")
    return Decision([], ac.Coupled(order_ids=tuple(sorted(state.orders))))


def attach_item(state: EngineState, command: ac.AttachItem) -> Decision:
    if _known_as_is(state, command.item):
        return _accepted()
    return Decision([e.KeyedEvent(NO_KEY, ie.ItemAttachedToMe(item=command.item))], ac.Accepted())


def _known_as_is(state: EngineState, item: ie.AnyItem) -> bool:
    if isinstance(item, Workflow):
        return state.workflows.get(item.id) == item
    key = ie.item_key(item)
    if key not in all_item_keys(state):
        return False
    registries = (
        state.locks, state.boards, state.job_resources, state.calendars, state.file_watches, state.agent_refs,
        state.subagent_items, state.subagent_bundles, state.plan_schemas, state.workflow_path_controls,
        state.workflow_controls,
    )  # fmt: skip
    return any(item in registry.values() for registry in registries)


def _with_own_limit(command: ac.AttachItem, context: CommandContext) -> ac.AttachItem:
    """This Agent's AgentRef with the smaller of its processLimit and the configured one."""
    item = command.item
    if not isinstance(item, AgentRef) or item.path != context.agent_path or context.process_limit is None:
        return command
    limits = [limit for limit in (item.process_limit, context.process_limit) if limit is not None]
    return ac.AttachItem(item=structs.replace(item, process_limit=min(limits)))


def detach_item(state: EngineState, command: ac.DetachItem, agent_path: str) -> Decision:
    if command.key not in all_item_keys(state):
        return _accepted()
    if problem := deletion_problem(state, command.key):
        return _rejected(problem.message)
    detached = ie.ItemDetached(key=command.key, delegate_id=agent_path)
    return Decision([e.KeyedEvent(NO_KEY, detached)], ac.Accepted())


def attach_order(state: EngineState, command: ac.AttachOrder, agent_path: str) -> Decision:
    order = command.order
    if order.id in state.orders:
        return _accepted()
    attached = order.attached_state
    if not isinstance(attached, o.Attached) or attached.agent_path != agent_path:
        return _rejected(f"Order '{order.id}' is not attached to Agent '{agent_path}'")
    workflow = state.workflows.get(order.workflow_id)
    if workflow is None:
        return _rejected(f"Unknown workflow '{order.workflow_id}' for order '{order.id}'")
    if not order.position or instruction_at(workflow, order.position) is None:
        return _rejected(f"Order '{order.id}' has an invalid position {list(order.position)}")
    return Decision([e.KeyedEvent(order.id, e.OrderAttachedToAgent(order=order))], ac.Accepted())


def detach_order(state: EngineState, command: ac.DetachOrder) -> Decision:
    order = state.orders.get(command.order_id)
    if order is None:
        return _accepted()
    if not isinstance(order.attached_state, o.Detaching):
        return _rejected(f"Order '{order.id}' is not detachable")
    return Decision([e.KeyedEvent(order.id, e.OrderDetached())], ac.Accepted())


def mark_order(state: EngineState, command: ac.MarkOrder) -> Decision:
    order = state.orders.get(command.order_id)
    if order is None:
        return _rejected(f"Unknown order '{command.order_id}'")
    if order.mark == command.mark:
        return _accepted()
    return Decision([e.KeyedEvent(order.id, mark_event(command.mark))], ac.Accepted())


def mark_event(mark: o.Mark) -> e.OrderEvent:
    """The event that puts the mark on the order."""
    match mark:
        case o.Cancelling():
            return e.OrderCancellationMarked(mode=mark.mode)
        case o.Suspending():
            return e.OrderSuspensionMarked(mode=mark.mode)
        case o.Resuming():
            return e.OrderResumptionMarked(**structs.asdict(mark))
        case o.Go():
            return e.OrderGoMarked(position=mark.position)


def release_events(state: EngineState, command: ac.ReleaseEvents, context: CommandContext) -> Decision:
    controller_id = state.agents[context.agent_path].controller_id
    until = command.until_event_id
    if until > context.last_event_id:
        return _rejected(f"Unknown EventId {until} (the last is {context.last_event_id})")
    if until <= state.released.get(controller_id, 0):
        return _accepted()
    released = ie.JournalEventsReleased(user_id=controller_id, until_event_id=until)
    return Decision([e.KeyedEvent(NO_KEY, released)], ac.Accepted())


def _dedicated_controller(state: EngineState, agent_path: str) -> str | None:
    record = state.agents.get(agent_path)
    return record.controller_id if record is not None and record.agent_run_id else None


def _accepted() -> Decision:
    return Decision([], ac.Accepted())


def _rejected(message: str) -> Decision:
    return Decision([], ac.Rejected(message=message))
