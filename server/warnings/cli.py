"""``flask warnings escalate``: run every minute (cron or a systemd timer; README shows both)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

warnings_cli = AppGroup("warnings", help="Warnings (预警) and 叫应.")


@warnings_cli.command("escalate")
def escalate() -> None:
    """Escalate villages silent past their acknowledgement window (once each) and deliver the notifications."""
    from server.warnings.escalation import run

    try:
        result = run()
    except RuntimeError as exc:  # a notifier misconfigured
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"escalated {result.escalated}, delivered {result.delivered}, failed {result.failed}, waiting {result.waiting}"
    )
