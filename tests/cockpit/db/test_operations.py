"""Audit log, settings, Cockpit cluster heartbeats and stored EventIds."""

from __future__ import annotations

from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.audit import AuditEntry, AuditFilter, AuditObject, AuditRepository
from stellwerk.cockpit.db.repositories.cluster import ClusterRepository
from stellwerk.cockpit.db.repositories.event_ids import EventIdRepository
from stellwerk.cockpit.db.repositories.folders import FolderFilter
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.session import Database


async def test_audit_log_entries_with_objects_and_filters(database: Database) -> None:
    deploy = AuditEntry(
        account="root",
        request="./inventory/deployment/deploy",
        category=AuditCategory.DEPLOYMENT,
        controller_id="prod",
        comment="release 7",
        ticket_link="https://tickets/7",
        time_spent=5,
        commit_id="0f-1a",
        objects=(
            AuditObject(object_type="WORKFLOW", path="/team/wf"),
            AuditObject(object_type="LOCK", path="/l"),
        ),
    )
    cancel = AuditEntry(account="anna", request="./orders/cancel", category=AuditCategory.CONTROLLER)
    async with database.session() as session:
        audit = AuditRepository(session)
        deploy_id = await audit.write(deploy, now=10)
        await audit.write(cancel, now=20)

        async def requests(**filters: object) -> list[str]:
            return [r.request for r in await audit.search(AuditFilter(**filters))]  # type: ignore[arg-type]

        everything = await audit.search(AuditFilter())
        assert [r.request for r in everything] == ["./orders/cancel", "./inventory/deployment/deploy"]
        assert everything[1].id == deploy_id and everything[1].created == 10
        assert AuditEntry(**{f: getattr(everything[1], f) for f in AuditEntry.__struct_fields__}) == deploy
        assert await requests(accounts=("anna",)) == ["./orders/cancel"]
        assert await requests(categories=(AuditCategory.DEPLOYMENT,), controller_id="prod") == [
            deploy.request
        ]
        assert await requests(date_from=11) == [cancel.request]
        assert await requests(date_to=11) == [deploy.request]
        assert await requests(folders=(FolderFilter(folder="/team"),)) == [deploy.request]
        assert await requests(ticket_link="https://tickets/7") == [deploy.request]
        assert await requests(limit=1) == [cancel.request]


async def test_settings_hold_json_per_section(database: Database) -> None:
    async with database.session() as session:
        settings = SettingsRepository(session)
        await settings.put("dailyplan", "days_ahead_plan", 7, now=1)
        await settings.put("dailyplan", "time_zone", "UTC", now=1)
        await settings.put("joc", "session", {"timeout": 900, "blocked_after": [3]}, now=1)
        await settings.put("dailyplan", "days_ahead_plan", 10, now=2)
        assert await settings.get("dailyplan", "days_ahead_plan") == 10
        assert await settings.get("dailyplan", "missing", default=3) == 3
        assert await settings.section("dailyplan") == {"days_ahead_plan": 10, "time_zone": "UTC"}
        assert await settings.get("joc", "session") == {"timeout": 900, "blocked_after": [3]}
        assert await settings.delete("dailyplan", "time_zone") is True
        assert await settings.delete("dailyplan", "time_zone") is False


async def test_one_active_cockpit_until_its_heartbeat_is_too_old(database: Database) -> None:
    async with database.session() as session:
        cluster = ClusterRepository(session)
        await cluster.heartbeat("one", "https://one", now=0)
        await cluster.heartbeat("two", "https://two", now=0)
        assert await cluster.claim_active("ghost", now=0, heartbeat_limit=60_000) is False
        assert await cluster.claim_active("one", now=0, heartbeat_limit=60_000) is True
        assert await cluster.claim_active("two", now=1, heartbeat_limit=60_000) is False
        await cluster.heartbeat("one", "https://one", now=30_000)
        await cluster.heartbeat("two", "https://two", now=80_000)
        assert await cluster.claim_active("two", now=80_000, heartbeat_limit=60_000) is False
        assert await cluster.claim_active("two", now=90_000, heartbeat_limit=60_000) is True
        members = await cluster.members()
        assert [(m.member_id, m.active, m.started, m.heartbeat) for m in members] == [
            ("one", False, 0, 30_000),
            ("two", True, 0, 80_000),
        ]
        await cluster.resign("two")
        assert await cluster.claim_active("one", now=90_001, heartbeat_limit=60_000) is True
        await cluster.remove("two")
        assert [m.member_id for m in await cluster.members()] == ["one"]


async def test_event_ids_per_controller_and_consumer(database: Database) -> None:
    async with database.session() as session:
        event_ids = EventIdRepository(session)
        assert await event_ids.load("prod", "history") is None
        await event_ids.store("prod", "history", 1_700_000_000_000_001, now=1)
        await event_ids.store("prod", "proxy:one", 5, now=1)
        await event_ids.store("prod", "history", 1_700_000_000_000_002, now=2)
        assert await event_ids.load("prod", "history") == 1_700_000_000_000_002
        assert await event_ids.load("test", "history") is None
        await event_ids.forget("prod")
        assert await event_ids.load("prod", "proxy:one") is None
