"""The Cockpit cluster through the database: members write heartbeats; one member is active and runs the
background services; another takes over when the active one's heartbeat is older than the limit (JOC: heartbeat
every 30 s, taken over after 60 s).

The takeover reads the members `FOR UPDATE` (row locks on PostgreSQL and MariaDB, so two candidates take turns).
SQLite has one writer at a time and serves a single Cockpit anyway.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.tables import CockpitMember


class Member(msgspec.Struct, frozen=True, kw_only=True):
    """A Cockpit instance and its last heartbeat."""

    member_id: str
    url: str
    started: int
    heartbeat: int
    active: bool


class ClusterRepository:
    """Heartbeats and the active member."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def heartbeat(self, member_id: str, url: str, now: int) -> Member:
        """Records that the member is alive (adding it when new)."""
        row = await self._session.get(CockpitMember, member_id)
        if row is None:
            row = CockpitMember(member_id=member_id, started=now, active=False)
            self._session.add(row)
        row.url, row.heartbeat = url, now
        await self._session.flush()
        return _member(row)

    async def members(self) -> list[Member]:
        """Every member, by id."""
        rows = await self._session.scalars(select(CockpitMember).order_by(CockpitMember.member_id))
        return [_member(row) for row in rows]

    async def claim_active(self, member_id: str, now: int, heartbeat_limit: int) -> bool:
        """Makes the member active unless another member is active with a heartbeat younger than
        `heartbeat_limit` milliseconds; whether the member is active now. The member must have sent a heartbeat."""
        rows = list(
            await self._session.scalars(
                select(CockpitMember).order_by(CockpitMember.member_id).with_for_update()
            )
        )
        me = next((row for row in rows if row.member_id == member_id), None)
        if me is None:
            return False
        others_active = [
            row for row in rows if row.active and row is not me and now - row.heartbeat < heartbeat_limit
        ]
        if others_active:
            return False
        for row in rows:
            row.active = row is me
        await self._session.flush()
        return True

    async def resign(self, member_id: str) -> None:
        """The member stops being active (switch-over, shutdown)."""
        row = await self._session.get(CockpitMember, member_id)
        if row is not None:
            row.active = False
            await self._session.flush()

    async def remove(self, member_id: str) -> None:
        """Forgets a member."""
        row = await self._session.get(CockpitMember, member_id)
        if row is not None:
            await self._session.delete(row)
            await self._session.flush()


def _member(row: CockpitMember) -> Member:
    return Member(
        member_id=row.member_id, url=row.url, started=row.started, heartbeat=row.heartbeat, active=row.active
    )
