"""Command line: ``flask --app server org import``, ``users create``, ``demo seed``, ``warnings escalate``,
``photos gc``, ``photos thumbnails``. Every command is registered here (``register_cli``), the one place to look;
a command parses its options, calls its feature's service and says what it did."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from server.errors import ApiError, Invalid
from server.extensions import db
from server.users.models import ROLES

org_cli = AppGroup("org", help="Org units (行政区划).")
users_cli = AppGroup("users", help="Users.")
demo_cli = AppGroup("demo", help="Demo data (never in production).")
warnings_cli = AppGroup("warnings", help="Warnings (预警) and 叫应.")
photos_cli = AppGroup("photos", help="Stored photo files and thumbnails.")


@org_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def org_import(csv_file: Path) -> None:
    """Import code,name,level,parent_code rows (UTF-8 or GB18030; idempotent; all or nothing)."""
    from server.orgunits.importer import import_units

    try:
        with csv_file.open("rb") as stream:
            result = import_units(stream)
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        click.echo(exc.message, err=True)
        for message in exc.fields.get("file", []):
            click.echo(f"  {message}", err=True)
        raise SystemExit(1) from exc
    db.session.execute(text("ANALYZE org_units"))  # the planner sees the new tree's size at once (roll-ups, scope)
    db.session.commit()
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--org", "org_code", required=True, help="Code of the user's org unit (its scope).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@click.option("--phone", default="")
def users_create(username: str, role: str, org_code: str, password: str, name: str, phone: str) -> None:
    """Create a user scoped to the unit with code --org."""
    from server.orgunits.service import get_by_code
    from server.users.passwords import password_problems
    from server.users.service import create_user

    unit = get_by_code(org_code)
    if unit is None:
        raise click.BadParameter(f"no org unit with code {org_code}", param_hint="--org")
    if problems := password_problems(password):
        raise click.BadParameter("; ".join(problems), param_hint="--password")
    try:
        user = create_user(
            actor=None, username=username, role=role, org_unit=unit, password=password, name=name, phone=phone
        )
        db.session.commit()
    except ApiError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"created user {user.username} ({user.role}) at {unit.code} {unit.name}")


@demo_cli.command("seed")
def demo_seed() -> None:
    """Build a demo county with users of each role at each level and a little data; print the logins."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("refusing to seed demo data in production")
    from server.demo import seed

    logins = seed()
    db.session.commit()
    if not logins:
        click.echo("demo data already present; logins unchanged")
        return
    from server.demo import DEMO_PASSWORD

    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, unit in logins:
        click.echo(f"  {username:<20} {role:<9} {unit}")


@warnings_cli.command("escalate")
def warnings_escalate() -> None:
    """Escalate villages silent past their acknowledgement window (once each) and deliver the notifications. Run
    every minute (cron or a systemd timer; README shows both)."""
    from server.warnings.escalation import run

    try:
        result = run()
    except RuntimeError as exc:  # a notifier misconfigured
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"escalated {result.escalated}, delivered {result.delivered}, failed {result.failed}, waiting {result.waiting}"
    )


@photos_cli.command("gc")
@click.option("--grace-hours", default=1.0, show_default=True, help="Spare files younger than this.")
def photos_gc(grace_hours: float) -> None:
    """Delete stored photo files that no photo row refers to."""
    from server.photos.service import collect_orphan_files

    removed = collect_orphan_files(grace=timedelta(hours=grace_hours))
    click.echo(f"removed {len(removed)} orphan file(s)")


@photos_cli.command("thumbnails")
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every thumbnail, not only missing ones.")
def photos_thumbnails(rebuild_all: bool) -> None:
    """Make photo thumbnails again from the stored photos."""
    from server.photos.service import rebuild_thumbnails

    count = rebuild_thumbnails(only_missing=not rebuild_all)
    db.session.commit()
    click.echo(f"rebuilt {count} thumbnail(s)")


def register_cli(app: Flask) -> None:
    for group in (org_cli, users_cli, demo_cli, warnings_cli, photos_cli):
        app.cli.add_command(group)
