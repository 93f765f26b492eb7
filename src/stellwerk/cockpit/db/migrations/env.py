"""Alembic's environment for the Cockpit: always online, on the connection `migrate` hands over (an async
engine's connection adapted by `run_sync`, so every backend migrates through its one async driver)."""

from __future__ import annotations

from alembic import context

from stellwerk.cockpit.db.tables import Base


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "Cockpit migrations run through stellwerk.cockpit.db.migrate, on a given connection"
        )
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: Alembic copies the table instead
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
