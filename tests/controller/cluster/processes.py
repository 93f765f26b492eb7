"""A Controller cluster as real processes: `stellwerk controller --cluster Primary|Backup` from one `stellwerk
init` installation (the Backup a copy of the Controller's folder, so both nodes have the Controller's
certificate), an Agent, and a Cluster Watch in the test process with the Cockpit's certificate."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from cryptography import x509

from stellwerk.cluster.states import NodeId, Timing
from stellwerk.cluster.watch import ClusterWatch, running_watch
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context
from tests.e2e.nodes import CONTROLLER, Installation, NodeProcess, free_port, spawn, until, until_async

TIMING = Timing(heartbeat=0.2, heartbeat_timeout=0.6, consent_timeout=0.4)
BACKUP_FOLDER = "controller-backup"


class ProcessWithOptions(NodeProcess):
    """A node process with command-line options besides its config file."""

    def __init__(self, role: str, config: Path, log: Path, options: list[str]) -> None:
        super().__init__(role, config, log)
        self.options = options

    async def start(self, seconds: float = 30.0) -> str:
        self._log_offset = self.log.stat().st_size if self.log.exists() else 0
        arguments = ["-m", "stellwerk", self.role, "--config", str(self.config), *self.options]
        self.process = spawn(arguments, self.log)
        await until(lambda: self._listening() is not None, seconds, f"{self.role} to listen")
        self.url = self._listening() or ""
        return self.url


class ClusterProcess(ProcessWithOptions):
    """A Controller node process with the cluster options."""

    def __init__(
        self,
        node_id: NodeId,
        config: Path,
        log: Path,
        port: int,
        peer_port: int,
        watch_subjects: tuple[str, ...],
    ) -> None:
        timing = f"{TIMING.heartbeat},{TIMING.heartbeat_timeout},{TIMING.consent_timeout}"
        options = [
            "--port",
            str(port),
            "--cluster",
            node_id,
            "--cluster-peer",
            f"https://127.0.0.1:{peer_port}",
        ]
        options += ["--cluster-timing", timing]
        for subject in watch_subjects:
            options += ["--cluster-peer-subject", subject]
        super().__init__(CONTROLLER, config, log, options)
        self.node_id = node_id
        self.port = port

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}"


class ClusterInstallation:
    """With `agent_watch`, the Agent is the cluster's Cluster Watch (and the nodes allow its certificate)."""

    def __init__(self, folder: Path, *, agent_watch: bool = False) -> None:
        self.installation = Installation(folder)
        self.folder = folder
        shutil.copytree(folder / CONTROLLER, folder / BACKUP_FOLDER)
        ports = {"Primary": self.installation.ports[CONTROLLER], "Backup": free_port()}
        agent_subject = x509.load_pem_x509_certificate((folder / "agentA" / "node.pem").read_bytes()).subject
        subjects = (agent_subject.rfc4514_string(),) if agent_watch else ()
        self.nodes: dict[NodeId, ClusterProcess] = {
            "Primary": ClusterProcess(
                "Primary",
                folder / CONTROLLER / "node.toml",
                folder / "primary.log",
                ports["Primary"],
                ports["Backup"],
                subjects,
            ),
            "Backup": ClusterProcess(
                "Backup",
                folder / BACKUP_FOLDER / "node.toml",
                folder / "backup.log",
                ports["Backup"],
                ports["Primary"],
                subjects,
            ),
        }
        watch_options = [option for n in self.nodes.values() for option in ("--cluster-watch", n.uri)]
        self.agent = ProcessWithOptions(
            "agent",
            folder / "agentA" / "node.toml",
            folder / "agentA.log",
            watch_options if agent_watch else [],
        )
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
        if self.agent.process is not None:
            self.installation.nodes.append(self.agent)
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


async def kill_primary_and_time_the_fail_over(installation: ClusterInstallation) -> float:
    """SIGKILL of the (active) Primary; the seconds until the Backup answers as active."""
    loop = asyncio.get_running_loop()
    await installation.nodes["Primary"].kill()
    killed_at = loop.time()
    async with installation.client("Backup") as client:
        await until_async(lambda: is_active(client), 10, "the Backup to become active", step=0.02)
    return loop.time() - killed_at
