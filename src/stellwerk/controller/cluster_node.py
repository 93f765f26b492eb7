"""A Controller as one node of a cluster of two (js7-reference §8): `cluster.hosting` with the ControllerService
as the service an active node runs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial

from stellwerk.cluster.hosting import ActiveService, NodeSite
from stellwerk.cluster.hosting import run_cluster_node as run_node
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.service import ControllerService


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
    where = (config.data_directory, "controller", config.host, config.port)
    site = NodeSite.of("Controller", where, config.tls, config.allowed_client_subjects, config.insecure)

    async def active(service: ActiveService | None) -> None:
        if on_active is not None:
            assert service is None or isinstance(service, ControllerService)
            await on_active(service)

    await run_node(setting, site, partial(ControllerService.start, config), stop, on_listening, active)
