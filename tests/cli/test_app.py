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


def test_missing_optional_dependency_is_a_one_line_error(video_dir, tmp_path):
    # a fresh interpreter where `import torch` fails, as on an install without the [deep] extra; the video
    # is real, since spot checks the file (and its options) before it loads torch and the model
    clip = video_dir / "single_face.mp4"
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from micropulse.cli.app import main\n"
        f"sys.exit(main(['spot', {str(clip)!r}, '--out', {str(tmp_path)!r}]))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 2
    assert "needs torch" in res.stderr and "micropulse[deep]" in res.stderr
    assert "Traceback" not in res.stderr
