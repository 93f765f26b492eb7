"""File orders, decided without I/O (js7-reference §1.7): which directory a FileWatch watches, which file names
match, when a file counts as stable, the order id of a file, and the ExternalOrderAppeared / Vanished events that
a directory listing causes, given what the state already knows.

Expressions see `$0` (the file name), `$1`… (the pattern's groups, also by name), `$js7EpochMilli/Second`, `now()`
and `env('NAME')` (the Agent's environment, given by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import NamedTuple

from stellwerk.engine.state import EngineState
from stellwerk.expr import MapScope, evaluate_text
from stellwerk.expr.regex import compile_java_regex
from stellwerk.model import events as e
from stellwerk.model import item_events as ie
from stellwerk.model.items import FileWatch
from stellwerk.model.problems import Problem
from stellwerk.model.values import Value


class FileStat(NamedTuple):
    size: int
    mtime_ns: int


# File name -> its size and modification time, as listed now.
Listing = Mapping[str, FileStat]


def watches_of(state: EngineState, agent_path: str) -> list[FileWatch]:
    """The FileWatches this Agent runs, by path."""
    return sorted(
        (watch for watch in state.file_watches.values() if watch.agent_path == agent_path),
        key=lambda watch: watch.path,
    )


def watched_directory(watch: FileWatch, env: Mapping[str, str], now: int) -> str | Problem:
    value = evaluate_text(watch.directory_expr, MapScope(now=now, environment=env))
    if isinstance(value, Problem):
        return value.prefixed(f"FileWatch:{watch.path} directoryExpr")
    if not isinstance(value, str) or not value:
        return Problem(f"FileWatch:{watch.path} directoryExpr does not yield a directory name: {value!r}")
    return value


def matching(watch: FileWatch, name: str) -> re.Match[str] | None | Problem:
    """The match of the whole file name with the pattern (no pattern: every name matches)."""
    pattern = compile_java_regex(watch.pattern if watch.pattern is not None else ".*")
    if isinstance(pattern, Problem):
        return pattern.prefixed(f"FileWatch:{watch.path} pattern")
    return pattern.fullmatch(name)


def order_id_of(
    watch: FileWatch, name: str, match: re.Match[str], env: Mapping[str, str], now: int
) -> str | Problem:
    """From orderExpr (its `orderId` field), orderIdExpression, or `file:<FileWatch path>:<file name>`."""
    expression = watch.order_expr or watch.order_id_expression
    if expression is None:
        return f"file:{watch.path}:{name}"
    named: dict[str, Value] = {"0": name}
    named.update({str(n): group or "" for n, group in enumerate(match.groups(), start=1)})
    named.update({key: group or "" for key, group in match.groupdict().items()})
    value: object = evaluate_text(expression, MapScope(named_values=named, now=now, environment=env))
    if isinstance(value, dict) and watch.order_expr is not None:
        value = value.get("orderId")
    if isinstance(value, Problem):
        return value.prefixed(f"FileWatch:{watch.path} order id of {name}")
    if not isinstance(value, str) or not value:
        return Problem(f"FileWatch:{watch.path}: the order id of {name} is not a string: {value!r}")
    return value


class StabilityTracker:
    """Remembers since when each file has had its current size and modification time. A file is stable when
    that has held for at least the FileWatch's delay."""

    def __init__(self) -> None:
        self._since: dict[tuple[str, str], tuple[FileStat, float]] = {}

    def stable(self, watch_path: str, listing: Listing, now: float, delay: float) -> set[str]:
        """The names in `listing` unchanged for `delay` seconds at `now`; forgets the files that are gone."""
        for key in [key for key in self._since if key[0] == watch_path and key[1] not in listing]:
            del self._since[key]
        stable = set()
        for name, stat in listing.items():
            key = (watch_path, name)
            known = self._since.get(key)
            if known is None or known[0] != stat:
                self._since[key] = (stat, now)
                known = self._since[key]
            if now - known[1] >= delay:
                stable.add(name)
        return stable

    def forget(self, watch_path: str) -> None:
        for key in [key for key in self._since if key[0] == watch_path]:
            del self._since[key]


def file_order_events(
    state: EngineState,
    watch: FileWatch,
    directory: str,
    listing: Listing,
    stable: set[str],
    env: Mapping[str, str],
    now: int,
) -> tuple[list[e.KeyedEvent], list[Problem]]:
    """Appeared for a stable matching file without a live file order; Vanished for a live one whose file is gone."""
    events: list[e.KeyedEvent] = []
    problems: list[Problem] = []
    for name in sorted(stable):
        record = state.external_orders.get((watch.path, name))
        if record is not None and not record.vanished:
            continue
        appeared = _appeared(watch, directory, name, env, now)
        if isinstance(appeared, Problem):
            problems.append(appeared)
        elif appeared is not None:
            events.append(e.KeyedEvent(watch.path, appeared))
    for (watch_path, name), record in sorted(state.external_orders.items()):
        if watch_path == watch.path and not record.vanished and name not in listing:
            events.append(e.KeyedEvent(watch.path, ie.ExternalOrderVanished(external_order_name=name)))
    return events, problems


def _appeared(
    watch: FileWatch, directory: str, name: str, env: Mapping[str, str], now: int
) -> ie.ExternalOrderAppeared | Problem | None:
    match = matching(watch, name)
    if match is None or isinstance(match, Problem):
        return match
    order_id = order_id_of(watch, name, match, env, now)
    if isinstance(order_id, Problem):
        return order_id
    path = str(PurePath(directory) / name)
    return ie.ExternalOrderAppeared(external_order_name=name, arguments={"file": path}, order_id=order_id)


def vanish_all(state: EngineState, watch_path: str) -> list[e.KeyedEvent]:
    """Every live file order of a FileWatch that is gone (deleted, or moved to another Agent)."""
    return [
        e.KeyedEvent(watch_path, ie.ExternalOrderVanished(external_order_name=name))
        for (path, name), record in sorted(state.external_orders.items())
        if path == watch_path and not record.vanished
    ]
