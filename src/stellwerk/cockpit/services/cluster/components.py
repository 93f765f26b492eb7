"""The Cockpit cluster's members as JOC's Product Status panel shows them (`jocs` of `/controller/components`):
this Cockpit as `cockpit_object` describes it, and every other member from its row, each with its cluster role
(active: it holds the lease) and its last heartbeat."""

from __future__ import annotations

from typing import Any

from stellwerk.cockpit.db.repositories.cluster import Member
from stellwerk.cockpit.services.cluster.election import Lease
from stellwerk.cockpit.services.controllers import connection_state, timestamp
from stellwerk.cockpit.services.proxy import Connection

ACTIVE = {"severity": 0, "_text": "active"}
INACTIVE = {"severity": 1, "_text": "inactive"}


def jocs(this: dict[str, Any], me: str, members: list[Member], held: Lease | None) -> list[dict[str, Any]]:
    """`this` is this Cockpit's object; `me` its member id."""
    holder = None if held is None else held.holder
    found = []
    for ordinal, member in enumerate(members, start=1):
        current = member.member_id == me
        joc = dict(this) if current else _other(this, member)
        joc.update(
            id=ordinal,
            memberId=member.member_id,
            current=current,
            clusterNodeState=ACTIVE if member.member_id == holder else INACTIVE,
            lastHeartbeat=timestamp(member.heartbeat),
            startedAt=timestamp(member.started),
        )
        if member.url:
            joc["url"] = member.url
        found.append(joc)
    return found or [this]


def _other(this: dict[str, Any], member: Member) -> dict[str, Any]:
    host = member.member_id.rpartition(":")[0] or member.member_id
    return {
        "instanceId": member.member_id,
        "host": host,
        "version": this.get("version"),
        "isApiServer": False,
        "connectionState": connection_state(Connection.ESTABLISHED),
        "componentState": this["componentState"],
        "controllerConnectionStates": [],
    }
