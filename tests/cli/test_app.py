from __future__ import annotations

import subprocess
import sys

from micropulse import __version__
from micropulse.cli.app import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--version" in out


def test_console_script_runs_as_module():
    res = subprocess.run([sys.executable, "-m", "micropulse", "--version"], capture_output=True, text=True)
    assert res.returncode == 0
    assert res.stdout.strip() == f"micropulse {__version__}"


def test_unknown_command_is_usage_error():
    assert main(["no-such-command"]) == 2
