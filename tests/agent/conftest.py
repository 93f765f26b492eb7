"""Fixtures: a real Agent on 127.0.0.1:0 with trustme certificates, and a Controller-side client of it."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from stellwerk.agent.config import AgentConfig
from stellwerk.agent.service import AgentService
from stellwerk.transport.client import NodeClient, RetryPolicy
from tests.agent.helpers import CONTROLLER, Controller, agent_config
from tests.transport.pki import TestPki


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    folder = tmp_path / "pki"
    folder.mkdir()
    return TestPki(folder)


@pytest.fixture
def config(tmp_path: Path, pki: TestPki) -> AgentConfig:
    return agent_config(tmp_path / "agent", pki)


@pytest.fixture
def controller_ssl(pki: TestPki) -> ssl.SSLContext:
    return pki.client_context(CONTROLLER)


@pytest.fixture
async def agent(config: AgentConfig) -> AsyncIterator[AgentService]:
    async with AgentService.start(config) as running:
        yield running


@pytest.fixture
async def controller(agent: AgentService, controller_ssl: ssl.SSLContext) -> AsyncIterator[Controller]:
    """A Controller that has dedicated the Agent to itself."""
    async with NodeClient(agent.url, ssl_context=controller_ssl, retry=RetryPolicy(attempts=1)) as client:
        connected = Controller(client)
        await connected.dedicate()
        yield connected
