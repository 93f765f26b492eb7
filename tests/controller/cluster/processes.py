"""A Controller cluster as real processes: `stellwerk controller --cluster Primary|Backup` from one `stellwerk
init` installation (the Backup a copy of the Controller's folder, so both nodes have the Controller's
certificate), an Agent, and a Cluster Watch in the test process with the Cockpit's certificate."""

from __future__ import annotations

import contextlib
import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from stellwerk.cluster.states import NodeId, Timing
from stellwerk.cluster.watch import ClusterWatch, running_watch
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context
from tests.e2e.nodes import CONTROLLER, Installation, NodeProcess, free_port, spawn, until

TIMING = Timing(heartbeat=0.2, heartbeat_timeout=0.6, consent_timeout=0.4)
BACKUP_FOLDER = "controller-backup"


class ClusterProcess(NodeProcess):
    """A Controller node process with the cluster options."""

    def __init__(self, node_id: NodeId, config: Path, log: Path, port: int, peer_port: int) -> None:
        super().__init__(CONTROLLER, config, log)
        self.node_id = node_id
        self.port = port
        self.peer_port = peer_port

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self, seconds: float = 30.0) -> str:
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        timing = f"{TIMING.heartbeat},{TIMING.heartbeat_timeout},{TIMING.consent_timeout}"
        arguments = ["-m", "stellwerk", "controller", "--config", str(self.config), "--port", str(self.port)]
        arguments += ["--cluster", self.node_id, "--cluster-peer", f"https://127.0.0.1:{self.peer_port}"]
        arguments += ["--cluster-timing", timing]
        self.process = spawn(arguments, self.log)
        await until(lambda: self._listening() is not None, seconds, f"{self.node_id} to listen")
        self.url = self.uri
        return self.url


class ClusterInstallation:
    def __init__(self, folder: Path) -> None:
        self.installation = Installation(folder)
        self.folder = folder
        shutil.copytree(folder / CONTROLLER, folder / BACKUP_FOLDER)
        ports = {"Primary": self.installation.ports[CONTROLLER], "Backup": free_port()}
        self.nodes: dict[NodeId, ClusterProcess] = {
            "Primary": ClusterProcess(
                "Primary",
                folder / CONTROLLER / "node.toml",
                folder / "primary.log",
                ports["Primary"],
                ports["Backup"],
            ),
            "Backup": ClusterProcess(
                "Backup",
                folder / BACKUP_FOLDER / "node.toml",
                folder / "backup.log",
                ports["Backup"],
                ports["Primary"],
            ),
        }
        self.installation.nodes.extend(self.nodes.values())
        cockpit = folder / "cockpit"
        self.client_ssl: ssl.SSLContext = client_context(
            cockpit / "node.pem", cockpit / "node-key.pem", folder / "ca" / "ca.pem"
        )

    def client(self, node: NodeId) -> NodeClient:
        return NodeClient(
            self.nodes[node].uri, ssl_context=self.client_ssl, retry=RetryPolicy(attempts=1), timeout=5
        )

    @contextlib.asynccontextmanager
    async def watch(self) -> AsyncIterator[ClusterWatch]:
        uris = {node_id: node.uri for node_id, node in self.nodes.items()}
        async with running_watch(uris, self.client_ssl, TIMING) as watch:
            yield watch

    def clean_up(self) -> None:
        self.installation.clean_up()


async def cluster_state(client: NodeClient) -> dict[str, Any] | None:
    try:
        return await client.get("/controller/api/cluster", dict)
    except TransportError:
        return None


async def is_active(client: NodeClient) -> bool:
    """Whether the node answers the Controller API (the passive answers 503)."""
    try:
        await client.get("/controller/api", dict)
    except TransportError:
        return False
    return True


async def coupled(installation: ClusterInstallation) -> bool:
    """Whether both nodes report the cluster coupled."""
    for node in ("Primary", "Backup"):
        async with installation.client(node) as client:
            state = await cluster_state(client)
            if state is None or state["TYPE"] != "Coupled":
                return False
    return True
