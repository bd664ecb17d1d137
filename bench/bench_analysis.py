"""Scene analysis speed and memory: DramaTune's one-pass analysis vs a report-style baseline.

Speed, same run, same 30 s 720p clip (photographs panned and zoomed, the astronaut's face in
a third of the shots, a cut every 2.5 s, sound): DramaTune's :func:`analyze_scene` (one ffmpeg
pass giving every frame at 256 px for scenedetect and optical flow and 2 frames a second at
640 px for faces, B-frames not deblocked; faces searched at 256 px, followed within a shot; the
sound in a second thread) against the report's way: OpenCV reads every frame, fer runs its own
face search on one full-size frame a second, scenedetect decodes the file again for the cuts.
The figures to keep are the ratios: to the report's way, and to ffmpeg decoding the clip alone
just before each analysis.

Memory: peak resident memory of a separate process analysing a 10-minute 1080p video (made once
with ffmpeg's test pattern and kept in ``bench/results``), against the same process after
imports (ffmpeg's own memory is not in it: ``ru_maxrss`` of a forked child starts from the
parent's, so it cannot be told apart). Run: ``make bench`` (``--skip-memory`` for speed only).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from dramatune_lib.feature_extraction import FaceFinder, analyze_scene, face_detector
from dramatune_lib.media import ffmpeg_exe, probe

SECONDS, SIZE, FPS = 30, (1280, 720), 25
#: x264's default quality (CRF 23), as a phone or video site delivers 720p; decoding cost grows
#: with the bitrate, so the result records it.
CRF = 23
OUT = Path(__file__).parent / "results"
#: Each analysis runs right after ffmpeg decodes the clip alone: this machine's speed drifts by
#: a third over an hour, and the decoding is the floor under the analysis.
ROUNDS = 5


def _photos() -> list[np.ndarray]:
    from skimage import data

    return [
        cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
        for img in (
            data.astronaut(),
            data.coffee(),
            data.chelsea(),
            data.rocket(),
            data.astronaut(),
            data.hubble_deep_field(),
        )
    ]


def make_clip(path: Path) -> Path:
    """30 s of 720p: six 5 s shots of real photographs, each panned and zoomed, cut halfway
    through to the same photo from another framing (a cut every 2.5 s)."""
    photos = _photos()
    w, h = SIZE

    def frames():
        for i in range(SECONDS * FPS):
            t = i / FPS
            shot = int(t // 2.5)
            img = photos[(shot // 2) % len(photos)]
            u = (t % 2.5) / 2.5
            zoom = (1.0 + 0.2 * u) if shot % 2 == 0 else (1.3 - 0.1 * u)
            s = zoom * h / img.shape[0]  # fit the height: the astronaut's face stays in frame
            dx = (w - img.shape[1] * s) / 2 + (60 * u if shot % 2 == 0 else -80 * u)
            dy = (h - img.shape[0] * s) / 2
            m = np.float32([[s, 0, dx], [0, s, dy]])
            yield cv2.cvtColor(cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT), cv2.COLOR_BGR2RGB)

    sr = 44100
    t = np.arange(SECONDS * sr) / sr
    sound = (0.1 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t))).astype(np.float32)
    wav = path.with_suffix(".wav")
    import soundfile as sf

    sf.write(wav, np.stack([sound, sound], 1), sr)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        SIZE,
        fps=FPS,
        codec="libx264",
        quality=None,
        output_params=["-crf", str(CRF), "-shortest"],
        audio_path=str(wav),
        audio_codec="aac",
        ffmpeg_log_level="error",
        macro_block_size=2,
    )
    writer.send(None)
    for frame in frames():
        writer.send(np.ascontiguousarray(frame))
    writer.close()
    wav.unlink()
    return path


def decode_only(path: Path) -> float:
    """Seconds ffmpeg takes just to decode the clip's video: the floor under any analysis."""
    t = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-an", "-f", "null", "-"], check=True)
    return time.perf_counter() - t


def report_style(path: Path, fer) -> dict:
    """The report's way: every frame read by OpenCV, fer's own face search on one full-size frame
    a second, scenedetect's own decode for the cuts, all in sequence."""
    from scenedetect import ContentDetector, detect

    cap = cv2.VideoCapture(str(path))
    rate = cap.get(cv2.CAP_PROP_FPS) or 25.0
    i, faces, prev, motion = 0, 0, None, []
    while cap.grab():
        if i % round(rate) == 0:
            ok, frame = cap.retrieve()
            if ok:
                faces += bool(fer.detect_emotions(frame))
                g = cv2.resize(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (64, 36)).astype(np.float32)
                motion.append(float(np.abs(g - prev).mean()) if prev is not None else 0.0)
                prev = g
        i += 1
    cap.release()
    cuts = [s[0].seconds for s in detect(str(path), ContentDetector(), show_progress=False)[1:]]
    return {"frames_with_face": faces, "cuts": cuts}


def speed() -> dict:
    fer = face_detector()
    finder = FaceFinder(fer)
    with tempfile.TemporaryDirectory() as d:
        clip = make_clip(Path(d) / "clip720.mp4")
        dur = probe(clip).duration
        analyze_scene(clip, detector=finder)  # first call pays one-time imports and JIT
        runs, decodes, prof = [], [], None
        for _ in range(ROUNDS):  # each analysis right after a decode: the machine's speed drifts
            decodes.append(decode_only(clip))
            t = time.perf_counter()
            prof = analyze_scene(clip, detector=finder)
            runs.append(time.perf_counter() - t)
        t = time.perf_counter()
        base = report_style(clip, fer)
        t_base = time.perf_counter() - t
        t_decode = min(decodes)
        ratio = statistics.median(r / d for r, d in zip(runs, decodes))
        beyond = statistics.median(r - d for r, d in zip(runs, decodes))
        info = probe(clip)
        kbps = clip.stat().st_size * 8 / 1000 / info.duration
    t_ours = min(runs)
    true_cuts = [2.5 * k for k in range(1, 12)]
    return {
        "clip": f"{SECONDS} s {SIZE[0]}x{SIZE[1]} H.264 {FPS} fps CRF {CRF}, {kbps:.0f} kb/s",
        "decode_only_s": round(t_decode, 2),
        "decode_only_runs_s": [round(x, 2) for x in decodes],
        "analysis_s": [round(x, 2) for x in runs],
        "analysis_best_s": round(t_ours, 2),
        "analysis_over_decode": round(ratio, 2),
        "analysis_minus_decode_s": round(beyond, 2),
        "realtime_factor": round(dur / t_ours, 1),
        "report_style_s": round(t_base, 2),
        "speedup": round(t_base / t_ours, 1),
        "cuts_found": f"{sum(any(abs(c - x) < 0.05 for c in prof.cut_times) for x in true_cuts)}/{len(true_cuts)}",
        "face_share": prof.face_share,
        "report_style_cuts_found": (
            f"{sum(any(abs(c - x) < 0.05 for c in base['cuts']) for x in true_cuts)}/{len(true_cuts)}"
        ),
    }


_CHILD = """
import resource, sys, time, json
from dramatune_lib.feature_extraction import analyze_scene, FaceFinder
finder = FaceFinder()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
p = analyze_scene(sys.argv[1], detector=finder)
print(json.dumps({"seconds": time.perf_counter() - t, "after_imports_mb": base / 1024,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "duration": p.duration}))
"""


def memory() -> dict:
    long = OUT / "long1080.mp4"
    if not long.exists():
        OUT.mkdir(exist_ok=True)
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=1920x1080:rate=30",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=330:sample_rate=44100",
                "-t",
                "600",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-crf",
                "32",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-shortest",
                str(long),
            ],
            check=True,
        )
    r = subprocess.run([sys.executable, "-c", _CHILD, str(long)], capture_output=True, text=True, check=True)
    m = json.loads(r.stdout.strip().splitlines()[-1])
    return {"video": "600 s 1920x1080 30 fps", **{k: round(v, 1) for k, v in m.items()}}


def main() -> dict:
    result = {}
    if "--skip-memory" not in sys.argv:
        # first, while this process is small: a child's ru_maxrss starts from its parent's
        result["memory"] = m = memory()
        print(
            f"analysis {m['video']}: peak {m['peak_mb']:.0f} MB (after imports {m['after_imports_mb']:.0f} MB) "
            f"in {m['seconds']:.0f} s"
        )
    result["speed"] = s = speed()
    print(
        f"analysis {s['clip']}: {s['analysis_best_s']:.2f} s ({s['realtime_factor']}x realtime; "
        f"decoding alone {s['decode_only_s']:.2f} s; {s['analysis_over_decode']}x the decoding, "
        f"{s['analysis_minus_decode_s']:.2f} s more), "
        f"report-style {s['report_style_s']:.2f} s -> {s['speedup']}x faster; cuts {s['cuts_found']}, "
        f"face in {s['face_share']:.0%} of frames"
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "analysis.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
