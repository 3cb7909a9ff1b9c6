import numpy as np
import pytest
from scipy import signal as sps

from micropulse.errors import UnknownNameError
from micropulse.signals import detrend, estimate_hr, get_recipe, list_recipes, macc, snr_db


def test_constants_are_pinned():
    assert list_recipes() == ["open-rppg", "rhythm", "toolbox-2023", "toolbox-2025"]
    r25, r23, rh = get_recipe("toolbox-2025"), get_recipe("toolbox-2023"), get_recipe("rhythm")
    assert (r25.band_hz, r25.hr_estimator, r25.snr_db_scale) == ((0.6, 3.3), "periodogram", 10)
    assert (r23.band_hz, r23.hr_estimator, r23.snr_db_scale) == ((0.75, 2.5), "periodogram", 20)
    assert (rh.band_hz, rh.hr_estimator, rh.snr_db_scale, rh.hr_limits_bpm) == (
        (0.75, 2.5),
        "welch",
        20,
        (45, 150),
    )
    for r in (r25, r23, rh):
        assert r.detrend_lambda == 100 and r.filter_order == 1
    with pytest.raises(UnknownNameError, match="known: open-rppg, rhythm, toolbox-2023, toolbox-2025"):
        get_recipe("toolbox-2024")


def test_harmonic_case_gives_three_documented_answers():
    """A 40.8 bpm pulse (0.68 Hz) with a 2nd harmonic at a quarter of its amplitude, 60 s at 30 fps.

    toolbox-2025 (0.6-3.3 Hz periodogram) finds the fundamental (40.43 on its 0.88 bpm grid);
    toolbox-2023 (0.75-2.5 Hz) cannot see 40.8 bpm and returns the harmonic (81.74); rhythm's
    Welch (8.5 s segments, 45 < HR < 150 exclusive) smears the strong fundamental across its
    lower limit and returns 45.36 bpm, the first bin above 45: a number that is neither.
    micropulse's default (0.6-3.5 Hz, strongest in-band local maximum) reports 40.8 bpm.
    """
    fs, t = 30.0, np.arange(0, 60, 1 / 30.0)
    x = np.sin(2 * np.pi * 0.68 * t) + 0.25 * np.sin(2 * np.pi * 1.36 * t + 0.5)
    got = {n: get_recipe(n).hr_bpm(get_recipe(n).postprocess(x, fs), fs) for n in list_recipes()}
    assert got["toolbox-2025"] == pytest.approx(40.43, abs=0.01)
    assert got["toolbox-2023"] == pytest.approx(81.74, abs=0.01)
    assert got["rhythm"] == pytest.approx(45.36, abs=0.01)
    assert estimate_hr(x, fs).bpm == pytest.approx(40.8, abs=0.3)


def test_rhythm_welch_grid_and_periodogram_grid():
    fs, t = 30.0, np.arange(0, 30, 1 / 30.0)
    x = np.sin(2 * np.pi * 1.3 * t)
    f_w = np.fft.rfftfreq(int(1e5 / fs), 1 / fs)
    f_p = np.fft.rfftfreq(1024, 1 / fs)  # 900 samples -> nfft 1024
    assert get_recipe("rhythm").hr_bpm(x, fs) / 60 in f_w
    assert get_recipe("toolbox-2023").hr_bpm(x, fs) / 60 in f_p


def test_diffnormalized_is_integrated_first():
    fs, t = 30.0, np.arange(0, 20, 1 / 30.0)
    bvp = np.sin(2 * np.pi * 1.5 * t)
    r = get_recipe("toolbox-2025")
    hr_diff = r.hr_bpm(r.postprocess(np.diff(bvp, prepend=0.0), fs, diff_normalized=True), fs)
    assert hr_diff == pytest.approx(90.0, abs=1.0)


def test_detrend_equals_dense_reference():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.standard_normal(300))
    n, lam = x.size, 100.0
    d2 = np.zeros((n - 2, n))
    for i in range(n - 2):
        d2[i, i : i + 3] = [1.0, -2.0, 1.0]
    dense = x - np.linalg.solve(np.eye(n) + lam**2 * d2.T @ d2, x)
    assert np.allclose(detrend(x, lam), dense, atol=1e-8)


def test_snr_db_scales_and_rises_with_cleanliness():
    fs, t = 30.0, np.arange(0, 30, 1 / 30.0)
    rng = np.random.default_rng(0)
    clean = np.sin(2 * np.pi * 1.2 * t) + 0.1 * rng.standard_normal(t.size)
    noisy = np.sin(2 * np.pi * 1.2 * t) + 1.0 * rng.standard_normal(t.size)
    s10 = snr_db(clean, fs, 72.0, (0.75, 2.5), db=10)
    assert snr_db(clean, fs, 72.0, (0.75, 2.5), db=20) == pytest.approx(2 * s10)
    assert s10 > snr_db(noisy, fs, 72.0, (0.75, 2.5)) + 5
    # Hand-computed: periodogram power in the +-0.1 Hz windows vs the rest of the band.
    f, p = sps.periodogram(clean, fs, nfft=1024, detrend=False)
    sig = ((np.abs(f - 1.2) <= 0.1) | (np.abs(f - 2.4) <= 0.1)) & (f >= 0)
    rest = (f >= 0.75) & (f <= 2.5) & ~sig
    assert s10 == pytest.approx(10 * np.log10(p[sig].sum() / p[rest].sum()))


def test_macc_matches_brute_force():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(64)
    b = np.roll(a, 7) + 0.3 * rng.standard_normal(64)
    brute = max(abs(np.corrcoef(a, np.roll(b, k))[0, 1]) for k in range(a.size - 1))
    assert macc(a, b) == pytest.approx(brute)


def test_evaluate_returns_all_metrics():
    fs, t = 30.0, np.arange(0, 30, 1 / 30.0)
    label = np.sin(2 * np.pi * 1.2 * t)
    pred = label + 0.2 * np.random.default_rng(0).standard_normal(t.size)
    for name in list_recipes():
        m = get_recipe(name).evaluate(pred, label, fs)
        assert m["hr_pred_bpm"] == pytest.approx(72.0, abs=1.0)
        assert m["hr_gt_bpm"] == pytest.approx(72.0, abs=1.0)
        assert m["macc"] > 0.8 and m["snr_db"] > 0
