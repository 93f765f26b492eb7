"""How the services log: one line per record on stderr, as logfmt (the default: for people and grep) or as JSON
(for log shippers), each with the node's name and, where a record concerns an order, the order's id and its
workflow (a record's `extra={"order": …, "workflow": …}`); with `--log-file` also into that file, rotated by size."""

from __future__ import annotations

import json
import logging
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, Literal

LogFormat = Literal["logfmt", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("logfmt", "json")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_BACKUPS = 5


def _fields(record: logging.LogRecord, formatter: logging.Formatter) -> dict[str, str]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    fields = {"time": f"{stamp}.{int(record.msecs):03d}Z", "level": record.levelname.lower()}
    for name in ("node", "order", "workflow"):
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = str(value)
    fields["logger"] = record.name
    fields["message"] = record.getMessage()
    if record.exc_info:
        fields["exception"] = formatter.formatException(record.exc_info)
    return fields


class LogfmtFormatter(logging.Formatter):
    """`time=… level=… node=… logger=… order=… message="…"`: texts that need it quoted as JSON strings."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{name}={_logfmt_value(value)}" for name, value in _fields(record, self).items())


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record, self), ensure_ascii=False)


def _logfmt_value(value: str) -> str:
    plain = value and not any(char in value for char in ' "=\\\n\t')
    return value if plain else json.dumps(value, ensure_ascii=False)


class NodeName(logging.Filter):
    """Puts the node's name on every record that passes the handler."""

    def __init__(self, node: str) -> None:
        super().__init__()
        self._node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self._node
        return True


def formatter_of(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else LogfmtFormatter()


def file_handler(path: Path, log_format: LogFormat, max_bytes: int, backups: int) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(formatter_of(log_format))
    return handler


def log_handlers(
    node: str | None,
    log_format: LogFormat,
    log_file: Path | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backups: int = DEFAULT_BACKUPS,
    stream: Any = None,
) -> list[logging.Handler]:
    """The handlers on stderr (`stream`) and, with `log_file`, on that file; each names the node."""
    console = logging.StreamHandler(stream)
    console.setFormatter(formatter_of(log_format))
    handlers: list[logging.Handler] = [console]
    if log_file is not None:
        handlers.append(file_handler(log_file, log_format, max_bytes, backups))
    if node is not None:
        for handler in handlers:
            handler.addFilter(NodeName(node))
    return handlers
