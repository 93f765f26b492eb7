"""The allow-list of peers: subject DNs or common names, 403 problems, plain HTTP only on loopback."""

from __future__ import annotations

from typing import Any

import pytest

from stellwerk.transport.auth import PeerAllowList, canonical_dn, require_peer
from stellwerk.transport.client import HttpError, NodeClient, RetryPolicy
from stellwerk.transport.server import serve
from tests.transport.apps import TestApp, Whoami
from tests.transport.pki import TestPki, subject_of

NO_RETRY = RetryPolicy(attempts=1)


async def test_an_allowed_subject_passes(pki: TestPki) -> None:
    app = TestApp([require_peer({"cn=controller, OU=tests, o=Stellwerk"})])
    async with (
        serve(app.app, "127.0.0.1", 0, tls=pki.server_context()) as server,
        NodeClient(server.url, ssl_context=pki.client_context("controller"), retry=NO_RETRY) as client,
    ):
        assert (await client.get("/whoami", Whoami)).subject == subject_of("controller")


async def test_a_valid_certificate_whose_subject_is_not_allowed_gets_a_403_problem(pki: TestPki) -> None:
    app = TestApp([require_peer({subject_of("controller")})])
    async with (
        serve(app.app, "127.0.0.1", 0, tls=pki.server_context()) as server,
        NodeClient(server.url, ssl_context=pki.client_context("intruder"), retry=NO_RETRY) as client,
    ):
        with pytest.raises(HttpError) as raised:
            await client.get("/whoami", Whoami)
    assert raised.value.status == 403
    assert raised.value.message == f"The client certificate {subject_of('intruder')!r} is not allowed here"


async def test_common_names_can_be_allowed_instead_of_subjects(pki: TestPki) -> None:
    app = TestApp([require_peer({"agent-1"}, match="common_name")])
    async with serve(app.app, "127.0.0.1", 0, tls=pki.server_context()) as server:
        for name, allowed in (("agent-1", True), ("agent-2", False)):
            context = pki.client_context(name)
            async with NodeClient(server.url, ssl_context=context, retry=NO_RETRY) as client:
                try:
                    await client.get("/whoami", Whoami)
                    passed = True
                except HttpError:
                    passed = False
            assert passed == allowed, name


async def test_plain_http_without_insecure_mode_gets_a_403_problem() -> None:
    app = TestApp([require_peer({"CN=controller"})])
    async with (
        serve(app.app, "127.0.0.1", 0, tls=None, insecure=True) as server,
        NodeClient(server.url, ssl_context=None, retry=NO_RETRY) as client,
    ):
        with pytest.raises(HttpError, match="A client certificate is required"):
            await client.get("/whoami", Whoami)


async def test_insecure_mode_lets_plain_http_on_loopback_pass() -> None:
    app = TestApp([require_peer(set(), insecure=True)])
    async with (
        serve(app.app, "127.0.0.1", 0, tls=None, insecure=True) as server,
        NodeClient(server.url, ssl_context=None, retry=NO_RETRY) as client,
    ):
        assert await client.get("/whoami", Whoami) == Whoami(None, None, None)


def http_scope(server_host: str) -> dict[str, Any]:
    return {"type": "http", "server": (server_host, 8443), "extensions": {}}


async def nothing(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("not called")


def test_insecure_mode_refuses_requests_that_arrived_on_a_non_loopback_address() -> None:
    allow_list = PeerAllowList(nothing, allowed=(), insecure=True)
    assert allow_list.refusal(http_scope("127.0.0.1")) is None
    assert allow_list.refusal(http_scope("::1")) is None
    assert allow_list.refusal(http_scope("192.0.2.7")) == "A client certificate is required"


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("CN=agent-1,O=Stellwerk", "CN=agent-1,O=Stellwerk"),
        ("cn=agent-1, o=Stellwerk", "CN=agent-1,O=Stellwerk"),
        ("CN = Smith\\, John , OU=ops", "CN=Smith\\, John,OU=ops"),
        ("CN=a+UID=b,O=x", "CN=a+UID=b,O=x"),
    ],
)
def test_hand_written_distinguished_names_are_made_canonical(written: str, canonical: str) -> None:
    assert canonical_dn(written) == canonical


@pytest.mark.parametrize("written", ["agent-1", "CN=a,,O=b", "XYZ=a"])
def test_text_that_is_not_a_distinguished_name_is_refused_when_configured(written: str) -> None:
    with pytest.raises(ValueError, match="not a distinguished name"):
        require_peer({written})
