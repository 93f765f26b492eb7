"""Two Controller nodes on loopback: the passive follows the active's journal byte for byte, the cluster couples,
an event counts only when both nodes have it, the active goes on alone after the watch consents to the passive's
loss, and a returning passive catches up and recouples."""

from __future__ import annotations

from pathlib import Path

from stellwerk.cluster.states import Coupled, PassiveLost
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.journal.segments import SegmentDirectory
from tests.controller.cluster.harness import EMPTY_WORKFLOW, FAST, ClusterNodeRunner, add_orders, cluster
from tests.controller.support import eventually
from tests.transport.pki import TestPki


def _coupled(node: ClusterNodeRunner) -> bool:
    return isinstance(node.cluster_state(), Coupled)


def _same_journal(a: ClusterNodeRunner, b: ClusterNodeRunner) -> bool:
    newest = [SegmentDirectory(n.directory, "controller").segments()[-1] for n in (a, b)]
    return newest[0].name == newest[1].name and newest[0].path.read_bytes() == newest[1].path.read_bytes()


async def test_the_passive_has_every_committed_event_and_recouples_after_a_restart(
    pki: TestPki, tmp_path: Path
) -> None:
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary) and _coupled(backup) and primary.service is not None)
        service = primary.service
        assert service is not None
        await service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await service.execute(add_orders(*(f"a{n}" for n in range(20))))
        # Committed while coupled: the passive has them already.
        assert {f"a{n}" for n in range(20)} <= backup.journaled_order_ids()

        await backup.crash()
        loop_time = service.core.clock
        before = loop_time()
        await service.execute(add_orders("alone"))  # waits until the watch consents to the passive's loss
        waited = (loop_time() - before) / 1000
        assert isinstance(primary.cluster_state(), PassiveLost)
        # From the last acknowledgement, which came up to a heartbeat before the crash.
        assert waited >= FAST.passive_lost_timeout - 2 * FAST.heartbeat
        await service.execute(add_orders(*(f"b{n}" for n in range(20))))

        backup.start()
        await eventually(lambda: _coupled(primary) and _coupled(backup))
        await service.execute(add_orders("after"))
        await service.core.durable()
        ids = backup.journaled_order_ids()
        assert {"alone", "after", *(f"b{n}" for n in range(20))} <= ids
        await eventually(lambda: _same_journal(primary, backup), 5)
