"""Stage 01 · the embedded demo data, generated offline and deterministically.

- A music library of 28 cues (20-40 s) spread over the four quadrants of the circumplex,
  written by :mod:`.composer` (60-180 BPM, major and minor, soft and loud, five
  instrumentations), each with its MIDI and the parameters it was made with in ``cues.json``.
- Three scenes of 10-12 s: a real smiling face moving slowly (``skimage.data.astronaut()``,
  public domain), a dark slow scene with no face, and a bright scene with fast motion and hard
  cuts at known times (``scenes.json`` lists them).

Everything is generated into :func:`config.demo_dir` (a cache, never committed) by
``make setup`` or on first use.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .. import config, media
from ..circumplex import quadrant
from ..frames import write_video
from .composer import compose_cue, params_dict, write_cue

SCENE_SIZE = (640, 360)


#: One word per quadrant for naming music (fer's face labels read oddly on music).
MOOD_WORDS = {"positive-high": "bright", "positive-low": "calm", "negative-high": "tense", "negative-low": "sad"}


SCENE_FPS = 25


#: (valence, arousal, seconds, instrument, file suffix) of each demo cue; seed = index.
DEMO_CUES: list[tuple[float, float, float, str, str]] = [
    # positive valence, high arousal: bright, driving
    (0.8, 0.9, 30, "brass", ".ogg"),
    (0.6, 0.6, 24, "synth", ".ogg"),
    (0.7, 0.4, 36, "piano", ".flac"),
    (0.4, 0.75, 28, "guitar", ".ogg"),
    (0.9, 0.3, 32, "strings", ".ogg"),
    (0.5, 1.0, 20, "synth", ".wav"),
    (0.3, 0.5, 40, "brass", ".ogg"),
    # positive valence, low arousal: calm, tender
    (0.6, -0.6, 34, "piano", ".ogg"),
    (0.8, -0.3, 26, "strings", ".ogg"),
    (0.4, -0.8, 38, "guitar", ".ogg"),
    (0.7, -0.5, 22, "synth", ".ogg"),
    (0.3, -0.4, 30, "strings", ".flac"),
    (0.5, -0.9, 36, "piano", ".ogg"),
    (0.9, -0.2, 28, "guitar", ".ogg"),
    # negative valence, high arousal: tense, aggressive
    (-0.7, 0.8, 30, "synth", ".ogg"),
    (-0.5, 0.6, 26, "strings", ".ogg"),
    (-0.8, 0.95, 22, "brass", ".ogg"),
    (-0.4, 0.4, 34, "piano", ".ogg"),
    (-0.9, 0.7, 38, "strings", ".wav"),
    (-0.6, 0.3, 24, "guitar", ".ogg"),
    (-0.3, 0.85, 32, "synth", ".ogg"),
    # negative valence, low arousal: sad, gloomy
    (-0.7, -0.7, 36, "piano", ".ogg"),
    (-0.5, -0.5, 28, "strings", ".ogg"),
    (-0.8, -0.9, 40, "synth", ".ogg"),
    (-0.4, -0.3, 24, "guitar", ".flac"),
    (-0.9, -0.4, 30, "strings", ".ogg"),
    (-0.6, -0.8, 32, "piano", ".ogg"),
    (-0.3, -0.6, 20, "strings", ".ogg"),
]


@dataclass
class DemoData:
    """Where the generated demo data lies."""

    root: Path
    library: Path
    scenes: dict[str, Path]


def build_demo_library(folder: Path) -> list[dict]:
    """Compose and render every cue of :data:`DEMO_CUES` into ``folder``; returns their parameters.

    Used by: :func:`ensure_demo_data`
    """
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (v, a, secs, inst, ext) in enumerate(DEMO_CUES):
        y, pm, p = compose_cue(v, a, secs, instrument=inst, seed=i)
        label = MOOD_WORDS[quadrant(v, a)]
        name = f"{i + 1:02d}_{label}_{inst}_{p.mode}_{int(p.tempo)}bpm{ext}"
        write_cue(folder / name, y, pm)
        rows.append({"file": name, "quadrant": quadrant(v, a), "label": label, **params_dict(p)})
    (folder / "cues.json").write_text(json.dumps(rows, indent=1))
    (folder / "licences.json").write_text(
        json.dumps({"*": "MIT (composed by DramaTune); rendered with the TimGM6mb.sf2 soundfont, GPL-2"}, indent=1)
    )
    return rows


def _noise(n: int, rng: np.random.Generator, smooth: int) -> np.ndarray:
    """White noise smoothed by a moving average (a crude low-pass: rumble, wind, room tone)."""
    x = rng.standard_normal(n + smooth)
    x = np.convolve(x, np.ones(smooth) / smooth, mode="valid")[:n]
    return (x / (np.abs(x).max() or 1)).astype(np.float32)


def _stereo(x: np.ndarray) -> np.ndarray:
    return np.stack([x, x], axis=1)


def _smile_frames(seconds: float):
    from skimage import data

    img = data.astronaut()  # RGB 512x512, public domain (NASA)
    n = int(seconds * SCENE_FPS)
    face_c = np.array([225.0, 115.0])  # centre of the face in the photo
    for i in range(n):
        t = i / max(1, n - 1)
        w = 512 - 180 * t  # slow zoom towards the face
        h = w * 9 / 16
        c = np.array([256.0, 200.0]) * (1 - t) + face_c * t
        x0 = int(np.clip(c[0] - w / 2, 0, 512 - w))
        y0 = int(np.clip(c[1] - h / 2, 0, 512 - h))
        crop = img[y0 : y0 + int(h), x0 : x0 + int(w)]
        yield cv2.resize(crop, SCENE_SIZE, interpolation=cv2.INTER_AREA)


def _night_frames(seconds: float):
    W, H = SCENE_SIZE
    n = int(seconds * SCENE_FPS)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    base = np.zeros((H, W, 3), np.float32)
    base[..., 2] = 10 + 18 * (1 - yy / H)  # faint blue sky, RGB
    base[..., 1] = 6 + 6 * (1 - yy / H)
    base[..., 0] = 4
    for i in range(n):
        t = i / SCENE_FPS
        f = base.copy()
        mx, my = 120 + 6 * t, 80 + 1.5 * t  # a pale moon drifting slowly
        moon = np.exp(-((xx - mx) ** 2 + (yy - my) ** 2) / (2 * 18**2))
        fog = 8 * (0.5 + 0.5 * np.sin(xx / 90 + t * 0.3)) * (yy / H)
        f += moon[..., None] * np.array([55, 55, 50]) + fog[..., None]
        yield np.clip(f, 0, 255).astype(np.uint8)


CHASE_SHOT = 1.25  # seconds between hard cuts in the chase scene


def _chase_frames(seconds: float, seed: int = 7):
    W, H = SCENE_SIZE
    n = int(seconds * SCENE_FPS)
    n_shots = int(seconds / CHASE_SHOT) + 1
    hues = [(k * 67) % 180 for k in range(n_shots)]  # well-separated hues, one per shot
    palettes = [cv2.cvtColor(np.array([[[h, 170, 250]]], dtype=np.uint8), cv2.COLOR_HSV2RGB)[0, 0] for h in hues]
    for i in range(n):
        t = i / SCENE_FPS
        shot = int(t // CHASE_SHOT)
        srng = np.random.default_rng(seed * 100 + shot)
        f = np.empty((H, W, 3), np.uint8)
        f[:] = palettes[shot]
        for k in range(6):  # fast objects crossing the frame
            speed = srng.uniform(500, 900) * (1 if k % 2 else -1)
            x = int((srng.uniform(0, W) + speed * t) % (W + 120)) - 60
            y = int(srng.uniform(20, H - 80))
            col = tuple(int(c) for c in srng.integers(0, 120, size=3))
            cv2.rectangle(f, (x, y), (x + 90, y + 60), col, -1)
        yield f


def build_demo_scenes(folder: Path, sr: int = 44100) -> dict[str, dict]:
    """Render the three demo scenes as H.264/AAC MP4 files; returns what each is and its cut times.

    Used by: :func:`ensure_demo_data`
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    scenes: dict[str, dict] = {}
    # 1. a smiling face moving slowly, quiet room tone
    secs = 12.0
    amb = 0.02 * _noise(int(secs * sr), rng, 40)
    write_video(folder / "smile.mp4", _smile_frames(secs), SCENE_SIZE, SCENE_FPS, _stereo(amb), sr)
    scenes["smile"] = {
        "file": "smile.mp4",
        "seconds": secs,
        "cuts": [],
        "what": "astronaut photo, slow zoom onto the smiling face; quiet room tone",
    }
    # 2. dark, slow, no face, low wind
    secs = 12.0
    wind = 0.05 * _noise(int(secs * sr), rng, 400) * (0.6 + 0.4 * np.sin(np.linspace(0, 3, int(secs * sr))))
    write_video(folder / "night.mp4", _night_frames(secs), SCENE_SIZE, SCENE_FPS, _stereo(wind.astype(np.float32)), sr)
    scenes["night"] = {
        "file": "night.mp4",
        "seconds": secs,
        "cuts": [],
        "what": "dark night sky, a moon drifting slowly, no face; low wind",
    }
    # 3. bright, fast motion, hard cuts; loud percussive hits
    secs = 10.0
    n = int(secs * sr)
    hits = np.zeros(n, np.float32)
    burst = _noise(int(0.08 * sr), rng, 3) * np.exp(-np.linspace(0, 8, int(0.08 * sr)))
    for t in np.arange(0, secs - 0.1, 60 / 150):
        i = int(t * sr)
        hits[i : i + burst.size] += 0.6 * burst
    write_video(folder / "chase.mp4", _chase_frames(secs), SCENE_SIZE, SCENE_FPS, _stereo(hits), sr)
    cuts = [round(CHASE_SHOT * k, 2) for k in range(1, int(secs / CHASE_SHOT)) if CHASE_SHOT * k < secs]
    scenes["chase"] = {
        "file": "chase.mp4",
        "seconds": secs,
        "cuts": cuts,
        "what": "bright colours, objects racing across, a hard cut every 1.25 s; loud hits",
    }
    (folder / "scenes.json").write_text(json.dumps(scenes, indent=1))
    return scenes


def ensure_demo_data(*, rebuild: bool = False) -> DemoData:
    """Return the demo data, generating it first if it is missing or incomplete.

    Notebook: 00, 01, 02, 03, 04, 06, 07
    """
    root = config.demo_dir()
    done = root / "COMPLETE"
    if rebuild or not done.exists():
        tmp = root.with_name(root.name + ".building")
        shutil.rmtree(tmp, ignore_errors=True)
        build_demo_library(tmp / "library")
        build_demo_scenes(tmp / "scenes")
        (tmp / "COMPLETE").write_text(time.strftime("%Y-%m-%d %H:%M:%S"))
        shutil.rmtree(root, ignore_errors=True)
        tmp.rename(root)
    scenes = json.loads((root / "scenes" / "scenes.json").read_text())
    return DemoData(
        root=root,
        library=root / "library",
        scenes={k: root / "scenes" / v["file"] for k, v in scenes.items()},
    )


def composed_cues_table(demo: DemoData):
    """The demo library's cues and the parameters they were composed with, as a DataFrame.

    Notebook: 01_dataset_prep.ipynb
    """
    import pandas as pd

    rows = json.loads((demo.library / "cues.json").read_text())
    cols = ["file", "quadrant", "valence", "arousal", "key", "tempo", "instrument", "percussion", "seconds"]
    return pd.DataFrame(rows)[cols]


def scene_table(demo: DemoData):
    """The demo scenes: what each shows, its length and its true cut times, as a DataFrame.

    Notebook: 01_dataset_prep.ipynb
    """
    import pandas as pd

    scenes = json.loads((demo.root / "scenes" / "scenes.json").read_text())
    return pd.DataFrame([{"scene": k, **v} for k, v in scenes.items()])


def demo_clip(demo: DemoData | None = None) -> Path:
    """The three demo scenes joined into one 34 s clip (smile, night, chase), for scoring a clip
    scene by scene; made once, beside the scenes.

    Notebook: 06_compose.ipynb
    """
    demo = demo or ensure_demo_data()
    out = demo.root / "scenes" / "clip.mp4"
    if not out.exists():
        parts = [demo.scenes[n] for n in ("smile", "night", "chase")]
        inputs = [a for p in parts for a in ("-i", str(p))]
        graph = "".join(f"[{i}:v][{i}:a]" for i in range(len(parts))) + f"concat=n={len(parts)}:v=1:a=1[v][a]"
        tmp = out.with_name(".clip.tmp.mp4")
        media.run_ffmpeg(
            [
                *inputs,
                "-filter_complex",
                graph,
                "-map",
                "[v]",
                "-map",
                "[a]",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                str(tmp),
            ],
            out,
        )
        tmp.replace(out)
    return out
