"""The link between the two nodes cut while they are coupled (the Cluster Watch still reaches both): the active
node goes on alone once the watch confirms its passive lost, the passive's fail-over is refused, there is never a
second active node, and when the link heals the passive follows again and the cluster couples again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stellwerk.cluster.states import Coupled, PassiveLost
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.testing.faulty_link import Direction
from tests.controller.cluster.harness import EMPTY_WORKFLOW, RunningCluster, add_orders, cluster
from tests.controller.support import eventually
from tests.transport.pki import TestPki


def _both_coupled(nodes: RunningCluster) -> bool:
    return all(isinstance(n.cluster_state(), Coupled) for n in (nodes.primary, nodes.backup))


def _cut_both_ways(nodes: RunningCluster) -> None:
    nodes.to_primary.cut()
    nodes.to_backup.cut()


def _cut_passive_from_active(nodes: RunningCluster) -> None:
    """The Backup no longer reaches the Primary; the Primary still reaches the Backup."""
    nodes.to_primary.cut(Direction.BOTH)


@pytest.mark.parametrize("cut", [_cut_both_ways, _cut_passive_from_active], ids=["both-ways", "one-way"])
async def test_a_cut_between_the_nodes_leaves_one_active_node_and_heals_to_coupled(
    pki: TestPki, tmp_path: Path, cut: object
) -> None:
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _both_coupled(nodes) and primary.service is not None, 30)
        assert primary.service is not None
        await primary.service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await primary.service.execute(add_orders("before"))

        assert callable(cut)
        cut(nodes)
        await eventually(lambda: isinstance(primary.cluster_state(), PassiveLost), 10, step=0.02)
        for _ in range(100):  # 2 s in which the Backup asks for a fail-over and is refused
            assert backup.service is None, "two active nodes"
            await asyncio.sleep(0.02)
        assert primary.service is not None
        await primary.service.execute(add_orders("while-cut"))  # the active node goes on alone

        for link in (nodes.to_primary, nodes.to_backup):
            link.heal()
        await eventually(lambda: _both_coupled(nodes), 15, step=0.05)
        assert backup.service is None
        await primary.service.execute(add_orders("after"))
        await eventually(lambda: {"before", "while-cut", "after"} <= backup.journaled_order_ids(), 10)
