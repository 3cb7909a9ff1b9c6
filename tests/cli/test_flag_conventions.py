"""Issue 11 items 10 and 11: one flag convention across sub-commands, flags shown as flags, errors naming
flags, ``--window 0`` refused, ``micropulse list ...``, and ``pulse 0`` pointing to ``live``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer

from micropulse.cli.app import app, main


def _commands():
    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):  # a group (weights, trust): its sub-commands
            yield from ((f"{name} {sub}", c) for sub, c in cmd.commands.items())
        else:
            yield name, cmd


def test_json_is_the_same_flag_everywhere():
    """``--json`` prints JSON on stdout in every command that has it; a file is ``--json-file PATH``."""
    seen = []
    for name, cmd in _commands():
        for opt in cmd.params:
            if "--json" in getattr(opt, "opts", []):
                assert opt.is_flag, f"{name}: --json takes a value"
                seen.append(name)
            if "--json-file" in getattr(opt, "opts", []):
                assert not opt.is_flag, name
    assert {"pulse", "spot", "hr", "megc-score", "score", "evaluate", "list"} <= set(seen)


def test_band_is_two_numbers_everywhere():
    for name, cmd in _commands():
        for opt in cmd.params:
            if "--band" in getattr(opt, "opts", []):
                assert opt.nargs == 2, f"{name}: --band takes {opt.nargs} value(s)"


@pytest.mark.parametrize("command", ["pulse", "hr", "spot", "evaluate", "megc-score", "score", "list"])
def test_help_shows_flags_without_a_type(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "<bool>" not in out and "--help" in out


@pytest.fixture()
def ppg(tmp_path: Path) -> Path:
    t = np.arange(0, 30, 0.01)
    path = tmp_path / "s.npy"
    np.save(path, np.sin(2 * np.pi * 1.2 * t) + 0.3 * np.sin(2 * np.pi * 2.4 * t))
    return path


def test_hr_band_lo_hi_and_json_on_stdout(ppg, tmp_path, capsys):
    assert main(["hr", str(ppg), "--fs", "100", "--band", "0.7", "3.0", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["band_hz"] == [0.7, 3.0] and abs(d["hr_bpm"] - 72) < 1 and d["hr_reliable"] is True
    assert main(["hr", str(ppg), "--fs", "100", "--band", "0.7,3.0"]) == 2  # the old form is a usage error
    capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["hr", "{ppg}", "--fs", "100", "--window", "0"], "--window"),
        (["hr", "{ppg}", "--fs", "100", "--band", "0.1", "0.2"], "--band"),
        (["pulse", "{clip}", "--window", "0"], "--window"),
        (["pulse", "{clip}", "--band", "0.1", "0.2"], "--band"),
        (["evaluate", "--dataset", "ubfc-rppg", "--root", "{tmp}", "--window", "0"], "--window"),
        (["spot", "{clip}", "--p", "2"], "--p"),
    ],
)
def test_bad_flag_values_are_refused_naming_the_flag(args, flag, ppg, tmp_path, video_dir, capsys):
    clip = video_dir / "single_face.mp4"
    args = [a.format(ppg=ppg, clip=clip, tmp=tmp_path) for a in args]
    assert (
        main([*args, "--out", str(tmp_path / "o")] if args[0] in ("pulse", "spot", "evaluate") else args) == 2
    )
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and flag in err and "\n" not in err, err


def test_frame_folder_without_rate_names_the_flag(tmp_path):
    from micropulse.errors import InputError
    from micropulse.io import open_video

    folder = tmp_path / "frames"
    folder.mkdir()
    import cv2

    for i in range(3):
        cv2.imwrite(str(folder / f"{i:03d}.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InputError, match="--fps"):
        open_video(folder)


def test_pulse_0_points_to_the_live_command(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["pulse", "0"]) == 2
    err = capsys.readouterr().err
    assert "micropulse live --camera 0" in err and "\n" not in err.strip()


@pytest.mark.parametrize("family", ["methods", "models", "weights", "datasets", "decoders", "recipes"])
def test_list_prints_the_registry_names(family, capsys):
    from micropulse.registry import list_names

    assert main(["list", family]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = list_names(family)
    assert names and len(lines) == len(names)
    assert all(line.startswith(name) for line, name in zip(lines, names, strict=True))


def test_list_all_as_json_and_unknown_family(capsys):
    assert main(["list", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"methods", "models", "weights", "datasets", "decoders", "recipes"} <= set(doc)
    assert "pos" in doc["methods"] and "peak" in doc["decoders"] and "toolbox-2023" in doc["recipes"]
    assert main(["list", "nope"]) == 2
    assert "known: " in capsys.readouterr().err
