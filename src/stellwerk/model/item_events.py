"""Events about items, Agents and file orders (js7-reference §1.1, §1.7, §6.1), keyed by "" (no key), by an
Agent path or by a FileWatch path."""

from __future__ import annotations

import msgspec

from stellwerk.model.items import (
    LockItem,
    PlanSchema,
    SimpleItem,
    SubagentBundle,
    SubagentItem,
    WorkflowControl,
)
from stellwerk.model.values import NamedValues
from stellwerk.model.workflow import Workflow

# An item's key as JS7 prints it: "Workflow:W~v1", "Lock:L1", "JobResource:JR", "FileWatch:fw".
ItemKey = str
AnyItem = Workflow | SimpleItem


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class ItemAdded(_Event, frozen=True, kw_only=True, tag="ItemAdded"):
    """A simple item, or a version of a workflow, added to the Controller (JS7's …ItemAdded family)."""

    item: AnyItem


class ItemChanged(_Event, frozen=True, kw_only=True, tag="ItemChanged"):
    item: AnyItem


class ItemDeleted(_Event, frozen=True, kw_only=True, tag="ItemDeleted"):
    key: ItemKey


class ItemAttachedToMe(_Event, frozen=True, kw_only=True, tag="ItemAttachedToMe"):
    """Agent journal: an item the Controller attached (the Controller records ItemAttached)."""

    item: AnyItem


class ItemAttached(_Event, frozen=True, kw_only=True, tag="ItemAttached"):
    """Controller journal: the item is known at the Agent `delegate_id`."""

    key: ItemKey
    delegate_id: str = msgspec.field(name="delegateId")


class ItemDetached(_Event, frozen=True, kw_only=True, tag="ItemDetached"):
    key: ItemKey
    delegate_id: str = msgspec.field(default="", name="delegateId")


class AgentDedicated(_Event, frozen=True, kw_only=True, tag="AgentDedicated"):
    """Keyed by the Agent path (Controller) or no key (Agent): the Agent serves this Controller."""

    agent_path: str = msgspec.field(name="agentPath")
    agent_run_id: str = msgspec.field(name="agentRunId")
    controller_id: str = msgspec.field(name="controllerId")


class AgentEventsObserved(_Event, frozen=True, kw_only=True, tag="AgentEventsObserved"):
    """Controller journal, keyed by the Agent path: its events up to this id have been adopted."""

    until_event_id: int = msgspec.field(name="untilEventId")


class AgentCouplingFailed(_Event, frozen=True, kw_only=True, tag="AgentCouplingFailed"):
    problem: str


class AgentCoupled(_Event, frozen=True, kw_only=True, tag="AgentCoupled"):
    pass


class AgentResetStarted(_Event, frozen=True, kw_only=True, tag="AgentResetStarted"):
    """Controller journal, keyed by the Agent path: the Agent is to be reset; its events are no longer adopted."""

    force: bool = False


class AgentReset(_Event, frozen=True, kw_only=True, tag="AgentReset"):
    """Controller journal, keyed by the Agent path: the Agent accepted the reset; it is dedicated anew."""


class JournalEventsReleased(_Event, frozen=True, kw_only=True, tag="JournalEventsReleased"):
    user_id: str = msgspec.field(name="userId")
    until_event_id: int = msgspec.field(name="untilEventId")


class ExternalOrderAppeared(_Event, frozen=True, kw_only=True, tag="ExternalOrderAppeared"):
    """Keyed by the FileWatch path: a file became stable in the watched directory."""

    external_order_name: str = msgspec.field(name="externalOrderName")
    arguments: NamedValues = {}
    order_id: str | None = msgspec.field(default=None, name="orderId")


class ExternalOrderVanished(_Event, frozen=True, kw_only=True, tag="ExternalOrderVanished"):
    external_order_name: str = msgspec.field(name="externalOrderName")


ItemEvent = ItemAdded | ItemChanged | ItemDeleted | ItemAttachedToMe | ItemAttached | ItemDetached
AgentEvent = (
    AgentDedicated
    | AgentEventsObserved
    | AgentCouplingFailed
    | AgentCoupled
    | AgentResetStarted
    | AgentReset
    | JournalEventsReleased
)
ExternalOrderEvent = ExternalOrderAppeared | ExternalOrderVanished


def item_key(item: AnyItem) -> ItemKey:
    if isinstance(item, Workflow):
        return f"Workflow:{item.id}"
    kind = "Lock" if isinstance(item, LockItem) else type(item).__name__
    if isinstance(item, WorkflowControl):
        return f"{kind}:{item.id}"
    name = item.id if isinstance(item, SubagentItem | SubagentBundle | PlanSchema) else item.path
    return f"{kind}:{name}"
