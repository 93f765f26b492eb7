"""The `stellwerk` command. Each subcommand's module is imported only when that subcommand runs: the Cockpit's
web and database libraries would otherwise slow down the start of every Agent and Controller."""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute), in the order `--help` lists them
SUBCOMMANDS = {
    "run": ("stellwerk.cli.run", "run_command"),
    "init": ("stellwerk.cli.init", "init_command"),
    "controller": ("stellwerk.cli.controller", "controller_command"),
    "agent": ("stellwerk.cli.agent", "agent_command"),
    "subagent": ("stellwerk.cli.subagent", "subagent_command"),
    "cockpit": ("stellwerk.cli.cockpit", "cockpit_command"),
    "standalone": ("stellwerk.cli.standalone", "standalone_command"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module, attribute = SUBCOMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="stellwerk")
def main() -> None:
    """Stellwerk workload automation."""
