"""The ``micropulse`` command.

Each sub-command lives in its own module (``cli/hr.py``, ``cli/pulse.py``...) exposing a
``register(app)`` function. Heavy imports happen inside the command bodies, so ``--help``
is fast. Every :class:`~micropulse.errors.MicropulseError` becomes a one-line message on
stderr and exit code 2 — never a traceback.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

try:  # typer >= 0.20 vendors click as typer._click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer
    from click import ClickException

from micropulse import __version__
from micropulse.cli.common import hide_flag_types
from micropulse.errors import MicropulseError

app = typer.Typer(
    name="micropulse",
    help="Measure the pulse (rPPG) and micro-expressions in face videos.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Sub-command modules, in the order they appear in --help. Each has register(app).
COMMAND_MODULES: tuple[str, ...] = (
    "micropulse.cli.pulse",
    "micropulse.cli.synth",
    "micropulse.cli.megc",
    "micropulse.cli.hr",
    "micropulse.cli.evaluate",
    "micropulse.cli.score",
    "micropulse.cli.train",
    "micropulse.cli.spot",
    "micropulse.cli.weights",
    "micropulse.cli.trust",
    "micropulse.cli.live",
    "micropulse.cli.serve",
    "micropulse.cli.list",
)


# Optional dependencies -> how to get them (a missing one is a one-line error, not a traceback).
OPTIONAL_EXTRAS = {
    "torch": (
        "pip install torch==2.13.0 && pip install 'micropulse[deep]' (from the public index that pin is the "
        "CUDA build, ~2.7 GB; for a CPU-only install take torch from PyTorch's own CPU wheel index, the 'CPU' "
        "choice of PyTorch's install instructions)"
    ),
    "ray": "pip install 'micropulse[dist]'",
}


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"micropulse {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
) -> None:
    """micropulse: remote pulse, heart rate, HRV and micro-expressions from face videos."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if verbose:  # also let OpenCV, FFmpeg and mediapipe log as they do by default (quiet otherwise)
        from micropulse.io.native_logs import set_native_logs

        set_native_logs(verbose=True)


hide_flag_types()  # flags read as flags in --help (no "<bool>" column)


for _mod in COMMAND_MODULES:
    importlib.import_module(_mod).register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; named errors become exit code 2.

    Tests call ``main([...])`` in-process; the console script calls :func:`entry`.
    """
    try:
        rv = app(args=argv, standalone_mode=False)
    except MicropulseError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except ModuleNotFoundError as exc:
        extra = OPTIONAL_EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        typer.echo(f"error: this command needs {exc.name}, which is not installed: {extra}", err=True)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
