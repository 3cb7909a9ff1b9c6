"""The README's two commands are the ones CI runs (one source of truth)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    first = text.split("\n## ", 2)[1]  # the first section after the title
    return re.findall(r"```bash\n(.+?)\n```", first, flags=re.S)


def test_readme_first_section_has_two_commands():
    cmds = _readme_commands()
    assert len(cmds) == 2
    assert "micropulse pulse --demo" in cmds[0]
    assert "pytest" in cmds[1]


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert _readme_commands()[1] in ci
