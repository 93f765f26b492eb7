"""`--help` of every command, run as the installed program would be, mentions every option with a help text."""

from __future__ import annotations

import subprocess
import sys

import click

from stellwerk.cli import SUBCOMMANDS, main


def test_every_command_explains_every_option() -> None:
    context = click.Context(main)
    commands = sorted((name, main.get_command(context, name)) for name in main.list_commands(context))
    runs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "stellwerk", name, "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name, _ in commands
    }
    assert {"controller", "agent", "standalone", "init", "run"} <= set(runs)
    for name, command in commands:
        assert command is not None
        output, errors = runs[name].communicate(timeout=60)
        assert runs[name].returncode == 0, errors
        text = " ".join(output.decode().split())
        for parameter in command.params:
            if isinstance(parameter, click.Option):
                assert parameter.help, f"{name} {parameter.opts[0]} has no help"
                for option in parameter.opts:
                    assert option in text, f"`stellwerk {name} --help` does not mention {option}"


def test_the_command_list_gives_each_command_its_own_first_sentence() -> None:
    """`stellwerk --help` lists the commands from a table (without importing them): each line must still be
    what the command's own help says."""
    context = click.Context(main)
    for name, (*_, summary) in SUBCOMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None
        assert command.get_short_help_str(limit=1000) == summary, f"the summary of `{name}` in SUBCOMMANDS"
    listing = subprocess.run(
        [sys.executable, "-m", "stellwerk", "--help"], capture_output=True, check=True, timeout=60
    ).stdout.decode()
    assert all(f"  {name}  " in listing or f"  {name} " in listing for name in SUBCOMMANDS)
