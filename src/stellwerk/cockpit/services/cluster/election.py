"""Who runs the Cockpit's background services: the pure decision of one member at one heartbeat, from the lease
row as it reads it now, what it saw of the lease before, and its own monotonic clock.

The lease is an observed-version lease. Its holder raises the row's `version` at every heartbeat (a
compare-and-set). A standby remembers since when (on its own monotonic clock) it has seen the current version;
when the version has not changed for `takeover_ms`, the holder has stopped heartbeating and the standby claims
the lease with a compare-and-set on that version (of several standbys one wins). No two members' clocks are
ever compared — only durations, each on one member's clock — so skewed wall clocks cannot make two members
active.

Fencing: the holder counts from the moment it *began* its last successful renewal; when `fence_ms` (less than
`takeover_ms` by a heartbeat) has passed without another, it stops its services on its own. A standby started
counting no earlier than that renewal's commit, so the old holder has stopped before any standby may claim."""

from __future__ import annotations

import msgspec


class Timing(msgspec.Struct, frozen=True, kw_only=True):
    """How often members heartbeat and after how long without a heartbeat of the holder a standby takes over."""

    heartbeat_ms: int = 2000
    takeover_ms: int = 6000

    @property
    def fence_ms(self) -> int:
        """How long the holder keeps its services running after it began its last successful renewal."""
        return self.takeover_ms - self.heartbeat_ms


class Lease(msgspec.Struct, frozen=True, kw_only=True):
    """The lease row as read: its holder (None: nobody), version and the member a switch-over asks for."""

    holder: str | None
    version: int
    switch_to: str | None = None


class Seen(msgspec.Struct, frozen=True, kw_only=True):
    """A version of the lease, and the monotonic time this member first saw it."""

    version: int
    since_ms: int


class Renew(msgspec.Struct, frozen=True):
    """This member holds the lease: raise its version (and become active if not yet)."""


class Claim(msgspec.Struct, frozen=True):
    """Take the lease (compare-and-set on the version read)."""


class HandOver(msgspec.Struct, frozen=True):
    """Stop the services, then pass the lease to `member` (a switch-over)."""

    member: str


class StepDown(msgspec.Struct, frozen=True):
    """Another member holds the lease while this one runs the services: stop them."""


class Wait(msgspec.Struct, frozen=True):
    """Stay standby."""


Action = Renew | Claim | HandOver | StepDown | Wait


def observed(lease: Lease | None, seen: Seen | None, now_ms: int) -> Seen | None:
    """What this member remembers of the lease after reading it at `now_ms`."""
    if lease is None:
        return None
    if seen is not None and seen.version == lease.version:
        return seen
    return Seen(version=lease.version, since_ms=now_ms)


def decide(
    member: str, lease: Lease | None, seen: Seen | None, running: bool, now_ms: int, timing: Timing
) -> Action:
    """What `member` does at this heartbeat; `seen` is its memory after this reading (see `observed`),
    `running` whether it runs the services now. A lease held by this member while it does not run the services
    is its own from before a restart: it claims it back at once (member ids are unique)."""
    if lease is None or lease.holder is None:
        return Claim()
    if lease.holder == member:
        if lease.switch_to is not None and lease.switch_to != member:
            return HandOver(lease.switch_to)
        return Renew() if running else Claim()
    if running:
        return StepDown()
    if seen is not None and seen.version == lease.version and now_ms - seen.since_ms >= timing.takeover_ms:
        return Claim()
    return Wait()


def fenced(last_renewal_ms: int | None, now_ms: int, timing: Timing) -> bool:
    """Whether the holder, whose last successful renewal began at `last_renewal_ms`, must stop its services."""
    return last_renewal_ms is None or now_ms - last_renewal_ms >= timing.fence_ms
