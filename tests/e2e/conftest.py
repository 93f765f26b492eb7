"""Fixtures for the end-to-end tests: an installation as `stellwerk init` writes it, cleaned up after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.nodes import Installation


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[Installation]:
    created = Installation(tmp_path / "installation")
    yield created
    created.clean_up()


@pytest.fixture
def two_agents(tmp_path: Path) -> Iterator[Installation]:
    created = Installation(tmp_path / "installation", ("agentA", "agentB"))
    yield created
    created.clean_up()
