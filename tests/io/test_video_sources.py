"""Video sources: files, folders, arrays; timestamps, codecs, and every bad input the issue lists."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from micropulse.errors import InputError, VideoReadError
from micropulse.io import (
    ArrayVideo,
    FileVideo,
    FolderVideo,
    Frame,
    VideoWarning,
    is_lossy,
    open_video,
    prefetch,
    write_png_frames,
    write_video,
)


def _frames(n: int = 12, h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, h, w, 3), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".mkv", ".avi"])
def test_ffv1_round_trip_is_lossless_with_timestamps(tmp_path, suffix):
    frames = _frames()
    path = write_video(tmp_path / f"v{suffix}", frames, fps=25.0)
    src = open_video(path)
    assert isinstance(src, FileVideo)
    assert (src.codec.upper(), src.lossy, src.grayscale) == ("FFV1", False, False)
    assert (src.width, src.height, src.n_frames, src.fps) == (64, 48, 12, 25.0)
    got = list(src)
    assert [f.index for f in got] == list(range(12))
    assert all(np.array_equal(f.rgb, frames[i]) for i, f in enumerate(got))
    times = np.array([f.time_s for f in got])
    np.testing.assert_allclose(times, np.arange(12) / 25.0, atol=1.1e-3)  # Matroska rounds to ms
    assert src.frames_decoded == 12 and src.vfr is False
    assert src.duration_s == pytest.approx(12 / 25.0, abs=2e-3)
    # a second pass re-opens the file
    assert sum(1 for _ in src) == 12


def test_mjpg_is_lossy_and_fps_override(tmp_path):
    path = tmp_path / "m.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (64, 48))
    for f in _frames(10):
        writer.write(f)
    writer.release()
    src = open_video(path)
    assert src.codec == "MJPG" and src.lossy is True
    src = open_video(path, fps=10.0)
    assert [f.time_s for f in src][:3] == pytest.approx([0.0, 0.1, 0.2])


def test_codec_table():
    assert is_lossy("avc1") and is_lossy("hevc") and is_lossy("MJPG") and is_lossy("mp4v")
    assert is_lossy("FFV1") is False and is_lossy("png") is False and is_lossy("HFYU") is False
    assert is_lossy("zzzz") is None and is_lossy("") is None


def test_folder_natural_sort_and_fps_required(tmp_path):
    frames = _frames(11)
    for i, f in enumerate(frames):  # names without zero padding: natural sort must put 2 before 10
        cv2.imwrite(str(tmp_path / f"img{i}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    (tmp_path / "notes.txt").write_text("not a frame")
    src = open_video(tmp_path, fps=5.0)
    assert isinstance(src, FolderVideo) and src.n_frames == 11 and src.lossy is False
    got = list(src)
    assert all(np.array_equal(f.rgb, frames[i]) for i, f in enumerate(got))
    assert got[10].time_s == pytest.approx(2.0)
    with pytest.raises(InputError, match="fps"):
        open_video(tmp_path)


def test_png_writer_round_trip(tmp_path):
    frames = _frames(4)
    folder = write_png_frames(tmp_path / "pngs", frames)
    got = [f.rgb for f in open_video(folder, fps=30)]
    assert all(np.array_equal(a, b) for a, b in zip(got, frames, strict=True))


def test_array_sources():
    frames = _frames(5)
    src = open_video(frames, fps=10)
    assert isinstance(src, ArrayVideo) and src.n_frames == 5
    got = list(src)
    assert isinstance(got[0], Frame) and np.array_equal(got[4].rgb, frames[4]) and got[4].time_s == 0.4
    with pytest.warns(VideoWarning, match="grayscale"):
        gray = open_video(frames[..., 0], fps=10)
    rgb = next(iter(gray)).rgb
    assert rgb.shape == (48, 64, 3) and np.array_equal(rgb[..., 0], rgb[..., 2])
    with pytest.raises(InputError, match="uint8"):
        open_video(frames.astype(np.float32), fps=10)
    with pytest.raises(InputError, match="shape"):
        open_video(np.zeros((4, 5), np.uint8), fps=10)
    with pytest.raises(InputError, match="fps"):
        open_video(frames)
    with pytest.raises(InputError):
        open_video(3.5)  # type: ignore[arg-type]


def test_missing_and_not_a_video(tmp_path):
    with pytest.raises(VideoReadError, match="not found") as err:
        open_video(tmp_path / "nope.mp4")
    assert "nope.mp4" in str(err.value)
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is a text file, not a video\n" * 20)
    with pytest.raises(VideoReadError) as err:
        open_video(fake)
    assert "fake.mp4" in str(err.value)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoReadError, match="empty"):
        open_video(empty)


def test_truncated_video_decodes_what_exists(tmp_path):
    path = write_video(tmp_path / "full.avi", _frames(40, 96, 128), fps=20)
    data = path.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: int(len(data) * 0.5)])
    src = open_video(cut)
    with pytest.warns(VideoWarning, match="decoded"):
        n = sum(1 for _ in src)
    assert 5 <= n < 40 and src.frames_decoded == n
    # cut inside the header: not even one frame
    head = tmp_path / "head.avi"
    head.write_bytes(data[:200])
    with pytest.raises(VideoReadError, match="head.avi"):
        open_video(head)


def test_truncated_mp4_without_its_index_is_a_clear_error(tmp_path):
    path = tmp_path / "full.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (64, 48))
    for f in _frames(20):
        writer.write(f)
    writer.release()
    assert open_video(path).lossy is True
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # the moov index is at the end
    with pytest.raises(VideoReadError, match="cut.mp4"):
        open_video(cut)


def test_half_second_video_reads_and_reports_duration(tmp_path):
    path = write_video(tmp_path / "short.mkv", _frames(15), fps=30)
    src = open_video(path)
    assert src.duration_s == pytest.approx(0.5, abs=0.01)
    assert sum(1 for _ in src) == 15


def test_grayscale_video_warns_and_gives_three_channels(tmp_path):
    gray = _frames(6)[..., 1]
    path = write_video(tmp_path / "gray.mkv", gray, fps=30)
    with pytest.warns(VideoWarning, match="grayscale"):
        src = open_video(path)
    assert src.grayscale
    rgb = next(iter(src)).rgb
    assert rgb.shape == (48, 64, 3) and np.array_equal(rgb[..., 0], rgb[..., 1])
    np.testing.assert_array_equal(rgb[..., 0], gray[0])


def test_writer_rejects_bad_input(tmp_path):
    with pytest.raises(InputError, match="mkv"):
        write_video(tmp_path / "x.mp4", _frames(2), fps=30)
    with pytest.raises(InputError, match="uint8"):
        write_video(tmp_path / "x.mkv", _frames(2).astype(np.float64), fps=30)
    with pytest.raises(InputError, match="no frames"):
        write_video(tmp_path / "x.mkv", [], fps=30)
    with pytest.raises(InputError, match="differs"):
        write_video(
            tmp_path / "x.mkv", [np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8)], fps=30
        )


def test_vfr_flag_from_timestamps():
    src = open_video(_frames(3), fps=10)
    src.timestamps_s = np.array([0.0, 0.033, 0.067, 0.100])  # ms-rounded CFR
    assert src.vfr is False
    src.timestamps_s = np.array([0.0, 0.033, 0.050, 0.100, 0.120])
    assert src.vfr is True


def test_prefetch_order_errors_and_early_stop():
    assert list(prefetch(range(100), depth=4)) == list(range(100))

    def boom():
        yield 1
        raise VideoReadError("broken")

    with pytest.raises(VideoReadError, match="broken"):
        list(prefetch(boom()))
    it = prefetch(iter(range(10_000)), depth=2)
    assert next(it) == 0
    it.close()  # must not hang
