"""A running Cockpit: its database started (migrated, first account), its app served by uvicorn over HTTPS (or
plain HTTP on loopback), and its background services; leaving the block stops all of it."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from stellwerk.cockpit.app import create_app, start
from stellwerk.cockpit.config import CockpitConfig
from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.session import Database
from stellwerk.cockpit.services.proxy import Proxies
from stellwerk.transport.server import serve


def browser_context(certificate: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """HTTPS for browsers and API clients: the server's certificate; with `client_ca`, a client certificate
    issued by it is asked for but not required (it logs in without a password; see api/authentication.py)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(client_ca)
    return context


@dataclass(frozen=True)
class RunningCockpit:
    cockpit: Cockpit
    url: str
    generated_password: str | None


@asynccontextmanager
async def run_cockpit(
    config: CockpitConfig,
    host: str,
    port: int,
    *,
    tls: ssl.SSLContext | None,
    admin_password: str | None = None,
) -> AsyncIterator[RunningCockpit]:
    """Starts the Cockpit; `tls=None` serves plain HTTP, which `serve` allows on loopback only."""
    config.data_directory.mkdir(parents=True, exist_ok=True)
    cockpit = Cockpit(config, Database.connect(config.database), Proxies(config.controller_tls))
    generated = await start(cockpit, admin_password)
    app = create_app(cockpit)
    async with serve(app, host, port, tls=tls, insecure=tls is None) as server:
        yield RunningCockpit(cockpit, f"{server.url}", generated)
