"""An Agent's elastic pools and Subagent heartbeat from its config file."""

from __future__ import annotations

from pathlib import Path

from stellwerk.agent.config import PoolConfig
from stellwerk.config.services import load_agent_config
from tests.config.conftest import append, initialized  # noqa: F401  (the fixture)


def test_pools_and_the_subagent_heartbeat_are_read(initialized: Path) -> None:  # noqa: F811
    path = append(initialized / "agentA" / "node.toml", """
[agent]
subagent-heartbeat = 1.5
subagent-timeout = 6
[agent.pools.workers]
token = "s3cret"
addresses = ["https://pool.example:4443"]
balance = "least-loaded"
""")  # fmt: skip
    config = load_agent_config(path, environ={})
    assert (config.subagent_heartbeat, config.subagent_timeout) == (1.5, 6.0)
    assert config.pools == (
        PoolConfig(
            name="workers", token="s3cret", addresses=("https://pool.example:4443",), balance="least-loaded"
        ),
    )
