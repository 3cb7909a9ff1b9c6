"""``micropulse list [FAMILY]``: what can be named on the command line, read from the registries.

``micropulse list methods`` prints the classic rPPG methods, ``models`` the deep models, ``weights`` the
known weight files, ``datasets``, ``decoders``, ``recipes``... (every family of
:data:`micropulse.registry.FAMILIES`); without a family, every family with its names. Nothing is
written by hand here, so a newly registered entry is listed the day it is registered.
"""

from __future__ import annotations

import json

import typer


def _family_names(family: str) -> tuple[list[str], str | None]:
    """(names, None), or ([], why) when the family needs an optional dependency that is missing."""
    from micropulse.registry import list_names

    try:
        return list_names(family), None
    except ImportError as exc:
        return [], f"needs {exc.name or exc} (not installed)"


def _notes(family: str, names: list[str]) -> dict[str, str]:
    """Short remarks shown beside some names (which command accepts them)."""
    if family != "methods":
        return {}
    from micropulse.rppg.classic import get_method

    return {
        n: "needs skin pixels: library only (apply_method), not micropulse pulse / evaluate"
        for n in names
        if get_method(n).info.needs_pixels
    }


def register(app: typer.Typer) -> None:
    @app.command("list")
    def list_command(
        family: str | None = typer.Argument(
            None,
            help="What to list: methods, models, weights, datasets, decoders, recipes, ... (all if omitted).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the names as JSON on stdout."),
    ) -> None:
        """List the registered methods, models, weights, datasets, decoders, recipes and the other families."""
        from micropulse.registry import list_families, list_names

        if family is not None:
            list_names(family)  # an unknown family lists the known ones (exit code 2)
        families = [family.lower()] if family is not None else list_families()
        found = {f: _family_names(f) for f in families}
        if as_json:
            typer.echo(json.dumps({f: names for f, (names, _) in found.items()}, indent=2))
            return
        if family is not None:
            names, why = found[families[0]]
            notes = _notes(families[0], names)
            for n in names:
                typer.echo(f"{n}  ({notes[n]})" if n in notes else n)
            if why:
                typer.echo(f"({families[0]}: {why})", err=True)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title="micropulse list FAMILY", show_lines=False)
        table.add_column("family", style="bold")
        table.add_column("names")
        for f, (names, why) in found.items():
            table.add_row(f, ", ".join(names) if names else f"[yellow]{why}[/]")
        Console().print(table)
