"""The signal layer against real recordings with independent truth (../shared/data/ppg)."""

import json

import numpy as np
import pytest
from _ecg_ref import ecg_hr_bpm, resp_rate_bpm

from micropulse.signals import estimate_hr, summarize
from micropulse.signals.records import load_pulse
from micropulse.signals.wfdb import read_wfdb


@pytest.fixture(scope="module")
def welltory(ppg_dir):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "welltory_table.py"
    spec = importlib.util.spec_from_file_location("welltory_table", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.table(ppg_dir / "welltory" / "data", method="peaks")


def test_welltory_hr_against_chest_strap(welltory):
    print(json.dumps(welltory["rows"], indent=0))
    assert welltory["n"] == 21
    assert welltory["hr_within_2bpm"] >= 19
    assert welltory["hr_mae_bpm"] <= 1.5


def test_welltory_rmssd_against_chest_strap(welltory):
    """Issue 2: RMSSD within 15 % of the chest-strap RMSSD on >= 15 of 21 (measured: 15, one of
    them flagged unreliable). Recordings far off must be flagged unreliable."""
    rows = welltory["rows"]
    assert welltory["rmssd_within_15pct"] >= 15
    for r in rows:
        assert r["hrv_reliable"] is False or abs(r["rmssd_rel_err"]) <= 0.4, r


def test_bidmc_pleth_hr_and_respiration(ppg_dir):
    rec = load_pulse(ppg_dir / "bidmc" / "bidmc_01_Signals.csv", column="PLETH")
    assert rec.fs == 125.0
    import pandas as pd

    df = pd.read_csv(ppg_dir / "bidmc" / "bidmc_01_Signals.csv")
    df.columns = [c.strip() for c in df.columns]
    hr_ecg = ecg_hr_bpm(df["II"].to_numpy(), 125.0)
    resp_ref = resp_rate_bpm(df["RESP"].to_numpy(), 125.0)
    s = summarize(rec.signal, rec.fs, method="peaks")
    assert abs(s.hr.bpm - hr_ecg) < 1.0, (s.hr.bpm, hr_ecg)
    for method in ("welch", "periodogram"):
        assert abs(estimate_hr(rec.signal, rec.fs, method=method).bpm - hr_ecg) < 1.0
    assert s.respiration_bpm is not None and abs(s.respiration_bpm - resp_ref) < 1.0, (
        s.respiration_bpm,
        resp_ref,
    )
    assert s.hrv.reliable and s.quality > 0.5


@pytest.mark.parametrize(
    ("record", "pleth", "ecg"), [("a103l", "PLETH", "II"), ("mixedsignals", "Pleth", "II")]
)
def test_wfdb_pleth_hr_matches_ecg(ppg_dir, record, pleth, ecg):
    sigs = read_wfdb(ppg_dir / "wfdb" / f"{record}.hea")
    e = sigs[ecg]
    hr_ecg = ecg_hr_bpm(np.nan_to_num(e.values), e.fs)
    rec = load_pulse(ppg_dir / "wfdb" / f"{record}.hea", column=pleth)
    for method in ("peaks", "welch"):
        hr = estimate_hr(rec.signal, rec.fs, method=method).bpm
        assert abs(hr - hr_ecg) < 1.0, (method, hr, hr_ecg)


def test_heartpy_data2_matches_documented_bpm(ppg_dir):
    rec = load_pulse(ppg_dir / "heartpy" / "data2.csv")
    assert rec.column == "hr" and rec.resampled and 116 < rec.fs < 118
    s = summarize(rec.signal, rec.fs, method="peaks")
    assert abs(s.hr.bpm - 62.376) < 0.5, s.hr.bpm
