"""extract_traces / FaceTracker on generated FFV1 videos: gaps, coverage, tracking, pulse recovery."""

from __future__ import annotations

import numpy as np
import pytest
from face_videos import FPS, N_FRAMES, NO_FACE, astronaut, moving_frames, path_xy, place

from micropulse.errors import InputError, NoFaceError
from micropulse.face import FaceTracker, create_backend, extract_traces, track_faces
from micropulse.io import write_video

FACE = np.array([i not in NO_FACE for i in range(N_FRAMES)])
SHORT_GAP = np.arange(40, 45)
LONG_GAP = np.arange(70, 88)


@pytest.fixture(scope="module")
def traces(moving_video):
    return extract_traces(moving_video)


def test_found_where_the_face_is(traces):
    assert traces.n_frames == N_FRAMES and traces.rgb.shape == (N_FRAMES, 3, 3)
    assert (traces.face_found == FACE).mean() >= 0.97  # at most a frame of lag at the cuts
    assert not traces.face_found[LONG_GAP[1:-1]].any()
    assert traces.coverage == pytest.approx(FACE.mean(), abs=0.03)
    assert (traces.codec.upper(), traces.lossy) == ("FFV1", False)
    np.testing.assert_allclose(traces.times_s, np.arange(N_FRAMES) / FPS, atol=1.1e-3)


def test_short_gaps_interpolated_long_gaps_missing(traces):
    assert traces.interpolated[SHORT_GAP].all()
    assert np.isfinite(traces.rgb[SHORT_GAP]).all() and np.isfinite(traces.boxes[SHORT_GAP]).all()
    assert np.isnan(traces.rgb[LONG_GAP[2:-2]]).all() and not traces.interpolated[LONG_GAP].any()
    found = traces.face_found
    assert np.isfinite(traces.rgb[found]).all()
    # skin colours: red > green > blue on every region of a found frame
    r, g, b = traces.rgb[found][..., 0], traces.rgb[found][..., 1], traces.rgb[found][..., 2]
    assert (r > g).all() and (g > b).all()


def test_thumbnail_and_json(traces):
    assert traces.thumbnail is not None and traces.thumbnail.shape == (240, 320, 3)
    d = traces.to_dict()
    assert d["n_frames"] == N_FRAMES and d["rgb"][75][0][0] is None and d["lossy"] is False
    mean = traces.mean_rgb()
    assert mean.shape == (N_FRAMES, 3) and np.isnan(mean[78]).all()


def test_pulse_is_recovered_while_the_head_moves(tmp_path):
    t = np.arange(N_FRAMES) / FPS
    pulse = 0.01 * np.sin(2 * np.pi * 1.3 * t)  # 1% in green, 78 bpm
    path = write_video(tmp_path / "pulse.mkv", moving_frames(pulse), FPS)
    tr = extract_traces(path, max_gap_s=0.0)
    ok = tr.face_found & np.isfinite(tr.rgb).all(axis=(1, 2))
    ok[:] &= np.arange(N_FRAMES) < 40  # one uninterrupted stretch
    green = tr.rgb[ok, :, 1].mean(axis=1)
    assert np.corrcoef(green, pulse[ok])[0, 1] > 0.9


def test_tracker_follows_the_face_between_mesh_runs():
    face = astronaut()
    backend = create_backend("mediapipe")
    ref = backend.landmarks(face, backend.detect(face)[0])  # landmarks on the unshifted image
    backend.close()
    tracker = FaceTracker(mesh_every=10, detect_every=0)
    errors = []
    for i in range(40):
        x, y = path_xy(i)
        state = tracker.update(place(face, x, y))
        assert state.found
        errors.append(np.abs(state.landmarks[[4, 33, 263]] - (ref[[4, 33, 263]] + [x, y])).max())
    tracker.close()
    assert np.median(errors) < 2.0 and max(errors) < 5.0


def test_largest_face_or_another_by_rank(tmp_path):
    big, small = astronaut(0.5), astronaut(0.35)
    frame = np.full((240, 480, 3), 60, np.uint8)
    frame[:, 0:256] = big[:240]
    frame[20:199, 300:479] = small[:179, :179]
    path = write_video(tmp_path / "two.mkv", [frame] * 6, FPS)
    first = track_faces(path)
    second = track_faces(path, face_index=1)
    assert first.found.all() and second.found.all()
    assert first.boxes[0, 0] < 256 < second.boxes[0, 0]
    assert first.boxes[0, 2] > second.boxes[0, 2]
    assert first.landmarks.shape == (6, 478, 2)
    with pytest.raises(NoFaceError):  # only two faces
        track_faces(path, face_index=2)


def test_no_face_anywhere_names_the_file(tmp_path):
    path = write_video(tmp_path / "empty_room.mkv", [np.full((120, 160, 3), 90, np.uint8)] * 8, FPS)
    with pytest.raises(NoFaceError, match="empty_room.mkv"):
        extract_traces(path)


def test_haar_backend_box_only(moving_video):
    tr = extract_traces(moving_video, backend="haar", detect_every=10)
    assert tr.backend == "haar"
    assert tr.face_found[FACE].mean() > 0.9
    r, g, b = np.nanmean(tr.rgb[tr.face_found], axis=(0, 1))
    assert r > g > b


def test_bad_parameters(moving_video):
    with pytest.raises(InputError):
        extract_traces(moving_video, regions=("nose",))
    with pytest.raises(InputError):
        extract_traces(moving_video, max_gap_s=-1)
    with pytest.raises(InputError):
        FaceTracker(mesh_every=0)
