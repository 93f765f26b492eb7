"""The `stellwerk` command. Each subcommand's module is imported only when that subcommand runs: the Cockpit's
web and database libraries would otherwise slow down the start of every Agent and Controller."""

from __future__ import annotations

import importlib

import click

# name -> (module, attribute, the first sentence of its help), in the order `--help` lists them; `--help` shows
# the sentence without importing every module (which took seconds)
SUBCOMMANDS = {
    "run": (
        "stellwerk.cli.run",
        "run_command",
        "Run the workflows in PATHS (inventory files or folders) with real job processes.",
    ),
    "init": (
        "stellwerk.cli.init",
        "init_command",
        "Create DIRECTORY with a private CA, a certificate and key per node, and a config per node.",
    ),
    "controller": (
        "stellwerk.cli.controller",
        "controller_command",
        "Run the Controller until SIGINT or SIGTERM (Ctrl-C).",
    ),
    "agent": (
        "stellwerk.cli.agent",
        "agent_command",
        "Run an Agent until SIGINT or SIGTERM (Ctrl-C), or until its Controller sends ShutDown.",
    ),
    "subagent": (
        "stellwerk.cli.subagent",
        "subagent_command",
        "Run a Subagent until SIGINT or SIGTERM, which drain it: it takes no new process, lets the running ones finish, then stops (scale-in).",
    ),
    "cockpit": (
        "stellwerk.cli.cockpit",
        "cockpit_command",
        "Run the Cockpit: the JOC-compatible REST API under /joc/api on its database.",
    ),
    "standalone": (
        "stellwerk.cli.standalone",
        "standalone_command",
        "Run a Cockpit, a Controller and one Agent on loopback until SIGINT (Ctrl-C) or SIGTERM.",
    ),
    # the operator's commands, over the Cockpit's JOC API (see stellwerk.cli.client for the exit codes)
    "login": (
        "stellwerk.cli.client.login",
        "login_command",
        "Log in to a Cockpit and store the access token in the profile.",
    ),
    "logout": (
        "stellwerk.cli.client.login",
        "logout_command",
        "End the profile's session and forget its token.",
    ),
    "deploy": (
        "stellwerk.cli.client.deploy",
        "deploy_command",
        "Deploy the inventory files (NAME.workflow.json, NAME.lock.yaml, …) of PATHS, files or directories: a directory's subfolders become inventory folders.",
    ),
    "export": (
        "stellwerk.cli.client.export",
        "export_command",
        "Export the inventory objects of FOLDER (default: all) into an archive.",
    ),
    "orders": (
        "stellwerk.cli.client.orders",
        "orders_command",
        "The Controller's orders: add, list, show, cancel, suspend, resume, answer, watch.",
    ),
    "logs": (
        "stellwerk.cli.client.logs",
        "logs_command",
        "The log of ORDER_ID's newest run with its jobs' output (with --json: one JSON entry per line).",
    ),
    "plan": ("stellwerk.cli.client.plan", "plan_command", "The daily plan: show, generate, submit."),
    "agents": (
        "stellwerk.cli.client.agents",
        "agents_command",
        "The Controller's Agents: list, enable, disable, reset.",
    ),
    "cluster": (
        "stellwerk.cli.client.cluster",
        "cluster_command",
        "The cluster of Controllers and of Cockpits: status, switchover, confirm-loss.",
    ),
    "history": (
        "stellwerk.cli.client.history",
        "history_command",
        "The history of order runs (or job runs with --tasks).",
    ),
    "users": (
        "stellwerk.cli.client.users",
        "users_command",
        "The accounts of the identity services with their roles.",
    ),
}


def _shortened(text: str, limit: int) -> str:
    """`text`, cut at a word and marked with "..." where it is longer than `limit` (as click shortens help)."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 3, 1)].rsplit(" ", 1)[0] + "..."


class LazyGroup(click.Group):
    """A group whose subcommands are imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in SUBCOMMANDS:
            return None
        module, attribute, _ = SUBCOMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in SUBCOMMANDS)
        rows = [(name, _shortened(summary, limit)) for name, (*_, summary) in SUBCOMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(package_name="stellwerk")
def main() -> None:
    """Stellwerk workload automation."""
