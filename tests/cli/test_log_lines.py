"""The services' log lines: logfmt or JSON, naming the node and, for a record about an order, the order and its
workflow; a log file rotated by size; and a real `stellwerk agent --log-format json --log-file` writing them."""

from __future__ import annotations

import io
import json
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.nodes import Installation

from stellwerk.cli.log_lines import JsonFormatter, LogfmtFormatter, file_handler, log_handlers


def _record(message: str, **extra: str) -> logging.LogRecord:
    record = logging.LogRecord("stellwerk.test", logging.WARNING, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_a_logfmt_line_names_node_order_and_workflow_and_quotes_what_needs_it() -> None:
    line = LogfmtFormatter().format(
        _record('Job "x" failed', node="agentA", order="#2026#o1", workflow="/a/b")
    )
    assert line.split(" ")[1:5] == ["level=warning", "node=agentA", "order=#2026#o1", "workflow=/a/b"]
    assert line.endswith('logger=stellwerk.test message="Job \\"x\\" failed"')


def test_a_json_line_is_one_object_with_the_same_fields() -> None:
    line = JsonFormatter().format(_record("started", node="c1", order="o1"))
    fields = json.loads(line)
    assert {key: fields[key] for key in ("level", "node", "order", "logger", "message")} == {
        "level": "warning", "node": "c1", "order": "o1", "logger": "stellwerk.test", "message": "started",
    }  # fmt: skip
    assert "workflow" not in fields


def test_the_handlers_put_the_node_on_every_line() -> None:
    stream = io.StringIO()
    [console] = log_handlers("controller-1", "logfmt", None, stream=stream)
    logger = logging.getLogger("stellwerk.test.node")
    logger.addHandler(console)
    try:
        logger.warning("hello")
    finally:
        logger.removeHandler(console)
    assert "node=controller-1" in stream.getvalue()


def test_the_log_file_is_rotated_by_size(tmp_path: Path) -> None:
    handler = file_handler(tmp_path / "node.log", "json", max_bytes=400, backups=2)
    try:
        for n in range(20):
            handler.handle(_record(f"line {n}", node="n"))
    finally:
        handler.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["node.log", "node.log.1", "node.log.2"]
    assert all(path.stat().st_size <= 400 for path in tmp_path.iterdir())


def test_an_agent_writes_json_lines_naming_itself_into_its_log_file(tmp_path: Path) -> None:
    installation = Installation(tmp_path / "installation")
    log_file = tmp_path / "agent.log"
    config = installation.folder / "agentA" / "node.toml"
    arguments = ["agent", "--config", str(config), "--log-format", "json", "--log-file", str(log_file)]
    agent = subprocess.Popen([sys.executable, "-m", "stellwerk", *arguments], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (log_file.exists() and "started" in log_file.read_text()):
            assert time.monotonic() < deadline and agent.poll() is None, "the Agent did not start"
            time.sleep(0.1)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(30)
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert lines and all(line["node"] == "agentA" for line in lines)
    assert any(line["logger"] == "stellwerk.cli.agent" for line in lines)
