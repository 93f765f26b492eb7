"""PURE: when a Controller counts as lost for the Monitor — every node unreachable from the Cockpit's proxy for
longer than the setting — and when it is back. Each loss is notified once, and so is its recovery."""

from __future__ import annotations

from dataclasses import dataclass, field

from stellwerk.cockpit.services.monitor.classify import ERROR, RECOVERED


@dataclass
class Reachability:
    """Since when each Controller is seen unreachable, and which of them were notified as lost."""

    unreachable_since: dict[str, int] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)


def check(
    state: Reachability, controller_id: str, reachable: bool | None, now: int, lost_after_ms: int
) -> str | None:
    """ERROR when the Controller has just counted as lost, RECOVERED when a lost one answers again, else None;
    `reachable` None means not known yet (nothing asked), which changes nothing."""
    if reachable is None:
        return None
    if reachable:
        state.unreachable_since.pop(controller_id, None)
        if controller_id in state.lost:
            state.lost.discard(controller_id)
            return RECOVERED
        return None
    since = state.unreachable_since.setdefault(controller_id, now)
    if controller_id not in state.lost and now - since >= lost_after_ms:
        state.lost.add(controller_id)
        return ERROR
    return None


def forget(state: Reachability, known: set[str]) -> None:
    """Drops what it knows of Controllers no longer registered."""
    for controller_id in set(state.unreachable_since) - known:
        del state.unreachable_since[controller_id]
    state.lost &= known
