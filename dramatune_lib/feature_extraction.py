"""Stage 02: what a scene and a music track look and sound like, on the circumplex.

Scene analysis (:func:`analyze_scene`) streams a video once, samples frames at ``fps``
(default 2 per second) and reads four cues:

- **faces**: fer's seven class probabilities on each sampled frame, weighted by face area,
  mapped onto the circumplex (:data:`circumplex.EMOTION_VA`);
- **light**: brightness and saturation (bright and colourful -> pleasant and lively);
- **pace**: motion energy between sampled frames and hard cuts found by scenedetect;
- **sound**: the loudness of the scene's own audio (louder -> more aroused).

Track analysis (:func:`track_features`) measures tempo, key and mode, loudness (LUFS),
brightness and onset density, and places the track on the circumplex with music-psychology
priors: mode -> valence; tempo, loudness and onset density -> arousal. :func:`index_library`
runs it over a folder in parallel (joblib) with a cache keyed by path, size and mtime.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import sys
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from . import config
from .circumplex import Cue, clip_va, emotions_to_va, fuse, label_for
from .errors import BadInputError, DramaTuneError, EmptyLibraryError
from .media import audio_duration, decode_audio, load_audio, probe_scene, sample_frames
from .schema import CueReading, SceneProfile, TrackFeatures

#: Relative weight of each scene cue in the fusion (multiplied by the cue's confidence).
SCENE_WEIGHTS = {"faces": 0.45, "light": 0.2, "pace": 0.35, "sound": 0.2, "words": 0.35}
#: Which axes each cue speaks to: pace and loudness say nothing about valence; VADER's
#: lexicon rates valence only, so words say nothing about arousal.
CUE_AXES = {"faces": "va", "light": "va", "pace": "a", "sound": "a", "words": "v"}
#: Mean coarse frame difference (0.5 s apart) and cuts per minute that count as full pace.
MOTION_FULL = 0.15
CUTS_FULL = 40.0


# --- faces -------------------------------------------------------------------------------

def load_fer():
    """Import fer's ``FER`` class, running its TFLite model on LiteRT (``ai-edge-litert``).

    fer 25.10.3 imports ``tensorflow`` at module level only to reach ``tf.lite.Interpreter``
    (and Keras, which its default tflite path never uses). When TensorFlow is not installed,
    ``tensorflow`` is bound for the duration of that import to a tiny module whose
    ``lite.Interpreter`` is LiteRT's interpreter, the same TFLite runtime, 0.4 s to import
    instead of 6-8 s, then removed from ``sys.modules`` so no other library mistakes it for
    TensorFlow. With TensorFlow installed, fer uses it unchanged.

    Notebook: 02_feature_extraction.ipynb
    """
    if "fer.fer" in sys.modules:
        return sys.modules["fer.fer"].FER
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    shim_names = ("tensorflow", "tensorflow.keras", "tensorflow.keras.models")
    try:
        import tensorflow  # noqa: F401
        shimmed = False
    except ImportError:
        from ai_edge_litert.interpreter import Interpreter

        def load_model(*_a, **_k):
            raise DramaTuneError("fer's Keras model needs TensorFlow; DramaTune uses its TFLite model")

        tf = types.ModuleType("tensorflow")
        tf.lite = types.SimpleNamespace(Interpreter=Interpreter)
        keras = types.ModuleType("tensorflow.keras")
        models = types.ModuleType("tensorflow.keras.models")
        models.load_model = load_model
        keras.models = models
        tf.keras = keras
        sys.modules.update(dict(zip(shim_names, (tf, keras, models))))
        shimmed = True
    try:
        with warnings.catch_warnings():  # fer's "import pkg_resources" warns about deprecation
            warnings.simplefilter("ignore")
            from fer.fer import FER
    finally:
        if shimmed:
            for name in shim_names:
                sys.modules.pop(name, None)
        root.setLevel(root_level)  # fer calls logging.basicConfig(level=INFO) on import
        root.handlers[:] = root_handlers
        logging.getLogger("fer").setLevel(logging.WARNING)
    return FER


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ runtime's one-off "Created TensorFlow Lite XNNPACK delegate" line."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def face_detector():
    """A ready fer detector (Haar cascade + the tflite emotion model on LiteRT).

    Notebook: 02_feature_extraction.ipynb
    """
    fer_cls = load_fer()
    with _quiet_stderr():
        det = fer_cls()
        det.detect_emotions(np.full((64, 64, 3), 128, np.uint8))  # builds the interpreter now
    return det


@dataclass
class FaceReading:
    """fer's reading of one frame: area-weighted class probabilities, or none."""

    probs: dict[str, float] = field(default_factory=dict)
    face_area: float = 0.0  # share of the frame covered by faces


def read_faces(detector, frame_bgr: np.ndarray) -> FaceReading:
    """Run fer on one frame and weight each face's probabilities by its area.

    Notebook: 02_feature_extraction.ipynb
    """
    found = detector.detect_emotions(frame_bgr)
    if not found:
        return FaceReading()
    h, w = frame_bgr.shape[:2]
    total = sum(float(f["box"][2] * f["box"][3]) for f in found)
    probs: dict[str, float] = {}
    for f in found:
        a = float(f["box"][2] * f["box"][3]) / total
        for k, p in f["emotions"].items():
            probs[k] = probs.get(k, 0.0) + a * float(p)
    return FaceReading(probs=probs, face_area=total / (h * w))


# --- words -------------------------------------------------------------------------------

@dataclass
class Line:
    """One subtitle (or the whole script) with its time span in seconds."""

    start: float
    end: float
    text: str


def read_subtitles(path: str | Path) -> list[Line]:
    """Read an ``.srt`` file, or a plain-text script (``.txt``: one span over the whole scene).

    Raises :class:`BadInputError` for a missing, unreadable or malformed file, naming the
    problem and what to do.

    Notebook: 02_feature_extraction.ipynb
    """
    import srt

    path = Path(path)
    if not path.is_file():
        raise BadInputError(path, "subtitle file not found — check the path")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):  # most .srt files are UTF-8; older ones Windows-1252
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadInputError(path, "cannot be read as text — save it as UTF-8")
    if path.suffix.lower() != ".srt":
        body = " ".join(text.split())
        if not body:
            raise BadInputError(path, "is empty — give the scene's dialogue or script")
        return [Line(0.0, math.inf, body)]
    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as e:
        where = text[: e.actual_start].count("\n") + 1
        raise BadInputError(path, f"is not a valid .srt file (near line {where}) — each subtitle needs a number, "
                                  "a '00:00:01,000 --> 00:00:02,000' line and its text") from None
    lines = [Line(s.start.total_seconds(), s.end.total_seconds(), " ".join(s.content.split())) for s in subs]
    lines = [ln for ln in lines if ln.text and ln.end > ln.start]
    if not lines:
        raise BadInputError(path, "holds no subtitles")
    return lines


def words_cue(lines: list[Line], duration: float) -> tuple[Cue, list[tuple[float, float, float]]]:
    """The words cue: each line's valence from VADER's lexicon (Hutto & Gilbert 2014, shipped in
    ``vaderSentiment``), weighted by how long it is on screen within the scene.

    Returns the cue and ``(start, end, valence)`` per line inside the scene. Lines after the
    scene's end are left out and said so; a cue with no line inside the scene has confidence 0.

    Notebook: 02_feature_extraction.ipynb
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    sia = SentimentIntensityAnalyzer()
    placed = []
    for ln in lines:
        a, b = max(0.0, ln.start), min(duration, ln.end)
        if b > a:
            placed.append((a, b, float(sia.polarity_scores(ln.text)["compound"])))
    late = sum(1 for ln in lines if ln.start >= duration)
    if not placed:
        return Cue("words", 0.0, 0.0, 0.0, SCENE_WEIGHTS["words"],
                   f"all {len(lines)} subtitles start after the scene ends — are they for this video?"), []
    span = sum(b - a for a, b, _ in placed)
    v = sum((b - a) * val for a, b, val in placed) / span
    coverage = min(1.0, span / duration)
    detail = f"{len(placed)} lines on {coverage:.0%} of the scene"
    if late:
        detail += f"; {late} after its end left out"
    return Cue("words", clip_va(v), 0.0, 0.3 + 0.5 * coverage, SCENE_WEIGHTS["words"], detail), placed


# --- scenes --------------------------------------------------------------------------------

def find_cuts(path: str | Path) -> list[float]:
    """Hard cut times in seconds, by scenedetect's content detector.

    Notebook: 02_feature_extraction.ipynb
    """
    from scenedetect import ContentDetector, detect

    scenes = detect(str(path), ContentDetector(), show_progress=False)
    return [round(s[0].seconds, 3) for s in scenes[1:]]


def light_cue(brightness: float, colourfulness: float) -> Cue:
    """Light and colour as a cue: bright, colourful pictures read pleasant and lively.

    Notebook: 02_feature_extraction.ipynb
    """
    v = clip_va(2.2 * (brightness - 0.4) + 1.0 * (colourfulness - 0.2))
    a = clip_va(1.0 * (brightness - 0.4) + 2.0 * (colourfulness - 0.2))
    return Cue("light", v, a, 0.5, SCENE_WEIGHTS["light"],
               f"brightness {brightness:.2f}, colourfulness {colourfulness:.2f}")


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    return 20 * math.log10(max(rms, 1e-6))


def analyze_scene(
    path: str | Path, *, fps: float = 2.0, detector=None, progress=None,
    subtitles: str | Path | None = None,
) -> SceneProfile:
    """Analyse a scene: faces, light, pace, cuts, sound and (given subtitles) words, fused on
    the circumplex.

    ``subtitles`` is an ``.srt`` file or a plain-text script. ``progress``, if given, is called
    with a fraction in [0, 1] as frames are read.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    info = probe_scene(path)
    lines = read_subtitles(subtitles) if subtitles else None  # a bad file fails before any work
    if detector is None:
        detector = face_detector()
    times, faces, motion, bright, sat = [], [], [], [], []
    prev = None
    for t, frame in sample_frames(path, fps=fps):
        times.append(t)
        faces.append(read_faces(detector, frame))
        # motion on a coarse 40x23 image: a slow camera move over texture barely registers,
        # objects racing across the frame do
        small = cv2.resize(frame, (40, 23), interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255
        motion.append(float(np.abs(gray - prev).mean()) if prev is not None else 0.0)
        prev = gray
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV).astype(np.float32) / 255
        bright.append(float(hsv[..., 2].mean()))
        sat.append(float((hsv[..., 1] * hsv[..., 2]).mean()))  # colourfulness: saturated *and* lit
        if progress and info.duration:
            progress(min(0.9, 0.9 * t / info.duration))
    if not times:
        raise BadInputError(path, "no frame could be decoded — the file may be truncated or damaged")
    decoded = times[-1] + 1.0 / fps
    if info.duration > 1.0 and decoded < 0.8 * info.duration:
        raise BadInputError(path, f"is truncated or damaged: only {decoded:.1f} s of its {info.duration:.1f} s "
                                  "could be decoded — export or download it again")
    duration = max(info.duration, times[-1])
    cuts = [c for c in find_cuts(path) if c < duration]
    cpm = 60.0 * len(cuts) / duration

    # faces
    with_face = [f for f in faces if f.probs]
    face_share = len(with_face) / len(faces)
    face_probs: dict[str, float] = {}
    for f in with_face:
        for k, p in f.probs.items():
            face_probs[k] = face_probs.get(k, 0.0) + p / len(with_face)
    cues: list[Cue] = []
    if with_face:
        fv, fa = emotions_to_va(face_probs)
        certainty = float(np.mean([max(f.probs.values()) for f in with_face]))
        top = max(face_probs, key=face_probs.get)
        cues.append(Cue("faces", fv, fa, face_share * certainty, SCENE_WEIGHTS["faces"],
                        f"face in {face_share:.0%} of frames, mostly {top}"))
    else:
        cues.append(Cue("faces", 0.0, 0.0, 0.0, SCENE_WEIGHTS["faces"], "no face found"))
    # light
    b, s = float(np.mean(bright)), float(np.mean(sat))
    cues.append(light_cue(b, s))
    # pace: motion between frames half a second apart, and cuts per minute
    m = float(np.mean(motion[1:])) if len(motion) > 1 else 0.0
    pace = float(np.clip(0.6 * min(1.0, m / MOTION_FULL) + 0.4 * min(1.0, cpm / CUTS_FULL), 0, 1))
    cues.append(Cue("pace", 0.0, 2 * pace - 1, 0.7, SCENE_WEIGHTS["pace"],
                    f"motion {m:.3f}, {cpm:.0f} cuts/min"))
    # sound
    loud = None
    if info.has_audio:
        try:
            y = decode_audio(path, sr=16000)
        except BadInputError:
            y = np.zeros(0, np.float32)
        if y.size:
            loud = _db(y)
            cues.append(Cue("sound", 0.0, clip_va((loud + 35) / 20), 0.5, SCENE_WEIGHTS["sound"],
                            f"scene audio at {loud:.0f} dBFS"))
    if loud is None:
        cues.append(Cue("sound", 0.0, 0.0, 0.0, SCENE_WEIGHTS["sound"], "no audio"))

    placed: list[tuple[float, float, float]] = []
    if lines is not None:
        wcue, placed = words_cue(lines, duration)
        cues.append(wcue)
    v, a, conf = fuse_axes(cues)
    timeline = _timeline(times, faces, motion, bright, sat, duration, placed)
    lo = 60 + 60 * (a + 1) / 2 + 40 * pace
    if progress:
        progress(1.0)
    return SceneProfile(
        path=str(path), duration=round(duration, 3), fps=info.fps, width=info.width,
        height=info.height, has_audio=loud is not None, valence=round(v, 3), arousal=round(a, 3),
        confidence=round(conf, 3), emotion=label_for(v, a), pace=round(pace, 3),
        target_tempo=(round(lo), round(lo * 1.25)), face_share=round(face_share, 3),
        brightness=round(b, 3), cut_times=cuts, cuts_per_minute=round(cpm, 1),
        loudness_db=None if loud is None else round(loud, 1),
        face_emotions={k: round(p, 3) for k, p in face_probs.items()},
        cues=[CueReading(c.name, round(c.valence, 3), round(c.arousal, 3), round(c.confidence, 3), c.weight, c.detail)
              for c in cues],
        timeline=timeline,
    )


def fuse_axes(cues: list[Cue]) -> tuple[float, float, float]:
    """Fuse scene cues, letting each speak only to the axes in :data:`CUE_AXES`.

    Notebook: 02_feature_extraction.ipynb
    """
    v, _, cv = fuse([c for c in cues if "v" in CUE_AXES.get(c.name, "va")])
    _, a, ca = fuse([c for c in cues if "a" in CUE_AXES.get(c.name, "va")])
    return v, a, (cv + ca) / 2


def _timeline(times, faces, motion, bright, sat, duration, placed=()) -> list[list[float]]:
    """Per-second (t, valence, arousal, confidence) from the sampled frames."""
    out = []
    for sec in range(int(math.ceil(duration))):
        idx = [i for i, t in enumerate(times) if sec <= t < sec + 1]
        if not idx:
            continue
        fprobs: dict[str, float] = {}
        nf = 0
        for i in idx:
            if faces[i].probs:
                nf += 1
                for k, p in faces[i].probs.items():
                    fprobs[k] = fprobs.get(k, 0.0) + p
        cues = []
        if nf:
            fv, fa = emotions_to_va(fprobs)
            cues.append(Cue("faces", fv, fa, nf / len(idx), SCENE_WEIGHTS["faces"]))
        b, s = float(np.mean([bright[i] for i in idx])), float(np.mean([sat[i] for i in idx]))
        cues.append(light_cue(b, s))
        m = float(np.mean([motion[i] for i in idx if i > 0] or [0.0]))
        cues.append(Cue("pace", 0.0, clip_va(2 * min(1.0, m / MOTION_FULL) - 1), 0.7, SCENE_WEIGHTS["pace"]))
        spoken = [(min(b, sec + 1) - max(a, sec), val) for a, b, val in placed if a < sec + 1 and b > sec]
        if spoken:
            w = sum(t for t, _ in spoken)
            cues.append(Cue("words", sum(t * val for t, val in spoken) / w, 0.0, 0.3 + 0.5 * min(1.0, w),
                            SCENE_WEIGHTS["words"]))
        v, a, c = fuse_axes(cues)
        out.append([float(sec), round(v, 3), round(a, 3), round(c, 3)])
    return out


# --- music ---------------------------------------------------------------------------------

# Krumhansl & Kessler (1982) key profiles, C major / C minor.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FEATURES_VERSION = 3
SR = 22050
#: Longest stretch of a track that is analysed: a 2-hour mix is measured on its first 5 minutes
#: (whole, it took 72 s and 21 GB of memory here).
MAX_ANALYSIS_SECONDS = 300.0
HOP = 256  # librosa's default 512 reads a 120 BPM click track as 117 BPM at 22.05 kHz


def estimate_key(chroma_mean: np.ndarray) -> tuple[str, str, float]:
    """Key, mode and mode strength from a mean chroma vector (Krumhansl-Kessler profiles).

    Strength is the correlation margin of the best key of the chosen mode over the best key of
    the other mode: near 0 means the mode is ambiguous.

    Notebook: 02_feature_extraction.ipynb
    """
    best = {}
    for mode, prof in (("major", _KK_MAJOR), ("minor", _KK_MINOR)):
        corrs = [np.corrcoef(np.roll(prof, k), chroma_mean)[0, 1] for k in range(12)]
        k = int(np.nanargmax(corrs))
        best[mode] = (float(corrs[k]), k)
    mode = "major" if best["major"][0] >= best["minor"][0] else "minor"
    other = "minor" if mode == "major" else "major"
    return _NOTES[best[mode][1]], mode, float(best[mode][0] - best[other][0])


def music_va(mode: str, mode_strength: float, tempo: float, lufs: float, onset_density: float,
             centroid_hz: float) -> tuple[float, float]:
    """Place a track on the circumplex with music-psychology priors.

    Valence: mode (major pleasant, minor sad; Hevner 1935, Gabrielsson & Lindström 2010),
    scaled by how clear the mode is, nudged by tempo and brightness. Arousal: tempo, loudness
    and onset density (Gabrielsson & Lindström 2010). Issue #4 replaces these priors with a
    model trained on labelled audio.

    Notebook: 02_feature_extraction.ipynb
    """
    sign = 1.0 if mode == "major" else -1.0
    t = float(np.clip((tempo - 60) / 120, 0, 1)) if tempo > 0 else 0.0
    loud = float(np.clip((lufs + 32) / 20, 0, 1)) if np.isfinite(lufs) else 0.0
    dens = float(np.clip(onset_density / 6, 0, 1))
    bright = float(np.clip((centroid_hz - 800) / 2400, 0, 1))
    valence = 0.75 * sign * min(1.0, 0.3 + 4 * max(0.0, mode_strength)) + 0.15 * (2 * t - 1) + 0.1 * (2 * bright - 1)
    arousal = 2 * (0.35 * t + 0.4 * loud + 0.25 * dens) - 1
    return clip_va(valence), clip_va(arousal)


def track_features(path: str | Path) -> TrackFeatures:
    """Measure one track and place it on the circumplex.

    Raises :class:`BadInputError` for a file that cannot be decoded, is silent or lasts under
    a quarter of a second. Only the first :data:`MAX_ANALYSIS_SECONDS` are analysed.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa
    import pyloudnorm

    path = Path(path)
    y = load_audio(path, sr=SR, mono=True, max_seconds=MAX_ANALYSIS_SECONDS)
    analysed = y.size / SR
    duration = audio_duration(path) if analysed >= MAX_ANALYSIS_SECONDS - 1 else analysed
    title = path.stem.replace("_", " ")
    if analysed < 0.25:
        raise BadInputError(path, f"is too short to use as music ({analysed:.2f} s) — skipped")
    if float(np.abs(y).max()) < 1e-4:
        raise BadInputError(path, "is silent — skipped")
    oenv = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP)
    tempo = float(librosa.feature.tempo(onset_envelope=oenv, sr=SR, hop_length=HOP)[0])
    onsets = librosa.onset.onset_detect(onset_envelope=oenv, sr=SR, hop_length=HOP)
    chroma = librosa.feature.chroma_stft(y=y, sr=SR, hop_length=2048)
    key, mode, strength = estimate_key(chroma.mean(axis=1))
    meter = pyloudnorm.Meter(SR)
    lufs = float(meter.integrated_loudness(y)) if analysed >= 0.5 else _db(y) - 0.7
    lufs = lufs if np.isfinite(lufs) else -70.0
    centroid = float(np.mean(librosa.feature.spectral_centroid(y=y, sr=SR, hop_length=2048)))
    density = len(onsets) / analysed
    v, a = music_va(mode, strength, tempo, lufs, density, centroid)
    return TrackFeatures(
        path=str(path), title=title, duration=round(duration, 3), tempo=round(tempo, 1),
        key=key, mode=mode, mode_strength=round(strength, 3), loudness_lufs=round(lufs, 1),
        centroid_hz=round(centroid, 1), onset_density=round(density, 2),
        valence=round(v, 3), arousal=round(a, 3), emotion=label_for(v, a),
        analysed_seconds=round(analysed, 3),
    )


@dataclass
class LibraryIndex:
    """The indexed tracks of a folder, and the files that could not be used."""

    folder: str
    tracks: list[TrackFeatures]
    skipped: list[tuple[str, str]]  # (path, reason)
    ignored: int = 0  # files that are not audio (.txt, .mid, ...)

    def to_dict(self) -> dict:
        """JSON-ready form for ``dramatune index --json``."""
        return {"folder": self.folder, "tracks": [t.to_dict() for t in self.tracks],
                "skipped": [{"path": p, "reason": r} for p, r in self.skipped], "ignored": self.ignored}


def _safe_features(path: str) -> tuple[str, TrackFeatures | None, str]:
    try:
        tf = track_features(path)
    except DramaTuneError as e:
        return path, None, str(e)
    except Exception as e:  # a decoder's own error: report, never crash the index
        return path, None, f"{Path(path).name}: cannot analyse — {type(e).__name__}: {e}".splitlines()[0]
    return path, tf, ""


def _cache_file(folder: Path) -> Path:
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    d = config.cache_dir() / "index"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{key}.json"


def index_library(folder: str | Path, *, n_jobs: int = -1, progress: bool = False) -> LibraryIndex:
    """Index every audio file under ``folder`` (recursively), in parallel, with a cache.

    The cache is keyed by path, size and modification time, so re-indexing analyses only new or
    changed files. Files that fail to decode are listed in ``skipped`` with their reason.

    Notebook: 02_feature_extraction.ipynb
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError(folder, "is not a folder — give the folder that holds your music")
    files, ignored = [], 0
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            if p.suffix.lower() in config.AUDIO_EXTENSIONS:
                files.append(p)
            else:
                ignored += 1
    cache_path = _cache_file(folder)
    try:
        cache = json.loads(cache_path.read_text())
        if cache.get("version") != FEATURES_VERSION:
            cache = {}
    except (OSError, ValueError):
        cache = {}
    entries = cache.get("entries", {})
    stamps = {str(p): [p.stat().st_size, p.stat().st_mtime] for p in files}
    todo = [str(p) for p in files if entries.get(str(p), {}).get("stamp") != stamps[str(p)]]
    if todo:
        it = tqdm(todo, desc="indexing", unit="track", disable=None if progress else True)
        if len(todo) < 4 or n_jobs == 1:
            results = [_safe_features(p) for p in it]
        else:
            results = Parallel(n_jobs=n_jobs)(delayed(_safe_features)(p) for p in it)
        for p, tf, err in results:
            entries[p] = {"stamp": stamps[p], "features": tf.to_dict() if tf else None, "error": err}
    entries = {p: e for p, e in entries.items() if p in stamps}
    tmp = cache_path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": FEATURES_VERSION, "entries": entries}))
    tmp.replace(cache_path)
    tracks = [TrackFeatures.from_dict(e["features"]) for p, e in entries.items() if e["features"]]
    skipped = [(p, e["error"]) for p, e in entries.items() if not e["features"]]
    if not tracks:
        why = f"{len(skipped)} audio files could not be used" if skipped else "no audio files found"
        raise EmptyLibraryError(f"{folder}: {why} ({', '.join(config.AUDIO_EXTENSIONS)}) — add music to this folder")
    return LibraryIndex(folder=str(folder), tracks=tracks, skipped=skipped, ignored=ignored)


def cue_table(profile: SceneProfile):
    """Each cue's reading of a scene (valence, arousal, confidence, weight) as a DataFrame.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    return pd.DataFrame([c.to_dict() for c in profile.cues])


def library_table(index: LibraryIndex):
    """The indexed tracks as a DataFrame, one row a track.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    cols = ["title", "duration", "tempo", "key", "mode", "loudness_lufs", "onset_density", "valence", "arousal", "emotion"]
    return pd.DataFrame([t.to_dict() for t in index.tracks])[cols]


def quadrant_agreement(index: LibraryIndex, cues_json: str | Path):
    """Compare each composed cue's intended quadrant with the one its measured features give.

    Returns ``(table, share_agreeing)``: a check that the feature priors read music the way the
    composer meant it.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    from .circumplex import quadrant

    meant = {r["file"]: r for r in json.loads(Path(cues_json).read_text())}
    rows = []
    for t in index.tracks:
        m = meant.get(Path(t.path).name)
        if m:
            rows.append({"file": Path(t.path).name, "meant": m["quadrant"], "measured": quadrant(t.valence, t.arousal),
                         "tempo_meant": m["tempo"], "tempo_measured": t.tempo, "mode_meant": m["mode"], "mode_measured": t.mode})
    table = pd.DataFrame(rows)
    share = float((table["meant"] == table["measured"]).mean()) if len(table) else 0.0
    return table, share
