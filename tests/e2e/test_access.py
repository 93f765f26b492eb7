"""Only clients with a certificate from the installation's CA, allow-listed, may use the Controller's API."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stellwerk.cli.init import Names, initialize, plan_nodes
from stellwerk.transport.client import CertificateRejected, HttpError, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.tls import client_context
from tests.e2e.nodes import API, Installation, running


def foreign_client_context(folder: Path, ca_of_installation: Path) -> ssl.SSLContext:
    """The Cockpit's name, but issued by another CA."""
    names = Names("Stellwerk", ("localhost",), (ipaddress.IPv4Address("127.0.0.1"),), 30)
    initialize(folder, plan_nodes("controller", (), "cockpit"), names, force=False, now=datetime.now(UTC))
    return client_context(
        folder / "cockpit" / "node.pem", folder / "cockpit" / "node-key.pem", ca_of_installation
    )


async def test_a_client_without_a_valid_certificate_is_refused(
    installation: Installation, tmp_path: Path
) -> None:
    ca = installation.folder / "ca" / "ca.pem"
    no_certificate = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    no_certificate.load_verify_locations(cafile=ca)
    once = RetryPolicy(attempts=1)
    async with running(installation):
        async with installation.client() as cockpit:
            assert (await cockpit.get(f"{API}/health", dict))["TYPE"] == "Healthy"
        for context in (no_certificate, foreign_client_context(tmp_path / "foreign", ca)):
            async with NodeClient(installation.controller_url, ssl_context=context, retry=once) as stranger:
                with pytest.raises((CertificateRejected, TransportError)):
                    await stranger.get(f"{API}/health", dict)
        async with installation.client("agentA") as not_allowed:  # valid, but not on the allow-list
            with pytest.raises(HttpError) as refused:
                await not_allowed.get(f"{API}/health", dict)
            assert refused.value.status == 403
