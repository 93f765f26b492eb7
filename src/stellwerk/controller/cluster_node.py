"""A Controller as one node of a cluster of two (js7-reference §8): `cluster.hosting` with the ControllerService
as the service an active node runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from prometheus_client.registry import Collector

from stellwerk.cluster.hosting import ActiveService, Mount, NodeSite
from stellwerk.cluster.hosting import run_cluster_node as run_node
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.service import ControllerService
from stellwerk.journal.replicator import Replicator
from stellwerk.transport.tls import client_context, server_context


async def run_cluster_node(
    config: ControllerConfig,
    stop: asyncio.Event,
    on_listening: Callable[[str], None] = lambda _: None,
    on_active: Callable[[ControllerService | None], Awaitable[None]] | None = None,
) -> None:
    """Runs the node until `stop` is set. `on_active` is called with each ControllerService the node starts, and
    with None when it stops being active."""
    setting = config.cluster
    if setting is None:
        raise ValueError("run_cluster_node needs a cluster setting")
    tls = config.tls
    site = NodeSite(
        what="Controller",
        data_directory=config.data_directory,
        journal_base="controller",
        host=config.host,
        port=config.port,
        server_ssl=None if tls is None else server_context(tls.cert, tls.key, tls.ca),
        client_ssl=None if tls is None else client_context(tls.cert, tls.key, tls.ca),
        allowed_subjects=config.allowed_client_subjects,
        insecure=config.insecure,
    )

    @contextlib.asynccontextmanager
    async def start(
        replicator: Replicator, mount: Mount, collectors: Sequence[Collector]
    ) -> AsyncIterator[ActiveService]:
        async with ControllerService.start(
            config, replicator=replicator, mount=mount, collectors=collectors
        ) as service:
            yield service

    async def active(service: ActiveService | None) -> None:
        if on_active is not None:
            assert service is None or isinstance(service, ControllerService)
            await on_active(service)

    await run_node(setting, site, start, stop, on_listening, active)
