"""A whole Stellwerk system as real processes on loopback, for fault tests: a Controller cluster (`stellwerk
controller --cluster Primary|Backup`) whose two nodes reach each other only through FaultyLinks the test controls,
a Cluster Watch in the calling process (with the Cockpit's certificate, as the Cockpit is the watch), a Director
Agent `agentA` with an elastic pool `P` of two Subagents (`s1`, `s2`), and a standalone Agent `agentB`.

Every process has a fixed port, so a killed process comes back where the others expect it. The files are those
`stellwerk init` writes, in `folder`; each process logs into `folder/<name>.log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from stellwerk.cli.init import Names, initialize, plan_nodes
from stellwerk.cluster.states import NodeId, Timing
from stellwerk.cluster.watch import running_watch
from stellwerk.testing.faulty_link import FaultyLink
from stellwerk.testing.syscall_faults import SyscallFaults, build_library
from stellwerk.transport.client import NodeClient, RetryPolicy, TransportError
from stellwerk.transport.pki import KeyAndCertificate, new_node_certificate
from stellwerk.transport.tls import client_context

# Fail-over after 1.2 s of silence of the active node.
TIMING = Timing(heartbeat=0.2, heartbeat_timeout=0.6, consent_timeout=0.4)
API = "/controller/api"
CONTROLLERS: tuple[NodeId, NodeId] = ("Primary", "Backup")
DIRECTOR = "agentA"  # a cluster Agent: its Directors are the processes DIRECTORS names
DIRECTORS: dict[NodeId, str] = {"Primary": DIRECTOR, "Backup": f"{DIRECTOR}-backup"}
AGENT_API = "/agent/api"
STANDALONE_AGENT = "agentB"
SUBAGENTS = ("s1", "s2")
POOL = "P"
_POOL_TOKEN = "chaos-pool-token"
SMALL_DISK_BYTES = 256 << 20
NODE_FOLDERS: dict[NodeId, str] = {"Primary": "controller", "Backup": "controller-backup"}
_ORGANIZATION = "Stellwerk"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RigProcess:
    """One node of the rig as a child process in a process group of its own."""

    def __init__(self, name: str, arguments: list[str], port: int, log: Path) -> None:
        self.name = name
        self.arguments = arguments
        self.port = port
        self.log = log
        self.environment: dict[str, str] = {}  # besides this process's own
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def start(self, seconds: float = 30.0) -> None:
        self.process = self._spawn()
        await self._until_listening(seconds)

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as output:
            return subprocess.Popen(
                [sys.executable, "-m", "stellwerk", *self.arguments],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,
                env={**os.environ, **self.environment},
            )

    async def _until_listening(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} ended with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            if loop.time() > deadline:
                raise RuntimeError(f"{self.name} does not listen after {seconds} s; see {self.log}")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL to the node's whole process group (its job processes die with it, as on a crashed host)."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    async def stop(self, seconds: float = 20.0) -> None:
        if not self.running:
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(self.process.wait, seconds)
        self.kill()


class ClusterRig:
    """Made by `ClusterRig.running`; `links[node]` is the link through which the other node reaches `node`."""

    def __init__(self, folder: Path, log_level: str = "warning") -> None:
        self.folder = folder
        self.log_level = log_level
        self.ports: dict[str, int] = {
            name: free_port() for name in (*CONTROLLERS, *DIRECTORS.values(), STANDALONE_AGENT)
        }
        self.ports |= {name: free_port() for name in SUBAGENTS}
        self.links: dict[NodeId, FaultyLink] = {
            node: FaultyLink("127.0.0.1", self.ports[node]) for node in CONTROLLERS
        }
        # The Controllers reach the standalone Agent through this link (a test can cut it).
        self.agent_link = FaultyLink("127.0.0.1", self.ports[STANDALONE_AGENT])
        self.processes: dict[str, RigProcess] = {}
        # Disk and clock faults of the Controller nodes, where this machine allows them (else `unavailable`
        # says why): the syscall fault library preloaded, and each node's data directory on a small disk.
        self.syscall_faults: dict[NodeId, SyscallFaults] = {}
        self.small_disks: dict[NodeId, Path] = {}
        self.unavailable: dict[str, str] = {}
        self.ssl: ssl.SSLContext | None = None
        self.director_ssl: ssl.SSLContext | None = None  # the Controller's: a Director serves its Controller
        self._clients: dict[NodeId, NodeClient] = {}
        self._director_clients: dict[NodeId, NodeClient] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, folder: Path, log_level: str = "warning") -> AsyncIterator[ClusterRig]:
        """The rig with every process started and the Cluster Watch running; all stopped after."""
        rig = cls(folder, log_level)
        try:
            await rig._start()
            uris = {node: rig.uri(node) for node in CONTROLLERS}
            assert rig.ssl is not None
            async with running_watch(uris, rig.ssl, TIMING), contextlib.AsyncExitStack() as clients:
                for node in CONTROLLERS:
                    rig._clients[node] = await clients.enter_async_context(rig._new_client(node))
                    director = NodeClient(
                        rig.uri(DIRECTORS[node]),
                        ssl_context=rig.director_ssl,
                        retry=RetryPolicy(attempts=1),
                        timeout=5,
                    )
                    rig._director_clients[node] = await clients.enter_async_context(director)
                yield rig
        finally:
            await rig._stop()

    def uri(self, name: str) -> str:
        return f"https://127.0.0.1:{self.ports[name]}"

    @property
    def agent_link_uri(self) -> str:
        """The standalone Agent's URI as the Controllers know it: through `agent_link`, on a port fixed now."""
        if not self.agent_link.port:
            self.agent_link.port = free_port()
        return f"https://127.0.0.1:{self.agent_link.port}"

    async def agent_coupled(self, agent: str) -> bool:
        """Whether the active Controller node has the Agent coupled."""
        node = await self.active()
        if node is None:
            return False
        try:
            overview = await self._clients[node].get(API, dict)
        except TransportError:
            return False
        return bool(overview.get("agents", {}).get(agent, {}).get("coupled"))

    def client(self, node: NodeId) -> NodeClient:
        """A client of the node with the Cockpit's certificate, one attempt per request."""
        return self._clients[node]

    async def start(self, name: str) -> None:
        await self.processes[name].start()

    def kill(self, name: str) -> None:
        self.processes[name].kill()

    async def is_active(self, node: NodeId) -> bool:
        """Whether the node answers the Controller API (a passive node answers 503)."""
        try:
            await self._clients[node].get(API, dict)
        except TransportError:
            return False
        return True

    async def cluster_state(self, node: NodeId) -> dict[str, Any] | None:
        try:
            return await self._clients[node].get(f"{API}/cluster", dict)
        except TransportError:
            return None

    async def coupled(self) -> bool:
        states = await asyncio.gather(*(self.cluster_state(node) for node in CONTROLLERS))
        return all(state is not None and state.get("TYPE") == "Coupled" for state in states)

    async def director_is_active(self, node: NodeId) -> bool:
        """Whether the cluster Agent's Director `node` answers the Agent API (a passive one answers 503)."""
        try:
            await self._director_clients[node].get(AGENT_API, dict)
        except TransportError:
            return False
        return True

    async def directors_coupled(self) -> bool:
        for client in self._director_clients.values():
            try:
                state = await client.get(f"{AGENT_API}/cluster", dict)
            except TransportError:
                return False
            if state.get("TYPE") != "Coupled":
                return False
        return True

    async def active(self) -> NodeId | None:
        for node in CONTROLLERS:
            if await self.is_active(node):
                return node
        return None

    # Setting up ------------------------------------------------------------------------------------------------

    async def _start(self) -> None:
        self._write_installation()
        for link in (*self.links.values(), self.agent_link):
            await link.start()
        self._define_processes()
        self._prepare_faults()
        await asyncio.gather(*(self.start(name) for name in SUBAGENTS))
        await asyncio.gather(*(self.start(name) for name in (*DIRECTORS.values(), STANDALONE_AGENT)))
        await asyncio.gather(*(self.start(name) for name in CONTROLLERS))

    async def _stop(self) -> None:
        await asyncio.gather(*(process.stop() for process in self.processes.values()))
        for link in (*self.links.values(), self.agent_link):
            await link.close()
        for faults in self.syscall_faults.values():
            faults.close()
        for disk in self.small_disks.values():
            unmount(disk)

    def _prepare_faults(self) -> None:
        library = build_library(self.folder)
        for node, data in NODE_FOLDERS.items():
            if isinstance(library, Path):
                faults = self.syscall_faults[node] = SyscallFaults(library, self.folder / f"{node}.faults")
                self.processes[node].environment = faults.environment
            else:
                self.unavailable["syscalls"] = library
            disk = self.folder / data / "data"
            problem = mount_small_disk(disk, SMALL_DISK_BYTES)
            if problem is None:
                self.small_disks[node] = disk
            else:
                self.unavailable["disk"] = problem

    def _write_installation(self) -> None:
        folder = self.folder
        names = Names(_ORGANIZATION, ("localhost",), (ipaddress.IPv4Address("127.0.0.1"),), 30)
        nodes = plan_nodes("controller", (DIRECTOR, STANDALONE_AGENT), "cockpit")
        initialize(folder, nodes, names, force=False, now=datetime.now(UTC))
        directors = ",".join(self.uri(name) for name in DIRECTORS.values())
        agents = [f'{DIRECTOR} = "{directors}"', f'{STANDALONE_AGENT} = "{self.agent_link_uri}"']
        _append(folder / "controller" / "node.toml", [
            "[controller]", 'id = "chaos"', 'event-readers = ["cockpit"]', "release-events-period = 0.0",
            "reconnect-delays = [0.05, 0.1, 0.2]", "event-poll-timeout = 1.0", "", "[agents]", *agents,
        ])  # fmt: skip
        shutil.copytree(folder / "controller", folder / "controller-backup")
        members = ", ".join(f'"{self.uri(name)}"' for name in SUBAGENTS)
        _append(folder / DIRECTOR / "node.toml", [
            "[http]", 'host = "127.0.0.1"', f"port = {self.ports[DIRECTOR]}", "",
            "[agent]", "shutdown-grace = 2.0", "subagent-heartbeat = 0.2", "subagent-timeout = 3",
            "pool-discovery = 0.3", "", f"[agent.pools.{POOL}]", f'token = "{_POOL_TOKEN}"', f"addresses = [{members}]",
        ])  # fmt: skip
        backup = DIRECTORS["Backup"]
        shutil.copytree(folder / DIRECTOR, folder / backup)
        config = folder / backup / "node.toml"
        config.write_text(
            config.read_text().replace(f"port = {self.ports[DIRECTOR]}", f"port = {self.ports[backup]}")
        )
        _append(folder / STANDALONE_AGENT / "node.toml", [
            "[http]", 'host = "127.0.0.1"', f"port = {self.ports[STANDALONE_AGENT]}", "",
            "[agent]", "shutdown-grace = 2.0",
        ])  # fmt: skip
        for name in SUBAGENTS:
            _issue_certificate(folder, name)
        cockpit, controller = folder / "cockpit", folder / "controller"
        self.ssl = client_context(cockpit / "node.pem", cockpit / "node-key.pem", folder / "ca" / "ca.pem")
        self.director_ssl = client_context(
            controller / "node.pem", controller / "node-key.pem", folder / "ca" / "ca.pem"
        )

    def _define_processes(self) -> None:
        folder, logging = self.folder, ["--log-level", self.log_level]
        timing = f"{TIMING.heartbeat},{TIMING.heartbeat_timeout},{TIMING.consent_timeout}"
        for node, data in NODE_FOLDERS.items():
            peer = other_node(node)
            arguments = [
                "controller", "--config", str(folder / data / "node.toml"), "--port", str(self.ports[node]),
                "--cluster", node, "--cluster-peer", self.links[peer].uri, "--cluster-timing", timing, *logging,
            ]  # fmt: skip
            self._define(node, arguments)
        for node, name in DIRECTORS.items():
            arguments = [
                "agent", "--config", str(folder / name / "node.toml"), "--cluster", node,
                "--cluster-peer", self.uri(DIRECTORS[other_node(node)]), "--cluster-timing", timing, *logging,
            ]  # fmt: skip
            self._define(name, arguments)
        self._define(
            STANDALONE_AGENT, ["agent", "--config", str(folder / STANDALONE_AGENT / "node.toml"), *logging]
        )
        for name in SUBAGENTS:
            arguments = [
                "subagent", "--id", name, "--data", str(folder / name), "--port", str(self.ports[name]),
                "--cert", str(folder / f"{name}.pem"), "--key", str(folder / f"{name}-key.pem"),
                "--ca", str(folder / "ca" / "ca.pem"), "--allow-director", f"CN={DIRECTOR},O={_ORGANIZATION}",
                "--pool", POOL, "--token", _POOL_TOKEN, "--heartbeat", "0.2", "--drain-grace", "0.5", *logging,
            ]  # fmt: skip
            self._define(name, arguments)

    def _define(self, name: str, arguments: list[str]) -> None:
        self.processes[name] = RigProcess(name, arguments, self.ports[name], self.folder / f"{name}.log")

    def _new_client(self, node: NodeId) -> NodeClient:
        return NodeClient(self.uri(node), ssl_context=self.ssl, retry=RetryPolicy(attempts=1), timeout=5)


def other_node(node: NodeId) -> NodeId:
    return "Backup" if node == "Primary" else "Primary"


def mount_small_disk(folder: Path, size: int) -> str | None:
    """A tmpfs of `size` bytes on `folder` (made if missing), or why there is none (mounting needs privileges)."""
    folder.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    try:
        mounted = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return "no mount command"
    return None if mounted.returncode == 0 else f"cannot mount a small disk: {mounted.stderr.strip()}"


def unmount(folder: Path) -> None:
    subprocess.run(["umount", "--lazy", str(folder)], capture_output=True, check=False)


def _append(config: Path, lines: list[str]) -> None:
    with config.open("a") as file:
        file.write("\n".join(["", *lines, ""]))


def _issue_certificate(folder: Path, name: str) -> None:
    """A Subagent's certificate from the installation's CA, as an operator issues one for a pool member."""
    ca_key = serialization.load_pem_private_key((folder / "ca" / "ca-key.pem").read_bytes(), password=None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca = KeyAndCertificate(ca_key, x509.load_pem_x509_certificate((folder / "ca" / "ca.pem").read_bytes()))
    issued = new_node_certificate(
        ca, name, organization=_ORGANIZATION, dns_names=("localhost",),
        ip_addresses=(ipaddress.IPv4Address("127.0.0.1"),), now=datetime.now(UTC), days=1,
    )  # fmt: skip
    (folder / f"{name}.pem").write_bytes(issued.certificate_pem())
    (folder / f"{name}-key.pem").write_bytes(issued.key_pem())
