"""Bookkeeping of items, Agents and file orders in the engine state, changed by their events."""

from __future__ import annotations

import msgspec


class AgentRecord(msgspec.Struct, kw_only=True):
    """What a Controller knows of one Agent (or an Agent of itself): dedication and adopted events."""

    agent_run_id: str = ""
    controller_id: str = ""
    observed_event_id: int = 0
    coupling_problem: str | None = None
    # Between AgentResetStarted and AgentReset: the Agent is to be reset (seized, with `reset_force`).
    resetting: bool = False
    reset_force: bool = False


class ExternalOrderRecord(msgspec.Struct, kw_only=True):
    """A file seen by a FileWatch: the arguments it brings, the order made of it, whether it is gone."""

    arguments: dict[str, object] = msgspec.field(default_factory=dict)
    order_id: str | None = None
    vanished: bool = False
