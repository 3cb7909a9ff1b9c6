"""The ``micropulse spot`` figure: score curve, threshold, spotted intervals with emotions, face thumbnail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from micropulse.pipeline.spot import SpotResult

EMOTION_COLOURS = {
    "negative": "tab:red",
    "positive": "tab:green",
    "surprise": "tab:orange",
    "others": "tab:purple",
    "neutral": "tab:gray",
}


def plot_spot(result: SpotResult, path: str | Path) -> Path:
    """Save the figure as PNG; the x axis is time in seconds of the source video."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(11, 3.6), dpi=100)
    grid = fig.add_gridspec(1, 2, width_ratios=(1, 5), wspace=0.16)
    ax_img, ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    if result.thumbnail is not None:
        ax_img.imshow(result.thumbnail)
        ax_img.set_title("tracked face", fontsize=9)
    else:
        ax_img.text(0.5, 0.5, "no thumbnail", ha="center", va="center")
    ax_img.axis("off")
    t = result.times
    ax.plot(t, result.scores, color="0.65", lw=0.8, label="score")
    ax.plot(
        t, result.smoothed, color="tab:blue", lw=1.4, label=f"smoothed (2·k_p = {2 * result.decode['k_p']})"
    )
    ax.axhline(result.threshold, color="tab:red", ls="--", lw=1.0, label=f"threshold {result.threshold:.3f}")
    top = max(1.0, float(result.scores.max(initial=0.0)))
    step = result.frame_skip / result.fps
    lost = _no_face_spans(result)
    for k, (a, b) in enumerate(lost):  # where the face was lost: no score, no interval
        ax.axvspan(a, b + step, facecolor="0.85", edgecolor="0.6", hatch="//", lw=0,
                   label="face lost" if k == 0 else None)  # fmt: skip
    for iv in result.intervals:
        colour = EMOTION_COLOURS.get(iv.emotion or "", "tab:cyan")
        end = iv.offset_s + step
        ax.axvspan(iv.onset_s, end, color=colour, alpha=0.25, lw=0)
        ax.text((iv.onset_s + end) / 2, top * 0.97, iv.emotion or "?", ha="center", va="top", fontsize=8,
                color=colour, rotation=90)  # fmt: skip
    ax.set_xlim(0, max(float(t[-1]) if len(t) else 1.0, 1e-3))
    ax.set_ylim(0, top * 1.02)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("spotting score")
    title = f"{Path(result.video).name}: {len(result.intervals)} interval(s), {result.model.arch}"
    if lost:
        title += f", face on {100 * result.face_coverage:.0f}% of frames"
    if result.synthetic_weights:
        title += " (weights trained on synthetic data)"
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.14, top=0.9)
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def _no_face_spans(result: SpotResult) -> list[tuple[float, float]]:
    """(start, end) times in seconds of the score curve's stretches without a tracked face."""
    if result.face_found is None:
        return []
    from micropulse.me.decode import face_runs

    return [(float(result.times[a]), float(result.times[b])) for a, b in face_runs(~result.face_found)]
