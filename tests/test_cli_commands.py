"""Every command line command is registered in server/cli.py: a feature offers services, the CLI calls them."""

from __future__ import annotations

from pathlib import Path

import click

SERVER = Path(__file__).resolve().parent.parent / "server"
FRAMEWORK_GROUPS = {"db", "limiter", "openapi", "routes", "run", "shell"}  # Flask's and its extensions'


def test_no_command_is_declared_outside_the_cli_module():
    declaring = ("AppGroup(", ".cli.command(", "click.command(", "click.group(")
    offenders = sorted(
        str(path.relative_to(SERVER))
        for path in SERVER.rglob("*.py")
        if path.name != "cli.py" or path.parent != SERVER
        if any(word in path.read_text(encoding="utf-8") for word in declaring)
    )
    assert not offenders


def test_every_command_of_the_app_comes_from_the_cli_module(app):
    ours = {}
    with app.app_context():
        context = click.Context(app.cli)
        for name in set(app.cli.list_commands(context)) - FRAMEWORK_GROUPS:
            group = app.cli.get_command(context, name)
            for sub in group.list_commands(context):
                ours[f"{name} {sub}"] = group.get_command(context, sub).callback.__module__
    assert {"warnings escalate", "photos gc", "photos thumbnails", "org import"} <= set(ours)
    assert set(ours.values()) == {"server.cli"}, ours
