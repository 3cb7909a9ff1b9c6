"""The layer table of DESIGN.md, checked as code: `lint-imports` passes on pyproject.toml's contract, and
the contract covers every row of the table (a row dropped from the contract fails here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

#: DESIGN.md's "must not import" column (and the torch / top-of-the-house rules): (source, forbidden).
TABLE = [
    ("micropulse.io", "torch"),
    ("micropulse.io", "micropulse.face"),
    ("micropulse.face", "torch"),
    ("micropulse.signals", "torch"),
    ("micropulse.signals", "cv2"),
    ("micropulse.rppg.classic", "torch"),
    ("micropulse.nn", "micropulse.signals"),
    ("micropulse.nn", "micropulse.rppg"),
    ("micropulse.nn", "micropulse.me"),
    ("micropulse.rppg.deep", "cv2"),
    ("micropulse.datasets", "micropulse.rppg.deep"),
    ("micropulse.datasets", "micropulse.me.models"),
    ("micropulse.datasets", "micropulse.nn"),
    ("micropulse.rppg.deep", "micropulse.train"),
    ("micropulse.me.models", "micropulse.train"),
    ("micropulse.me.models", "micropulse.synth"),
    ("micropulse.eval", "torch"),
    ("micropulse.pipeline", "torch"),
    ("micropulse.me", "torch"),
    ("micropulse.train", "micropulse.pipeline"),
    ("micropulse.eval", "micropulse.cli"),
    ("micropulse.rppg", "micropulse.pipeline"),
    ("vatmart", "micropulse.face"),
    ("vatmart", "micropulse.pipeline"),
]


def _contracts() -> list[dict]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


@pytest.mark.parametrize("source,forbidden", TABLE)
def test_every_row_of_the_layer_table_is_in_the_contract(source, forbidden):
    covered = [
        c["name"]
        for c in _contracts()
        if c["type"] == "forbidden"
        and any(source == s or source.startswith(s + ".") for s in c["source_modules"])
        and forbidden in c["forbidden_modules"]
    ]
    assert covered, f"no contract forbids {source} -> {forbidden}"


def test_the_contract_has_a_no_cycles_rule():
    assert any(c["type"] == "acyclic_siblings" and "micropulse" in c["ancestors"] for c in _contracts())


def test_lint_imports_passes():
    if not LINT.is_file():
        pytest.fail(f"{LINT} is missing: install the dev extra (pip install -e '.[dev]', import-linter)")
    proc = subprocess.run(
        [str(LINT), "--no-cache", "--no-logo"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout
