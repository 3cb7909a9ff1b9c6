"""The page in Debian's Chromium, driven by Playwright (launched by path; nothing is downloaded).

(1) upload a synthetic video through the page: the HR shown equals ``micropulse pulse`` on the same file
(within 1 bpm) and a screenshot of the result page is saved; (2) webcam mode with Chromium's fake camera
playing a synthetic ``.y4m``: the live HR is within 3 bpm of the truth after 20 s of streaming.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import pytest

from micropulse.io import open_video
from micropulse.pipeline.pulse import analyse_video
from micropulse.synth import make_pulse_video

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():  # the README's test command installs it; a missing browser is a failure, not a skip
    pytest.fail(
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as the README's test "
        "command does, to run the browser tests",
        pytrace=False,
    )
from playwright import sync_api  # noqa: E402 - after the browser check (the dev extra installs playwright)

ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
FAKE_CAMERA = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
#: Webcam test: seconds of streaming before the live HR is compared with the truth.
LIVE_AFTER_S = 20.0


def write_y4m(video: Path, out: Path, fps: int) -> Path:
    """Decode ``video`` and write it forwards then backwards as an uncompressed YUV4MPEG2 (4:2:0) file,
    Chromium's fake-camera input. Chromium loops the file; played back and forth the pulse never jumps
    in phase at the loop point (a reversed pulse has the same rate)."""
    frames = [cv2.cvtColor(f.rgb, cv2.COLOR_RGB2YUV_I420).tobytes() for f in open_video(video)]
    src = open_video(video)
    with out.open("wb") as f:
        f.write(f"YUV4MPEG2 W{src.width} H{src.height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames + frames[-2:0:-1]:
            f.write(b"FRAME\n" + frame)
    src.close()
    return out


def _browser(playwright, extra: list[str]):  # noqa: ANN001, ANN202
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS + extra, headless=True)


def test_upload_through_the_page_matches_the_cli(server, clip, tmp_path):
    expected = analyse_video(clip.video_path).hr_bpm
    with sync_api.sync_playwright() as p:
        browser = _browser(p, [])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1100})
            page.goto(server.url + "/")
            page.wait_for_selector("#method option", state="attached", timeout=30_000)
            page.set_input_files("#file", str(clip.video_path))
            page.click("#analyse")
            page.wait_for_function(
                "/^(done|error)/.test(document.getElementById('status').textContent)", timeout=120_000
            )
            assert page.text_content("#status").startswith("done"), page.text_content("#status")
            shown = float(page.get_attribute("#hr", "data-bpm"))
            text = page.text_content("#hr")
            shot = tmp_path / "serve-page.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert abs(shown - expected) < 1.0, (shown, expected)
    assert text.endswith("bpm")
    assert shot.stat().st_size > 10_000


def test_webcam_live_hr_within_3_bpm(server, tmp_path):
    synth = make_pulse_video(tmp_path / "cam", seconds=16, hr_bpm=66, fps=15, seed=5, size=(160, 120))
    y4m = write_y4m(synth.video_path, tmp_path / "cam.y4m", fps=15)
    readings: list[tuple[float, float]] = []
    with sync_api.sync_playwright() as p:
        browser = _browser(p, FAKE_CAMERA + [f"--use-file-for-fake-video-capture={y4m}"])
        try:
            page = browser.new_page()
            page.goto(server.url + "/")
            page.click("#tab-webcam")
            page.click("#cam-start")
            page.wait_for_function(
                "document.getElementById('cam-status').textContent === 'streaming'", timeout=60_000
            )
            start = time.monotonic()
            while time.monotonic() - start < LIVE_AFTER_S + 0.5:  # bounded: stops by itself
                time.sleep(1.0)
                bpm = page.get_attribute("#live-hr", "data-bpm")
                if bpm:
                    readings.append((time.monotonic() - start, float(bpm)))
            fps_text = page.text_content("#live-fps")
            page.click("#cam-stop")
        finally:
            browser.close()
    assert readings, "no live heart rate appeared"
    assert readings[0][0] < 12, f"the first HR came only after {readings[0][0]:.0f} s"
    last_t, last_bpm = readings[-1]
    assert last_t >= LIVE_AFTER_S
    assert abs(last_bpm - synth.hr_bpm) < 3.0, (readings, fps_text)
