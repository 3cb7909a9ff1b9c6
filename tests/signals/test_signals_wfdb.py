import numpy as np
import pytest

from micropulse.errors import FileFormatError
from micropulse.signals.wfdb import _decode, read_wfdb


@pytest.mark.parametrize("record", ["a103l", "mixedsignals"])
def test_reader_matches_wfdb_package(ppg_dir, record):
    wfdb = pytest.importorskip("wfdb", reason="wfdb (dev extra) is the reference reader")
    ref = wfdb.rdrecord(str(ppg_dir / "wfdb" / record), smooth_frames=False)
    mine = read_wfdb(ppg_dir / "wfdb" / f"{record}.hea")
    assert list(mine) == ref.sig_name
    for i, name in enumerate(ref.sig_name):
        assert mine[name].fs == pytest.approx(ref.fs * ref.samps_per_frame[i])
        np.testing.assert_allclose(mine[name].values, ref.e_p_signal[i], rtol=0, atol=1e-9, equal_nan=True)


def test_format_212_and_80_decoding():
    # Two 12-bit samples: 0x123 and -5 (0xFFB) packed as WFDB format 212.
    s0, s1 = 0x123, (-5) & 0xFFF
    raw = bytes([s0 & 0xFF, ((s0 >> 8) & 0x0F) | ((s1 >> 8) << 4), s1 & 0xFF])
    assert _decode(raw, 212, None).tolist() == [0x123, -5]
    assert _decode(bytes([0, 128, 255]), 80, None).tolist() == [-128, 0, 127]


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileFormatError, match="not found"):
        read_wfdb(tmp_path / "nope.hea")
    (tmp_path / "r.hea").write_text("r 1 100 10\nr.dat 16 200 16 0 0 0 0 PPG\n")
    with pytest.raises(FileFormatError, match="r.dat named in the header is missing"):
        read_wfdb(tmp_path / "r.hea")


def test_format_16_roundtrip(tmp_path):
    x = (np.sin(np.arange(500) / 10) * 1000).astype("<i2")
    both = np.stack([x, -x], axis=1).ravel()
    (tmp_path / "r.dat").write_bytes(both.tobytes())
    (tmp_path / "r.hea").write_text(
        "r 2 100 500\nr.dat 16 200(10)/mV 16 0 0 0 0 PLETH\nr.dat 16 100 16 0 0 0 0 II\n"
    )
    sig = read_wfdb(tmp_path / "r.hea")
    np.testing.assert_allclose(sig["PLETH"].values, (x - 10) / 200.0)
    np.testing.assert_allclose(sig["II"].values, -x / 100.0)
    assert sig["PLETH"].fs == 100.0 and sig["PLETH"].units == "mV"
