"""Mutual TLS end to end: real uvicorn on 127.0.0.1:0, real handshakes, the peer certificate in the scope."""

from __future__ import annotations

import ssl

import pytest
import trustme
import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from stellwerk.transport.client import CertificateRejected, NodeClient, RetryPolicy, TransportError
from stellwerk.transport.server import serve
from stellwerk.transport.tls import PeerCertificateProtocol, server_context
from tests.transport.apps import TestApp, Whoami
from tests.transport.pki import TestPki, subject_of

NO_RETRY = RetryPolicy(attempts=1)


async def whoami(url: str, context: ssl.SSLContext) -> Whoami:
    async with NodeClient(url, ssl_context=context, retry=NO_RETRY) as client:
        return await client.get("/whoami", Whoami)


async def test_the_app_sees_the_subject_and_common_name_of_the_client_certificate(pki: TestPki) -> None:
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        seen = await whoami(server.url, pki.client_context("controller-primary"))
    assert seen == Whoami(subject_of("controller-primary"), "controller-primary", 0x0304)


async def test_every_request_on_a_kept_alive_connection_sees_the_peer(pki: TestPki) -> None:
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        context = pki.client_context("agent-1")
        async with NodeClient(server.url, ssl_context=context, connections=1) as client:
            seen = [await client.get("/whoami", Whoami) for _ in range(3)]
    assert {answer.common_name for answer in seen} == {"agent-1"}


async def test_tls_1_2_clients_are_still_served(pki: TestPki) -> None:
    context = pki.client_context("old-client")
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        seen = await whoami(server.url, context)
    assert (seen.common_name, seen.tls_version) == ("old-client", 0x0303)


async def test_a_client_without_a_certificate_is_refused(pki: TestPki) -> None:
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        with pytest.raises(CertificateRejected, match="rejected our client certificate"):
            await whoami(server.url, pki.anonymous_client_context())


async def test_a_client_certificate_from_another_ca_is_refused(pki: TestPki) -> None:
    rogue = pki.client_context("controller-primary", issuer=trustme.CA(organization_name="Rogue"))
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        with pytest.raises(CertificateRejected):
            await whoami(server.url, rogue)


async def test_under_tls_1_2_a_refused_certificate_fails_the_handshake(pki: TestPki) -> None:
    rogue = pki.client_context("controller-primary", issuer=trustme.CA())
    rogue.maximum_version = ssl.TLSVersion.TLSv1_2
    async with serve(TestApp().app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        with pytest.raises(TransportError, match="cannot connect"):
            await whoami(server.url, rogue)


async def test_the_client_checks_the_server_name(pki: TestPki) -> None:
    leaf = pki.ca.issue_cert("elsewhere.example")
    leaf.cert_chain_pems[0].write_to_path(str(pki.folder / "elsewhere.pem"))
    leaf.private_key_pem.write_to_path(str(pki.folder / "elsewhere-key.pem"))
    context = server_context(pki.folder / "elsewhere.pem", pki.folder / "elsewhere-key.pem", pki.ca_path)
    async with serve(TestApp().app, "127.0.0.1", 0, tls=context) as server:
        with pytest.raises(TransportError, match="TLS handshake failed"):
            await whoami(server.url, pki.client_context("controller"))


def test_contexts_require_certificates_and_tls_1_2_or_newer(pki: TestPki) -> None:
    context = pki.server_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    client = pki.client_context("controller")
    assert (client.verify_mode, client.check_hostname) == (ssl.CERT_REQUIRED, True)


def test_the_hook_subclasses_the_protocol_uvicorn_would_pick_and_the_minor_it_was_written_for() -> None:
    # The hook overrides uvicorn internals (`connection_made`, `self.app`): a new minor needs a review.
    assert uvicorn.__version__.startswith("0.54.")
    assert issubclass(PeerCertificateProtocol, AutoHTTPProtocol)
