"""The sample production layout in deploy/ is real: every node file passes the config schema its role reads,
and every option in the systemd units and the cluster environment files is an option of that `stellwerk`
command (so a renamed option cannot leave the samples behind)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import click
import pytest

from stellwerk.cli import main
from stellwerk.config.schema import AgentFile, ControllerFile
from stellwerk.config.source import read_node_file, read_toml

DEPLOY = Path(__file__).parent.parent.parent / "deploy"
SCHEMAS = {"controller": ControllerFile, "agent": AgentFile}
NODE_FILES = sorted((DEPLOY / "production").glob("*/node.toml"))
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


@pytest.mark.parametrize("path", NODE_FILES, ids=lambda path: path.parent.name)
def test_every_sample_node_file_passes_its_schema(path: Path) -> None:
    role = read_toml(path)["node"]["role"]
    read_node_file(path, SCHEMAS[role], {})


def _options_of(command_name: str) -> set[str]:
    command = main.get_command(click.Context(main), command_name)
    assert command is not None, command_name
    return {option for parameter in command.params for option in parameter.opts}


def _used_options(words: list[str]) -> set[str]:
    return {word.split("=")[0] for word in words if word.startswith("--")}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_every_unit_runs_a_stellwerk_command_with_its_real_options(unit: Path) -> None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit)
    assert {"Unit", "Service", "Install"} <= set(parser.sections())
    program, command_name, *arguments = shlex.split(parser["Service"]["ExecStart"])
    assert program == "/opt/stellwerk/bin/stellwerk"
    unknown = _used_options(arguments) - _options_of(command_name)
    assert not unknown, f"{unit.name}: {sorted(unknown)} are not options of `stellwerk {command_name}`"


@pytest.mark.parametrize("env_file", sorted((DEPLOY / "production").glob("*/cluster.env")), ids=str)
def test_the_cluster_options_are_the_controllers(env_file: Path) -> None:
    [line] = [line for line in env_file.read_text().splitlines() if line.startswith("CLUSTER_OPTIONS=")]
    words = shlex.split(line.removeprefix("CLUSTER_OPTIONS="))
    assert "--cluster" in words
    assert not _used_options(words) - _options_of("controller")
