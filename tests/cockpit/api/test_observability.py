"""What operators scrape and probe, on a real Cockpit, Controller and Agent: the Cockpit's liveness and readiness
(503 once its database is gone), its request latency by route in `/metrics`, and the Grafana dashboard in
deploy/grafana, every expression of which names a metric that the three components export."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from stellwerk.cockpit.db.session import Database
from stellwerk.transport.client import NodeClient, RetryPolicy
from stellwerk.transport.tls import client_context
from tests.cockpit.api.conftest import ControllerNodes, RunningCockpit
from tests.cockpit.backends import run

DASHBOARD = Path(__file__).parent.parent.parent.parent / "deploy" / "grafana" / "stellwerk.json"
SUFFIXES = ("_bucket", "_count", "_sum", "_total")
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/nothing"  # port 9 (discard) answers nothing here


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _base(name: str) -> str:
    """A metric's name without the suffix of its samples (`_bucket`, …) or of a counter (`_total`)."""
    return next((name.removesuffix(suffix) for suffix in SUFFIXES if name.endswith(suffix)), name)


def _exported(text: str) -> set[str]:
    return {_base(name) for name in re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE)}


async def _scrape(url: str, folder: Path, ca: Path) -> str:
    context = client_context(folder / "node.pem", folder / "node-key.pem", ca)
    async with NodeClient(url, ssl_context=context, retry=RetryPolicy(attempts=1)) as client:
        return b"\n".join([line async for line in client.stream_lines("/metrics")]).decode()


def _dashboard_metrics() -> set[str]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    names = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            names |= {_base(name) for name in re.findall(r"stellwerk_[a-z_]+", target["expr"])}
    return names


def test_health_request_latency_and_the_dashboards_metrics(
    controller_cockpit: tuple[RunningCockpit, ControllerNodes],
) -> None:
    running, controller = controller_cockpit
    assert _get(f"{running.url}/health/live") == (200, '{"TYPE":"Alive"}')
    status, ready = _get(f"{running.url}/health/ready")
    assert status == 200 and json.loads(ready)["TYPE"] == "Ready"

    status, cockpit_metrics = _get(f"{running.url}/metrics")
    assert status == 200
    assert (
        'stellwerk_cockpit_request_seconds_count{method="GET",route="/health/ready"} 1.0' in cockpit_metrics
    )

    installation = controller.installation
    ca = installation.folder / "ca" / "ca.pem"
    controller_metrics = run(lambda: _scrape(controller.url, installation.folder / "cockpit", ca))
    agent_url = f"https://127.0.0.1:{installation.ports['agentA']}"
    agent_metrics = run(lambda: _scrape(agent_url, installation.folder / "controller", ca))
    exported = _exported(cockpit_metrics) | _exported(controller_metrics) | _exported(agent_metrics)
    missing = _dashboard_metrics() - exported
    assert not missing, f"the dashboard asks for metrics nobody exports: {sorted(missing)}"

    real = running.cockpit.database
    running.cockpit.database = Database.connect(UNREACHABLE)  # as when the database server has gone
    try:
        status, not_ready = _get(f"{running.url}/health/ready")
        assert status == 503 and json.loads(not_ready)["TYPE"] == "NotReady", not_ready
        assert _get(f"{running.url}/health/live")[0] == 200
    finally:
        unreachable, running.cockpit.database = running.cockpit.database, real
        running.call(lambda _: unreachable.close())
