"""Fail-over and switch-over between two in-process Controller nodes: the passive takes over when the active node
is gone (with the Cluster Watch's consent), with every committed order; a switch-over hands over with nothing
lost; the old active comes back as passive and the cluster couples again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from stellwerk.cluster.decide import Confirmed
from stellwerk.cluster.states import ActiveShutDown, Coupled, FailedOver, PassiveLost, SwitchedOver
from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.transport.client import HttpError, NodeClient
from tests.controller.cluster.harness import EMPTY_WORKFLOW, FAST, ClusterNodeRunner, add_orders, cluster
from tests.controller.support import eventually
from tests.e2e.nodes import API
from tests.transport.pki import TestPki


def _coupled(*nodes: ClusterNodeRunner) -> bool:
    return all(isinstance(n.cluster_state(), Coupled) for n in nodes)


async def test_the_passive_fails_over_when_the_active_node_is_gone(pki: TestPki, tmp_path: Path) -> None:
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None)
        assert primary.service is not None
        await primary.service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await primary.service.execute(add_orders(*(f"o{n}" for n in range(50))))

        await primary.crash()
        loop = asyncio.get_running_loop()
        crashed_at = loop.time()
        await eventually(lambda: backup.service is not None, 5, step=0.01)
        took = loop.time() - crashed_at
        assert took < 2.0
        assert isinstance(backup.cluster_state(), FailedOver)
        assert backup.service is not None
        assert {f"o{n}" for n in range(50)} <= set(backup.service.state.orders)
        await backup.service.execute(add_orders("on-backup"))

        primary.start()  # comes back as passive, its journal cut where the backup took over
        await eventually(lambda: _coupled(primary, backup))
        assert primary.service is None
        await backup.service.execute(add_orders("coupled-again"))
        assert {"on-backup", "coupled-again"} <= primary.journaled_order_ids()

        async with nodes.client(backup) as active, nodes.client(primary) as passive:
            on_active, on_passive = await _metrics(active), await _metrics(passive)
        assert 'stellwerk_cluster_node_active{node="Backup"} 1.0' in on_active
        assert 'stellwerk_cluster_failovers_total{node="Backup"} 1.0' in on_active
        assert "stellwerk_controller_orders " in on_active  # beside the Controller's own
        assert 'stellwerk_cluster_node_active{node="Primary"} 0.0' in on_passive
        assert 'stellwerk_cluster_state{node="Primary",state="Coupled"} 1.0' in on_passive
        assert "stellwerk_controller_orders" not in on_passive


async def _metrics(client: NodeClient) -> str:
    return b"\n".join([line async for line in client.stream_lines("/metrics")]).decode()


async def test_switch_over_on_request_loses_nothing(pki: TestPki, tmp_path: Path) -> None:
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None)
        assert primary.service is not None
        await primary.service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await primary.service.execute(add_orders(*(f"o{n}" for n in range(30))))
        async with nodes.client(primary) as client:
            assert await client.post(f"{API}/command", {"TYPE": "ClusterSwitchOver"}, dict) == {
                "TYPE": "Accepted"
            }
        await eventually(lambda: backup.service is not None, 10)
        assert isinstance(backup.cluster_state(), SwitchedOver | Coupled)
        assert backup.service is not None
        assert {f"o{n}" for n in range(30)} <= set(backup.service.state.orders)
        await eventually(lambda: _coupled(primary, backup), 10)
        assert primary.service is None
        await backup.service.execute(add_orders("after"))
        assert "after" in primary.journaled_order_ids()
        async with nodes.client(primary) as passive, nodes.client(backup) as active:
            alive = await passive.get(f"{API}/health/live", dict)
            assert alive["TYPE"] == "Alive" and alive["active"] is False
            with pytest.raises(HttpError) as not_ready:
                await passive.get(f"{API}/health/ready", dict)
            assert not_ready.value.status == 503  # a load balancer sends the API calls to the active node
            assert (await active.get(f"{API}/health/live", dict))["active"] is True
            assert (await active.get(f"{API}/health/ready", dict))["TYPE"] == "Ready"


async def test_an_orderly_stop_of_the_active_node_is_no_fail_over(pki: TestPki, tmp_path: Path) -> None:
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None)
        assert primary.service is not None
        await primary.service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await primary.service.execute(add_orders("before-stop"))
        await primary.stop()
        assert isinstance(primary.cluster_state(), ActiveShutDown)
        await eventually(lambda: isinstance(backup.cluster_state(), ActiveShutDown), 5)
        await asyncio.sleep(FAST.active_lost_timeout * 1.5)  # longer than a fail-over would need
        assert backup.service is None  # the Backup did not take over

        primary.start()
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None, 10)
        assert primary.service is not None
        assert "before-stop" in primary.service.state.orders


async def test_a_node_restarted_alone_under_a_new_watch_acts_only_after_an_operator_confirms_the_loss(
    pki: TestPki, tmp_path: Path
) -> None:
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None)
        assert primary.service is not None
        await primary.service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await primary.service.execute(add_orders("kept"))
        await backup.crash()
        await primary.crash()
        nodes.restart_watch()  # knows nothing of the cluster

        primary.start()
        await eventually(lambda: nodes.watch.refused_loss == "Backup", 10)
        await asyncio.sleep(FAST.heartbeat * 2)
        assert primary.service is None  # neither the untaught watch nor the node decides alone
        assert isinstance(nodes.watch.confirm_refused_loss("operator"), Confirmed)
        await eventually(lambda: primary.service is not None, 5)
        assert isinstance(primary.cluster_state(), PassiveLost)
        assert primary.service is not None
        assert "kept" in primary.service.state.orders

        backup.start()
        await eventually(lambda: _coupled(primary, backup), 10)


async def test_the_cluster_couples_again_while_orders_keep_coming(pki: TestPki, tmp_path: Path) -> None:
    """A passive that returns while the active node writes all the time never has read the journal's very end
    when it asks again; it must couple all the same (with a link that takes 5 ms each way)."""
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        nodes.to_primary.delay = nodes.to_backup.delay = 0.005
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None, 30)
        service = primary.service
        assert service is not None
        await service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await backup.crash()
        await eventually(lambda: isinstance(primary.cluster_state(), PassiveLost), 10, step=0.02)

        stop = asyncio.Event()

        async def keep_adding() -> int:
            number = 0
            while not stop.is_set():
                await service.execute(add_orders(f"steady-{number}"))
                number += 1
                await asyncio.sleep(0.002)
            return number

        adding = asyncio.create_task(keep_adding())
        try:
            backup.start()
            await eventually(lambda: _coupled(primary, backup), 15, step=0.05)
        finally:
            stop.set()
            added = await adding
        await eventually(lambda: f"steady-{added - 1}" in backup.journaled_order_ids(), 10)


async def test_a_new_watch_does_not_interrupt_the_active_node(pki: TestPki, tmp_path: Path) -> None:
    """A restarted (untaught) watch refuses to confirm the active node until it has heard both nodes; the
    running active node goes on meanwhile instead of giving up its role (as it did before: every Controller
    fail-over restarted the cluster Agents it watches)."""
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None)
        service = primary.service
        for _ in range(3):
            nodes.restart_watch()
            await asyncio.sleep(FAST.heartbeat_timeout * 3)
            assert primary.service is service and backup.service is None
        assert service is not None
        await service.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await service.execute(add_orders("still-served"))
        assert "still-served" in backup.journaled_order_ids()


async def test_a_restarted_node_keeps_heartbeating_as_passive_so_a_new_watch_can_fail_over_to_it(
    pki: TestPki, tmp_path: Path
) -> None:
    """The old active node comes back with its old state (active): its first heartbeat is refused. It becomes
    passive, and it must go on heartbeating: a watch started later learns the cluster only when both nodes
    report, and only a taught watch consents to the next fail-over (before, that heartbeat loop had ended)."""
    async with cluster(pki, tmp_path) as nodes:
        primary, backup = nodes.primary, nodes.backup
        await eventually(lambda: _coupled(primary, backup) and primary.service is not None)
        await primary.crash()
        await eventually(lambda: backup.service is not None, 5, step=0.01)
        primary.start()
        await eventually(lambda: _coupled(primary, backup), 10)
        nodes.restart_watch()
        await eventually(lambda: nodes.watch.watch.taught, 5)
        await backup.crash()
        await eventually(lambda: primary.service is not None, 5, step=0.01)
        assert isinstance(primary.cluster_state(), FailedOver)
