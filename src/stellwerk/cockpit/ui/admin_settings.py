"""The Administration view's settings (to view): the Cockpit services' settings as they are in force, each
stored value or its default (JOC's names), and the problem of a section whose stored values are invalid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.repositories.settings import SettingsRepository
from stellwerk.cockpit.services.cleanup import settings as cleanup
from stellwerk.cockpit.services.dailyplan import settings as dailyplan
from stellwerk.cockpit.ui.admin_nav import SETTINGS_VIEW, sections
from stellwerk.cockpit.ui.web import UiCaller, UiRoute, page
from stellwerk.model.problems import Problem

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

Reader = Callable[[dict[str, Any]], msgspec.Struct | Problem]

# section → (its title, the settings in force from its stored values, its settings with their defaults)
SECTIONS: dict[str, tuple[str, Reader, type[msgspec.Struct]]] = {
    dailyplan.SECTION: ("Daily Plan", dailyplan.plan_settings, dailyplan.PlanSettings),
    cleanup.SECTION: ("Cleanup", cleanup.cleanup_settings, cleanup.CleanupSettings),
}


def in_force(stored: dict[str, Any], read: Reader, defaults: type[msgspec.Struct]) -> dict[str, Any]:
    """A section's rows (name, value, whether stored) and its problem, if its stored values are invalid."""
    found = read(stored)
    if isinstance(found, Problem):
        values, problem = {**msgspec.structs.asdict(defaults()), **stored}, found.message
    else:
        values, problem = msgspec.structs.asdict(found), None
    rows = [{"name": name, "value": value, "stored": name in stored} for name, value in values.items()]
    return {"rows": rows, "problem": problem}


@router.get("/admin/settings", response_class=HTMLResponse)
async def settings_page(request: Request, caller: UiCaller, cockpit: CockpitDep) -> Response:
    caller.require(SETTINGS_VIEW)
    shown = []
    async with cockpit.database.reading() as db:
        for section, (title, read, defaults) in SECTIONS.items():
            stored = await SettingsRepository(db).section(section)
            shown.append({"section": section, "title": title, **in_force(stored, read, defaults)})
    return page(request, "admin_settings.html", sections=sections(caller), settings=shown)
