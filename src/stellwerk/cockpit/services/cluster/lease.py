"""The lease row and the members' heartbeats in the database. Every change of the lease is one conditional
UPDATE on its version (a compare-and-set) in its own transaction, so it is safe on SQLite, PostgreSQL and
MariaDB alike without locks held between heartbeats; the row is added by the first member that finds none (two
adding it at once: the primary key lets one of them)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.repositories.cluster import ClusterRepository, Member
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import CockpitMember
from stellwerk.cockpit.db.tables.cluster import LEASE_ROW, JocLease
from stellwerk.cockpit.services.cluster.election import Lease

# The settings section of the URLs operators set for members (by member id): `/joc/api/joc/url`.
URL_SECTION = "member_url"


async def read(db: AsyncSession) -> Lease | None:
    row = await db.get(JocLease, LEASE_ROW, populate_existing=True)
    return None if row is None else Lease(holder=row.holder, version=row.version, switch_to=row.switch_to)


async def current(database: Database) -> Lease | None:
    async with database.session() as db:
        return await read(db)


async def heartbeat(database: Database, member_id: str, url: str, now: int) -> Lease | None:
    """Records the member's heartbeat (with the URL an operator set for it, else `url`) and reads the lease."""
    async with database.session() as db:
        chosen = await SettingsRepository(db).get(URL_SECTION, member_id, url)
        await ClusterRepository(db).heartbeat(member_id, str(chosen), now)
        return await read(db)


async def set_url(db: AsyncSession, member_id: str, url: str, now: int) -> None:
    """The URL the member is reached at from now on, instead of its configured one."""
    await SettingsRepository(db).put(URL_SECTION, member_id, url, now)


async def change(
    database: Database,
    read_version: int | None,
    holder: str | None,
    now: int,
    *,
    switch_to: str | None = None,
) -> bool:
    """Sets the lease's holder (and the member asked for) if its version is still `read_version` (None: there
    was no row), raising the version; whether it did. The members' `active` flags follow (shown only)."""
    try:
        async with database.session() as db:
            if read_version is None:
                db.add(JocLease(id=LEASE_ROW, holder=holder, version=1, switch_to=switch_to, modified=now))
                await db.flush()
            else:
                changed = await db.execute(
                    update(JocLease)
                    .where(JocLease.id == LEASE_ROW, JocLease.version == read_version)
                    .values(holder=holder, version=read_version + 1, switch_to=switch_to, modified=now)
                )
                if affected_rows(changed) != 1:
                    return False
            await db.execute(update(CockpitMember).values(active=CockpitMember.member_id == holder))
    except IntegrityError:
        return False  # another member added the row first
    return True


async def ask_switch(database: Database, member_id: str, now: int) -> bool:
    """Asks the holder to pass the lease to `member_id` (it does at its next heartbeat); False when nobody
    holds it or the member is not known."""
    async with database.session() as db:
        if await db.get(CockpitMember, member_id) is None:
            return False
        changed = await db.execute(
            update(JocLease)
            .where(JocLease.id == LEASE_ROW, JocLease.holder.is_not(None))
            .values(switch_to=member_id, version=JocLease.version + 1, modified=now)
        )
        return affected_rows(changed) == 1


async def members(database: Database) -> tuple[list[Member], Lease | None]:
    async with database.reading() as db:
        found = await ClusterRepository(db).members()
        return found, await read(db)


async def forget(database: Database, member_id: str) -> None:
    async with database.session() as db:
        await ClusterRepository(db).remove(member_id)


async def holder(database: Database) -> str | None:
    async with database.reading() as db:
        row = await db.scalar(select(JocLease.holder).where(JocLease.id == LEASE_ROW))
        return row
