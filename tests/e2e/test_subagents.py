"""Subagents end to end: `stellwerk controller`, `stellwerk agent` and `stellwerk subagent` processes from the
files `stellwerk init` writes. Jobs name an elastic pool as their Subagent cluster; the pool's members sit behind
one balancer address in the Agent's config; a member stopped with SIGTERM drains and leaves, the others go on.
Jobs append their order id and work directory to a file, so a job that ran twice, or elsewhere, shows."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy
from stellwerk.transport.pki import KeyAndCertificate, new_node_certificate
from stellwerk.transport.tls import client_context
from tests.agent.subagents.balancer import Balancer
from tests.e2e.nodes import (
    API,
    Installation,
    NodeProcess,
    add_orders,
    deploy,
    shell_job,
    spawn,
    until,
    until_async,
    until_states,
    workflow,
)

A = "agentA"
TOKEN = "e2e-pool-token"


def issue(installation: Installation, name: str) -> tuple[Path, Path]:
    """A node certificate for a pool member from the installation's CA (as an operator would issue one)."""
    ca_folder = installation.folder / "ca"
    ca_key = serialization.load_pem_private_key((ca_folder / "ca-key.pem").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = KeyAndCertificate(ca_key, x509.load_pem_x509_certificate((ca_folder / "ca.pem").read_bytes()))
    issued = new_node_certificate(
        ca, name, organization="Stellwerk", dns_names=("localhost",), ip_addresses=(IPv4Address("127.0.0.1"),),
        now=datetime.now(UTC), days=1,
    )  # fmt: skip
    cert, key = installation.folder / f"{name}.pem", installation.folder / f"{name}-key.pem"
    cert.write_bytes(issued.certificate_pem())
    key.write_bytes(issued.key_pem())
    return cert, key


class Member(NodeProcess):
    def __init__(self, installation: Installation, name: str) -> None:
        super().__init__(
            f"subagent {name}", installation.folder / "none.toml", installation.folder / f"{name}.log"
        )
        cert, key = issue(installation, name)
        self.arguments = [
            "-m", "stellwerk", "subagent", "--id", name, "--data", str(installation.folder / name),
            "--cert", str(cert), "--key", str(key), "--ca", str(installation.folder / "ca" / "ca.pem"),
            "--allow-director", "CN=agentA,O=Stellwerk", "--pool", "P", "--token", TOKEN,
            "--heartbeat", "0.2", "--drain-grace", "0.5",
        ]  # fmt: skip
        installation.nodes.append(self)

    async def start(self, seconds: float = 30.0) -> str:
        self.process = spawn(self.arguments, self.log)
        await until(lambda: self._listening() is not None, seconds, f"{self.role} to listen")
        self.url = self._listening() or ""
        return self.url

    @property
    def address(self) -> tuple[str, int]:
        host_port = self.url.removeprefix("https://")
        host, port = host_port.rsplit(":", 1)
        return host, int(port)


def configure_pool(installation: Installation, address: str) -> None:
    config = installation.folder / A / "node.toml"
    text = config.read_text().replace(
        "shutdown-grace = 2.0",
        "shutdown-grace = 2.0\nsubagent-heartbeat = 0.1\nsubagent-timeout = 2\npool-discovery = 0.3",
    )
    config.write_text(f'{text}\n[agent.pools.P]\ntoken = "{TOKEN}"\naddresses = ["{address}"]\n')


def agent_client(installation: Installation, url: str) -> NodeClient:
    folder = installation.folder / "controller"  # the Agent serves its Controller
    context = client_context(
        folder / "node.pem", folder / "node-key.pem", installation.folder / "ca" / "ca.pem"
    )
    return NodeClient(url, ssl_context=context, retry=RetryPolicy(attempts=1))


def runs_by_member(runs: Path) -> tuple[Counter[str], Counter[str]]:
    lines = [line.split() for line in runs.read_text().splitlines()] if runs.exists() else []
    return Counter(order_id for order_id, _ in lines), Counter(Path(work).parent.name for _, work in lines)


async def test_jobs_run_on_an_elastic_pool_behind_a_balancer_and_a_drained_member_leaves(
    installation: Installation, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    async with Balancer.start() as balancer:
        configure_pool(installation, balancer.url)
        members = {name: Member(installation, name) for name in ("m1", "m2")}
        await asyncio.gather(*(member.start() for member in members.values()))
        balancer.backends += [member.address for member in members.values()]
        agent, controller = installation.node(A), installation.node("controller")
        await asyncio.gather(agent.start(), controller.start())

        async with agent_client(installation, agent.url) as to_agent, installation.client() as client:

            async def pool() -> list[str]:
                """The members as the Controller relays the Agent's listing (the Cockpit shows this one); none
                while the Controller has not coupled the Agent yet (503)."""
                try:
                    listing: dict[str, Any] = await client.get(f"{API}/agent/{A}/subagents", dict)
                except HttpError as error:
                    assert error.status == 503 and "not coupled" in error.message, error
                    return []
                return sorted(row["subagentId"] for row in listing["subagents"] if row.get("pool") == "P")

            async def pool_is(wanted: list[str]) -> bool:
                return await pool() == wanted

            await until_async(lambda: pool_is(["m1", "m2"]), 20, "both members to join")
            own: dict[str, Any] = await to_agent.get("/agent/api/subagents", dict)
            assert sorted(row["subagentId"] for row in own["subagents"] if row.get("pool") == "P") == [
                "m1",
                "m2",
            ]
            script = f"sleep 0.2; echo \"$JS7_ORDER_ID $(pwd)\" >> '{runs}'\n"
            job = shell_job(A, script, processLimit=10, subagentBundleIdExpr="'P'")
            await deploy(client, workflow("W", [{"TYPE": "Execute.Named", "jobName": "j"}], {"j": job}))
            first = [f"a{n:02}" for n in range(20)]
            await add_orders(client, "W", *first)
            await until_states(client, dict.fromkeys(first, "Finished"), 60)
            by_order, by_member = runs_by_member(runs)
            assert set(by_order) == set(first) and set(by_order.values()) == {1}
            assert by_member["m1"] > 0 and by_member["m2"] > 0, by_member

            assert await members["m2"].stop() == 0  # SIGTERM: drains, then ends
            await until_async(lambda: pool_is(["m1"]), 20, "m2 to leave")
            counts: dict[str, Any] = await client.get(f"{API}/agent/{A}/subagents", dict)
            assert (counts["joined"], counts["left"]) == (2, 1)
            with pytest.raises(HttpError) as unknown:
                await client.get(f"{API}/agent/nobody/subagents", dict)
            assert unknown.value.status == 404 and "Unknown Agent:nobody" in unknown.value.message
            second = [f"b{n:02}" for n in range(10)]
            await add_orders(client, "W", *second)
            await until_states(client, dict.fromkeys(second, "Finished"), 60)
            by_order, by_member = runs_by_member(runs)
            assert set(by_order) == {*first, *second} and set(by_order.values()) == {1}
            assert by_member["m1"] + by_member["m2"] == 30 and by_member["m2"] <= 20
