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
    "cockpit": ("stellwerk.cli.cockpit", "cockpit_command"),
    "standalone": ("stellwerk.cli.standalone", "standalone_command"),
    # the operator's commands, over the Cockpit's JOC API (see stellwerk.cli.client for the exit codes)
    "login": ("stellwerk.cli.client.login", "login_command"),
    "logout": ("stellwerk.cli.client.login", "logout_command"),
    "deploy": ("stellwerk.cli.client.deploy", "deploy_command"),
    "export": ("stellwerk.cli.client.export", "export_command"),
    "orders": ("stellwerk.cli.client.orders", "orders_command"),
    "logs": ("stellwerk.cli.client.logs", "logs_command"),
    "plan": ("stellwerk.cli.client.plan", "plan_command"),
    "agents": ("stellwerk.cli.client.agents", "agents_command"),
    "cluster": ("stellwerk.cli.client.cluster", "cluster_command"),
    "history": ("stellwerk.cli.client.history", "history_command"),
    "users": ("stellwerk.cli.client.users", "users_command"),
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
