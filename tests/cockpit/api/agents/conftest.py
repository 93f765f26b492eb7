"""Helpers of the Agent tests: accounts with chosen grants on the Cockpit of `controller_cockpit`."""

from __future__ import annotations

from tests.cockpit.api.conftest import RunningCockpit, _add_account
from tests.cockpit.api.joc import Joc


def account_on(running: RunningCockpit, name: str, permissions: tuple[str, ...] = ()) -> Joc:
    """A logged-in client of a new account of this Cockpit whose one role grants just these permissions."""
    password = f"{name}-password"
    running.call(lambda c: _add_account(c, name, password, permissions, ()))
    client = Joc(running.url)
    assert client.login(name, password).status == 200
    return client
