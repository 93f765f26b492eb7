"""Settings: JSON values under keys, grouped in sections (`joc`, `dailyplan`, `cleanup`, `identity`, …)."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from stellwerk.cockpit.db.base import affected_rows
from stellwerk.cockpit.db.tables import Setting


class SettingsRepository:
    """Reading and writing settings."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, section: str, name: str, default: Any = None) -> Any:
        """The value of a setting, `default` when it is not set."""
        value = await self._session.scalar(
            select(Setting.value).where(Setting.section == section, Setting.name == name)
        )
        return default if value is None else msgspec.json.decode(value)

    async def put(self, section: str, name: str, value: Any, now: int) -> None:
        """Sets a value (anything JSON can hold)."""
        encoded = msgspec.json.encode(value).decode()
        row = await self._session.get(Setting, (section, name))
        if row is None:
            self._session.add(Setting(section=section, name=name, value=encoded, modified=now))
        else:
            row.value, row.modified = encoded, now
        await self._session.flush()

    async def section(self, section: str) -> dict[str, Any]:
        """Every setting of a section."""
        rows = await self._session.execute(
            select(Setting.name, Setting.value).where(Setting.section == section)
        )
        return {name: msgspec.json.decode(value) for name, value in rows}

    async def delete(self, section: str, name: str) -> bool:
        """Removes a setting (it falls back to its default)."""
        result = await self._session.execute(
            delete(Setting).where(Setting.section == section, Setting.name == name)
        )
        return bool(affected_rows(result))
