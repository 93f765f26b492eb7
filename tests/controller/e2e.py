"""Running a Controller with real Agents in-process, over mutual TLS (for the end-to-end tests)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.config import TlsFiles as AgentTls
from stellwerk.agent.service import AgentService
from stellwerk.controller.config import ControllerConfig
from stellwerk.controller.service import ControllerService
from stellwerk.model import events as e
from tests.controller.support import CONTROLLER
from tests.transport.pki import TestPki, subject_of


class Nodes:
    """Certificates and configurations of a Controller and its Agents under one folder."""

    def __init__(self, pki: TestPki, folder: Path) -> None:
        self.pki = pki
        self.folder = folder
        self._agent_configs: dict[str, AgentConfig] = {}

    def agent_config(self, name: str) -> AgentConfig:
        if name not in self._agent_configs:
            cert, key = self.pki.node_files(name)
            self._agent_configs[name] = AgentConfig(
                name=name,
                data_directory=self.folder / name,
                tls=AgentTls(cert=cert, key=key, ca=self.pki.ca_path),
                allowed_controller_subjects=(subject_of(CONTROLLER),),
                shutdown_grace=2.0,
            )
        return self._agent_configs[name]

    @contextlib.asynccontextmanager
    async def agent(self, name: str) -> AsyncIterator[AgentService]:
        async with AgentService.start(self.agent_config(name)) as agent:
            yield agent


@contextlib.asynccontextmanager
async def controller(config: ControllerConfig) -> AsyncIterator[ControllerService]:
    async with ControllerService.start(config) as service:
        yield service


def order_events(service: ControllerService, order_id: str) -> list[str]:
    """The names of the events the Controller journaled for the order, in order."""
    return [type(k.event).__name__ for k in keyed_events(service) if k.key == order_id]


def keyed_events(service: ControllerService) -> list[e.KeyedEvent]:
    found = service.core.journal.stream.after(0)
    assert isinstance(found, list)
    return [s.keyed for s in found]
