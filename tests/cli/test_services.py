"""`stellwerk controller`, `agent` and `standalone` refuse what they cannot use before starting anything."""

from __future__ import annotations

import gc
import ipaddress
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from stellwerk.cli import main
from stellwerk.cli.init import Names, initialize, plan_nodes
from stellwerk.cli.serving import freeze_started_heap
from stellwerk.cli.standalone import prepare


def initialized(folder: Path) -> Path:
    names = Names("Stellwerk", ("localhost",), (ipaddress.IPv4Address("127.0.0.1"),), 30)
    initialize(
        folder, plan_nodes("controller", ("agentA",), "cockpit"), names, force=False, now=datetime.now(UTC)
    )
    return folder


def test_an_unusable_config_ends_with_exit_code_2_naming_file_and_key(tmp_path: Path) -> None:
    config = initialized(tmp_path) / "agentA" / "node.toml"
    with config.open("a") as file:
        file.write("[http]\nport = 'x'\n")
    result = CliRunner().invoke(main, ["agent", "--config", str(config)])
    assert result.exit_code == 2
    assert f"{config}: http.port: Expected `int | null`, got `str`" in result.output


def test_an_override_from_the_environment_is_checked_too(tmp_path: Path) -> None:
    config = initialized(tmp_path) / "controller" / "node.toml"
    result = CliRunner(env={"STELLWERK_HTTP__INSECURE": "maybe"}).invoke(
        main, ["controller", "--config", str(config)]
    )
    assert result.exit_code == 2
    assert "STELLWERK_HTTP__INSECURE" in result.output


def test_insecure_is_refused_off_loopback(tmp_path: Path) -> None:
    config = initialized(tmp_path) / "controller" / "node.toml"
    result = CliRunner().invoke(
        main, ["controller", "--config", str(config), "--insecure", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 2
    assert "loopback address only" in result.output


def test_an_agent_option_must_be_name_and_uri(tmp_path: Path) -> None:
    config = initialized(tmp_path) / "controller" / "node.toml"
    result = CliRunner().invoke(main, ["controller", "--config", str(config), "--agent", "agentA"])
    assert result.exit_code == 2
    assert "is not NAME=URI" in result.output


def test_standalone_refuses_an_incomplete_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    prepare(data)
    (data / "agent" / "node.toml").unlink()
    result = CliRunner().invoke(main, ["standalone", "--data", str(data)])
    assert result.exit_code == 1
    assert "is incomplete" in result.output and "agent/node.toml" in result.output


def test_a_started_node_keeps_what_it_recovered_out_of_the_garbage_collectors_scans() -> None:
    recovered_state = [{"order": index} for index in range(1000)]
    try:
        freeze_started_heap()
        assert gc.get_freeze_count() >= len(recovered_state)
        gc.collect()  # what is not frozen ends up in the oldest generation
        assert not any(tracked is recovered_state[0] for tracked in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
