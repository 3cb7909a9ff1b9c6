"""Shared helpers of the sub-commands: output paths checked before the work, and the help-text fix.

Every command that writes files checks them first with :func:`out_dir` / :func:`out_file`, so an
unwritable place is a one-line error naming the flag (exit code 2) before any video is analysed.
"""

from __future__ import annotations

from pathlib import Path

from micropulse.errors import InputError


def _named(flag: str, exc: InputError) -> InputError:
    return InputError(f"{flag} {exc.path}: {exc.message}" if exc.path else f"{flag}: {exc.message}")


def out_dir(path: Path | None, flag: str = "--out") -> Path | None:
    """Check the output folder given by ``flag`` (None passes); returns it."""
    if path is None:
        return None
    from micropulse.io.paths import check_output_dir

    try:
        return check_output_dir(path)
    except InputError as exc:
        raise _named(flag, exc) from None


def out_file(path: Path | None, flag: str) -> Path | None:
    """Check the output file given by ``flag`` (None passes); returns it."""
    if path is None:
        return None
    from micropulse.io.paths import check_output_file

    try:
        return check_output_file(path)
    except InputError as exc:
        raise _named(flag, exc) from None


def positive(value: float | None, flag: str, unit: str = "s") -> float | None:
    """Refuse a zero or negative value of ``flag`` (None passes)."""
    if value is not None and not value > 0:
        raise InputError(f"{flag} must be > 0 {unit}, got {value:g}")
    return value


def hide_flag_types() -> None:
    """Show flags as flags in ``--help``: typer >= 0.2x prints a ``<bool>`` type column for every
    on/off option (``--json <bool>``), which reads as if the flag took a value. Idempotent."""
    try:
        from typer.core import TyperOption
    except ImportError:  # pragma: no cover - a typer without this class: nothing to fix
        return
    original = TyperOption.display_type_rich
    if getattr(original, "_micropulse", False):
        return

    def display_type_rich(self, ctx):  # noqa: ANN001, ANN202 - typer's signature
        if getattr(self, "is_flag", False) and not getattr(self, "count", False):
            return None
        return original(self, ctx)

    display_type_rich._micropulse = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]
