"""Login, sessions and JOC's error answers of the gate."""

from __future__ import annotations

import http.client
import json

from stellwerk.cockpit.db.repositories.identity import IdentityRepository
from stellwerk.cockpit.security.accounts import INTERNAL_SERVICE, ROOT
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit
from tests.cockpit.api.joc import Joc


def test_login_gives_a_token_that_opens_the_api(cockpit: RunningCockpit) -> None:
    joc = Joc(cockpit.url)
    answer = joc.login(ROOT, ADMIN_PASSWORD)
    assert answer.status == 200
    assert answer.body["isAuthenticated"] is True
    assert answer.body["sessionTimeout"] > 0
    assert joc.ok("/joc/api/joc/version")["version"] >= "2.6.5"


def test_calls_without_a_token_or_with_an_unknown_one_are_401(cockpit: RunningCockpit) -> None:
    joc = Joc(cockpit.url)
    missing = joc.post("/joc/api/joc/version")
    assert missing.status == 401 and missing.body["isAuthenticated"] is False
    assert joc.post("/joc/api/joc/version", token="not-a-token").status == 401


def test_a_logged_out_token_no_longer_works(joc: Joc) -> None:
    joc.ok("/joc/api/authentication/logout")
    assert joc.post("/joc/api/joc/version").status == 401


def test_an_expired_session_is_440(cockpit: RunningCockpit, joc: Joc) -> None:
    original, cockpit.cockpit.clock = cockpit.cockpit.clock, lambda: 2**62
    try:
        assert joc.post("/joc/api/joc/version").status == 440
    finally:
        cockpit.cockpit.clock = original


def test_wrong_passwords_block_the_account(cockpit: RunningCockpit) -> None:
    joc = Joc(cockpit.url)
    limit = cockpit.cockpit.config.block_after_failed_logins
    for _ in range(limit):
        assert joc.login(ROOT, "wrong").status == 401
    refused = joc.login(ROOT, ADMIN_PASSWORD)
    assert refused.status == 401 and "blocked" in refused.body["message"]

    async def blocked(cockpit_: object) -> bool:
        async with cockpit.cockpit.database.session() as db:
            account = await IdentityRepository(db).account(INTERNAL_SERVICE, ROOT)
            return account is not None and account.blocked

    assert cockpit.call(blocked)


def test_malformed_basic_credentials_are_401(cockpit: RunningCockpit) -> None:
    joc = Joc(cockpit.url, headers={"Authorization": "Basic !!!"})
    assert joc.post("/joc/api/authentication/login").status == 401


def test_an_endpoint_not_served_answers_in_jocs_error_shape(joc: Joc) -> None:
    answer = joc.post("/joc/api/yade/transfers", {})
    assert answer.status == 420
    assert answer.error["code"] == "JOC-501"
    assert "not supported" in answer.error["message"]
    assert answer.body["deliveryDate"].endswith("Z")


def test_an_oversized_body_is_refused_before_it_is_read(cockpit: RunningCockpit, joc: Joc) -> None:
    limit = cockpit.cockpit.config.max_body_bytes
    host, port = cockpit.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.putrequest("POST", "/joc/api/joc/version")
    connection.putheader("X-Access-Token", joc.token or "")
    connection.putheader("Content-Length", str(limit + 1))
    connection.endheaders()  # the body is never sent: the answer must come from the declared length
    response = connection.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "JOC-413"
    connection.close()
