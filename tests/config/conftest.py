"""Fixtures for the config tests: the files `stellwerk init` writes."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stellwerk.cli.init import Names, initialize, plan_nodes


@pytest.fixture
def initialized(tmp_path: Path) -> Path:
    """A folder as `stellwerk init --agent agentA` writes it."""
    names = Names("Stellwerk", ("localhost",), (ipaddress.IPv4Address("127.0.0.1"),), 30)
    initialize(
        tmp_path, plan_nodes("controller", ("agentA",), "cockpit"), names, force=False, now=datetime.now(UTC)
    )
    return tmp_path


def append(config: Path, text: str) -> Path:
    with config.open("a") as file:
        file.write(text)
    return config
