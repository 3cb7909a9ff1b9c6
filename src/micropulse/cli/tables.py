"""Human-readable tables (rich) of metric documents, shared by ``micropulse evaluate`` and ``score``."""

from __future__ import annotations

from typing import Any


def metrics_table(doc: dict[str, Any], title: str) -> Any:  # rich.table.Table, imported lazily
    """A table of ``doc["metrics"]`` (name -> {value, se, unit, n}) with the recipe and level in the caption."""
    from rich.table import Table

    table = Table(title=title)
    for col, justify in (("metric", "left"), ("value", "right"), ("± SE", "right"), ("unit", "left"),
                         ("n", "right")):  # fmt: skip
        table.add_column(col, justify=justify)
    for name, m in (doc.get("metrics") or {}).items():
        value, se = m.get("value"), m.get("se")
        table.add_row(
            name,
            "-" if value is None else f"{value:.3f}",
            "-" if se is None else f"{se:.3f}",
            m.get("unit", ""),
            str(m.get("n", "")),
        )
    bits = [f"recipe {doc['recipe']}"] if doc.get("recipe") else []
    if doc.get("level"):
        bits.append(f"over {doc['level']}s")
    table.caption = ", ".join(bits)
    return table


def print_table(table: Any, err: bool = False) -> None:
    """Print a rich renderable on stdout (or stderr)."""
    from rich.console import Console

    Console(stderr=err).print(table)
