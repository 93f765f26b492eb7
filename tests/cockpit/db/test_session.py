"""Engines, pragmas and sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text

from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.db.session import Database, create_engine, default_url
from stellwerk.cockpit.db.tables import Setting


async def test_sqlite_connections_have_the_pragmas(tmp_path: Path) -> None:
    engine = create_engine(default_url(tmp_path))
    try:
        async with engine.connect() as connection:
            values = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            ]
    finally:
        await engine.dispose()
    assert values == ["wal", 1, 1, 10_000]
    assert (tmp_path / "cockpit.db").exists()


def test_mariadb_urls_get_utf8mb4() -> None:
    engine = create_engine("mysql+asyncmy://root@127.0.0.1:3306/test")
    assert engine.url.query["charset"] == "utf8mb4"
    assert engine.pool.size() == 10  # type: ignore[attr-defined]


async def test_a_session_commits_at_the_end_of_its_block(database: Database) -> None:
    async with database.session() as session:
        await SettingsRepository(session).put("joc", "title", "Stellwerk", now=1)
    async with database.session() as session:
        assert await SettingsRepository(session).get("joc", "title") == "Stellwerk"


async def test_a_session_rolls_back_when_its_block_raises(database: Database) -> None:
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            await SettingsRepository(session).put("joc", "title", "lost", now=1)
            raise RuntimeError("rollback")
    async with database.session() as session:
        assert (await session.scalars(select(Setting))).all() == []


async def test_foreign_keys_cascade_on_every_backend(database: Database) -> None:
    from stellwerk.cockpit.db.repositories.agents import AgentEntry, AgentRepository, SubagentEntry

    async with database.session() as session:
        agents = AgentRepository(session)
        await agents.store(AgentEntry(controller_id="c", agent_id="a", name="a", url="https://a"), now=1)
        await agents.store_subagents("c", "a", [SubagentEntry(subagent_id="s", url="https://s")])
        await agents.delete("c", "a")
        assert await session.scalar(text("SELECT COUNT(*) FROM subagents")) == 0
