"""Two cluster nodes in the test process (each with its own server on loopback, over mutual TLS) and a Cluster
Watch polling them, as the Cockpit would."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NamedTuple

from stellwerk.cluster.setting import ClusterSetting
from stellwerk.cluster.states import ClusterState, NodeId, Timing
from stellwerk.cluster.watch import ClusterWatch, ClusterWatches
from stellwerk.controller.cluster_node import run_cluster_node
from stellwerk.controller.config import ControllerConfig, TlsFiles
from stellwerk.controller.service import ControllerService
from stellwerk.journal.format import parse_segment
from stellwerk.journal.segments import SegmentDirectory
from stellwerk.model import commands as c
from stellwerk.model import events as e
from stellwerk.model.problems import Problem
from stellwerk.testing.faulty_link import FaultyLink
from stellwerk.transport.client import NodeClient
from tests.controller.support import COCKPIT, CONTROLLER, tls_files, workflow
from tests.e2e.nodes import free_port
from tests.transport.pki import TestPki, subject_of

CLUSTER = "test-controller"
# Fail-over after 1.2 s of silence; passive lost after 0.8 s.
FAST = Timing(heartbeat=0.2, heartbeat_timeout=0.6, consent_timeout=0.4)


class ClusterNodeRunner:
    """One node as a task of the test process; `service` is its ControllerService while it is active."""

    def __init__(
        self, node_id: NodeId, pki: TestPki, folder: Path, port: int, peer_port: int, tls: TlsFiles
    ) -> None:
        self.node_id = node_id
        self.port = port
        setting = ClusterSetting(
            node_id=node_id,
            peer_uri=f"https://127.0.0.1:{peer_port}",
            peer_subjects=(subject_of(CONTROLLER),),
            timing=FAST,
        )
        self.config = ControllerConfig(
            controller_id="test-controller",
            data_directory=folder / node_id,
            port=port,
            tls=tls,
            allowed_client_subjects=(subject_of(COCKPIT),),
            event_readers=(COCKPIT,),
            release_events_period=0,
            reconnect_delays=(0.05, 0.1, 0.2),
            event_poll_timeout=2.0,
            cluster=setting,
        )
        self.service: ControllerService | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @property
    def uri(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def directory(self) -> Path:
        return self.config.data_directory

    def start(self) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run_cluster_node(self.config, self._stop, on_active=self._activated))

    async def _activated(self, service: ControllerService | None) -> None:
        self.service = service

    async def stop(self) -> None:
        """An orderly stop."""
        self._stop.set()
        if self._task is not None:
            await self._task
        self.service = None

    async def crash(self) -> None:
        """Cancels the node's task: its server and journal go away without any cluster step (the journal's
        queued writes are lost as in a kill)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.service = None

    def cluster_state(self) -> ClusterState:
        from stellwerk.cluster.persisted import load_cluster_state

        return load_cluster_state(self.directory)

    def journaled_order_ids(self) -> set[str]:
        """The orders added in the node's newest journal segment (snapshot orders included)."""
        segments = SegmentDirectory(self.directory, "controller").segments()
        parsed = parse_segment(segments[-1].path.read_bytes())
        assert not isinstance(parsed, Problem), parsed
        ids = {s.keyed.key for t in parsed.transactions for s in t if isinstance(s.keyed.event, e.OrderAdded)}
        for element in parsed.snapshot:
            if b'"TYPE":"Order"' in element:
                import msgspec

                ids.add(msgspec.json.decode(element)["id"])
        return ids


class RunningCluster(NamedTuple):
    primary: ClusterNodeRunner
    backup: ClusterNodeRunner
    watches: ClusterWatches
    client_ssl: ssl.SSLContext  # the Cockpit's
    # The links through which the nodes reach each other: to_primary is the Backup's way to the Primary.
    to_primary: FaultyLink
    to_backup: FaultyLink

    def client(self, node: ClusterNodeRunner) -> NodeClient:
        return NodeClient(node.uri, ssl_context=self.client_ssl)

    @property
    def watch(self) -> ClusterWatch:
        watch = self.watches.get(CLUSTER)
        assert watch is not None
        return watch

    def restart_watch(self) -> None:
        """A new, untaught watch in place of the old one."""
        self.watches.follow(CLUSTER, (self.primary.uri, self.backup.uri))


@contextlib.asynccontextmanager
async def cluster(pki: TestPki, folder: Path) -> AsyncIterator[RunningCluster]:
    ports = free_port(), free_port()
    to_primary, to_backup = FaultyLink("127.0.0.1", ports[0]), FaultyLink("127.0.0.1", ports[1])
    await to_primary.start()
    await to_backup.start()
    tls = tls_files(pki, CONTROLLER)
    primary = ClusterNodeRunner("Primary", pki, folder, ports[0], to_backup.port, tls)
    backup = ClusterNodeRunner("Backup", pki, folder, ports[1], to_primary.port, tls)
    watch_ssl = pki.client_context(COCKPIT)
    primary.start()
    backup.start()
    watches = ClusterWatches(watch_ssl, FAST, retry_delay=0.05)
    running = RunningCluster(primary, backup, watches, watch_ssl, to_primary, to_backup)
    running.restart_watch()
    try:
        yield running
    finally:
        await watches.close()
        for node in (primary, backup):
            await node.crash()
        for link in (to_primary, to_backup):
            await link.close()


EMPTY_WORKFLOW = workflow("W", [])


def add_orders(*ids: str) -> c.AddOrders:
    return c.AddOrders(orders=tuple(c.FreshOrder(id=i, workflow_path="W") for i in ids))
