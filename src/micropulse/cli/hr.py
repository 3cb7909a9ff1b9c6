"""``micropulse hr FILE``: heart rate, HRV, respiration and quality from a PPG/BVP file.

Reads CSV (``--column``, ``--time-column`` in s or ms, or ``--fs``), WFDB records (``.hea``,
channel by ``--column``, e.g. PLETH) and ``.npy`` (with ``--fs``). ``--json`` prints the result as JSON
on stdout (as in every command), ``--json-file PATH`` writes it to a file. Defaults follow HeartPy:
peak-based HR (60 / mean clean inter-beat interval), 0.6-3.5 Hz (36-210 bpm) band.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from micropulse.cli.registry_help import RegistryHelpCommand
from micropulse.errors import InputError

#: The CLI's default estimator: peak-based, like HeartPy (the library default is Welch).
CLI_METHOD = "peaks"


def run_hr(
    file: Path,
    fs: float | None = None,
    column: str | None = None,
    time_column: str | None = None,
    time_unit: str | None = None,
    band: tuple[float, float] | None = None,
    method: str = CLI_METHOD,
    window_s: float = 10.0,
    hop_s: float = 1.0,
    max_gap_s: float = 1.0,
    polarity: str = "auto",
    json_out: Path | None = None,
    plot: Path | None = None,
) -> dict:
    """Analyse ``file`` and return the JSON-ready result (also written/plotted when asked).

    ``band`` is (low, high) in Hz; ``json_out`` and ``plot`` are checked before the file is read.
    """
    from micropulse.cli.common import out_file, positive
    from micropulse.errors import MicropulseError
    from micropulse.signals.hr import DEFAULT_BAND, check_hr_band
    from micropulse.signals.records import load_pulse
    from micropulse.signals.summary import summarize

    out_file(json_out, "--json-file")
    out_file(plot, "--plot")
    positive(window_s, "--window")
    positive(hop_s, "--hop")
    if band is not None:
        try:
            check_hr_band(band, fs=1e9)  # Nyquist is checked once the rate is known
        except InputError as exc:
            raise InputError(f"--band: {exc}") from None
    if polarity not in ("auto", "normal", "inverted"):
        raise InputError(f"--polarity must be auto, normal or inverted, got {polarity!r}")
    if time_unit is not None and time_unit not in ("s", "ms"):
        raise InputError(f"--time-unit must be 's' or 'ms', got {time_unit!r}")
    rec = load_pulse(
        file, column=column, time_column=time_column, time_unit=time_unit, fs=fs, max_gap_s=max_gap_s
    )
    b = DEFAULT_BAND if band is None else (float(band[0]), float(band[1]))
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
        from micropulse.eval.outputs import atomic_write_text

        atomic_write_text(Path(json_out), json.dumps(result, indent=2))
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
    hr_tag = "" if result.get("hr_reliable", True) else f"  [yellow]unreliable: {result.get('hr_reason')}[/]"
    t.add_row(
        "heart rate",
        f"{fmt(result['hr_bpm'], ' bpm')} (confidence {fmt(result['hr_confidence'], '', 2)}){hr_tag}",
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
    @app.command("hr", cls=RegistryHelpCommand)
    def hr_command(
        file: Path = typer.Argument(..., help="PPG/BVP file: .csv, WFDB .hea, or .npy."),
        fs: float = typer.Option(None, "--fs", help="Sampling rate in Hz (needed without timestamps)."),
        column: str = typer.Option(
            None, "--column", "-c", help="Signal column / WFDB channel; 'auto' picks the best."
        ),
        time_column: str = typer.Option(None, "--time-column", help="Timestamp column (s, ms or datetimes)."),
        time_unit: str = typer.Option(None, "--time-unit", help="s or ms (default: detected)."),
        band: tuple[float, float] | None = typer.Option(
            None, "--band", help="HR search band LO HI in Hz, inside 0.5-4 (default 0.6 3.5)."
        ),
        method: str = typer.Option(CLI_METHOD, "--method", "-m", help="HR estimator: {hr-methods}."),
        window: float = typer.Option(10.0, "--window", help="HR-over-time window, seconds."),
        hop: float = typer.Option(1.0, "--hop", help="HR-over-time hop, seconds."),
        max_gap: float = typer.Option(1.0, "--max-gap", help="Longest gap interpolated, seconds."),
        polarity: str = typer.Option("auto", "--polarity", help="auto, normal or inverted pulse wave."),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
        json_file: Path = typer.Option(None, "--json-file", help="Also write the result as JSON to this file."),
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
            json_out=json_file,
            plot=plot,
        )
        if as_json:
            typer.echo(json.dumps(result, indent=2))
            return
        _print_summary(result)
