"""Start-up stays light: the heavy modules made lazy are not imported before they are needed.

Each check runs in a fresh interpreter (``sys.modules`` of this test process is shared with other tests).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules the CLI and the pulse path import only where they are used (each costs 0.1-1 s here).
HEAVY = ("matplotlib", "scipy.signal", "scipy.interpolate", "scipy.stats", "mediapipe", "torch", "pandas")


def _loaded_after(code: str) -> list[str]:
    probe = f"import json, sys\n{code}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_cli_module_imports_nothing_heavy():
    assert _loaded_after("import micropulse.cli.app") == []


def test_help_imports_nothing_heavy():
    code = (
        "from micropulse.cli.app import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "try:\n    main(['pulse', '--help'])\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_pulse_path_before_the_first_frame_has_no_scipy_signal():
    """What a classic ``pulse`` run imports before decoding: the pipeline, the method registry (all
    methods), the signal layer. scipy.signal/interpolate load only when the pulse is filtered."""
    code = (
        "import micropulse.pipeline.pulse, micropulse.signals, micropulse.signals.resample\n"
        "from micropulse.rppg.classic import get_method\n"
        "get_method('chrom'); get_method('pos')"
    )
    assert _loaded_after(code) == []


def test_signal_functions_still_work_after_lazy_imports():
    code = (
        "import numpy as np\n"
        "from micropulse.signals import bandpass, estimate_hr, resample_uniform\n"
        "fs = 30.0; t = np.arange(0, 20, 1 / fs); x = np.sin(2 * np.pi * 1.2 * t)\n"
        "y = bandpass(x, fs, (0.7, 3.0)); hr = estimate_hr(y, fs)\n"
        "tu, xu = resample_uniform(t + 0.001 * np.sin(t), x, fs=fs, kind='cubic')\n"
        "assert abs(hr.bpm - 72.0) < 1.0, hr.bpm"
    )
    assert "scipy.signal" in _loaded_after(code)


def test_mediapipe_backend_loads_without_pyplot():
    pytest.importorskip("mediapipe")
    code = (
        "from micropulse.face.mediapipe import _solutions\n"
        "sol = _solutions()\n"
        "assert sol.face_detection.FaceDetection and sol.face_mesh.FaceMesh\n"
        "assert 'matplotlib' not in sys.modules, 'pyplot came with mediapipe'\n"
        "import mediapipe as mp\n"
        "assert mp.solutions.drawing_utils.DrawingSpec  # deferred, not removed: loads on first use\n"
        "assert mp.tasks.BaseOptions"
    )
    assert "matplotlib" in _loaded_after(code)

