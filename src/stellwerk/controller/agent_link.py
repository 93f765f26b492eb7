"""The calls the Controller makes to one Agent (js7-reference §6.1–6.2): dedication, coupling, command batches
and the event stream, over a `NodeClient`. Agent problems come back as `AgentRefused`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from stellwerk.controller.adoption import AgentStamped
from stellwerk.model import agent_commands as ac
from stellwerk.model.codec import decode_keyed_event
from stellwerk.transport.client import NodeClient

logger = logging.getLogger(__name__)

COMMAND_PATH = "/agent/api/command"
EVENT_PATH = "/agent/api/event"
SUBAGENTS_PATH = "/agent/api/subagents"
MAX_BATCH = 100


class AgentRefused(Exception):
    """The Agent answered a coupling command with a problem (e.g. another run id, events already deleted)."""


class _Stamp(msgspec.Struct):
    event_id: int = msgspec.field(name="eventId")
    type: str = msgspec.field(default="", name="TYPE")
    timestamp: int | None = None  # present where it differs from eventId / 1000


_stamp_decoder = msgspec.json.Decoder(_Stamp)
# Union types for the decoder (mypy sees them as plain objects).
_DEDICATED: Any = ac.Dedicated | ac.Rejected
_COUPLED: Any = ac.Coupled | ac.Rejected
_BATCH: Any = ac.BatchResponse | ac.Rejected


class AgentLink:
    """One Agent, as seen through its HTTP API."""

    def __init__(self, client: NodeClient, agent_path: str) -> None:
        self.client = client
        self.agent_path = agent_path

    async def dedicate(self, controller_id: str) -> ac.Dedicated:
        command = ac.DedicateAgentDirector(agent_path=self.agent_path, controller_id=controller_id)
        answer: ac.Dedicated | ac.Rejected = await self.client.post(COMMAND_PATH, command, _DEDICATED)
        if isinstance(answer, ac.Rejected):
            raise AgentRefused(answer.message)
        return answer

    async def couple(self, agent_run_id: str, event_id: int) -> ac.Coupled:
        command = ac.CoupleController(
            agent_path=self.agent_path, agent_run_id=agent_run_id, event_id=event_id
        )
        answer: ac.Coupled | ac.Rejected = await self.client.post(COMMAND_PATH, command, _COUPLED)
        if isinstance(answer, ac.Rejected):
            raise AgentRefused(answer.message)
        return answer

    async def send(self, commands: list[ac.AgentCommand]) -> list[ac.Response]:
        """One Batch (at most MAX_BATCH commands); the responses in the order of the commands."""
        batch = ac.Batch(commands=tuple(commands))
        answer: ac.BatchResponse | ac.Rejected = await self.client.post(COMMAND_PATH, batch, _BATCH)
        if isinstance(answer, ac.Rejected):
            return [answer] * len(commands)
        return list(answer.responses)

    async def switch_over(self) -> None:
        """ClusterSwitchOver to the active Director of a cluster Agent."""
        await self.client.post(COMMAND_PATH, {"TYPE": "ClusterSwitchOver"}, dict)

    async def subagents(self) -> dict[str, Any]:
        """The Agent's Subagents and elastic pool members with their state, as it lists them now."""
        listing: dict[str, Any] = await self.client.get(SUBAGENTS_PATH, dict)
        return listing

    async def events(self, after: int, poll_seconds: float, limit: int = 1000) -> AsyncIterator[AgentStamped]:
        """The Agent's events after `after`, as they come in one long-poll answer (heartbeats left out)."""
        params: dict[str, str | int] = {"after": after, "timeout": f"{poll_seconds:g}", "limit": limit}
        async for line in self.client.stream_lines(EVENT_PATH, params, idle_timeout=poll_seconds + 30):
            stamped = parse_event_line(line)
            if stamped is not None:
                yield stamped


def _time_of(stamp: _Stamp) -> int:
    return stamp.event_id // 1000 if stamp.timestamp is None else stamp.timestamp


def parse_event_line(line: bytes) -> AgentStamped | None:
    """A stamped event of the Agent's stream; None for a heartbeat or an empty line. An event this Controller
    does not know keeps its EventId (so it counts as observed) but has no `keyed`."""
    if not line.strip():
        return None
    stamp = _stamp_decoder.decode(line)
    if stamp.type == "Heartbeat":
        return None
    try:
        return AgentStamped(stamp.event_id, decode_keyed_event(line), _time_of(stamp))
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        logger.warning("Unknown Agent event %s (%s): %s", stamp.event_id, stamp.type, error)
        return AgentStamped(stamp.event_id, None, _time_of(stamp))
