"""JS7's Controller sessions: Login/Logout at /controller/api/session on a real server with mutual TLS, the
token in `x-js7-session`, and the session rules (certificate identity, expiry) on the real `Sessions`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from msgspec import structs

from stellwerk.controller.service import ControllerService
from stellwerk.controller.sessions import SESSION_HEADER, LoggedIn, Login, Sessions, UserAndPassword
from stellwerk.model.problems import Problem
from stellwerk.transport.client import HttpError, NodeClient
from tests.controller.support import COCKPIT, controller_config
from tests.transport.pki import TestPki, subject_of

API = "/controller/api"
OTHER = "other-reader"


@contextlib.asynccontextmanager
async def two_clients(pki: TestPki, tmp_path: Path) -> AsyncIterator[tuple[NodeClient, NodeClient]]:
    config = controller_config(pki, tmp_path / "controller")
    config = structs.replace(config, allowed_client_subjects=(subject_of(COCKPIT), subject_of(OTHER)))
    async with ControllerService.start(config) as controller:
        async with (
            NodeClient(controller.url, ssl_context=pki.client_context(COCKPIT)) as cockpit,
            NodeClient(controller.url, ssl_context=pki.client_context(OTHER)) as other,
        ):
            yield cockpit, other


async def login(client: NodeClient, **body: object) -> str:
    logged_in = await client.post(f"{API}/session", {"TYPE": "Login", **body}, dict)
    assert logged_in["TYPE"] == "LoggedIn"
    return str(logged_in["sessionToken"])


async def test_login_by_certificate_gives_a_token_that_requests_carry(pki: TestPki, tmp_path: Path) -> None:
    async with two_clients(pki, tmp_path) as (cockpit, other):
        token = await login(cockpit)
        cockpit.headers[SESSION_HEADER] = token
        assert (await cockpit.get(f"{API}/health", dict))["TYPE"] == "Healthy"
        named = await login(cockpit, userAndPassword={"userId": COCKPIT, "password": ""})
        assert named != token
        other.headers[SESSION_HEADER] = token
        with pytest.raises(HttpError) as stolen:
            await other.get(f"{API}/health", dict)
        assert (stolen.value.status, stolen.value.message) == (403, "Invalid session token")
        await cockpit.post(f"{API}/session", {"TYPE": "Logout", "sessionToken": token}, dict)
        with pytest.raises(HttpError) as ended:
            await cockpit.get(f"{API}/health", dict)
        assert ended.value.status == 403
        cockpit.headers[SESSION_HEADER] = named
        assert (await cockpit.get(f"{API}/health", dict))["TYPE"] == "Healthy"


async def test_a_login_as_another_user_or_a_malformed_one_is_refused(pki: TestPki, tmp_path: Path) -> None:
    async with two_clients(pki, tmp_path) as (cockpit, _):
        with pytest.raises(HttpError) as refused:
            await login(cockpit, userAndPassword={"userId": "root", "password": "secret"})
        assert refused.value.status == 403
        assert refused.value.message == f"Login as 'root' is refused: the client certificate is '{COCKPIT}'"
        with pytest.raises(HttpError) as malformed:
            await cockpit.post(f"{API}/session", {"TYPE": "Login", "userAndPassword": {"user": 1}}, dict)
        assert malformed.value.status == 400
        assert "$.userAndPassword" in malformed.value.message


def test_a_session_expires_when_unused_and_lives_while_used() -> None:
    now = [0]
    sessions = Sessions(lambda: now[0], timeout_ms=1000)
    logged_in = sessions.login("cockpit", Login())
    assert isinstance(logged_in, LoggedIn)
    token = logged_in.session_token
    for _ in range(3):
        now[0] += 900
        assert sessions.user_of(token, "cockpit") == "cockpit"
    now[0] += 1001
    assert sessions.user_of(token, "cockpit") == Problem("Invalid session token")
    sessions.login("cockpit", Login())
    assert len(sessions) == 1, "the expired session is dropped"


def test_without_tls_only_an_anonymous_login_is_possible() -> None:
    sessions = Sessions(lambda: 0)
    logged_in = sessions.login(None, Login())
    assert isinstance(logged_in, LoggedIn)
    assert sessions.user_of(logged_in.session_token, None) == "Anonymous"
    assert sessions.user_of(logged_in.session_token, "cockpit") == Problem("Invalid session token")
    refused = sessions.login(None, Login(user_and_password=UserAndPassword(user_id="x", password="y")))
    assert isinstance(refused, Problem)
