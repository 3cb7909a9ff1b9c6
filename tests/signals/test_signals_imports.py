import subprocess
import sys


def test_signals_import_no_torch_cv2_pandas():
    code = (
        "import sys, micropulse.signals, micropulse.signals.records, micropulse.cli.hr;"
        "bad = [m for m in ('torch', 'cv2', 'pandas', 'matplotlib') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
