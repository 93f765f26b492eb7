"""Fixtures for the Controller tests: trustme certificates in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.transport.pki import TestPki


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    return TestPki(tmp_path)
