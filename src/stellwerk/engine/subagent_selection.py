"""Which Subagent of an Agent runs a job step (js7-reference §1.4, the Director's selection).

The target is what the job's (or the StickySubagent block's) `subagentBundleIdExpr` evaluated to:
- None or `""`: the Director's own (local) Subagent;
- the id of a SubagentItem: exactly that Subagent;
- the id of a SubagentBundle: its members by priority; a priority is a number or an expression evaluated with
  `$js7SubagentProcessCount`, `$js7ClusterProcessCount`, `$js7ClusterSubagentProcessCount`, `$js7CpuLoad`,
  `$js7FreeMemorySize`, `$js7TotalMemorySize`, `$js7CommittedVirtualMemorySize`; missing or an error excludes the
  member. The highest priority group with an available member wins; within it round-robin. So distinct priorities
  give fixed priority (active-passive), equal ones round-robin (active-active);
- the name of an elastic pool: its live members, all of equal priority (round-robin), or for a least-loaded pool
  the negated process count as priority (the least busy members, round-robin among equals).
A Subagent is available when the shell reports it reachable and not draining, and its SubagentItem (if any) is not
disabled. None available: `WAIT`, the order stays Ready (and cancellable) until the shell reports a change.

Pure: the live facts (reachability, CPU, memory, pool membership) come in as a `SubagentView` value; the
round-robin cursor is the last Subagent selected for the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from stellwerk import expr
from stellwerk.model.items import SubagentBundle, SubagentItem
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value


class Wait:
    """No Subagent of the target is available now."""

    def __repr__(self) -> str:
        return "WAIT"


WAIT: Final = Wait()


@dataclass(frozen=True, slots=True)
class SubagentLive:
    """What the Director knows of a remote Subagent now (by heartbeat)."""

    available: bool = True
    cpu_load: Decimal | None = None
    free_memory: int | None = None
    total_memory: int | None = None
    committed_virtual_memory: int | None = None


@dataclass(frozen=True, slots=True)
class SubagentView:
    """Given by the Director's shell: its local Subagent, the remote ones it reaches, the elastic pools."""

    local_id: str
    live: Mapping[str, SubagentLive] = field(default_factory=dict)
    pools: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    least_loaded_pools: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Load:
    """Processes running now: by Subagent, and by (target, Subagent) for the cluster variables."""

    by_subagent: Mapping[str, int] = field(default_factory=dict)
    by_target_subagent: Mapping[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Items:
    subagents: Mapping[str, SubagentItem] = field(default_factory=dict)
    bundles: Mapping[str, SubagentBundle] = field(default_factory=dict)


Priority = int | str  # a number, or an expression's source


def select_subagent(
    target: str | None, view: SubagentView, items: Items, load: Load, last: str | None
) -> str | Wait | Problem:
    """The Subagent to start the process on, WAIT, or a Problem when the target names nothing known."""
    members = _members(target, view, items)
    if isinstance(members, Problem):
        return members
    usable = {sid: prio for sid, prio in members.items() if _available(sid, view, items)}
    groups = _groups(target or "", usable, view, load)
    if not groups:
        return WAIT
    return round_robin(groups[0], last)


def round_robin(group: list[str], last: str | None) -> str:
    """The member after `last` in id order (the first when `last` is not in front of any)."""
    ordered = sorted(group)
    if last is not None:
        for sid in ordered:
            if sid > last:
                return sid
    return ordered[0]


def _members(target: str | None, view: SubagentView, items: Items) -> dict[str, Priority] | Problem:
    if not target or target == view.local_id:
        return {view.local_id: 0}
    if target in items.subagents or target in view.live:
        return {target: 0}
    if target in items.bundles:
        return dict(items.bundles[target].subagent_to_priority)
    if target in view.pools:
        if target in view.least_loaded_pools:
            return dict.fromkeys(view.pools[target], "0 - $js7SubagentProcessCount")
        return dict.fromkeys(view.pools[target], 0)
    return Problem(f"Unknown SubagentBundle or Subagent: '{target}'")


def _available(sid: str, view: SubagentView, items: Items) -> bool:
    item = items.subagents.get(sid)
    if item is not None and item.disabled:
        return False
    if sid == view.local_id:
        return True
    live = view.live.get(sid)
    return live is not None and live.available


def _groups(target: str, usable: Mapping[str, Priority], view: SubagentView, load: Load) -> list[list[str]]:
    """The usable members grouped by evaluated priority, highest first; excluded members are left out."""
    by_priority: dict[Decimal, list[str]] = {}
    for sid, priority in usable.items():
        value = _priority(priority, _variables(target, sid, view, load))
        if value is not None:
            by_priority.setdefault(value, []).append(sid)
    return [by_priority[value] for value in sorted(by_priority, reverse=True)]


def _priority(priority: Priority, variables: Mapping[str, Value]) -> Decimal | None:
    if isinstance(priority, int):
        return Decimal(priority)
    result = expr.evaluate_text(priority, expr.MapScope(named_values=variables))
    if isinstance(result, bool) or not isinstance(result, int | Decimal):
        return None  # missing, an error or not a number: the member is excluded
    return Decimal(result)


def _variables(target: str, sid: str, view: SubagentView, load: Load) -> dict[str, Value]:
    in_target = sum(count for (t, _), count in load.by_target_subagent.items() if t == target)
    variables: dict[str, Value] = {
        "js7SubagentProcessCount": load.by_subagent.get(sid, 0),
        "js7ClusterProcessCount": in_target,
        "js7ClusterSubagentProcessCount": load.by_target_subagent.get((target, sid), 0),
    }
    live = view.live.get(sid)
    if live is not None:
        optional = {
            "js7CpuLoad": live.cpu_load,
            "js7FreeMemorySize": live.free_memory,
            "js7TotalMemorySize": live.total_memory,
            "js7CommittedVirtualMemorySize": live.committed_virtual_memory,
        }
        variables.update({name: value for name, value in optional.items() if value is not None})
    return variables
