"""The Cockpit cluster service: every heartbeat it records this member's heartbeat, reads the lease, lets
`election.decide` say what to do and does it — starting the background services when this member gets the
lease, stopping them when it loses or hands it over, and stopping them on its own (fencing) when it could not
renew the lease in time (a database that hangs or is away). On close the holder stops its services and gives
the lease up, so a standby takes over at its next heartbeat.

A heartbeat's database work is bounded by the heartbeat period; the fencing check runs after every heartbeat
whatever the database did."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.services.cluster import lease
from stellwerk.cockpit.services.cluster.election import (
    Claim,
    HandOver,
    Lease,
    Renew,
    Seen,
    StepDown,
    Timing,
    decide,
    fenced,
    observed,
)

logger = logging.getLogger(__name__)


def monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class Roles(Protocol):
    """What a member does in each role: `activate` starts the background services, `deactivate` stops them
    (and whatever a standby does instead starts)."""

    async def activate(self) -> None: ...

    async def deactivate(self) -> None: ...

    def took_over_from(self, member: str) -> None:
        """This member took the services over from `member`, which stopped heartbeating (it is lost)."""
        ...


class ClusterService:
    """One member's heartbeat loop; `active` says whether it runs the services now."""

    def __init__(
        self,
        database: Database,
        member_id: str,
        url: str,
        roles: Roles,
        timing: Timing,
        wall_clock: Callable[[], int],
        monotonic: Callable[[], int] = monotonic_ms,
    ) -> None:
        self.member_id = member_id
        self.url = url
        self.timing = timing
        self._database = database
        self._roles = roles
        self._wall_clock = wall_clock
        self._monotonic = monotonic
        self._seen: Seen | None = None
        self._renewed: int | None = None  # monotonic time the last successful renewal began
        self._active = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.became_active: asyncio.Event = asyncio.Event()

    @property
    def active(self) -> bool:
        return self._active

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"Cockpit cluster {self.member_id}")

    def wake(self) -> None:
        """Heartbeat now (after a switch-over was asked for)."""
        self._wake.set()

    async def close(self) -> None:
        """Stops the loop; the holder stops its services and gives the lease up."""
        self._stop.set()
        self._wake.set()
        if self._task is not None:  # it ends after its heartbeat (not cancelled inside a transaction)
            await asyncio.gather(self._task, return_exceptions=True)
        if self._active:
            await self._deactivate("the Cockpit stops")
            try:
                read = await asyncio.wait_for(lease.current(self._database), self.timing.heartbeat_ms / 1000)
                if read is not None and read.holder == self.member_id:
                    await lease.change(self._database, read.version, None, self._wall_clock())
            except (SQLAlchemyError, OSError, TimeoutError) as error:
                logger.warning(
                    "The lease was not given up (%s); a standby takes over after the timeout", error
                )

    async def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            self._wake.clear()
            began = self._monotonic()
            try:
                await asyncio.wait_for(self.beat(began), self.timing.heartbeat_ms / 1000)
            except (SQLAlchemyError, OSError, TimeoutError) as error:
                logger.warning("Cockpit cluster heartbeat of %s failed: %s", self.member_id, error)
            if self._active and fenced(self._renewed, self._monotonic(), self.timing):
                await self._deactivate("its lease could not be renewed in time")
            elif first and not self._active:
                await self._roles.deactivate()  # a standby from the start
            first = False
            # A standby looks twice per heartbeat: it sees the holder's last version sooner, so a takeover
            # comes at most half a heartbeat plus the takeover time after the holder's last renewal.
            period = self.timing.heartbeat_ms if self._active else self.timing.heartbeat_ms // 2
            wait_ms = max(0, period - (self._monotonic() - began))
            if self._stop.is_set():
                return
            try:
                await asyncio.wait_for(self._wake.wait(), wait_ms / 1000)
            except TimeoutError:
                pass

    async def beat(self, began: int) -> None:
        """One heartbeat (`began`: the monotonic time it began)."""
        read = await lease.heartbeat(self._database, self.member_id, self.url, self._wall_clock())
        self._seen = observed(read, self._seen, self._monotonic())
        action = decide(self.member_id, read, self._seen, self._active, self._monotonic(), self.timing)
        version = None if read is None else read.version
        match action:
            case Renew() | Claim():
                if await lease.change(self._database, version, self.member_id, self._wall_clock()):
                    self._renewed = began
                    self._seen = Seen(version=(version or 0) + 1, since_ms=self._monotonic())
                    if not self._active:
                        await self._activate(read)
            case HandOver(member=member):
                await self._deactivate(f"a switch-over to {member} was asked for")
                await lease.change(self._database, version, member, self._wall_clock())
            case StepDown():
                await self._deactivate("another member holds the lease")

    async def _activate(self, read: Lease | None) -> None:
        previous = None if read is None else read.holder
        logger.info("Cockpit %s is active now (the lease was %s's)", self.member_id, previous or "nobody")
        self._active = True
        await self._roles.activate()
        if previous is not None and previous != self.member_id:
            self._roles.took_over_from(previous)
        self.became_active.set()

    async def _deactivate(self, why: str) -> None:
        logger.warning("Cockpit %s stops its services: %s", self.member_id, why)
        self._active = False
        self._renewed = None
        self.became_active = asyncio.Event()
        await self._roles.deactivate()
