"""A service halts when its journal fails while it runs (a full disk, an I/O error): it can accept nothing any
more, so it must stop acting — a cluster node stops heartbeating (its passive fails over), a process ends (its
service manager restarts it once the cause is gone). `JournalHalt.watch` runs beside the service."""

from __future__ import annotations

import asyncio
import logging

from stellwerk.journal.journaled import JournaledState

logger = logging.getLogger(__name__)


class ServiceHalted(RuntimeError):
    """The service's journal failed while it ran; the message says which service."""


class JournalHalt:
    def __init__(self, journal: JournaledState, what: str) -> None:
        self._journal = journal
        self._what = what
        self.halted = asyncio.Event()

    async def watch(self, stopping: asyncio.Event) -> None:
        """Until the journal stops; sets `halted` if it failed while the service was not stopping."""
        failure = await self._journal.until_stopped()
        if failure is not None and not stopping.is_set():
            logger.critical(
                "The %s halts: its journal failed (%s); it accepts nothing any more", self._what, failure
            )
            self.halted.set()

    async def until_halted(self) -> None:
        """Raises ServiceHalted once the journal failed."""
        await self.halted.wait()
        raise ServiceHalted(
            f"The {self._what} halted: its journal failed (see the log); restart it once the disk works"
        )
