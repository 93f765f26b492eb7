"""Every ordering of up to DEPTH inputs — heartbeats, ticks of time, partitions, kills and restarts of nodes and of
the watch, requests for passive-lost and fail-over, recoupling, switch-over, shutdown and manual confirmation —
from a coupled cluster (worlds equal for the decisions explored once): never two nodes acting alone, and a
freshly started watch never consents to a node loss by itself. STELLWERK_CLUSTER_DEPTH explores deeper (depth 10
visits about 55,000 worlds in ~3 s; 11 about 100,000)."""

from __future__ import annotations

import os
from collections import deque

import pytest

from stellwerk.cluster.states import FailedOver, PassiveLost, SwitchedOver
from tests.cluster.world import World, acting_alone, coupled_world, normalized, steps

DEPTH = int(os.environ.get("STELLWERK_CLUSTER_DEPTH", "10"))


def _explore(start: World) -> tuple[dict[World, tuple[str, ...]], list[tuple[str, ...]]]:
    """All worlds reachable from `start`, each with the shortest path to it; and the paths that broke a rule."""
    seen: dict[World, tuple[str, ...]] = {start: ()}
    queue = deque([start])
    broken: list[tuple[str, ...]] = []
    all_steps = list(steps())
    while queue:
        world = queue.popleft()
        if len(seen[world]) >= DEPTH:
            continue
        for name, step in all_steps:
            after = step(world)
            if after is None:
                continue
            after = normalized(after)
            if after in seen:
                continue
            path = (*seen[world], name)
            seen[after] = path
            if len(acting_alone(after)) > 1 or after.untaught_confirmation:
                broken.append(path)
            else:
                queue.append(after)
    return seen, broken


@pytest.fixture(scope="module")
def explored() -> tuple[dict[World, tuple[str, ...]], list[tuple[str, ...]]]:
    return _explore(normalized(coupled_world()))


def test_never_two_nodes_act_alone_and_an_untaught_watch_never_consents(
    explored: tuple[dict[World, tuple[str, ...]], list[tuple[str, ...]]],
) -> None:
    seen, broken = explored
    assert len(seen) > 10_000
    assert broken == [], f"{len(broken)} paths broke a rule, e.g. {broken[0]}"


def _reached(seen: dict[World, tuple[str, ...]], node: str, kind: type) -> bool:
    return any(isinstance(w.node(node).state, kind) and w.node(node).state.active == node for w in seen)  # type: ignore[arg-type,union-attr]


def test_the_exploration_reaches_fail_over_passive_lost_and_switch_over_both_ways(
    explored: tuple[dict[World, tuple[str, ...]], list[tuple[str, ...]]],
) -> None:
    seen, _ = explored
    for node in ("Primary", "Backup"):
        assert _reached(seen, node, FailedOver), node
        assert _reached(seen, node, PassiveLost), node
        assert _reached(seen, node, SwitchedOver), node
