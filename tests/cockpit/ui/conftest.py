"""The UI's HTTP tests use the API tests' Cockpit (served on every database backend) and accounts."""

from __future__ import annotations

from tests.cockpit.api.conftest import account, cockpit, controller_cockpit

__all__ = ["account", "cockpit", "controller_cockpit"]
