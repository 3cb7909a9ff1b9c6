"""Named evaluation recipes (spec rppg.md 4.2, 4.3, trap 9.1), with their constants pinned.

Each recipe post-processes a BVP exactly like the code that produced a published number:
cumulative sum for DiffNormalized signals, smoothness-priors detrend (lambda 100, squared in
code), Butterworth order-1 band-pass with ``filtfilt``; then HR, SNR and MACC.

=============  ===========  ======================================  =========  ==============
recipe         band (Hz)    HR estimator                            SNR        source
=============  ===========  ======================================  =========  ==============
toolbox-2025   0.6-3.3      periodogram, nfft next pow2, band incl.  10*log10   toolbox HEAD
toolbox-2023   0.75-2.5     periodogram, nfft next pow2, band incl.  20*log10   NeurIPS 2023
rhythm         0.75-2.5     Welch nperseg=min(N-1,256),             20*log10   RhythmFormer/
                            nfft=int(1e5/fs), 45 < HR < 150 (excl.)            Mamba forks
open-rppg      0.5-3.0      order-3 band-pass, per-beat normalised; 10*log10   open-rppg 0.1.1
                            Welch nperseg=256/30 s, nfft=2e4, 30<HR<180
=============  ===========  ======================================  =========  ==============

The recipes reproduce benchmarks. **For users' own recordings micropulse uses its own
default** (:data:`micropulse.signals.hr.DEFAULT_BAND` = 0.6-3.5 Hz, i.e. 36-210 bpm, Welch with
12 s segments, the strongest in-band *local maximum*, and the 2nd-harmonic guard):

- the toolbox bands stop at 150 (2023, rhythm) or 198 bpm (2025): exercise and stress videos
  go higher, so the upper edge is 210 bpm;
- the 2023/rhythm bands start at 45 bpm, which cuts athletes' and sleeping pulses; the low
  edge is toolbox HEAD's 0.6 Hz (36 bpm);
- a band this wide contains the 2nd harmonic of every resting pulse, and a strong dicrotic
  wave can make it the tallest peak; the guard takes f/2 when it holds half the peak power;
- a band edge on the flank of an out-of-band peak (slow trend) is never reported when a real
  in-band peak exists (rhythm's 45.36 bpm answer in tests/signals/test_signals_recipes.py);
- Welch averages 12 s segments, so one motion burst moves the answer less than in a single
  whole-video periodogram.

``micropulse hr`` (contact PPG files) defaults to the ``peaks`` estimator instead: 60 / mean
clean inter-beat interval, which is what HeartPy users expect and what matches a chest-strap
mean HR best (Welltory: MAE 0.34 bpm with peaks vs 2.2 bpm with whole-recording Welch).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from micropulse.errors import SignalError
from micropulse.registry import Registry
from micropulse.signals import spectrum
from micropulse.signals.filters import as_signal, bandpass, check_fs, detrend
from micropulse.signals.quality import snr_db


@dataclass(frozen=True)
class Recipe:
    """Constants of one evaluation recipe (spec rppg.md section 4)."""

    name: str
    band_hz: tuple[float, float]
    hr_estimator: str  # "periodogram" or "welch"
    snr_db_scale: int  # 10 or 20
    hr_limits_bpm: tuple[float, float] | None = None  # exclusive limits of the Welch argmax
    detrend_lambda: float | None = 100.0  # None: no detrend (open-rppg on a BVP output)
    filter_order: int = 1
    description: str = ""
    welch_nperseg_s: float | None = None  # Welch segment, seconds (None: 256 samples, the forks)
    welch_nfft: int | None = None  # Welch FFT length (None: int(1e5 / fs), the forks)
    beat_normalise: bool = False  # open-rppg: per-beat amplitude normalisation after the band-pass

    def postprocess(self, bvp: np.ndarray, fs: float, diff_normalized: bool = False) -> np.ndarray:
        """cumsum (DiffNormalized) -> detrend(lambda) -> Butterworth filtfilt band-pass of the recipe's order
        -> (open-rppg) per-beat normalisation, skipped where it has no beats to work on, as open-rppg skips it."""
        x = as_signal(bvp, "BVP", min_len=10)
        if diff_normalized:
            x = np.cumsum(x)
        if self.detrend_lambda is not None:
            x = detrend(x, self.detrend_lambda)
        y = bandpass(x, fs, self.band_hz, order=self.filter_order)
        if self.beat_normalise:
            from micropulse.signals.beatnorm import beat_normalise  # scipy.signal only for this recipe

            try:
                y = beat_normalise(y, fs)
            except SignalError:
                pass  # open-rppg keeps the band-passed signal when its normalisation fails
        return y

    def hr_bpm(self, y: np.ndarray, fs: float) -> float:
        """HR (bpm) of an already post-processed signal, by this recipe's estimator."""
        fs = check_fs(fs)
        y = as_signal(y, "BVP", min_len=2)
        if self.hr_estimator == "welch":
            n = y.size
            seg = 256 if self.welch_nperseg_s is None else int(self.welch_nperseg_s * fs)
            nfft = int(1e5 / fs) if self.welch_nfft is None else self.welch_nfft
            f, p = spectrum.welch(y, fs, nperseg=min(n - 1, seg), nfft=nfft)
            lo, hi = self.hr_limits_bpm or (self.band_hz[0] * 60, self.band_hz[1] * 60)
            m = (f * 60 > lo) & (f * 60 < hi)
        else:
            f, p = spectrum.periodogram(y, fs, detrend=False)
            m = spectrum.band_mask(f, self.band_hz)
        if not m.any():
            raise SignalError(f"recipe {self.name}: no spectral bin in the HR range (signal too short)")
        return float(f[m][np.argmax(p[m])] * 60.0)

    def snr(self, y: np.ndarray, fs: float, hr_gt_bpm: float) -> float:
        """Toolbox SNR (dB) of a post-processed signal around the ground-truth HR."""
        return snr_db(y, fs, hr_gt_bpm, self.band_hz, db=self.snr_db_scale)

    def evaluate(
        self, pred: np.ndarray, label: np.ndarray, fs: float, diff_normalized: bool = False
    ) -> dict[str, float]:
        """HR of prediction and label, SNR of the prediction at the label HR, MACC (toolbox 4.2)."""
        yp = self.postprocess(pred, fs, diff_normalized)
        yl = self.postprocess(label, fs, diff_normalized)
        hr_gt = self.hr_bpm(yl, fs)
        return {
            "hr_pred_bpm": self.hr_bpm(yp, fs),
            "hr_gt_bpm": hr_gt,
            "snr_db": self.snr(yp, fs, hr_gt),
            "macc": macc(yp, yl),
        }


def macc(pred: np.ndarray, label: np.ndarray) -> float:
    """Max over lags 0..N-2 of |Pearson r(pred, circular roll of label)| (toolbox MACC)."""
    a = as_signal(pred, "prediction", min_len=3)
    b = as_signal(label, "label", min_len=3)
    if a.size != b.size:
        raise SignalError(f"prediction ({a.size}) and label ({b.size}) lengths differ")
    a = a - a.mean()
    b = b - b.mean()
    den = np.sqrt((a**2).sum() * (b**2).sum())
    if den <= 0:
        return 0.0
    # np.roll(b, k)[i] = b[i - k]: circular cross-correlation via FFT.
    xc = np.fft.irfft(np.conj(np.fft.rfft(a)) * np.fft.rfft(b), n=a.size)
    corr = np.abs(xc[(-np.arange(a.size - 1)) % a.size]) / den
    return float(np.clip(corr.max(), 0.0, 1.0))


RECIPES: Registry[Recipe] = Registry("evaluation recipe")
for _r in (
    Recipe("toolbox-2025", (0.6, 3.3), "periodogram", 10, description="rPPG-Toolbox HEAD (PR #371, #344)"),
    Recipe("toolbox-2023", (0.75, 2.5), "periodogram", 20, description="rPPG-Toolbox at NeurIPS 2023"),
    Recipe("rhythm", (0.75, 2.5), "welch", 20, (45.0, 150.0), description="RhythmFormer/RhythmMamba forks"),
    # open-rppg 0.1.1 `Model.hr()`: order-3 Butterworth 0.5-3 Hz filtfilt, no detrend before it for BVP
    # outputs, its per-beat normalisation (signals.beatnorm; it changes which peak wins on real clips), Welch
    # with nperseg = 256/30 s and nfft = 2e4, argmax over 30 < HR < 180 bpm.
    Recipe("open-rppg", (0.5, 3.0), "welch", 10, (30.0, 180.0), detrend_lambda=None, filter_order=3,
           description="open-rppg 0.1.1 Model.hr()", welch_nperseg_s=256 / 30, welch_nfft=20000,
           beat_normalise=True),
):
    RECIPES.register(_r.name)(_r)


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name`` (an unknown name lists the known ones)."""
    return RECIPES.get(name)


def list_recipes() -> list[str]:
    """Names of the registered evaluation recipes."""
    return RECIPES.names()
