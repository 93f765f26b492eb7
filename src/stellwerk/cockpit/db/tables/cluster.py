"""The Cockpit cluster's lease: the one row saying which member runs the background services (see
services/cluster). The members and their heartbeats are `cockpit_members` (tables/operations.py)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, Millis

LEASE_ROW = 1


class JocLease(Base):
    """The services' lease (one row, id 1): its `holder` runs the services. Every change is a compare-and-set on
    `version`, which the holder also raises at every heartbeat: a standby that sees one version for the takeover
    time knows the holder stopped heartbeating. `switch_to` is the member a switch-over asks for."""

    __tablename__ = "joc_lease"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(128))
    version: Mapped[int]
    switch_to: Mapped[str | None] = mapped_column(String(128))
    modified: Mapped[Millis]
