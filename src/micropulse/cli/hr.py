"""``micropulse hr FILE``: heart rate, HRV, respiration and quality from a PPG/BVP file.

Reads CSV (``--column``, ``--time-column`` in s or ms, or ``--fs``), WFDB records (``.hea``,
channel by ``--column``, e.g. PLETH) and ``.npy`` (with ``--fs``). Defaults follow HeartPy:
peak-based HR (60 / mean clean inter-beat interval), 0.6-3.5 Hz (36-210 bpm) band.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.errors import InputError

#: The CLI's default estimator: peak-based, like HeartPy (the library default is Welch).
CLI_METHOD = "peaks"


def _parse_band(band: str | None) -> tuple[float, float] | None:
    if band is None:
        return None
    parts = band.replace(",", " ").replace("-", " ").split()
    try:
        lo, hi = (float(parts[0]), float(parts[1]))
    except (IndexError, ValueError):
        raise InputError(f"--band must be 'LOW,HIGH' in Hz (e.g. 0.7,3.5), got {band!r}") from None
    return lo, hi


def run_hr(
    file: Path,
    fs: float | None = None,
    column: str | None = None,
    time_column: str | None = None,
    time_unit: str | None = None,
    band: str | None = None,
    method: str = CLI_METHOD,
    window_s: float = 10.0,
    hop_s: float = 1.0,
    max_gap_s: float = 1.0,
    polarity: str = "auto",
    json_out: Path | None = None,
    plot: Path | None = None,
) -> dict:
    """Analyse ``file`` and return the JSON-ready result (also written/plotted when asked)."""
    from micropulse.errors import MicropulseError
    from micropulse.signals.hr import DEFAULT_BAND
    from micropulse.signals.records import load_pulse
    from micropulse.signals.summary import summarize

    if polarity not in ("auto", "normal", "inverted"):
        raise InputError(f"--polarity must be auto, normal or inverted, got {polarity!r}")
    if time_unit is not None and time_unit not in ("s", "ms"):
        raise InputError(f"--time-unit must be 's' or 'ms', got {time_unit!r}")
    rec = load_pulse(
        file, column=column, time_column=time_column, time_unit=time_unit, fs=fs, max_gap_s=max_gap_s
    )
    b = _parse_band(band) or DEFAULT_BAND
    invert = None if polarity == "auto" else polarity == "inverted"
    try:
        summary = summarize(
            rec.signal, rec.fs, band=b, method=method, window_s=window_s, hop_s=hop_s, invert=invert
        )
    except MicropulseError as exc:
        raise type(exc)(exc.message, path=file) from None
    result = summary.to_dict()
    result.update({"file": str(file), "column": rec.column, "resampled": rec.resampled})
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result, indent=2))
    if plot is not None:
        from micropulse.pipeline.plots import plot_pulse

        plot_pulse(plot, rec.signal, rec.fs, summary, title=f"{file.name} [{rec.column}]")
    return result


def _print_summary(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    def fmt(v, unit="", nd=1):
        return "-" if v is None else f"{v:.{nd}f}{unit}"

    hrv = result["hrv"]
    t = Table(title=f"{result['file']} [{result['column']}]", show_header=False)
    t.add_row(
        "heart rate", f"{fmt(result['hr_bpm'], ' bpm')} (confidence {fmt(result['hr_confidence'], '', 2)})"
    )
    t.add_row("estimator / band", f"{result['method']} / {result['band_hz'][0]}-{result['band_hz'][1]} Hz")
    t.add_row("sampling rate", f"{result['fs']:.3f} Hz, {result['duration_s']:.1f} s")
    tag = "" if hrv["reliable"] else f"  [yellow]unreliable: {hrv['reason']}[/]"
    t.add_row(
        "HRV",
        f"SDNN {fmt(hrv['sdnn_ms'], ' ms')}, RMSSD {fmt(hrv['rmssd_ms'], ' ms')}, "
        f"pNN50 {fmt(hrv['pnn50'], '', 3)}, LF/HF {fmt(hrv['lf_hf'], '', 2)}{tag}",
    )
    t.add_row("beats", f"{hrv['n_beats']} ({hrv['n_rejected']} intervals rejected)")
    t.add_row("respiration", fmt(result["respiration_bpm"], " breaths/min"))
    t.add_row("quality / SNR", f"{fmt(result['quality'], '', 2)} / {fmt(result['snr_db'], ' dB')}")
    Console().print(t)


def register(app: typer.Typer) -> None:
    @app.command("hr")
    def hr_command(
        file: Path = typer.Argument(..., help="PPG/BVP file: .csv, WFDB .hea, or .npy."),
        fs: float = typer.Option(None, "--fs", help="Sampling rate in Hz (needed without timestamps)."),
        column: str = typer.Option(
            None, "--column", "-c", help="Signal column / WFDB channel; 'auto' picks the best."
        ),
        time_column: str = typer.Option(None, "--time-column", help="Timestamp column (s, ms or datetimes)."),
        time_unit: str = typer.Option(None, "--time-unit", help="s or ms (default: detected)."),
        band: str = typer.Option(None, "--band", help="HR band in Hz, 'LOW,HIGH' (default 0.6,3.5)."),
        method: str = typer.Option(CLI_METHOD, "--method", "-m", help="peaks, welch or periodogram."),
        window: float = typer.Option(10.0, "--window", help="HR-over-time window, seconds."),
        hop: float = typer.Option(1.0, "--hop", help="HR-over-time hop, seconds."),
        max_gap: float = typer.Option(1.0, "--max-gap", help="Longest gap interpolated, seconds."),
        polarity: str = typer.Option("auto", "--polarity", help="auto, normal or inverted pulse wave."),
        json_out: Path = typer.Option(None, "--json", help="Write the result as JSON here."),
        plot: Path = typer.Option(None, "--plot", help="Write a PNG figure here."),
    ) -> None:
        """Heart rate, HRV, respiration and quality from a PPG/BVP file (HeartPy-style)."""
        result = run_hr(
            file,
            fs=fs,
            column=column,
            time_column=time_column,
            time_unit=time_unit,
            band=band,
            method=method,
            window_s=window,
            hop_s=hop,
            max_gap_s=max_gap,
            polarity=polarity,
            json_out=json_out,
            plot=plot,
        )
        _print_summary(result)
