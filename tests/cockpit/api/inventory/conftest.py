"""Accounts on any running Cockpit (the shared `account` fixture serves the plain `cockpit` fixture only)."""

from __future__ import annotations

from tests.cockpit.api.conftest import RunningCockpit, _add_account
from tests.cockpit.api.joc import Joc


def login_as(
    running: RunningCockpit, name: str, permissions: tuple[str, ...], folders: tuple[str, ...] = ()
) -> Joc:
    """A logged-in client of a new account whose one role grants just these permissions and folders."""
    password = f"{name}-password"
    running.call(lambda c: _add_account(c, name, password, permissions, folders))
    client = Joc(running.url)
    assert client.login(name, password).status == 200
    return client
