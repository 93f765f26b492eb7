"""Inventory changes (JS7 2.7): a named group of inventory objects to be deployed together later."""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stellwerk.cockpit.db.base import Base, Key, Millis, Name, table_args
from stellwerk.cockpit.db.enums import ChangeState


class InvChange(Base):
    """A change, known by its unique name."""

    __tablename__ = "inv_changes"
    __table_args__ = table_args(UniqueConstraint("name"))
    id: Mapped[Key]
    name: Mapped[Name]
    title: Mapped[str | None]
    state: Mapped[ChangeState]
    owner: Mapped[Name]
    last_published_by: Mapped[str | None]
    created: Mapped[Millis]
    modified: Mapped[Millis]
    closed: Mapped[Millis | None]


class InvChangeItem(Base):
    """An inventory object in a change; it leaves the change when it leaves the inventory."""

    __tablename__ = "inv_change_items"
    __table_args__ = table_args(UniqueConstraint("change_id", "configuration_id"))
    id: Mapped[Key]
    change_id: Mapped[int] = mapped_column(ForeignKey("inv_changes.id", ondelete="CASCADE"))
    configuration_id: Mapped[int] = mapped_column(
        ForeignKey("inv_configurations.id", ondelete="CASCADE"), index=True
    )
