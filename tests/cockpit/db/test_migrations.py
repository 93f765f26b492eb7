"""Migrations: from an empty database up to head and back, and tables and migrations agree on every backend."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from stellwerk.cockpit.db.migrate import current_revision, downgrade_engine, head_revision, migrate_engine
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.db.tables import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_the_models_and_the_migrations_agree(database: Database) -> None:
    async with database.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_migrations_go_up_from_empty_and_back_down(database: Database) -> None:
    engine = database.engine
    assert await current_revision(engine) == head_revision()
    await downgrade_engine(engine, "base")
    async with engine.connect() as connection:
        assert await connection.run_sync(_tables) == {"alembic_version"}
    assert await current_revision(engine) is None

    await migrate_engine(engine)
    assert await current_revision(engine) == head_revision()
    async with engine.connect() as connection:
        assert await connection.run_sync(_tables) == {*Base.metadata.tables, "alembic_version"}
        assert await connection.run_sync(_differences) == []


async def test_migrating_twice_changes_nothing(database: Database) -> None:
    await migrate_engine(database.engine)
    assert await current_revision(database.engine) == head_revision()
