"""One registry vocabulary: the Registry type (aliases, lazy entries), every listable family, the
torchvision-style factories, and CLI help that takes its names from the registries (never by hand)."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from micropulse.errors import UnknownNameError
from micropulse.registry import FAMILIES, Registry, list_families, list_names

CLI = Path(__file__).resolve().parents[1] / "src" / "micropulse" / "cli"


def test_registry_aliases_lazy_entries_and_unknown_names():
    reg: Registry[object] = Registry("thing")
    reg.register("alpha", aliases=("a",))(len)
    reg.register_lazy("beta", "math:sqrt")
    assert reg.names() == ["alpha", "beta"] and "A" in reg and "gamma" not in reg
    assert reg.get("a") is len and reg.canonical("ALPHA") == "alpha"
    assert reg.get("beta")(9.0) == 3.0  # imported on first use
    with pytest.raises(UnknownNameError, match="known: alpha, beta .also accepted: a"):
        reg.get("gamma")
    with pytest.raises(ValueError, match="registered twice"):
        reg.register("alpha")(print)
    with pytest.raises(ValueError, match="alias 'a' is already taken"):
        reg.register("delta", aliases=("a",))(print)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_lists_sorted_names(family):
    names = list_names(family)
    assert names and names == sorted(names) and len(set(names)) == len(names)


def test_unknown_family_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="known: crops, datasets"):
        list_names("widgets")
    assert list_families() == sorted(FAMILIES)


def test_model_factories_speak_the_same_language():
    torch = pytest.importorskip("torch", reason="torch is part of the [deep] extra")  # noqa: F841
    from micropulse import me
    from micropulse.rppg import deep

    rppg_sig = inspect.signature(deep.create_model)
    me_sig = inspect.signature(me.create_model)
    assert list(rppg_sig.parameters) == list(me_sig.parameters) == [
        "name", "weights", "random_init", "options", "device",
    ]  # fmt: skip
    assert rppg_sig.parameters["weights"].default is None and me_sig.parameters["weights"].default is None
    assert me.list_models() == list_names("me-models") and deep.list_models() == list_names("models")


def _help_strings() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "help":
                text = "".join(
                    n.value for n in ast.walk(node.value) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                )
                found.append((path.name, node.value.lineno, text))
    return found


@pytest.mark.parametrize("family", ["methods", "models", "me-models", "datasets", "recipes", "hr-methods",
                                    "face-backends", "flows", "decoders", "crops"])  # fmt: skip
def test_no_cli_help_string_lists_registry_names_by_hand(family):
    names = [n for n in list_names(family) if len(n) > 2]
    offenders = []
    for fname, line, text in _help_strings():
        hits = {n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w+-])", text)}
        if len(hits) >= 2:
            offenders.append(f"{fname}:{line} {sorted(hits)}")
    assert not offenders, f"write {{{family}}} instead of listing {family} by hand: {offenders}"


def test_help_shows_the_registered_names(capsys):
    from micropulse.cli.app import main

    assert main(["evaluate", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for family in ("datasets", "recipes"):
        for name in list_names(family):
            assert name in out, (family, name)
    assert "{" not in out.replace("{file}", "")  # every placeholder was filled
