"""Which Agent commands the Controller's events call for (js7-reference §6.2, §6.3). Pure.

The decisions are kept as `Intent`s (attach this order, detach that one, …) and turned into commands only when
the Agent's command queue sends them, from the state as it is then: an intent that no longer applies (the order
moved on, the mark is gone) sends nothing, and a re-sent intent is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import msgspec
from msgspec.structs import replace

from stellwerk.engine.state import EngineState
from stellwerk.engine.workflow_controls import agents_having_workflow, controls_of
from stellwerk.model import agent_commands as ac
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model import order as o
from stellwerk.model.instructions import ExecuteAnonymous
from stellwerk.model.items import FileWatch, WorkflowControl, WorkflowPathControl
from stellwerk.model.workflow import Workflow, walk

IntentKind = Literal["attach", "detach", "mark", "item", "detach_item", "reset"]


class Intent(msgspec.Struct, frozen=True):
    """Something the Controller wants done at one Agent: `key` is an OrderId or an item key."""

    kind: IntentKind
    key: str


AgentIntents = list[tuple[str, Intent]]


def intents_of(state: EngineState, events: Iterable[e.KeyedEvent]) -> AgentIntents:
    """The (Agent path, intent) pairs for persisted events; `state` is the state after them."""
    found: AgentIntents = []
    for keyed in events:
        found.extend(_intents_of_event(state, keyed))
    return list(dict.fromkeys(found))


def _intents_of_event(state: EngineState, keyed: e.KeyedEvent) -> Iterator[tuple[str, Intent]]:
    event = keyed.event
    order = state.orders.get(keyed.key)
    match event:
        case e.OrderAttachable():
            yield event.agent_path, Intent("attach", keyed.key)
        case e.OrderDetachable() if order is not None and isinstance(order.attached_state, o.Detaching):
            yield order.attached_state.agent_path, Intent("detach", keyed.key)
        case (
            e.OrderCancellationMarked()
            | e.OrderSuspensionMarked()
            | e.OrderResumptionMarked()
            | e.OrderGoMarked()
        ):
            agent = _at_agent(order) if order is not None else None
            if agent is not None:
                yield agent, Intent("mark", keyed.key)
        case ie.AgentResetStarted():
            yield keyed.key, Intent("reset", keyed.key)
        case ie.ItemAdded() | ie.ItemChanged():
            yield from _item_intents(state, event.item)
        case ie.ItemDeleted():
            for agent in _agents_having(state, event.key):
                yield agent, Intent("detach_item", event.key)
        case ie.ItemAttached() if event.key.startswith("Workflow:"):
            # A control changed while the workflow was on its way was not sent: send the controls as they are.
            for key in _control_keys(state, event.key.removeprefix("Workflow:")):
                yield event.delegate_id, Intent("item", key)


def _item_intents(state: EngineState, item: ie.AnyItem) -> Iterator[tuple[str, Intent]]:
    key = ie.item_key(item)
    if isinstance(item, WorkflowPathControl | WorkflowControl):
        # Agents honour the controls while alone: every Agent that has the workflow gets them.
        for agent in agents_having_workflow(state, item):
            yield agent, Intent("item", key)
        return
    holders = set(_agents_having(state, key))
    if isinstance(item, FileWatch):
        yield item.agent_path, Intent("item", key)
        for agent in sorted(holders - {item.agent_path}):
            yield agent, Intent("detach_item", key)
        return
    for agent in sorted(holders):
        yield agent, Intent("item", key)  # a changed item the Agent has: send the new version


def _control_keys(state: EngineState, printed_workflow_id: str) -> list[str]:
    workflow = next((w for w in state.workflows.values() if str(w.id) == printed_workflow_id), None)
    return [ie.item_key(control) for control in controls_of(state, workflow.id)] if workflow else []


def _agents_having(state: EngineState, key: str) -> list[str]:
    return sorted(agent for agent, keys in state.attached_items.items() if key in keys)


def _at_agent(order: o.Order) -> str | None:
    """The Agent an attaching or attached order belongs to."""
    attached = order.attached_state
    return attached.agent_path if isinstance(attached, o.Attaching | o.Attached) else None


def coupling_intents(state: EngineState, agent_path: str, agent_order_ids: Iterable[str]) -> list[Intent]:
    """What to (re-)send after coupling, given the orders the Agent holds: attaching orders it lacks, detaches
    it may not have seen, marks (it filters repeats), and the FileWatches it should watch."""
    held = set(agent_order_ids)
    intents: list[Intent] = []
    for order in state.orders.values():
        attached = order.attached_state
        if attached is None or attached.agent_path != agent_path:
            continue
        if isinstance(attached, o.Attaching) and order.id not in held:
            intents.append(Intent("attach", order.id))
        elif isinstance(attached, o.Detaching):
            intents.append(Intent("detach", order.id))
        if order.mark is not None and not isinstance(attached, o.Detaching):
            intents.append(Intent("mark", order.id))
    known = state.attached_items.get(agent_path, set())
    for key in sorted(known):
        if key.startswith("Workflow:"):  # a control change may not have reached the Agent before a restart
            intents += [
                Intent("item", control) for control in _control_keys(state, key.removeprefix("Workflow:"))
            ]
    for watch in state.file_watches.values():
        key = ie.item_key(watch)
        if watch.agent_path == agent_path and key not in known:
            intents.append(Intent("item", key))
    return intents


def commands_for(
    state: EngineState, agent_path: str, intent: Intent, items_known: set[str]
) -> list[ac.AgentCommand]:
    """The commands that carry out `intent` now (none if it no longer applies). Items sent are added to
    `items_known`."""
    match intent.kind:
        case "attach":
            return _attach_order(state, agent_path, intent.key, items_known)
        case "detach":
            order = state.orders.get(intent.key)
            detaching = order is not None and order.attached_state == o.Detaching(agent_path=agent_path)
            return [ac.DetachOrder(order_id=intent.key)] if detaching else []
        case "mark":
            order = state.orders.get(intent.key)
            if order is None or order.mark is None or _at_agent(order) != agent_path:
                return []
            return [ac.MarkOrder(order_id=intent.key, mark=order.mark)]
        case "item":
            item = find_item(state, intent.key)
            if item is None:
                return []
            items_known.add(intent.key)
            return [ac.AttachItem(item=item)]
        case "detach_item":
            items_known.discard(intent.key)
            return [ac.DetachItem(key=intent.key)]
        case "reset":
            return []  # the driver resets the Agent at the start of a session of its own


def _attach_order(
    state: EngineState, agent_path: str, order_id: str, items_known: set[str]
) -> list[ac.AgentCommand]:
    order = state.orders.get(order_id)
    if order is None or order.attached_state != o.Attaching(agent_path=agent_path):
        return []
    commands: list[ac.AgentCommand] = []
    for item in [*items_needed(state, state.workflow_of(order)), *subagent_items_of(state, agent_path)]:
        key = ie.item_key(item)
        if key not in items_known:
            items_known.add(key)
            commands.append(ac.AttachItem(item=item))
    attached = replace(order, attached_state=o.Attached(agent_path=agent_path))
    return [*commands, ac.AttachOrder(order=attached)]


def items_needed(state: EngineState, workflow: Workflow) -> list[ie.AnyItem]:
    """The workflow version, then the JobResources its jobs refer to and its Calendar, as far as they exist."""
    paths = dict.fromkeys(workflow.job_resource_paths)
    for job in workflow.jobs.values():
        paths.update(dict.fromkeys(job.job_resource_paths))
    for _, instruction in walk(workflow.instructions):
        if isinstance(instruction, ExecuteAnonymous):
            paths.update(dict.fromkeys(instruction.job.job_resource_paths))
    needed: list[ie.AnyItem] = [workflow]
    needed += [state.job_resources[path] for path in paths if path in state.job_resources]
    if workflow.calendar_path is not None and workflow.calendar_path in state.calendars:
        needed.append(state.calendars[workflow.calendar_path])
    return needed + controls_of(state, workflow.id)


def subagent_items_of(state: EngineState, agent_path: str) -> list[ie.AnyItem]:
    """js7-reference §6.3: the Agent's SubagentItems and the SubagentBundles of its Subagents, for its Director's
    selection."""
    subagents: list[ie.AnyItem] = [
        item for item in state.subagent_items.values() if item.agent_path == agent_path
    ]
    ids = {item.id for item in state.subagent_items.values() if item.agent_path == agent_path}
    bundles = [bundle for bundle in state.subagent_bundles.values() if set(bundle.subagent_to_priority) & ids]
    return [*subagents, *bundles]


def find_item(state: EngineState, key: str) -> ie.AnyItem | None:
    """The item with this key ("Lock:L1", "Workflow:W~v1", …), if the Controller has it."""
    kind, _, name = key.partition(":")
    if kind == "Workflow":
        return next((w for w in state.workflows.values() if str(w.id) == name), None)
    registries: dict[str, Mapping[str, ie.AnyItem]] = {
        "Lock": state.locks,
        "JobResource": state.job_resources,
        "Calendar": state.calendars,
        "FileWatch": state.file_watches,
        "AgentRef": state.agent_refs,
        "SubagentItem": state.subagent_items,
        "SubagentBundle": state.subagent_bundles,
        "PlanSchema": state.plan_schemas,
        "WorkflowPathControl": state.workflow_path_controls,
        "WorkflowControl": state.workflow_controls,
        "GlobalBoard": state.boards,
        "PlannableBoard": state.boards,
    }
    return registries.get(kind, {}).get(name)
