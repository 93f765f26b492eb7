"""An Agent's Director as one node of a cluster Agent (js7-reference §1.4, §8): `cluster.hosting` with the
AgentService as the service an active node runs; its cluster endpoints are under /agent/api/cluster, and its
Cluster Watch is the Controller that drives the Agent."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.service import JOURNAL_BASE, AgentService
from stellwerk.cluster.hosting import NodeSite, run_cluster_node
from stellwerk.cluster.setting import ClusterSetting

AGENT_API = "/agent/api"


async def run_agent_cluster_node(
    config: AgentConfig,
    setting: ClusterSetting,
    stop: asyncio.Event,
    on_listening: Callable[[str], None] = lambda _: None,
) -> None:
    """Runs the Director node until `stop` is set."""
    where = (config.journal_directory, JOURNAL_BASE, config.host, config.port)
    site = NodeSite.of(
        f"Agent {config.name}", where, config.tls, config.allowed_controller_subjects, config.insecure
    )

    await run_cluster_node(setting, site, partial(AgentService.start, config), stop, on_listening)
