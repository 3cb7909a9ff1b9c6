"""Metrics with standard errors against hand-computed values; Bland-Altman; windows; recipes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from micropulse.errors import InputError, SignalError
from micropulse.eval import bland_altman, compute_metrics, evaluate_waveforms, plot_report
from micropulse.eval.windows import window_bounds

PRED = np.array([70.0, 82.0, 95.0, 60.0])
GT = np.array([72.0, 80.0, 90.0, 60.0])
# Δ = [-2, 2, 5, 0]; |Δ| = [2, 2, 5, 0]; Δ² = [4, 4, 25, 0]


def test_mae_rmse_mape_by_hand():
    m = compute_metrics(PRED, GT, "toolbox-2025")
    assert m["MAE"].value == pytest.approx(9 / 4)
    # std(|Δ|) population: mean 2.25, deviations² (.0625,.0625,7.5625,5.0625) -> var 3.1875
    assert m["MAE"].se == pytest.approx(math.sqrt(3.1875) / 2)
    assert m["RMSE"].value == pytest.approx(math.sqrt(33 / 4))
    # std(Δ²): mean 8.25; deviations² (18.0625, 18.0625, 280.5625, 68.0625) -> var 96.1875
    sd_sq = math.sqrt(96.1875)
    assert m.rmse_se == "sqrt" and m["RMSE"].se == pytest.approx(math.sqrt(sd_sq / 2))
    rel = np.array([2 / 72, 2 / 80, 5 / 90, 0.0])
    assert m["MAPE"].value == pytest.approx(100 * rel.mean())
    assert m["MAPE"].se == pytest.approx(100 * rel.std() / 2)
    assert m["MAE"].unit == "bpm" and m["MAPE"].unit == "%" and m["MAE"].n == 4


def test_rmse_se_variant_follows_recipe():
    plain = compute_metrics(PRED, GT, "rhythm")
    assert plain.rmse_se == "plain" and plain["RMSE"].se == pytest.approx(math.sqrt(96.1875) / 2)
    assert compute_metrics(PRED, GT, "toolbox-2023").rmse_se == "plain"
    assert compute_metrics(PRED, GT, "rhythm", rmse_se="sqrt")["RMSE"].se == pytest.approx(
        math.sqrt(math.sqrt(96.1875) / 2)
    )
    with pytest.raises(InputError):
        compute_metrics(PRED, GT, "rhythm", rmse_se="bogus")


def test_pearson_and_means():
    m = compute_metrics(PRED, GT, "rhythm", snr_db=[1.0, 3.0, 5.0, 7.0], macc=[0.5, 0.5, 0.7, 0.7])
    r = np.corrcoef(PRED, GT)[0, 1]
    assert m["Pearson"].value == pytest.approx(r)
    assert m["Pearson"].se == pytest.approx(math.sqrt((1 - r * r) / 2))
    assert m["SNR"].value == pytest.approx(4.0) and m["SNR"].se == pytest.approx(math.sqrt(5.0) / 2)
    assert m["MACC"].value == pytest.approx(0.6) and m["MACC"].se == pytest.approx(0.1 / 2)
    d = m.to_dict()
    assert d["recipe"] == "rhythm" and set(d["metrics"]) == {"MAE", "RMSE", "MAPE", "Pearson", "SNR", "MACC"}
    json.dumps(d)


def test_metric_input_errors():
    with pytest.raises(InputError, match="NaN"):
        compute_metrics([1.0, np.nan], [1.0, 2.0], "rhythm")
    with pytest.raises(InputError, match="equally many"):
        compute_metrics([1.0], [1.0, 2.0], "rhythm")


def test_bland_altman_by_hand(tmp_path):
    ba = bland_altman(PRED, GT)
    d = PRED - GT
    assert ba.bias == pytest.approx(1.25) and ba.sd == pytest.approx(d.std(ddof=1))
    assert ba.upper - ba.bias == pytest.approx(1.96 * d.std(ddof=1))
    tb = bland_altman(PRED, GT, sqrt2=True)
    assert tb.upper - tb.bias == pytest.approx(1.96 * math.sqrt(2) * d.std(ddof=1))
    assert ba.to_dict()["difference"] == "prediction - ground truth"
    out = tmp_path / "ba.png"
    plot_report(PRED, GT, out, "test")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_window_bounds_keep_last_if_long_enough():
    assert window_bounds(100, 10.0, None) == [(0, 100)]
    assert window_bounds(105, 10.0, 2.0) == [
        (0, 20),
        (20, 40),
        (40, 60),
        (60, 80),
        (80, 100),
    ]  # 5 left: dropped
    assert window_bounds(112, 10.0, 2.0)[-1] == (100, 112)
    with pytest.raises(InputError):
        window_bounds(100, 10.0, 0.5)


def test_windowed_evaluation_tracks_hr_change():
    fs = 30.0
    t = np.arange(0, 40, 1 / fs)
    f = np.where(t < 20, 1.0, 1.5)  # 60 bpm then 90 bpm
    x = np.sin(2 * np.pi * np.cumsum(f) / fs)
    res = evaluate_waveforms(x, x, fs, "toolbox-2025", window_s=10)
    assert len(res) == 4
    assert [round(r.hr_gt_bpm / 5) * 5 for r in res] == [60, 60, 90, 90]
    assert res[2].start_s == pytest.approx(20.0)
    with pytest.raises(SignalError):
        evaluate_waveforms(x, x[:-1], fs)


def test_recipes_differ_in_documented_ways():
    """Harmonic case: a 42 bpm pulse (0.70 Hz) with a strong 2nd harmonic (84 bpm), 60 s at 30 fps.

    * toolbox-2025 (band 0.6-3.3 Hz) keeps the fundamental: 42.19 bpm (periodogram bin 48 of nfft 2048).
    * toolbox-2023 (0.75-2.5 Hz) cannot see 42 bpm and reports the harmonic: 84.375 bpm (bin 96).
    * rhythm (Welch, 45 < HR < 150) also reports the harmonic, on its 0.54 bpm grid: 84.25 bpm.
    Resolution case: 72 and 80 bpm components (amplitudes 1, 0.9): the 60 s periodogram resolves them
    (72.07 bpm) while Welch's 256-sample (8.5 s) Hann segments merge them into one peak (74.53 bpm).
    """
    fs = 30.0
    t = np.arange(0, 60, 1 / fs)
    x = np.sin(2 * np.pi * 0.7 * t) + 0.5 * np.sin(2 * np.pi * 1.4 * t + 0.5)
    hr = {r: evaluate_waveforms(x, x, fs, r)[0].hr_gt_bpm for r in ("toolbox-2025", "toolbox-2023", "rhythm")}
    assert hr["toolbox-2025"] == pytest.approx(48 * 30 / 2048 * 60)
    assert hr["toolbox-2023"] == pytest.approx(96 * 30 / 2048 * 60)
    assert hr["rhythm"] == pytest.approx(84.248, abs=0.01)
    assert len(set(hr.values())) == 3
    y = np.sin(2 * np.pi * 1.2 * t) + 0.9 * np.sin(2 * np.pi * (1.2 + 8 / 60) * t)
    periodogram = evaluate_waveforms(y, y, fs, "toolbox-2023")[0].hr_gt_bpm
    welch = evaluate_waveforms(y, y, fs, "rhythm")[0].hr_gt_bpm
    assert periodogram == pytest.approx(72.07, abs=0.01) and welch == pytest.approx(74.53, abs=0.01)
