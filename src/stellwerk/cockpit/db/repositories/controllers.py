"""Registered Controllers: one node when standalone, the primary and the backup node of a cluster."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.enums import ControllerRole
from stellwerk.cockpit.db.tables import Agent, Controller


class ControllerNode(msgspec.Struct, frozen=True, kw_only=True):
    """A Controller node as registered."""

    controller_id: str
    role: ControllerRole
    url: str
    cluster_url: str | None = None
    title: str | None = None
    certificate: str | None = None  # PEM


class RegisteredNode(msgspec.Struct, frozen=True, kw_only=True):
    """A stored Controller node."""

    id: int
    controller_id: str
    role: ControllerRole
    url: str
    cluster_url: str | None
    title: str | None
    certificate: str | None
    created: int
    modified: int


def _node(row: Controller) -> RegisteredNode:
    return RegisteredNode(
        id=row.id,
        controller_id=row.controller_id,
        role=row.role,
        url=row.url,
        cluster_url=row.cluster_url,
        title=row.title,
        certificate=row.certificate,
        created=row.created,
        modified=row.modified,
    )


class ControllerRepository:
    """Registering, listing and unregistering Controllers."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def register(self, nodes: Sequence[ControllerNode], now: int) -> list[RegisteredNode]:
        """Stores the nodes of one Controller id, replacing its earlier nodes (a standalone Controller may become
        a cluster and back); the creation time of a node that stays is kept."""
        controller_ids = {node.controller_id for node in nodes}
        if len(controller_ids) != 1:
            raise ValueError(
                f"register takes the nodes of exactly one Controller, not {sorted(controller_ids)}"
            )
        existing = {row.role: row for row in await self._rows(controller_ids.pop())}
        kept = []
        for node in nodes:
            row = existing.pop(node.role, None) or Controller(role=node.role, created=now)
            row.controller_id, row.url, row.cluster_url = node.controller_id, node.url, node.cluster_url
            row.title, row.certificate, row.modified = node.title, node.certificate, now
            self._session.add(row)
            kept.append(row)
        for stale in existing.values():
            await self._session.delete(stale)
        await self._session.flush()
        return [_node(row) for row in kept]

    async def nodes(self, controller_id: str) -> list[RegisteredNode]:
        """The nodes of a Controller (none when it is not registered), primary first."""
        return [_node(row) for row in await self._rows(controller_id)]

    async def all(self) -> list[RegisteredNode]:
        """Every registered node, by Controller id."""
        rows = await self._session.scalars(
            select(Controller).order_by(Controller.controller_id, Controller.role)
        )
        return [_node(row) for row in rows]

    async def controller_ids(self) -> list[str]:
        """The registered Controller ids, sorted."""
        found = await self._session.scalars(
            select(Controller.controller_id).distinct().order_by(Controller.controller_id)
        )
        return list(found)

    async def unregister(self, controller_id: str) -> bool:
        """Removes the Controller and its Agents (with their Subagents); False when it was not registered."""
        result = await self._session.execute(
            delete(Controller).where(Controller.controller_id == controller_id)
        )
        await self._session.execute(delete(Agent).where(Agent.controller_id == controller_id))
        return bool(affected_rows(result))

    async def _rows(self, controller_id: str) -> list[Controller]:
        rows = await self._session.scalars(
            select(Controller).where(Controller.controller_id == controller_id)
        )
        order = {ControllerRole.STANDALONE: 0, ControllerRole.PRIMARY: 1, ControllerRole.BACKUP: 2}
        return sorted(rows, key=lambda row: order[row.role])
