"""A Controller whose journal's disk fills up halts: the orders it could not write are refused (never accepted),
`halted` is set (the CLI then ends the process, a cluster's passive fails over), and after a restart with space
again every order it had accepted is there. An orderly stop on a full disk ends too. The journal sits on a small
tmpfs (mounting one needs root; the tests are skipped without)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from stellwerk.controller.items import AddOrChange, UpdateItems
from stellwerk.controller.service import ControllerService
from stellwerk.journal.halt import ServiceHalted
from stellwerk.journal.writer import JournalStopped
from stellwerk.testing.chaos import fill_disk
from stellwerk.testing.cluster_rig import mount_small_disk, unmount
from stellwerk.transport.client import HttpError, NodeClient
from tests.controller.cluster.harness import EMPTY_WORKFLOW, add_orders
from tests.controller.support import COCKPIT, controller_config, eventually
from tests.e2e.nodes import API
from tests.transport.pki import TestPki

MANY = [f"refused-{n}" for n in range(2000)]  # more than the slack of the journal's last page


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    problem = mount_small_disk(disk, 16 << 20)
    if problem is not None:
        pytest.skip(problem)
    try:
        yield disk
    finally:
        unmount(disk)


async def test_a_full_disk_halts_the_controller_and_loses_no_accepted_order(
    pki: TestPki, small_disk: Path
) -> None:
    config = controller_config(pki, small_disk / "controller")
    async with ControllerService.start(config) as controller:
        await controller.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
        await controller.execute(add_orders("accepted"))
        filler = fill_disk(small_disk)
        with pytest.raises(JournalStopped):
            await controller.execute(add_orders(*MANY))
        await eventually(controller.halted.is_set, 5)
        with pytest.raises(ServiceHalted):
            await controller.until_halted()
        async with NodeClient(controller.url, ssl_context=pki.client_context(COCKPIT)) as client:
            command = {"TYPE": "AddOrders", "orders": [{"id": "over-http", "workflowPath": "W"}]}
            with pytest.raises(HttpError) as refused:
                await client.post(f"{API}/command", command, dict)
        assert refused.value.status == 503 and "Nothing was accepted" in refused.value.message
    filler.unlink()
    async with ControllerService.start(config) as restarted:
        assert "accepted" in restarted.state.orders
        assert not {*MANY, "over-http"} & set(restarted.state.orders)
        assert not restarted.halted.is_set()


async def test_an_orderly_stop_on_a_full_disk_ends(pki: TestPki, small_disk: Path) -> None:
    """The stop's snapshot cannot be written; the stop must end all the same (it waited forever before)."""
    config = controller_config(pki, small_disk / "controller")
    async with asyncio.timeout(20):
        async with ControllerService.start(config) as controller:
            await controller.update_items(UpdateItems(operations=(AddOrChange(item=EMPTY_WORKFLOW),)))
            filler = fill_disk(small_disk)
            await controller.execute(add_orders("in-the-last-page"))
    filler.unlink()
    async with ControllerService.start(config) as restarted:
        assert "in-the-last-page" in restarted.state.orders
