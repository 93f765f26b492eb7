"""The declarative Base of the Cockpit's tables, and the column types they share on all three backends."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated, Any, cast

from sqlalchemy import BigInteger, CursorResult, Date, Integer, LargeBinary, MetaData, Result, String, Text
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.dialects.mysql import LONGBLOB, LONGTEXT
from sqlalchemy.orm import DeclarativeBase, mapped_column

# Constraint names must be stable for Alembic (and SQLite batch ALTERs) and short for MariaDB's 64 characters.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}

# SQLite makes a primary key autoincrement only when it is exactly INTEGER (the rowid alias).
Id64 = BigInteger().with_variant(Integer(), "sqlite")
# MariaDB's TEXT and BLOB stop at 64 KB; JSON documents and log chunks may be larger.
LongText = Text().with_variant(LONGTEXT(), "mysql", "mariadb")
LongBlob = LargeBinary().with_variant(LONGBLOB(), "mysql", "mariadb")

# Paths and ids are case-sensitive in JS7: MariaDB's default collation is not.
MYSQL_OPTIONS: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}

Key = Annotated[int, mapped_column(Id64, primary_key=True, autoincrement=True)]
Millis = Annotated[
    int, mapped_column(BigInteger)
]  # an instant in epoch milliseconds, as everywhere in Stellwerk
ControllerId = Annotated[str, mapped_column(String(100))]
Name = Annotated[str, mapped_column(String(255))]
Json = Annotated[
    str, mapped_column(LongText)
]  # JSON text kept exactly as written (signatures cover the text)


def table_args(*items: Any) -> tuple[Any, ...]:
    """`__table_args__` with the constraints and indexes given, plus the MariaDB table options."""
    return (*items, MYSQL_OPTIONS)


class Base(DeclarativeBase):
    """The one declarative base of every Cockpit table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    __table_args__: Any = MYSQL_OPTIONS  # for the tables that define no `__table_args__` of their own
    type_annotation_map = {
        str: String(255),
        datetime.date: Date(),
        # By value, as VARCHAR on every backend: a new JOC value needs no ALTER TYPE.
        enum.Enum: SqlEnum(
            enum.Enum, native_enum=False, length=32, values_callable=lambda kind: [m.value for m in kind]
        ),
    }


def affected_rows(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE changed (its result is a CursorResult, typed as a plain Result)."""
    return cast("CursorResult[Any]", result).rowcount
