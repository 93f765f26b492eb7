"""A cluster Agent end to end: two Director processes of `agentA` (`stellwerk agent --cluster Primary|Backup`,
the Backup a copy of the Agent's folder), a Controller that knows both URIs and is their Cluster Watch. The
Directors couple; the active one is killed with SIGKILL (with its job processes, as a crashed host) while jobs
run; the passive one takes over with the Controller's consent, the Controller follows it, the lost processes run
again there (ProcessLost) and every order finishes, with no job run more often than that rule allows; a
switch-over and an operator's confirmation of a Director's loss go through the Controller's API."""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import pytest

from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context
from tests.e2e.nodes import (
    API,
    CONTROLLER,
    Installation,
    NodeProcess,
    add_orders,
    deploy,
    free_port,
    orders,
    shell_job,
    until_async,
    until_states,
    workflow,
)

A = "agentA"
TIMING = "0.2,0.6,0.4"


class Director(NodeProcess):
    def __init__(self, installation: Installation, node: str, folder: str, port: int, peer_port: int) -> None:
        super().__init__(
            "agent", installation.folder / folder / "node.toml", installation.folder / f"{folder}.log"
        )
        self.node, self.port = node, port
        self.options = [
            "--port", str(port), "--cluster", node, "--cluster-peer", f"https://127.0.0.1:{peer_port}",
            "--cluster-timing", TIMING,
        ]  # fmt: skip
        installation.nodes.append(self)

    def command(self) -> list[str]:
        return [*super().command(), *self.options]

    async def crash(self) -> None:
        """SIGKILL of the Director and of its job processes."""
        children = self.descendants()
        await self.kill()
        for child in children:
            try:
                child.kill()
            except psutil.Error:
                pass


def directors(installation: Installation) -> dict[str, Director]:
    ports = {"Primary": installation.ports[A], "Backup": free_port()}
    backup = installation.folder / "agentA-backup"
    shutil.copytree(installation.folder / A, backup)
    config = backup / "node.toml"
    config.write_text(config.read_text().replace(f"port = {ports['Primary']}", f"port = {ports['Backup']}"))
    controller = installation.folder / CONTROLLER / "node.toml"
    both = f"https://127.0.0.1:{ports['Primary']},https://127.0.0.1:{ports['Backup']}"
    controller.write_text(
        controller.read_text().replace(f'{A} = "https://127.0.0.1:{ports["Primary"]}"', f'{A} = "{both}"')
    )
    return {
        "Primary": Director(installation, "Primary", A, ports["Primary"], ports["Backup"]),
        "Backup": Director(installation, "Backup", "agentA-backup", ports["Backup"], ports["Primary"]),
    }


def director_client(installation: Installation, port: int) -> NodeClient:
    folder = installation.folder / CONTROLLER
    context = client_context(
        folder / "node.pem", folder / "node-key.pem", installation.folder / "ca" / "ca.pem"
    )
    return NodeClient(
        f"https://127.0.0.1:{port}", ssl_context=context, retry=RetryPolicy(attempts=1), timeout=5
    )


async def cluster_type(client: NodeClient) -> str:
    try:
        state: dict[str, Any] = await client.get("/agent/api/cluster", dict)
    except TransportError:
        return ""
    return str(state.get("TYPE", ""))


async def is_active(client: NodeClient) -> bool:
    try:
        await client.get("/agent/api", dict)
    except TransportError:
        return False
    return True


async def both_coupled(primary: NodeClient, backup: NodeClient) -> bool:
    return await cluster_type(primary) == "Coupled" and await cluster_type(backup) == "Coupled"


async def test_the_passive_director_takes_over_and_every_order_finishes(
    installation: Installation, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    nodes = directors(installation)
    controller = installation.node(CONTROLLER)
    await asyncio.gather(*(node.start() for node in nodes.values()), controller.start())
    async with (
        installation.client() as client,
        director_client(installation, nodes["Primary"].port) as primary,
        director_client(installation, nodes["Backup"].port) as backup,
    ):

        async def coupled() -> bool:
            return await both_coupled(primary, backup)

        await until_async(coupled, 30, "the Directors to couple")
        script = f"sleep 1; echo \"$JS7_ORDER_ID\" >> '{runs}'\n"
        job = shell_job(A, script, processLimit=20)
        await deploy(client, workflow("W", [{"TYPE": "Execute.Named", "jobName": "j"}], {"j": job}))
        ids = [f"o{n:02}" for n in range(10)]
        await add_orders(client, "W", *ids)

        async def processing() -> bool:
            found = await orders(client)
            return sum(1 for order in found.values() if order["state"]["TYPE"] == "Processing") >= 3

        await until_async(processing, 20, "jobs to run on the Primary")
        await nodes["Primary"].crash()

        await until_async(lambda: is_active(backup), 15, "the Backup Director to become active", step=0.05)
        assert await cluster_type(backup) == "FailedOver"
        await until_states(client, dict.fromkeys(ids, "Finished"), 60)

        found = await orders(client)
        lost = Counter(
            order_id
            for order_id, order in found.items()
            for historic in order.get("historicOutcomes", [])
            if historic["outcome"].get("reason", {}).get("TYPE") == "ProcessLost"
        )
        assert sum(lost.values()) >= 1  # the crash did cut jobs short: they ran again on the Backup
        ran = Counter(runs.read_text().split())
        assert set(ran) == set(ids)
        assert all(count <= 1 + lost[order_id] for order_id, count in ran.items()), (ran, lost)

        await nodes["Primary"].start()  # comes back as passive
        await until_async(coupled, 30, "the Directors to couple again")

        # A switch-over on request, through the Controller: the Primary is active again.
        answer = await client.post(f"{API}/agent/{A}/cluster/switchover", {}, dict)
        assert answer == {"TYPE": "Accepted"}
        await until_async(lambda: is_active(primary), 15, "the Primary Director to become active")
        await until_async(coupled, 30, "the Directors to couple after the switch-over")
        await add_orders(client, "W", "after-switch-over")
        await until_states(client, {"after-switch-over": "Finished"}, 30)
        with pytest.raises(HttpError) as refused:  # JS7 resets standalone Agents only
            await client.post(f"{API}/command", {"TYPE": "ResetAgent", "agentPath": A}, dict)
        assert refused.value.status == 400 and "cluster Agent, which cannot be reset" in str(refused.value)


async def test_an_operator_confirms_a_director_loss_that_a_fresh_watch_cannot(
    installation: Installation,
) -> None:
    """The active Director dies while the Controller (its Cluster Watch) is down: the restarted Controller's watch
    is untaught and refuses the fail-over, until an operator confirms the loss through the Controller's API."""
    nodes = directors(installation)
    controller = installation.node(CONTROLLER)
    await asyncio.gather(*(node.start() for node in nodes.values()), controller.start())
    async with (
        director_client(installation, nodes["Primary"].port) as primary,
        director_client(installation, nodes["Backup"].port) as backup,
    ):
        await until_async(lambda: both_coupled(primary, backup), 30, "the Directors to couple")
        await controller.stop()
        await nodes["Primary"].crash()
        await controller.start()
        async with installation.client() as client:
            with pytest.raises(HttpError) as unknown:
                await client.post(
                    f"{API}/agent/{A}/cluster/confirm-node-loss",
                    {"lostNodeId": "Nobody", "confirmer": "x"},
                    dict,
                )
            assert unknown.value.status == 400 and "lostNodeId" in unknown.value.message
            await asyncio.sleep(3)  # far longer than a fail-over takes: it is refused
            assert not await is_active(backup)
            confirmation = {"lostNodeId": "Primary", "confirmer": "operator"}
            answer = await client.post(f"{API}/agent/{A}/cluster/confirm-node-loss", confirmation, dict)
            assert answer == {"TYPE": "Accepted"}
            await until_async(lambda: is_active(backup), 15, "the Backup Director to become active")
