"""The Cockpit's web application: the JOC API routers, JOC's error shapes, request size limits, and the start-up
work (migrations to head, the first account, proxies of the registered Controllers); while the app runs, the
Cockpit cluster service decides whether this Cockpit is the active member, which runs History (following every
registered Controller), the Daily Plan, Cleanup, the Monitor, the Cluster Watch of Controller clusters and the
restart service, or a standby, which follows the Controllers read-only; either way the batches of events feed the
event snapshots of `/joc/api/events` and the order views of `/joc/api/orders`. Every member receives the syslog
messages of Controllers and Agents when a syslog port is configured (Log Notification service). The web UI is under /ui."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI

from stellwerk import __version__
from stellwerk.cockpit.api import (
    agent_cluster,
    agent_reset,
    agents,
    agents_cluster,
    audit_log,
    authentication,
    boards,
    calendars,
    controller,
    controller_cluster,
    controller_node,
    dailyplan,
    deployment,
    deployment_keys,
    events,
    health,
    history,
    iam_accounts,
    iam_roles,
    iam_services,
    inventory,
    inventory_archive,
    inventory_changes,
    inventory_trash,
    joc,
    joc_cluster,
    locks,
    log_notification,
    metrics,
    monitoring,
    order,
    orders,
    task,
    tree,
    workflow,
    workflows,
)
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import ControllerRole
from stellwerk.cockpit.db.migrate import migrate
from stellwerk.cockpit.db.repositories.controllers import ControllerNode, ControllerRepository
from stellwerk.cockpit.errors import install_error_handlers
from stellwerk.cockpit.limits import BodyLimit
from stellwerk.cockpit.request_latency import RequestTiming
from stellwerk.cockpit.security.accounts import ensure_first_account
from stellwerk.cockpit.services.cluster.election import Timing
from stellwerk.cockpit.services.cluster.roles import CockpitRoles
from stellwerk.cockpit.services.cluster.service import ClusterService
from stellwerk.cockpit.services.events import EventSnapshots
from stellwerk.cockpit.services.log_notification.service import LogNotificationService
from stellwerk.cockpit.services.signing import set_security_level
from stellwerk.cockpit.ui.mount import install_ui

ROUTERS: tuple[APIRouter, ...] = (
    authentication.router,
    boards.router,
    joc.router,
    joc_cluster.router,
    inventory.router,
    inventory_archive.router,
    inventory_trash.router,
    inventory_changes.router,
    deployment.router,
    deployment_keys.router,
    tree.router,
    iam_services.router,
    iam_accounts.router,
    iam_roles.router,
    audit_log.router,
    controller.router,
    agent_cluster.router,
    agent_reset.router,
    controller_node.router,
    controller_cluster.router,
    orders.router,
    order.router,
    history.router,
    task.router,
    workflows.router,
    workflow.router,
    agents.router,
    agents_cluster.router,
    events.router,
    calendars.router,
    dailyplan.router,
    locks.router,
    log_notification.router,
    metrics.router,
    health.router,
    monitoring.router,
    monitoring.configuration_router,
)


async def start(cockpit: Cockpit, admin_password: str | None) -> str | None:
    """Migrates the database, creates the first account when there is none (returns a generated password),
    sets the configured security level and opens proxies to the registered Controllers."""
    await migrate(cockpit.config.database)
    generated = await ensure_first_account(cockpit.database, admin_password, cockpit.now())
    async with cockpit.database.session() as db:
        repository = ControllerRepository(db)
        for controller_id, url in cockpit.config.controllers:
            standalone = ControllerNode(controller_id=controller_id, role=ControllerRole.STANDALONE, url=url)
            await repository.register([standalone], cockpit.now())
        nodes = await repository.all()
        if cockpit.config.security_level is not None:
            await set_security_level(db, cockpit.config.security_level, cockpit.now())
    by_id: dict[str, list[str]] = {}
    for node in nodes:
        by_id.setdefault(node.controller_id, []).append(node.url)
    for controller_id, urls in by_id.items():
        cockpit.proxies.register(controller_id, tuple(urls))
    return generated


def create_app(cockpit: Cockpit, *, routers: tuple[APIRouter, ...] = ROUTERS) -> FastAPI:
    """The app over a Cockpit whose database is migrated (see `start`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        def on_batch(controller_id: str, events: Sequence[dict[str, Any]]) -> None:
            snapshots.observe(controller_id, events)
            cockpit.order_views.observe(controller_id, events)

        roles = CockpitRoles(cockpit, on_batch)
        cockpit.proxies.listen(cockpit.order_views)
        config = cockpit.config
        timing = Timing(heartbeat_ms=config.heartbeat_ms, takeover_ms=config.takeover_ms)
        cluster = ClusterService(
            cockpit.database, config.member, config.member_url, roles, timing, cockpit.now
        )
        app.state.cluster, app.state.roles = cluster, roles
        cluster.start()
        if config.syslog_port is not None:
            await log_notifications.start(config.syslog_host, config.syslog_port)
        yield {}
        await log_notifications.close()
        await cluster.close()
        await roles.close()
        cockpit.proxies.unlisten(cockpit.order_views)
        await cockpit.proxies.close()
        await cockpit.database.close()

    app = FastAPI(
        title="Stellwerk Cockpit (JOC REST API)",
        version=__version__,
        lifespan=lifespan,
        docs_url="/joc/api/docs",
        openapi_url="/joc/api/openapi.json",
        redoc_url=None,
        strict_content_type=False,  # the JOC client sends JSON bodies without a Content-Type
    )
    app.state.cockpit = cockpit
    snapshots = EventSnapshots(cockpit.now)
    app.state.event_snapshots = snapshots
    log_notifications = LogNotificationService(cockpit.now, cockpit.config.system_notifications_kept)
    app.state.log_notifications = log_notifications
    install_error_handlers(app)
    for router in routers:
        app.include_router(router)
    install_ui(app)
    config = cockpit.config
    app.add_middleware(BodyLimit, limit=config.max_body_bytes, upload_limit=config.max_upload_bytes)
    app.add_middleware(RequestTiming, latency=cockpit.request_latency)
    return app
