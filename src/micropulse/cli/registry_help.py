"""Registry names in ``--help``: option help strings name a family in braces (``"Classic method ({methods})."``)
and the names are filled in from the registries when the command's help is shown, never written by hand.

Filling happens at help time, not at start-up, so ``micropulse --help`` and every command stay fast (listing
some families imports scipy or OpenCV). Families are those of :data:`micropulse.registry.FAMILIES`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from typer.core import TyperCommand

from micropulse.registry import FAMILIES, list_names

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"\{([a-z][a-z-]*)\}")


def names_text(family: str) -> str:
    """The family's names joined by ", " (or a pointer to the family when it cannot be listed here)."""
    try:
        return ", ".join(list_names(family))
    except ImportError as exc:  # an optional dependency of that family is missing
        logger.debug("cannot list %s: %s", family, exc)
        return f"the registered {family}"


def fill_help(text: str | None) -> str | None:
    """``text`` with every ``{family}`` of a known family replaced by its registered names."""
    if not text:
        return text
    return _PLACEHOLDER.sub(lambda m: names_text(m[1]) if m[1] in FAMILIES else m[0], text)


class RegistryHelpCommand(TyperCommand):
    """A Typer command whose option help may name registry families in braces (see the module docstring)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        for param in self.params:
            if getattr(param, "help", None):
                param.help = fill_help(param.help)
        self.help = fill_help(self.help)
        return super().format_help(ctx, formatter)
