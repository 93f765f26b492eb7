"""Cockpit cluster members on one database (SQLite, PostgreSQL, MariaDB), with short heartbeats: one member is
active at a time, a standby takes over from a member that stopped heartbeating, a switch-over hands the services
to the member asked for, and a member that cannot reach the database stops its services on its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from stellwerk.cockpit.context import wall_clock_ms
from stellwerk.cockpit.db.session import Database, create_engine
from stellwerk.cockpit.services.cluster import lease
from stellwerk.cockpit.services.cluster.election import Timing
from stellwerk.cockpit.services.cluster.service import ClusterService

TIMING = Timing(heartbeat_ms=100, takeover_ms=500)


class Services:
    """Roles that record which members run the services, and whether two ever ran them at once."""

    running: set[str]
    overlaps: list[set[str]]

    def __init__(self) -> None:
        self.running = set()
        self.overlaps = []
        self.lost: list[tuple[str, str]] = []  # (who took over, from whom)

    def of(self, member: str) -> Member:
        return Member(self, member)


class Member:
    def __init__(self, services: Services, member: str) -> None:
        self.services, self.member = services, member

    async def activate(self) -> None:
        self.services.running.add(self.member)
        if len(self.services.running) > 1:
            self.services.overlaps.append(set(self.services.running))

    async def deactivate(self) -> None:
        self.services.running.discard(self.member)

    def took_over_from(self, member: str) -> None:
        self.services.lost.append((self.member, member))


class Stalling(Database):
    """A database that, once `stalled`, never answers (a hung connection, a network cut)."""

    stalled = False

    @asynccontextmanager
    async def session(self) -> AsyncIterator[object]:  # type: ignore[override]
        if self.stalled:
            await asyncio.Event().wait()
        async with super().session() as db:
            yield db


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> float:
    """Waits for the condition; answers how long it took."""
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < seconds, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic() - began


def crash(service: ClusterService) -> None:
    """The member stops at once: no more heartbeats, the lease not given up."""
    assert service._task is not None
    service._task.cancel()


def member(database: Database, name: str, services: Services) -> ClusterService:
    service = ClusterService(database, name, f"http://{name}", services.of(name), TIMING, wall_clock_ms)
    service.start()
    return service


async def test_one_member_is_active_and_a_standby_takes_over_when_it_stops_heartbeating(
    database: Database,
) -> None:
    services = Services()
    a = member(database, "a", services)
    await until(lambda: a.active)
    b = member(database, "b", services)
    await asyncio.sleep(TIMING.takeover_ms * 2 / 1000)
    assert services.running == {"a"} and not b.active
    assert (await lease.current(database)) is not None
    crash(a)
    services.running.discard("a")  # its process is gone, and its services with it
    took = await until(lambda: b.active)
    # The standby counts from when it first saw the last version, up to one heartbeat before the crash.
    earliest = (TIMING.takeover_ms - TIMING.heartbeat_ms) / 1000 - 0.05
    assert earliest <= took <= (TIMING.takeover_ms + 3 * TIMING.heartbeat_ms) / 1000
    assert services.running == {"b"} and services.overlaps == []
    assert services.lost == [("b", "a")]
    await b.close()
    found, held = await lease.members(database)
    assert [m.member_id for m in found] == ["a", "b"]
    assert held is not None and held.holder is None  # given up on close


async def test_closing_the_active_member_lets_a_standby_take_over_at_its_next_heartbeat(
    database: Database,
) -> None:
    services = Services()
    a = member(database, "a", services)
    await until(lambda: a.active)
    b = member(database, "b", services)
    await asyncio.sleep(0.3)
    await a.close()
    took = await until(lambda: b.active)
    assert took <= 3 * TIMING.heartbeat_ms / 1000
    assert services.lost == []  # given up in order: nobody was lost
    await b.close()


async def test_a_switch_over_hands_the_services_to_the_member_asked_for(database: Database) -> None:
    services = Services()
    a = member(database, "a", services)
    await until(lambda: a.active)
    b, c = member(database, "b", services), member(database, "c", services)
    await asyncio.sleep(0.3)
    assert await lease.ask_switch(database, "c", wall_clock_ms())
    a.wake()
    await until(lambda: c.active, seconds=2)
    assert not a.active and not b.active and services.running == {"c"}
    assert not await lease.ask_switch(database, "unknown", wall_clock_ms())
    await asyncio.sleep(TIMING.takeover_ms * 2 / 1000)
    assert services.running == {"c"} and services.overlaps == []
    for each in (a, b, c):
        await each.close()


@pytest.fixture
async def stalling(database_url: str, database: Database) -> AsyncIterator[Stalling]:
    stalling = Stalling(create_engine(database_url))
    yield stalling
    stalling.stalled = False
    await stalling.close()


async def test_a_member_that_cannot_renew_its_lease_stops_its_services_before_another_takes_over(
    database: Database, stalling: Stalling
) -> None:
    services = Services()
    a = member(stalling, "a", services)
    await until(lambda: a.active)
    b = member(database, "b", services)
    await asyncio.sleep(0.3)
    stalling.stalled = True
    fenced_after = await until(lambda: not a.active)
    assert fenced_after <= TIMING.fence_ms / 1000 + 2 * TIMING.heartbeat_ms / 1000
    await until(lambda: b.active)
    assert services.overlaps == [] and services.running == {"b"}
    await b.close()
    crash(a)
