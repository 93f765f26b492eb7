"""Puts the web UI into the Cockpit's app: its routers under /ui, its static files (our CSS and script, the
vendored libraries) under /ui/static, and the site's root leading to the dashboard."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from stellwerk.cockpit.ui import (
    admin,
    admin_audit,
    admin_notifications,
    admin_settings,
    agents,
    cockpit_operations,
    controller_cluster,
    dailyplan,
    dailyplan_operations,
    history,
    inventory,
    inventory_tree,
    logs,
    orders,
    pages,
    resources,
    timeline,
    workflows,
)
from stellwerk.cockpit.ui.web import STATIC


def install_ui(app: FastAPI) -> None:
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    routers = (
        pages.router,
        orders.router,
        workflows.router,
        dailyplan.router,
        dailyplan_operations.router,
        history.router,
        logs.router,
        inventory.router,
        inventory_tree.router,
        timeline.router,
        resources.router,
        agents.router,
        cockpit_operations.router,
        admin.router,
        admin_audit.router,
        admin_notifications.router,
        admin_settings.router,
        controller_cluster.router,
    )
    for router in routers:
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", 303)

    @app.get("/ui", include_in_schema=False)
    async def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", 303)
