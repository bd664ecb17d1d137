"""Export speed: ffmpeg with the video stream copied (DramaTune) vs moviepy's re-encode (the report).

Both export the same scene with the same fitted cue, in one run, on this machine. The result is
a ratio, so it holds across machines better than raw seconds. Run: ``make bench``.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from dramatune_lib.dataset_prep import ensure_demo_data
from dramatune_lib.media import probe, write_video
from dramatune_lib.recommend_and_merge import export_scene, fit_track

SECONDS, SIZE, FPS = 30, (1280, 720), 25


def make_clip(path: Path) -> Path:
    """A 30 s 720p H.264 clip with texture and motion, so the encoder has real work."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(SIZE[1] // 8, SIZE[0] // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    frames = (np.roll(base, 6 * i, axis=1) for i in range(SECONDS * FPS))
    t = np.arange(SECONDS * 44100) / 44100
    tone = (0.05 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    return write_video(path, frames, SIZE, FPS, np.stack([tone, tone], 1))


def moviepy_export(scene: Path, cue_wav: Path, out: Path) -> None:
    """The report's way: moviepy decodes every frame and re-encodes it with libx264."""
    from moviepy import AudioFileClip, VideoFileClip

    with VideoFileClip(str(scene)) as video, AudioFileClip(str(cue_wav)) as audio:
        video.with_audio(audio).write_videofile(str(out), codec="libx264", audio_codec="aac", logger=None)


def main() -> dict:
    import soundfile as sf

    demo = ensure_demo_data()
    track = sorted(demo.library.glob("*.ogg"))[0]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        scene = make_clip(d / "clip720.mp4")
        dur = probe(scene).duration
        cue = fit_track(track, dur)
        sf.write(d / "cue.wav", cue.audio, cue.sr)
        t = time.perf_counter()
        export_scene(scene, cue, d / "copy.mp4")
        t_copy = time.perf_counter() - t
        t = time.perf_counter()
        moviepy_export(scene, d / "cue.wav", d / "moviepy.mp4")
        t_moviepy = time.perf_counter() - t
    result = {
        "clip": f"{SECONDS} s {SIZE[0]}x{SIZE[1]} H.264",
        "ffmpeg_stream_copy_s": round(t_copy, 2),
        "moviepy_reencode_s": round(t_moviepy, 2),
        "speedup": round(t_moviepy / t_copy, 1),
        "copy_realtime_factor": round(dur / t_copy, 1),
    }
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "export.json").write_text(json.dumps(result, indent=1))
    print(f"export {result['clip']}: stream copy {t_copy:.2f} s ({result['copy_realtime_factor']}x realtime), "
          f"moviepy re-encode {t_moviepy:.2f} s -> copy is {result['speedup']}x faster")
    return result


if __name__ == "__main__":
    main()
