"""Helpers of the Controller, Agent, History and event tests: the real JOC client logged in to a Cockpit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import js7
from js7.model.configuration.auth_configuration import AuthConfiguration, BasicAuth
from js7.model.configuration.http_configuration import HTTPConfiguration

from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc


@contextmanager
def js7_client(cockpit: RunningCockpit) -> Iterator[js7.Client]:
    """The published JOC client, logged in as root; its connection is closed after the block."""
    address = urlsplit(cockpit.url)
    client = js7.Client(
        http_config=HTTPConfiguration(host=address.hostname or "127.0.0.1", port=address.port or 80),
        auth_config=AuthConfiguration(basic_auth=BasicAuth(username="root", password=ADMIN_PASSWORD)),
    )
    try:
        yield client
    finally:
        client._ctx.http_service.close()


def root(cockpit: RunningCockpit) -> Joc:
    """A test client of this Cockpit logged in as root (the `joc` fixture belongs to the `cockpit` fixture)."""
    client = Joc(cockpit.url)
    assert client.login("root", ADMIN_PASSWORD).status == 200
    return client
