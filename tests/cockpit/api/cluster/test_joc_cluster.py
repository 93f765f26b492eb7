"""The JOC API of the Cockpit cluster on a real Cockpit (every backend): whether it is active, switching the
services to another member (a second Cockpit on the same database), restarting and running services, forgetting
a member that is gone, and the Cockpit's log files."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.cluster import ClusterRepository
from stellwerk.cockpit.services.cluster import lease
from tests.cockpit.api.conftest import ADMIN_PASSWORD, RunningCockpit, serve_cockpit
from tests.cockpit.api.joc import Joc

MANAGE = "sos:products:joc:cluster:manage"


def wait_until_active(joc: Joc, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not joc.ok("/joc/api/joc/is_active")["ok"]:
        assert time.monotonic() < deadline, "the Cockpit did not become active"
        time.sleep(0.05)


def test_a_single_cockpit_becomes_active_and_runs_and_restarts_its_services(joc: Joc) -> None:
    wait_until_active(joc)
    for service in ("dailyplan", "history", "cleanup", "monitor", "cluster"):
        answer = joc.ok("/joc/api/joc/cluster/restart", {"type": service})
        assert (answer["type"], answer["state"]) == (service, "RESTARTED")
    assert joc.ok("/joc/api/joc/cluster/run", {"type": "dailyplan"})["state"] == "COMPLETED"
    assert joc.ok("/joc/api/joc/cluster/run", {"type": "cluster"})["state"] == "COMPLETED"
    assert joc.ok("/joc/api/joc/cluster/run", {"type": "cleanup"})["state"] == "COMPLETED"
    refused = joc.post("/joc/api/joc/cluster/run", {"type": "monitor"})
    assert refused.error["code"] == "JOC-400" and "$.type" in refused.error["message"]
    assert joc.post("/joc/api/joc/cluster/restart", {"type": "nothing"}).error["code"] == "JOC-400"
    assert joc.ok("/joc/api/joc/is_active")["ok"] is True
    entries = joc.ok("/joc/api/audit_log", {})["auditLog"]
    assert {"./joc/cluster/restart", "./joc/cluster/run"} <= {entry["request"] for entry in entries}


def test_switching_to_itself_or_an_unknown_member(cockpit: RunningCockpit, joc: Joc) -> None:
    wait_until_active(joc)
    me = cockpit.cockpit.config.member
    assert joc.ok("/joc/api/joc/cluster/switch_member", {"memberId": me})["state"] == "ALREADY_RUNNING"
    unknown = joc.post("/joc/api/joc/cluster/switch_member", {"memberId": "elsewhere:1"})
    assert unknown.status != 200 and "elsewhere:1" in str(unknown.body)
    assert joc.post("/joc/api/joc/cluster/switch_member", {}).error["code"] == "JOC-400"


async def _add_member(cockpit: Cockpit, member_id: str, heartbeat: int) -> None:
    async with cockpit.database.session() as db:
        await ClusterRepository(db).heartbeat(member_id, "https://gone", heartbeat)


def test_a_member_is_deleted_only_when_inactive_and_silent_for_a_minute(
    cockpit: RunningCockpit, joc: Joc
) -> None:
    wait_until_active(joc)
    now = cockpit.cockpit.now()
    cockpit.call(lambda c: _add_member(c, "gone:1", now - 120_000))
    cockpit.call(lambda c: _add_member(c, "recent:1", now))
    assert joc.post("/joc/api/joc/cluster/delete_member", {"memberId": "recent:1"}).status == 420
    me = cockpit.cockpit.config.member
    assert joc.post("/joc/api/joc/cluster/delete_member", {"memberId": me}).status == 420
    assert joc.ok("/joc/api/joc/cluster/delete_member", {"memberId": "gone:1"})["ok"] is True
    members, _ = cockpit.call(lambda c: lease.members(c.database))
    assert sorted(m.member_id for m in members) == sorted([me, "recent:1"])


def test_a_members_url_is_set_and_kept_over_its_heartbeats(cockpit: RunningCockpit, joc: Joc) -> None:
    wait_until_active(joc)
    me = cockpit.cockpit.config.member

    def url_of(member_id: str) -> str:
        members, _ = cockpit.call(lambda c: lease.members(c.database))
        return next(m.url for m in members if m.member_id == member_id)

    assert joc.ok("/joc/api/joc/url", {"url": "https://cockpit.example:4443"})["ok"] is True
    deadline = time.monotonic() + 10
    while url_of(me) != "https://cockpit.example:4443":
        assert time.monotonic() < deadline, "the heartbeat did not take the new URL"
        time.sleep(0.05)
    time.sleep(0.5)  # more heartbeats: the URL stays
    assert url_of(me) == "https://cockpit.example:4443"
    for bad, field in (
        ({"url": "not a url"}, "$.url"),
        ({"instanceId": "elsewhere:1", "url": "https://x"}, "elsewhere:1"),
    ):
        refused = joc.post("/joc/api/joc/url", bad)
        assert refused.status >= 400 and field in str(refused.body), refused
    assert url_of(me) == "https://cockpit.example:4443"
    entries = joc.ok("/joc/api/audit_log", {})["auditLog"]
    assert [entry["request"] for entry in entries].count("./joc/url") == 1


def test_the_cluster_needs_the_cluster_permission_and_the_log_the_get_log_permission(account: object) -> None:
    viewer = account("viewer", permissions=("sos:products:joc:auditLog:view",))  # type: ignore[operator]
    assert viewer.post("/joc/api/joc/cluster/run", {"type": "dailyplan"}).status == 403
    assert viewer.post("/joc/api/joc/cluster/switch_member", {"memberId": "x"}).status == 403
    assert viewer.post("/joc/api/joc/url", {"url": "https://x"}).status == 403
    assert viewer.post("/joc/api/joc/logs").status == 403
    assert viewer.post("/joc/api/joc/is_active").status == 200


def test_the_cockpit_log_files_are_listed_and_downloaded(cockpit: RunningCockpit, joc: Joc) -> None:
    folder = cockpit.cockpit.config.data_directory / "logs"
    assert joc.ok("/joc/api/joc/logs")["filenames"] in ([], ["joc.log"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "joc.log").write_text('time=now level=info message="current"\n')
    (folder / "joc.log.1").write_text("older\n")
    (folder / "other.txt").write_text("not a log\n")
    assert joc.ok("/joc/api/joc/logs")["filenames"] == ["joc.log", "joc.log.1"]
    current = joc.post("/joc/api/joc/log")
    assert current.status == 200 and 'message="current"' in current.body
    assert joc.post("/joc/api/joc/log", {"filename": "joc.log.1"}).body == "older\n"
    assert joc.post("/joc/api/joc/log", {"filename": "../cockpit.db"}).error["code"] == "JOC-400"
    assert joc.post("/joc/api/joc/log", {"filename": "joc.log.2"}).status != 200


@pytest.fixture
def second(database_url: str, cockpit: RunningCockpit, tmp_path: Path) -> Iterator[RunningCockpit]:
    """A second Cockpit on the same database, a standby (the first is active)."""
    wait_until_active(Joc(cockpit.url, token=_token(cockpit)))
    config = CockpitConfig(
        data_directory=tmp_path / "second", database_url=database_url, heartbeat_ms=200, takeover_ms=1000
    )
    yield from serve_cockpit(config, admin_password=ADMIN_PASSWORD)


def _token(cockpit: RunningCockpit) -> str:
    client = Joc(cockpit.url)
    assert client.login("root", ADMIN_PASSWORD).status == 200
    assert client.token is not None
    return client.token


def test_a_switch_over_moves_the_services_to_the_standby(
    cockpit: RunningCockpit, second: RunningCockpit, joc: Joc
) -> None:
    standby = Joc(second.url)
    assert standby.login("root", ADMIN_PASSWORD).status == 200
    assert standby.ok("/joc/api/joc/is_active")["ok"] is False
    refused = standby.post("/joc/api/joc/cluster/run", {"type": "dailyplan"})
    assert refused.status == 420 and "standby" in refused.error["message"]
    second_id = second.cockpit.config.member
    answer = joc.ok("/joc/api/joc/cluster/switch_member", {"memberId": second_id})
    assert answer["state"] == "SWITCH_MEMBER"
    wait_until_active(standby, seconds=5)
    assert joc.ok("/joc/api/joc/is_active")["ok"] is False
    held = cockpit.call(lambda c: lease.current(c.database))
    assert held is not None and held.holder == second_id
