"""``micropulse trust ...``: tools for the classifiers micropulse serves.

``trust attack`` / ``trust grid`` (Dashed Line Defense harness) live in ``cli/trust_attack.py``;
``trust debug`` (data debugging for SGD-trained linear models) lives in ``cli/trust_debug.py``.
Each of those modules exposes ``register(group)``.
"""

from __future__ import annotations

import importlib

import typer

TRUST_MODULES: tuple[str, ...] = ("micropulse.cli.trust_attack", "micropulse.cli.trust_debug")


def register(app: typer.Typer) -> None:
    """Add the ``trust`` command group to the top-level app."""
    group = typer.Typer(
        name="trust",
        help="Trust tools: defenses against score-based query attacks, and data debugging.",
        no_args_is_help=True,
    )
    for mod in TRUST_MODULES:
        importlib.import_module(mod).register(group)
    app.add_typer(group, name="trust")
