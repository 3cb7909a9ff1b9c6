// micropulse page: upload a video (HTTP API) or stream the webcam (WebSocket). No external libraries.
"use strict";
const $ = (id) => document.getElementById(id);
const WIDTH = 320;            // webcam frames are downscaled to this width before sending
const JPEG_QUALITY = 0.92;
const MAX_IN_FLIGHT = 2;      // frames sent but not yet answered

function token() { return sessionStorage.getItem("micropulse-token") || ""; }
function headers() { const t = token(); return t ? { Authorization: "Bearer " + t } : {}; }
async function api(path, opts = {}) {
  const r = await fetch(path, { ...opts, headers: { ...headers(), ...(opts.headers || {}) } });
  const body = await r.json().catch(() => ({ error: "bad_response", detail: r.statusText }));
  if (!r.ok) throw new Error(body.detail || body.error || r.statusText);
  return body;
}

// ---------------------------------------------------------------- plots (canvas line charts)
function plot(canvas, xs, ys, opts = {}) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, pad = 34;
  ctx.clearRect(0, 0, W, H);
  const pts = xs.map((x, i) => [x, ys[i]]).filter((p) => p[1] !== null && isFinite(p[1]));
  if (pts.length < 2) return;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = opts.yRange || [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (y1 <= y0) { y0 -= 1; y1 += 1; }
  const X = (x) => pad + (x - x0) / (x1 - x0 || 1) * (W - pad - 8);
  const Y = (y) => H - 20 - (y - y0) / (y1 - y0) * (H - 30);
  ctx.strokeStyle = "#ccc"; ctx.fillStyle = "#777"; ctx.font = "11px sans-serif";
  ctx.beginPath(); ctx.moveTo(pad, 8); ctx.lineTo(pad, H - 20); ctx.lineTo(W - 8, H - 20); ctx.stroke();
  ctx.fillText(x0.toFixed(1), pad, H - 6); ctx.fillText(x1.toFixed(1) + (opts.xUnit || ""), W - 60, H - 6);
  if (opts.yLabels) { ctx.fillText(y1.toFixed(0), 2, 14); ctx.fillText(y0.toFixed(0), 2, H - 22); }
  ctx.strokeStyle = opts.color || "#b22"; ctx.lineWidth = 1.5; ctx.beginPath();
  pts.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
  ctx.stroke();
  if (opts.mark !== undefined && opts.mark !== null) {
    ctx.strokeStyle = "#333"; ctx.setLineDash([4, 3]); ctx.beginPath();
    ctx.moveTo(X(opts.mark), 8); ctx.lineTo(X(opts.mark), H - 20); ctx.stroke(); ctx.setLineDash([]);
  }
}

// ---------------------------------------------------------------- tabs, token, methods
function show(view) {
  $("upload-view").hidden = view !== "upload"; $("webcam-view").hidden = view !== "webcam";
  $("tab-upload").classList.toggle("active", view === "upload");
  $("tab-webcam").classList.toggle("active", view === "webcam");
}
$("tab-upload").onclick = () => show("upload");
$("tab-webcam").onclick = () => show("webcam");
$("token").onchange = () => { sessionStorage.setItem("micropulse-token", $("token").value); init(); };
$("token-box").onsubmit = (e) => { e.preventDefault(); $("token").onchange(); };

async function init() {
  try {
    const m = await api("/api/methods");
    $("method").innerHTML = m.methods.map((x) => `<option${x === m.default ? " selected" : ""}>${x}</option>`).join("");
    $("token-box").hidden = !token();
  } catch (e) {
    $("token-box").hidden = false;
    $("status").textContent = "This server needs its token: " + e.message;
  }
}

// ---------------------------------------------------------------- upload
let chosen = null;
function choose(file) { chosen = file; $("file-name").textContent = file ? file.name : ""; $("analyse").disabled = !file; }
$("file").onchange = (e) => choose(e.target.files[0]);
const drop = $("drop");
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
drop.ondragleave = () => drop.classList.remove("over");
drop.ondrop = (e) => { e.preventDefault(); drop.classList.remove("over"); choose(e.dataTransfer.files[0]); };

function upload(path, fields, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    Object.entries(fields).forEach(([k, v]) => form.append(k, v));
    form.append("file", chosen, chosen.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    Object.entries(headers()).forEach(([k, v]) => xhr.setRequestHeader(k, v));
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body = {}; try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      xhr.status === 202 ? resolve(body) : reject(new Error(body.detail || body.error || xhr.statusText));
    };
    xhr.onerror = () => reject(new Error("upload failed (connection closed)"));
    xhr.send(form);
  });
}

async function waitJob(id, onProgress) {
  for (;;) {
    const j = await api(`/api/jobs/${id}`);
    onProgress(j);
    if (j.status === "done") return j;
    if (j.status === "failed") throw new Error(j.error ? j.error.detail : "the job failed");
    await new Promise((r) => setTimeout(r, 400));
  }
}

function fmt(v, digits, unit) { return v === null || v === undefined ? "–" : v.toFixed(digits) + unit; }

async function showPulse(job) {
  const r = job.result, plots = await api(`/api/jobs/${job.job}/plots`);
  $("hr").textContent = fmt(r.hr_bpm, 1, " bpm");
  $("hr").dataset.bpm = r.hr_bpm;
  $("hr-note").textContent = r.hr_reliable ? "reliable" : "unreliable: " + (r.hr_reason || "poor signal");
  const hrv = r.hrv || {};
  $("hrv").textContent = hrv.rmssd_ms ? `RMSSD ${hrv.rmssd_ms.toFixed(0)} ms, SDNN ${fmt(hrv.sdnn_ms, 0, " ms")}` : "–";
  $("resp").textContent = fmt(r.respiration_bpm, 1, " /min");
  $("quality").textContent = `quality ${fmt(r.quality, 2, "")}, SNR ${fmt(r.snr_db, 1, " dB")}, face ${(100 * r.face_coverage).toFixed(0)}%`;
  $("warnings").innerHTML = (r.warnings || []).map((w) => `<li></li>`).join("");
  [...$("warnings").children].forEach((li, i) => (li.textContent = r.warnings[i]));
  if (plots.thumbnail_png) { $("thumb").src = "data:image/png;base64," + plots.thumbnail_png; $("thumb").hidden = false; }
  plot($("plot-bvp"), plots.bvp.time_s, plots.bvp.value, { xUnit: " s" });
  plot($("plot-spectrum"), plots.spectrum.bpm, plots.spectrum.power, { xUnit: " bpm", mark: r.hr_bpm, color: "#226" });
  plot($("plot-hr"), r.hr_series.map((p) => p[0]), r.hr_series.map((p) => p[1]), { xUnit: " s", yLabels: true, color: "#262" });
  $("dl-json").href = `/api/jobs/${job.job}/result.json`; $("dl-csv").href = `/api/jobs/${job.job}/bvp.csv`;
  $("result").hidden = false;
}

function showSpot(job) {
  const r = job.result;
  plot($("plot-spot"), r.curve.time_s, r.curve.score, { xUnit: " s", color: "#552" });
  $("spot-text").textContent = `${r.n_intervals} expression(s) spotted` +
    r.intervals.map((iv) => ` · ${iv.onset_s.toFixed(2)}–${iv.offset_s.toFixed(2)} s ${iv.emotion || ""}`).join("") +
    (r.note ? ` (${r.note})` : "");
  $("spot-result").hidden = false;
}

$("upload-form").onsubmit = async (e) => {
  e.preventDefault();
  if (!chosen) return;
  const bar = $("bar"), status = $("status");
  $("result").hidden = true; $("spot-result").hidden = true; bar.hidden = false; bar.value = 0;
  status.className = ""; $("analyse").disabled = true;
  try {
    status.textContent = "uploading…";
    const fields = $("method").value ? { method: $("method").value } : {};  // empty until /api/methods answers
    const sub = await upload("/api/pulse", fields, (f) => (bar.value = 0.3 * f));
    status.textContent = "analysing…";
    const job = await waitJob(sub.job, (j) => (bar.value = 0.3 + 0.7 * j.progress));
    await showPulse(job);
    status.textContent = `done: ${job.name}`;
    if ($("spot").checked) {
      status.textContent = "spotting micro-expressions…";
      const s = await upload("/api/spot", {}, () => {});
      showSpot(await waitJob(s.job, () => {}));
      status.textContent = `done: ${job.name}`;
    }
  } catch (err) {
    status.textContent = "error: " + err.message; status.className = "error";
  } finally {
    bar.hidden = true; $("analyse").disabled = !chosen;
  }
};

// ---------------------------------------------------------------- webcam
let cam = null;
function stopCam(reason) {
  if (!cam) return;
  cam.running = false;
  if (cam.ws) cam.ws.close();
  if (cam.stream) cam.stream.getTracks().forEach((t) => t.stop());
  cam = null;
  $("cam-start").disabled = false; $("cam-stop").disabled = true;
  if (reason) $("cam-status").textContent = reason;
}

async function startCam() {
  $("cam-start").disabled = true; $("cam-stop").disabled = false;
  const status = $("cam-status");
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    const video = $("cam"); video.srcObject = stream; await video.play();
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/api/live?method=${encodeURIComponent($("method").value || "pos")}`);
    ws.binaryType = "arraybuffer";
    cam = { stream, ws, running: true, inFlight: 0, frames: 0, t0: performance.now() };
    ws.onopen = () => { if (token()) ws.send(JSON.stringify({ token: token() })); status.textContent = "connecting…"; };
    ws.onclose = () => stopCam(cam ? "connection closed" : null);
    ws.onmessage = (ev) => onLive(JSON.parse(ev.data));
  } catch (err) {
    stopCam("camera error: " + err.message);
  }
}

function onLive(msg) {
  if (!cam) return;
  if (msg.type === "ready") { $("cam-status").textContent = "streaming"; sendLoop(); }
  else if (msg.type === "frame") { cam.inFlight = Math.max(0, cam.inFlight - 1); $("live-face").textContent = msg.face_found ? "found" : "not found"; }
  else if (msg.type === "hr") {
    const hr = $("live-hr");
    hr.textContent = msg.hr_bpm === null ? "–" : msg.hr_bpm.toFixed(1) + " bpm";
    hr.dataset.bpm = msg.hr_bpm === null ? "" : msg.hr_bpm;
    hr.dataset.time = msg.time_s;
    $("live-note").textContent = msg.reliable ? `quality ${fmt(msg.quality, 2, "")}` : (msg.reason || "unreliable");
    $("live-fps").textContent = `${msg.fps.toFixed(1)} fps, ${msg.latency_ms.toFixed(0)} ms`;
    plot($("plot-live"), msg.bvp.map((p) => p[0]), msg.bvp.map((p) => p[1]), { xUnit: " s" });
  } else if (msg.type === "error") { $("cam-status").textContent = "server: " + msg.detail; }
}

function sendLoop() {
  const video = $("cam"), grab = $("grab");
  const next = (fn) => (video.requestVideoFrameCallback ? video.requestVideoFrameCallback(fn) : requestAnimationFrame(fn));
  const tick = () => {
    if (!cam || !cam.running) return;
    if (cam.inFlight < MAX_IN_FLIGHT && video.videoWidth && cam.ws.readyState === WebSocket.OPEN) {
      const t = performance.now() / 1000;
      const scale = Math.min(1, WIDTH / video.videoWidth);
      grab.width = Math.round(video.videoWidth * scale); grab.height = Math.round(video.videoHeight * scale);
      grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
      cam.inFlight += 1;
      grab.toBlob(async (blob) => {
        if (!cam || !blob) return;
        const jpeg = await blob.arrayBuffer(), buf = new ArrayBuffer(8 + jpeg.byteLength);
        new DataView(buf).setFloat64(0, t, true); new Uint8Array(buf, 8).set(new Uint8Array(jpeg));
        if (cam && cam.ws.readyState === WebSocket.OPEN) cam.ws.send(buf);
      }, "image/jpeg", JPEG_QUALITY);
    }
    next(tick);
  };
  next(tick);
}

$("cam-start").onclick = startCam;
$("cam-stop").onclick = () => stopCam("stopped");
init();
