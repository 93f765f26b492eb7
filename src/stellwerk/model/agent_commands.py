"""Commands from a Controller to an Agent (`POST /agent/api/command`, js7-reference §6.1–6.3) and their
responses. Engine JSON: TYPE-tagged; a Batch answers with one response per command, in order."""

from __future__ import annotations

import msgspec

from stellwerk.model.item_events import AnyItem, ItemKey
from stellwerk.model.order import Mark, Order


class _Command(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class DedicateAgentDirector(_Command, frozen=True, kw_only=True, tag="DedicateAgentDirector"):
    """First contact: the Agent serves this Controller from now on (re-sending is tolerated)."""

    agent_path: str = msgspec.field(name="agentPath")
    controller_id: str = msgspec.field(name="controllerId")


class CoupleController(_Command, frozen=True, kw_only=True, tag="CoupleController"):
    """(Re)connect: refused when the run id differs or the events after `event_id` are gone."""

    agent_path: str = msgspec.field(name="agentPath")
    agent_run_id: str = msgspec.field(name="agentRunId")
    event_id: int = msgspec.field(name="eventId")


class AttachItem(_Command, frozen=True, kw_only=True, tag="AttachItem"):
    item: AnyItem


class DetachItem(_Command, frozen=True, kw_only=True, tag="DetachItem"):
    key: ItemKey


class AttachOrder(_Command, frozen=True, kw_only=True, tag="AttachOrder"):
    """The order with attachedState Attached(this agent); a known order is ignored."""

    order: Order


class DetachOrder(_Command, frozen=True, kw_only=True, tag="DetachOrder"):
    """Take back a detachable order; an unknown order is a no-op."""

    order_id: str = msgspec.field(name="orderId")


class MarkOrder(_Command, frozen=True, kw_only=True, tag="MarkOrder"):
    order_id: str = msgspec.field(name="orderId")
    mark: Mark


class ReleaseEvents(_Command, frozen=True, kw_only=True, tag="ReleaseEvents"):
    """The Controller has persisted the Agent's events up to this id; older journal files may go."""

    until_event_id: int = msgspec.field(name="untilEventId")


class NoOperation(_Command, frozen=True, kw_only=True, tag="NoOperation"):
    pass


class ShutDown(_Command, frozen=True, kw_only=True, tag="ShutDown"):
    pass


class Reset(_Command, frozen=True, kw_only=True, tag="Reset"):
    """The Agent kills its processes, drops its journal and restarts undedicated: only if it serves the run
    `agent_run_id`, or whoever holds it when None (a forced reset)."""

    agent_run_id: str | None = msgspec.field(default=None, name="agentRunId")


AgentCommand = (
    DedicateAgentDirector
    | CoupleController
    | AttachItem
    | DetachItem
    | AttachOrder
    | DetachOrder
    | MarkOrder
    | ReleaseEvents
    | NoOperation
    | ShutDown
    | Reset
)


class Batch(_Command, frozen=True, kw_only=True, tag="Batch"):
    commands: tuple[AgentCommand, ...]


class _Response(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", omit_defaults=True):
    pass


class Accepted(_Response, frozen=True, kw_only=True, tag="Accepted"):
    pass


class Rejected(_Response, frozen=True, kw_only=True, tag="Problem"):
    """A command that did not apply: nothing was changed by it."""

    message: str


class Dedicated(_Response, frozen=True, kw_only=True, tag="DedicateAgentDirector.Response"):
    agent_run_id: str = msgspec.field(name="agentRunId")
    agent_event_id: int = msgspec.field(name="agentEventId")


class Coupled(_Response, frozen=True, kw_only=True, tag="CoupleController.Response"):
    order_ids: tuple[str, ...] = msgspec.field(name="orderIds")


Response = Accepted | Rejected | Dedicated | Coupled


class BatchResponse(_Response, frozen=True, kw_only=True, tag="Batch.Response"):
    responses: tuple[Response, ...]
