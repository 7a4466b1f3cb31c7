"""The `optionswarm` command line: one root app; each subsystem contributes its own commands.

Subsystem command groups live beside their subsystem (e.g. ``optionswarm.pricing.cli``) and are
registered here, so that the CLI, the API and the dashboard all call the same service code.
"""

from __future__ import annotations

from typing import Annotated

import typer

from optionswarm._version import __version__

app = typer.Typer(
    name="optionswarm",
    help="optionswarm: an AI-assisted options trading system.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"optionswarm {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print version."),
    ] = False,
) -> None:
    """optionswarm: an AI-assisted options trading system."""


def _register_subcommands() -> None:
    """Attach each subsystem's commands to the root app (one line per subsystem)."""
    from optionswarm.audit import cli as audit_cli  # noqa: PLC0415 -- lazy subsystem import

    app.add_typer(audit_cli.app, name="audit")
    from optionswarm.backtest import cli as backtest_cli  # noqa: PLC0415 -- lazy subsystem import

    app.add_typer(backtest_cli.app, name="backtest")  # one backtest, or `backtest sweep`
    from optionswarm.pricing import cli as pricing_cli  # noqa: PLC0415 -- lazy subsystem import

    app.command(name="price")(pricing_cli.price_command)
    from optionswarm.data import cli as data_cli  # noqa: PLC0415 -- lazy subsystem import

    app.add_typer(data_cli.app, name="data")
    from optionswarm.oversight import cli as oversight_cli  # noqa: PLC0415 -- lazy subsystem import

    app.add_typer(oversight_cli.app, name="approvals")
    from optionswarm.service import cli as service_cli  # noqa: PLC0415 -- lazy subsystem import

    app.command(name="run")(service_cli.run_command)
    from optionswarm.service import users_cli  # noqa: PLC0415 -- lazy subsystem import

    app.add_typer(users_cli.app, name="users")
    from optionswarm.monitoring import doctor  # noqa: PLC0415 -- lazy subsystem import

    app.command(name="doctor")(doctor.doctor_command)
    from optionswarm.cluster import health_cli  # noqa: PLC0415 -- lazy subsystem import

    app.command(name="health")(health_cli.health_command)


_register_subcommands()


def main() -> None:
    """Console-script entry point."""
    app()
