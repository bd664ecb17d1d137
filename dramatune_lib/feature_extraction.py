"""Stage 02: what a scene and a music track look and sound like, on the circumplex.

Scene analysis (:func:`analyze_scene`) streams a video once, samples frames at ``fps``
(default 2 per second) and reads four cues:

- **faces**: fer's seven class probabilities on each sampled frame, weighted by face area,
  mapped onto the circumplex (:data:`circumplex.EMOTION_VA`);
- **light**: brightness and saturation (bright -> pleasant, saturated -> lively), and dim or
  low-key lighting by its colour temperature (warm -> intimate, cold -> gloomy or menacing);
- **pace**: motion energy between sampled frames and hard cuts found by scenedetect;
- **sound**: the loudness of the scene's own audio (louder -> more aroused).

Track analysis (:func:`track_features`) measures tempo, beats and bars, key and mode, loudness
(LUFS) and loudness range, brightness, onset density, energy and danceability, sound descriptors
that ignore the mastering level (:func:`sound_descriptors`) and the track's tags.
:func:`index_library` runs it over a folder in parallel (joblib) with a cache keyed by path, size
and mtime, then :func:`place_tracks` puts each track on the circumplex: the music model trained in
notebook 03 (or the music-psychology priors of :func:`music_va`: mode -> valence; tempo, loudness
and onset density -> arousal), the words that come with the track, a confidence per axis, and each
track's rank within its library.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from . import config
from .circumplex import Cue, clip_va, emotions_to_va, fuse, label_for, mood_for
from .errors import BadInputError, DramaTuneError, EmptyLibraryError
from .parallel import parallel_map
from .media import audio_duration, decode_audio, hann, load_audio, probe_scene, sample_due, stream_frames_sampled
from .schema import CueReading, SceneProfile, TrackFeatures

#: Relative weight of each scene cue in the fusion (multiplied by the cue's confidence).
SCENE_WEIGHTS = {"faces": 0.45, "light": 0.2, "pace": 0.35, "sound": 0.2, "words": 0.35, "music": 0.3, "voice": 0.25}
#: Which axes each cue speaks to: pace and loudness say nothing about valence; VADER's
#: lexicon rates valence only, so words say nothing about arousal.
CUE_AXES = {"faces": "va", "light": "va", "pace": "a", "sound": "a", "words": "v", "music": "va", "voice": "a"}
#: Optical-flow speed (frame widths per second) and cuts per minute that count as full pace.
MOTION_FULL = 0.3
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
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # (x, y, w, h) in the frame


def read_faces(detector, frame_bgr: np.ndarray) -> FaceReading:
    """Run fer on one frame and weight each face's probabilities by its area.

    Notebook: 02_feature_extraction.ipynb
    """
    h, w = frame_bgr.shape[:2]
    return _face_reading(detector.detect_emotions(frame_bgr), h, w)


# --- words -------------------------------------------------------------------------------

@dataclass
class Line:
    """One subtitle (or the whole script) with its time span in seconds."""

    start: float
    end: float
    text: str


#: Byte-order marks and the encodings they announce, longest first (UTF-32's mark starts like UTF-16's).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xef\xbb\xbf", "utf-8-sig"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_text(raw: bytes) -> str | None:
    """Text from a subtitle or script file's bytes: the encoding its byte-order mark names, else
    UTF-8, else Windows-1252 (which reads Latin-1's letters too); text with zero bytes (UTF-16 or
    UTF-32 without a mark) as charset-normalizer detects it; None for bytes that are not text.

    Notebook: 02_feature_extraction.ipynb
    """
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(enc.replace("-sig", ""))
            except UnicodeDecodeError:
                return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" not in raw:
        try:  # the usual legacy encoding of Western subtitles (and a superset of Latin-1's letters)
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return None  # bytes no Western code page uses: a detector would only guess (Korean, say)
    from charset_normalizer import from_bytes  # zero bytes: UTF-16 or UTF-32 without a mark

    best = from_bytes(raw).best()
    if best is None or not best.encoding:
        return None
    text = str(best)
    control = sum(1 for ch in text if not ch.isprintable() and ch not in "\n\r\t")
    return text if control <= 0.05 * max(1, len(text)) else None  # control bytes: not text


def read_subtitles(path: str | Path) -> list[Line]:
    """Read an ``.srt`` file, or a plain-text script (``.txt``: one span over the whole scene).

    Raises :class:`BadInputError` for a missing, unreadable or malformed file, naming the
    problem and what to do.

    Notebook: 02_feature_extraction.ipynb
    """
    import srt

    path = Path(path)
    if path.is_dir():
        raise BadInputError(path, "is a folder, not a subtitle file — give the .srt (or .txt script) inside it")
    if path.is_symlink() and not path.exists():
        raise BadInputError(path, "is a link that leads nowhere (or back to itself) — give the subtitle file itself")
    if not path.is_file():
        raise BadInputError(path, "subtitle file not found — check the path")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BadInputError(path, f"cannot be read ({e.strerror}) — check its permissions") from None
    text = decode_text(raw)
    if text is None:
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
        raise BadInputError(path, "holds no subtitles — each needs a number, a time line and some text; or give "
                                  "the dialogue as a .txt script")
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


# --- the scene's own sound ----------------------------------------------------------------------

#: What the scene's own sound is, second by second (Karydis' music / speech / other, plus silence).
SOUND_CLASSES = ("music", "speech", "other")
SOUND_SR = 16000
#: Short-term window and step (50 ms / 25 ms) and the mid-term window (1 s), as in the thesis.
ST_WIN, ST_STEP, MT_WIN = 0.050, 0.025, 1.0
#: A second quieter than this (dBFS RMS) is "silence": nothing to classify.
SILENCE_DB = -55.0
#: Names of the 34 short-term features; each mid-term window holds their mean and std (68).
ST_FEATURES = (["zcr", "energy", "energy_entropy", "spectral_centroid", "spectral_spread", "spectral_entropy",
                "spectral_flux", "spectral_rolloff"] + [f"mfcc_{i}" for i in range(1, 14)]
               + [f"chroma_{i}" for i in range(1, 13)] + ["chroma_std"])


def _entropy(parts: np.ndarray, axis: int) -> np.ndarray:
    p = parts / (parts.sum(axis=axis, keepdims=True) + 1e-12)
    return -(p * np.log2(p + 1e-12)).sum(axis=axis)


def filterbanks(sr: int = SOUND_SR) -> tuple[np.ndarray, np.ndarray]:
    """librosa's 40-band mel and 12-bin chroma filterbanks for the 50 ms window at ``sr``: the
    trained sound model stores them (:class:`SoundClassifier`), so hearing a scene needs no librosa.

    Notebook: 03_training.ipynb
    """
    import librosa

    win = int(ST_WIN * sr)
    return (librosa.filters.mel(sr=sr, n_fft=win, n_mels=40),
            librosa.filters.chroma(sr=sr, n_fft=win, tuning=0.0, n_chroma=12))


def dct_matrix(n: int, k: int) -> np.ndarray:
    """The first ``k`` rows of the orthonormal DCT-II on ``n`` points (what librosa's MFCC applies
    through ``scipy.fft.dct(norm="ortho")``; a matrix spares a new process scipy.fft's 0.2 s import).

    Notebook: 03_training.ipynb
    """
    m = np.cos(np.pi / n * (np.arange(n)[None, :] + 0.5) * np.arange(k)[:, None]) * np.sqrt(2.0 / n)
    m[0] /= np.sqrt(2.0)
    return m


def short_term_features(y: np.ndarray, sr: int = SOUND_SR,
                        banks: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The thesis' 34 short-term features on 50 ms windows every 25 ms, shape ``(frames, 34)``.

    Zero-crossing rate, energy, energy entropy (10 sub-frames), spectral centroid and spread
    (as fractions of the Nyquist frequency), spectral entropy (10 sub-bands), spectral flux,
    90 % roll-off, 13 MFCCs, 12 chroma bins and their standard deviation: the set of
    pyAudioAnalysis that Karydis used, computed here vectorised with numpy, on librosa's mel
    and chroma filterbanks (``banks``, from :func:`filterbanks` when not given).

    Notebook: 03_training.ipynb
    """
    win, hop = int(ST_WIN * sr), int(ST_STEP * sr)
    mel_fb, chroma_fb = banks if banks is not None else filterbanks(sr)
    y = np.asarray(y, dtype=np.float32)
    if y.size < win:
        y = np.pad(y, (0, win - y.size))
    frames = np.lib.stride_tricks.sliding_window_view(y, win)[::hop].T  # (win, n), as librosa.util.frame
    n = frames.shape[1]
    zcr = (np.abs(np.diff(np.sign(frames), axis=0)) > 0).mean(axis=0)
    energy = (frames ** 2).mean(axis=0)
    sub = frames[: win // 10 * 10].reshape(10, win // 10, n)
    e_entropy = _entropy((sub ** 2).sum(axis=1), axis=0)
    mag = np.abs(np.fft.rfft(frames * np.hamming(win)[:, None], axis=0))  # (bins, n)
    mag /= mag.shape[0]
    freqs = np.arange(mag.shape[0]) * (sr / 2) / mag.shape[0]
    total = mag.sum(axis=0) + 1e-12
    centroid = (freqs[:, None] * mag).sum(axis=0) / total
    spread = np.sqrt((((freqs[:, None] - centroid) ** 2) * mag).sum(axis=0) / total)
    bands = mag[: mag.shape[0] // 10 * 10].reshape(10, -1, n)
    s_entropy = _entropy((bands ** 2).sum(axis=1), axis=0)
    norm = mag / total
    flux = np.r_[0.0, ((norm[:, 1:] - norm[:, :-1]) ** 2).sum(axis=0)]
    cum = np.cumsum(mag ** 2, axis=0)
    rolloff = (cum < 0.9 * cum[-1]).sum(axis=0) / mag.shape[0]
    power = mag ** 2
    # librosa.power_to_db(mel + 1e-10) (floor 1e-10, 80 dB below the peak), then its MFCC's DCT
    db = 10 * np.log10(np.maximum(mel_fb @ power + 1e-10, 1e-10))
    db = np.maximum(db, db.max() - 80.0)
    mfcc = dct_matrix(db.shape[0], 13) @ db
    chroma = chroma_fb @ power  # librosa.feature.chroma_stft: each frame scaled to a peak of 1 ...
    peak = chroma.max(axis=0, keepdims=True)
    chroma = chroma / np.where(peak > np.finfo(chroma.dtype).tiny, peak, 1.0)
    chroma = chroma / (chroma.sum(axis=0, keepdims=True) + 1e-12)  # ... then to a sum of 1
    nyq = sr / 2
    out = np.vstack([zcr, energy, e_entropy, centroid / nyq, spread / nyq, s_entropy, flux, rolloff,
                     mfcc, chroma, chroma.std(axis=0)])
    return out.T.astype(np.float32)


def mid_term_features(y: np.ndarray, sr: int = SOUND_SR,
                      banks: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Mean and standard deviation of the short-term features over each whole second:
    shape ``(seconds, 68)`` (a last part shorter than half a second is dropped).

    Notebook: 03_training.ipynb
    """
    per = int(round(MT_WIN / ST_STEP))
    n = max(1, int(round(len(y) / sr / MT_WIN)))
    rows = []
    chunk = 60  # seconds at a time: a 10-minute scene never holds all its spectra at once
    for c0 in range(0, n, chunk):
        st = short_term_features(y[c0 * sr:(c0 + chunk) * sr], sr, banks)
        for k in range(min(chunk, n - c0)):
            block = st[k * per:(k + 1) * per]
            if len(block) == 0:
                break
            rows.append(np.r_[block.mean(axis=0), block.std(axis=0)])
    return np.array(rows, dtype=np.float32)


def sound_model_path() -> Path:
    """Where the trained music/speech/other classifier lives (``models/sound_classes.npz``).

    Notebook: 03_training.ipynb
    """
    return config.PROJECT_ROOT / "models" / "sound_classes.npz"


@dataclass
class SoundClassifier:
    """The trained sound classifier as plain numbers: scikit-learn's scaler + RBF SVM, predicting
    as libsvm does (one-vs-one votes, ties to the first class), so a new process needs numpy
    alone, not scikit-learn's 1 s import (issue #17). ``from_pipeline`` is checked label for
    label against scikit-learn in ``tests/test_feature_extraction.py``.
    """

    mean: np.ndarray  # the scaler's, per feature
    scale: np.ndarray
    support: np.ndarray  # the support vectors (scaled), grouped by class
    dual_coef: np.ndarray  # (classes - 1, vectors)
    intercept: np.ndarray  # one per pair of classes: (0, 1), (0, 2), ..., (1, 2), ...
    n_support: np.ndarray  # support vectors per class
    gamma: float
    classes: np.ndarray
    mel_fb: np.ndarray  # the features' filterbanks (:func:`filterbanks`), kept with the model
    chroma_fb: np.ndarray

    @classmethod
    def from_pipeline(cls, pipe) -> SoundClassifier:
        """From the fitted ``make_pipeline(StandardScaler(), SVC(kernel="rbf"))`` of notebook 03.

        Notebook: 03_training.ipynb
        """
        scaler, svc = pipe[0], pipe[-1]
        mel_fb, chroma_fb = filterbanks(SOUND_SR)
        return cls(mean=scaler.mean_, scale=scaler.scale_, support=svc.support_vectors_, dual_coef=svc.dual_coef_,
                   intercept=svc.intercept_, n_support=svc.n_support_, gamma=float(svc._gamma),
                   classes=np.asarray(svc.classes_).astype(str), mel_fb=mel_fb, chroma_fb=chroma_fb)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The class of each row of ``X`` (mid-term features).

        Notebook: 02_feature_extraction.ipynb
        """
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        sq = (Z ** 2).sum(1)[:, None] + (self.support ** 2).sum(1)[None, :] - 2 * Z @ self.support.T
        K = np.exp(-self.gamma * np.maximum(sq, 0.0))
        start = np.r_[0, np.cumsum(self.n_support)]
        n = len(self.classes)
        votes = np.zeros((len(Z), n), dtype=int)
        p = 0
        for i in range(n):
            for j in range(i + 1, n):
                si, sj = slice(start[i], start[i + 1]), slice(start[j], start[j + 1])
                dec = K[:, si] @ self.dual_coef[j - 1, si] + K[:, sj] @ self.dual_coef[i, sj] + self.intercept[p]
                votes[:, i] += dec > 0
                votes[:, j] += dec <= 0
                p += 1
        return self.classes[votes.argmax(1)]

    @property
    def banks(self) -> tuple[np.ndarray, np.ndarray]:
        """The mel and chroma filterbanks the features are computed with."""
        return self.mel_fb, self.chroma_fb

    def save(self, path: str | Path) -> Path:
        """Write the numbers to an ``.npz`` file.

        Notebook: 03_training.ipynb
        """
        np.savez_compressed(path, **{k: np.asarray(v) for k, v in self.__dict__.items()})
        return Path(path)


def load_sound_model(path: str | Path | None = None) -> SoundClassifier | None:
    """The trained classifier (:class:`SoundClassifier`), or None when missing.

    Notebook: 03_training.ipynb
    """
    path = Path(path) if path else sound_model_path()
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return SoundClassifier(**{k: (float(z[k]) if k == "gamma" else z[k]) for k in z.files})


@dataclass
class SoundTrack:
    """The scene's own sound, second by second: level (dBFS), class, and speech rate."""

    level_db: list[float]
    classes: list[str]  # "music" | "speech" | "other" | "silence"; empty without a model
    speech_rate: float | None  # syllables per second over the speech seconds
    pitch_range: float | None = None  # semitones between the voice's low (10th) and high (90th) pitch
    speech_db: float | None = None  # level of the speech seconds, dBFS


def listen(y: np.ndarray, sr: int = SOUND_SR, model=None, *, rate: bool = True) -> SoundTrack:
    """Level, class (with the trained SVM, when ``model`` is given) and speech rate per second
    (``rate=False`` skips the speech rate: the export's ducking needs the classes only).

    Notebook: 02_feature_extraction.ipynb
    """
    n = max(1, int(round(len(y) / sr)))
    level = [_db(y[k * sr:(k + 1) * sr]) for k in range(n)]
    classes: list[str] = []
    if model is not None and y.size >= sr // 2:
        feats = mid_term_features(y, sr, getattr(model, "banks", None))
        pred = list(model.predict(feats))
        classes = ["silence" if level[k] < SILENCE_DB else str(pred[k]) for k in range(min(n, len(pred)))]
    syllables = pitch = speech_level = None
    speech = [k for k, c in enumerate(classes) if c == "speech"]
    if speech and rate:
        spoken = np.concatenate([y[k * sr:(k + 1) * sr] for k in speech])
        syllables, speech_level = speech_rate(spoken, sr), round(_db(spoken), 1)
        pitch = pitch_range(spoken[:int(VOICE_PITCH_MAX_S * sr)], sr)
    return SoundTrack([round(x, 1) for x in level], classes, syllables, pitch, speech_level)


#: The pitch a voice can take, Hz (chosen by hand: a low male to a high female or child voice).
VOICE_PITCH_HZ = (65.0, 450.0)
#: The pitch range is read on at most this much speech, seconds (chosen by hand: YIN on ten
#: minutes of speech held 300 MB at once).
VOICE_PITCH_MAX_S = 60


def pitch_range(y: np.ndarray, sr: int = SOUND_SR) -> float | None:
    """Semitones between the 10th and 90th percentile of a voice's pitch (librosa's YIN, on the
    frames within 25 dB of the loudest, where a voice is); None when too little is voiced.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    frame, hop = 1024, 256
    if y.size < 4 * frame:
        return None
    f0 = librosa.yin(y, fmin=VOICE_PITCH_HZ[0], fmax=VOICE_PITCH_HZ[1], sr=sr, frame_length=frame, hop_length=hop)
    level = 20 * np.log10(librosa.feature.rms(y=y, frame_length=frame, hop_length=hop)[0] + 1e-9)
    voiced = f0[(level > level.max() - 25) & (f0 > VOICE_PITCH_HZ[0] * 1.05) & (f0 < VOICE_PITCH_HZ[1] * 0.95)]
    if voiced.size < 20:
        return None
    lo, hi = np.percentile(voiced, [10, 90])
    return round(float(12 * np.log2(hi / lo)), 1)


#: Speech prosody and arousal (Juslin, P. N. & Laukka, P. (2003), "Communication of emotions in
#: vocal expression and music performance", Psychological Bulletin 129(5), 770-814: aroused voices
#: speak faster, with a wider pitch range, louder). Each measure's neutral value and the change
#: that counts as a full step are chosen by hand: 4.5 syllables a second (conversational English,
#: Pellegrino et al. 2011 measure 6.2 for read speech) +- 2.5; a 6-semitone range +- 6; -28 dBFS +- 12.
VOICE_NEUTRAL = {"rate": (4.5, 2.5), "range": (6.0, 6.0), "level": (-28.0, 12.0)}
#: A voice cue's confidence when the whole scene is speech (chosen by hand, as the other cues').
VOICE_CONFIDENCE = 0.5


def voice_cue(sound: SoundTrack) -> Cue | None:
    """The scene's speech as a cue to arousal: its rate, pitch range and level against
    :data:`VOICE_NEUTRAL`, averaged; its confidence grows with the share of seconds that are
    speech. None without speech.

    Notebook: 02_feature_extraction.ipynb
    """
    if not sound.classes or not sound.speech_rate:
        return None
    share = sound.classes.count("speech") / len(sound.classes)
    measured = {"rate": sound.speech_rate, "range": sound.pitch_range, "level": sound.speech_db}
    steps = [(measured[k] - mid) / span for k, (mid, span) in VOICE_NEUTRAL.items() if measured[k] is not None]
    pitch = f", pitch range {sound.pitch_range:.0f} semitones" if sound.pitch_range is not None else ""
    return Cue("voice", 0.0, clip_va(float(np.mean(steps))), VOICE_CONFIDENCE * share, SCENE_WEIGHTS["voice"],
               f"speech in {share:.0%} of the scene: {sound.speech_rate:.1f} syllables/s{pitch}, "
               f"{sound.speech_db:.0f} dBFS")


#: Music must be heard for this many consecutive seconds to be read (chosen by hand: two bars at
#: 60 BPM, the least the tempo and mode can be measured on).
SCENE_MUSIC_MIN_S = 4
#: At most this much of it is measured, seconds (chosen by hand: enough for tempo, mode and
#: texture; a whole 10-minute scene's music held 570 MB more at the peak).
SCENE_MUSIC_MAX_S = 30
#: A scene-music cue's confidence when music plays under the whole scene (chosen by hand: the music
#: model orders real soundtracks' arousal at AUC 0.84 and their valence less surely, notebook 04).
SCENE_MUSIC_CONFIDENCE = 0.5


def scene_music_cue(path: str | Path, classes: list[str]) -> Cue | None:
    """The music already under the scene (a temp track, a song) as a cue: the longest run of
    seconds the sound classifier hears as music, measured as a library track is
    (:func:`track_features`) and placed by the music model; its confidence grows with the share
    of the scene the music covers. None when no run reaches :data:`SCENE_MUSIC_MIN_S`.

    Notebook: 02_feature_extraction.ipynb
    """
    runs, start = [], None
    for k, c in enumerate([*classes, ""]):
        if c == "music" and start is None:
            start = k
        elif c != "music" and start is not None:
            runs.append((start, k))
            start = None
    if not runs or max(b - a for a, b in runs) < SCENE_MUSIC_MIN_S:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    b = min(b, a + SCENE_MUSIC_MAX_S)
    y = decode_audio(path, sr=SR, max_seconds=b)[a * SR:b * SR]
    if y.size < SR * SCENE_MUSIC_MIN_S or float(np.abs(y).max()) < 1e-4:
        return None
    track = place_tracks([track_features(path, audio=y)], load_music_model(), words=False)[0]
    share = classes.count("music") / len(classes)
    return Cue("music", track.valence, track.arousal, SCENE_MUSIC_CONFIDENCE * share, SCENE_WEIGHTS["music"],
               f"music under {share:.0%} of the scene ({a}-{b} s): {track.emotion}, {track.mode}, "
               f"{track.tempo:.0f} BPM")


def speech_rate(y: np.ndarray, sr: int = SOUND_SR) -> float:
    """Syllables per second: peaks of the 300-3000 Hz energy envelope (syllable nuclei), at
    least 100 ms apart and standing 3 dB above their surroundings, counted over voiced time.

    Notebook: 02_feature_extraction.ipynb
    """
    from scipy.signal import butter, find_peaks, sosfiltfilt

    if y.size < sr // 4:
        return 0.0
    band = sosfiltfilt(butter(4, [300, 3000], btype="band", fs=sr, output="sos"), y)
    hop = sr // 100
    env = np.sqrt(np.convolve(band ** 2, np.ones(hop * 4) / (hop * 4), "same")[::hop] + 1e-12)
    db = 20 * np.log10(env)
    voiced = db > db.max() - 30
    peaks, _ = find_peaks(db, distance=10, prominence=3.0)
    peaks = [p for p in peaks if voiced[p]]
    seconds = max(voiced.sum() / 100.0, 0.25)
    return round(len(peaks) / seconds, 2)


# --- picture: one pass over the frames -------------------------------------------------------

#: Frames are read at the video's own rate, at most this many per second, for cuts and motion.
MAX_ANALYSIS_RATE = 30.0
#: Widths at which the picture is measured: scenedetect's own working width for cuts, a coarse
#: width for optical flow (camera and object speed, not texture).
CUT_WIDTH = 256
FLOW_WIDTH = 96
#: Optical flow (between consecutive frames) is measured about this many times a second.
FLOW_RATE = 5.0
#: Faces are searched for on frames downscaled to this long side; the smallest
#: face searched for is :data:`MIN_FACE_SHARE` of the frame's short side (fer's own 50 px on a
#: 360 px frame), and never under the cascade's 24 px window: on a 16:9 frame that is a sixth of
#: its height (120 px of 720p). Searching at 320 px found faces down to a seventh and cost 1.5x
#: the time. On ten clips (``bench/bench_faces.py``) both sizes found faces in the same number
#: of frames on eight; on the other two they differ by one frame, and both times the "face" is
#: an animal's (the cartoon rabbit of Big Buck Bunny, a dog in a phone video).
FACE_DETECT_SIDE = 256
MIN_FACE_SHARE = 50 / 360
#: The Haar cascade's own window (haarcascade_frontalface_default: 24x24 px).
HAAR_WINDOW = 24
#: Mean frame difference (0..1) below which a picture counts as still (about 1 grey level in 255).
MIN_VISUAL_MOTION = 0.004


@dataclass
class PictureTrack:
    """What one pass over a video's frames measured.

    ``motion`` is the optical-flow speed in frame widths per second at ``motion_times``;
    ``diff`` the mean absolute difference of consecutive frames (0..1) at ``rate`` per second;
    ``faces``, ``brightness`` and ``colourfulness`` belong to the frames sampled at
    ``sample_times`` (``fps`` per second).
    """

    rate: float
    frames: int
    cuts: list[float] = field(default_factory=list)
    motion: list[float] = field(default_factory=list)
    motion_times: list[float] = field(default_factory=list)
    diff: list[float] = field(default_factory=list)
    sample_times: list[float] = field(default_factory=list)
    faces: list[FaceReading] = field(default_factory=list)
    brightness: list[float] = field(default_factory=list)
    colourfulness: list[float] = field(default_factory=list)
    warmth: list[float] = field(default_factory=list)  # colour temperature: -1 cold (blue) .. 1 warm (amber)
    contrast: list[float] = field(default_factory=list)  # spread of the lightness, 0 flat .. about 0.5
    unreadable: int = 0  # sampled frames that could not be decoded, skipped


class FaceFinder:
    """fer's Haar cascade run on a downscaled copy of each frame (:data:`FACE_DETECT_SIDE`: 6x
    fewer pixels than fer's own 640 px search), with fer's emotion model on the face cut from
    the full frame. The smallest face searched for scales with the frame.

    Notebook: 02_feature_extraction.ipynb
    """

    def __init__(self, detector=None, detect_side: int = FACE_DETECT_SIDE):
        self.fer = detector if detector is not None else face_detector()
        self.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
        self.detect_side = detect_side

    def find(self, frame_bgr: np.ndarray, near: list[tuple[int, int, int, int]] | None = None,
             ) -> list[tuple[int, int, int, int]]:
        """Face boxes ``(x, y, w, h)`` in the frame's own pixels, by fer's Haar cascade on a copy
        downscaled to ``detect_side``.

        ``near`` (boxes found in an earlier frame of the same shot) first searches only around
        them, for faces of about their size; if none is found there, the whole frame is searched.

        Notebook: 02_feature_extraction.ipynb
        """
        h, w = frame_bgr.shape[:2]
        s = min(1.0, self.detect_side / max(h, w))
        gray = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        small = cv2.resize(gray, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else gray
        boxes = self._near(small, [[v * s for v in b] for b in near]) if near else []
        if not boxes:
            side = max(HAAR_WINDOW, round(MIN_FACE_SHARE * min(small.shape)))
            boxes = list(self.cascade.detectMultiScale(small, scaleFactor=1.1, minNeighbors=5,
                                                       flags=cv2.CASCADE_SCALE_IMAGE, minSize=(side, side)))
        return [tuple(int(round(v / s)) for v in b) for b in boxes]

    def read(self, frame_bgr: np.ndarray, near: list[tuple[int, int, int, int]] | None = None) -> FaceReading:
        """fer's reading of one frame (faces from :meth:`find`), faces weighted by their area.

        Notebook: 02_feature_extraction.ipynb
        """
        rects = self.find(frame_bgr, near)
        if not rects:
            return FaceReading()
        h, w = frame_bgr.shape[:2]
        return _face_reading(self.fer.detect_emotions(frame_bgr, face_rectangles=rects), h, w)

    def _near(self, small: np.ndarray, boxes: list[list[float]]) -> list[tuple[int, int, int, int]]:
        """Faces searched for around each earlier box (a face width of margin), at 0.7x to
        1.4x its size: a few windows instead of the whole frame's pyramid."""
        found = []
        H, W = small.shape
        for x, y, bw, bh in boxes:
            x0, y0 = max(0, int(x - bw)), max(0, int(y - bh))
            x1, y1 = min(W, int(x + 2 * bw) + 1), min(H, int(y + 2 * bh) + 1)
            lo, hi = max(HAAR_WINDOW, int(0.7 * min(bw, bh))), int(1.4 * max(bw, bh)) + 1
            if min(x1 - x0, y1 - y0) < lo:
                continue
            for fx, fy, fw, fh in self.cascade.detectMultiScale(small[y0:y1, x0:x1], scaleFactor=1.1, minNeighbors=5,
                                                                flags=cv2.CASCADE_SCALE_IMAGE, minSize=(lo, lo),
                                                                maxSize=(hi, hi)):
                found.append((fx + x0, fy + y0, fw, fh))
        return found


def _face_reading(found: list, h: int, w: int) -> FaceReading:
    if not found:
        return FaceReading()
    total = sum(float(f["box"][2] * f["box"][3]) for f in found)
    probs: dict[str, float] = {}
    for f in found:
        a = float(f["box"][2] * f["box"][3]) / total
        for k, p in f["emotions"].items():
            probs[k] = probs.get(k, 0.0) + a * float(p)
    return FaceReading(probs=probs, face_area=total / (h * w), boxes=[tuple(int(v) for v in f["box"]) for f in found])


def watch_video(
    path: str | Path, *, fps: float = 2.0, faces: FaceFinder | None = None, info=None, progress=None,
    max_side: int = 640,
) -> PictureTrack:
    """Read a video once, streaming, and measure cuts, motion, faces and light.

    Every frame (at the video's rate, at most 30 per second) goes to scenedetect's content
    detector at its working width and to a motion measure: the optical flow (Farnebäck) between
    consecutive frames, five times a second, and the plain frame difference. Frames at ``fps`` per
    second also go to the face finder (``faces=None`` skips faces) and the light meter. Within a
    shot, a face once found is looked for near its last place first; where a search of the whole
    frame found none, the next sampled frame of the shot is not searched (at 2 per second, a
    faceless shot is searched once a second); every cut starts a fresh search.

    Notebook: 02_feature_extraction.ipynb
    """
    from scenedetect import ContentDetector, FrameTimecode

    path = Path(path)
    info = info or probe_scene(path)
    # a variable-frame-rate video is read at its highest rate (ffmpeg's tbr), not its average
    rate = min(info.tbr or info.fps or 25.0, MAX_ANALYSIS_RATE)
    track = PictureTrack(rate=rate, frames=0)
    cutter = ContentDetector(min_scene_len=max(1, round(0.5 * rate)))
    flow_step = max(1, round(rate / FLOW_RATE))
    prev_tiny = prev_flow = None
    last_tc = None
    searched = (-1, FaceReading(), False)  # cuts seen at the last face search, its reading, skipped since
    # every frame at the cut width, and (for faces) the sampled ones again at max_side
    stream = stream_frames_sampled(path, rate, CUT_WIDTH, fps if faces is not None else None, max_side, info)
    for i, (t, cut_img, sample) in enumerate(stream):
        h, w = cut_img.shape[:2]
        last_tc = FrameTimecode(i, rate)
        track.cuts += [round(tc.seconds, 3) for tc in cutter.process_frame(last_tc, cut_img)]
        gray = cv2.cvtColor(cut_img, cv2.COLOR_BGR2GRAY)
        tiny = cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        track.diff.append(float(np.abs(tiny - prev_tiny).mean()) if prev_tiny is not None else 0.0)
        prev_tiny = tiny
        if i % flow_step in (0, flow_step - 1):  # the flow between consecutive frames, every flow_step
            fg = cv2.resize(gray, (FLOW_WIDTH, max(2, round(FLOW_WIDTH * h / w))), interpolation=cv2.INTER_AREA)
            if i % flow_step == 0 and prev_flow is not None and prev_flow[0] == i - 1:
                flow = cv2.calcOpticalFlowFarneback(prev_flow[1], fg, None, 0.5, 2, 9, 2, 5, 1.1, 0)
                px = float(np.hypot(flow[..., 0], flow[..., 1]).mean())
                track.motion.append(px / FLOW_WIDTH * rate)
                track.motion_times.append(t)
            prev_flow = (i, fg)
        if sample_due(i, rate, fps):
            track.sample_times.append(t)
            if faces is not None:
                cuts_seen, last, skipped = searched
                same_shot = cuts_seen == len(track.cuts)
                if same_shot and not last.boxes and not skipped:
                    reading = FaceReading()  # no face in this shot one sample ago: this one is not searched
                    searched = (cuts_seen, last, True)
                elif sample is None:  # this frame could not be decoded at the face size: skipped
                    reading = FaceReading()
                    track.unreadable += 1
                else:
                    reading = faces.read(sample, near=last.boxes if same_shot else None)
                    searched = (len(track.cuts), reading, False)
                track.faces.append(reading)
            small = cv2.resize(cut_img, (40, 23), interpolation=cv2.INTER_AREA)
            hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV).astype(np.float32) / 255
            track.brightness.append(float(hsv[..., 2].mean()))
            track.colourfulness.append(float((hsv[..., 1] * hsv[..., 2]).mean()))  # saturated *and* lit
            track.warmth.append(warmth_of(small))
            track.contrast.append(float(hsv[..., 2].std()))
            if progress and info.duration:
                progress(min(0.85, 0.85 * t / info.duration))
        track.frames = i + 1
    if last_tc is not None:
        track.cuts += [round(tc.seconds, 3) for tc in cutter.post_process(last_tc)]
    # a cut is a change of shot, not motion: the flow and difference across it are left out
    for c in track.cuts:
        k = round(c * rate)
        if 0 <= k < len(track.diff):
            track.diff[k] = float("nan")
        j = int(np.searchsorted(track.motion_times, c - 1e-6))
        if j < len(track.motion):
            track.motion[j] = float("nan")
    return track


def find_cuts(path: str | Path) -> list[float]:
    """Hard cut times in seconds, by scenedetect's content detector on every frame.

    Notebook: 02_feature_extraction.ipynb
    """
    return watch_video(path, fps=0.5, faces=None, max_side=CUT_WIDTH).cuts


#: librosa.feature.tempo's defaults, which :func:`tempo_estimate` follows: a log-normal prior
#: centred on 120 per minute, one octave wide, over 8 s autocorrelation windows.
TEMPO_PRIOR_BPM, TEMPO_PRIOR_OCTAVES, TEMPO_WINDOW_S = 120.0, 1.0, 8.0


def tempo_estimate(envelope: np.ndarray, sr: float, hop: int = 1, *, max_tempo: float = 320.0,
                   block: int = 2048) -> float:
    """``librosa.feature.tempo(onset_envelope=envelope, sr=sr, hop_length=hop, max_tempo=...)``
    written out in numpy (windowed autocorrelation, averaged over time, weighted by the prior):
    the same answer, checked in ``tests/test_feature_extraction.py``. It spares a new ``dramatune
    analyze`` librosa's second-long import, and indexing its memory: ``block`` frames at a time
    instead of the whole tempogram (846 MB at once for a 5-minute track) (issue #17).

    Notebook: 02_feature_extraction.ipynb
    """
    x = np.asarray(envelope, dtype=np.float64)
    n, win = x.size, int(np.floor(TEMPO_WINDOW_S * sr / hop))
    padded = np.pad(x, win // 2, mode="linear_ramp", end_values=(0, 0))
    windows = np.lib.stride_tricks.sliding_window_view(padded, win)[:n]  # (n, win), centred
    window = hann(win)
    total = np.zeros(win)
    for b0 in range(0, n, block):
        power = np.abs(np.fft.rfft(windows[b0:b0 + block] * window, n=2 * win, axis=1)) ** 2
        ac = np.fft.irfft(power, n=2 * win, axis=1)[:, :win]
        peak = np.abs(ac).max(axis=1, keepdims=True)
        total += (ac / np.where(peak > np.finfo(ac.dtype).tiny, peak, 1.0)).sum(axis=0)
    tg = total / n
    with np.errstate(divide="ignore"):
        bpms = np.r_[np.inf, 60.0 * sr / (hop * np.arange(1.0, win))]
        logprior = -0.5 * ((np.log2(bpms) - np.log2(TEMPO_PRIOR_BPM)) / TEMPO_PRIOR_OCTAVES) ** 2
    logprior[:int(np.argmax(bpms < max_tempo))] = -np.inf
    return float(bpms[int(np.argmax(np.log1p(1e6 * tg) + logprior))])


def visual_tempo(diff: list[float], rate: float) -> tuple[float | None, float]:
    """The picture's own beat: the dominant period of its motion, in events per minute.

    The frame-difference curve (cuts removed) is treated as an onset envelope and handed to
    librosa's tempo estimator (:func:`tempo_estimate`: autocorrelation with its prior around 120
    per minute). Returns
    ``(tempo, strength)``, strength being the normalised autocorrelation at that period;
    ``(None, strength)`` when the motion has no clear period (strength below 0.5), the clip is
    shorter than four seconds, or the picture hardly moves (mean difference under
    :data:`MIN_VISUAL_MOTION`: grain and compression flicker have no beat).

    Notebook: 02_feature_extraction.ipynb
    """
    d = np.asarray(diff, dtype=np.float64)
    if d.size < 4 * rate or not np.isfinite(d).any() or np.nanmean(d) < MIN_VISUAL_MOTION:
        return None, 0.0
    d = np.where(np.isfinite(d), d, np.nanmedian(d))
    env = np.maximum(0.0, np.diff(d, prepend=d[0]))  # rises in motion are the visual onsets
    if env.max() <= 1e-9:
        return None, 0.0
    bpm = tempo_estimate(env, rate, max_tempo=240.0)
    lag = rate * 60.0 / bpm
    env = env - env.mean()
    ac = np.correlate(env, env, "full")[env.size - 1:]
    if ac[0] <= 0:
        return None, 0.0
    lo, hi = max(1, int(np.floor(lag)) - 1), min(ac.size - 1, int(np.ceil(lag)) + 1)  # a frame of jitter
    strength = float(ac[lo:hi + 1].max() / ac[0]) if lo <= hi else 0.0
    return (round(bpm, 1) if strength >= 0.5 else None), round(max(0.0, strength), 3)


#: The light cue's base, from Valdez, P. & Mehrabian, A. (1994), "Effects of color on emotions",
#: Journal of Experimental Psychology: General 123(4), 394-409: pleasure = .69 brightness + .22
#: saturation, arousal = -.31 brightness + .60 saturation (standardised regression weights).
LIGHT_PLEASURE = (0.69, 0.22)
LIGHT_AROUSAL = (-0.31, 0.60)
#: A frame's brightness and colourfulness that read neutral, and the factor that takes the
#: weights above to the plane's -1..1 (chosen by hand: an everyday daylight frame reads near 0).
LIGHT_MID = (0.4, 0.2)
LIGHT_SCALE = 3.0
#: Dim and low-key lighting and colour temperature, as cinematographers use them (Bordwell, D. &
#: Thompson, K., Film Art, ch. 5: low-key light, dark with hard contrast, for drama and menace,
#: high-key for lightness; Bellantoni, P. (2005), If It's Purple, Someone's Gonna Die: warm light
#: for intimacy and romance, cold blue light for isolation and dread). How dark a frame must be to
#: count as dim, how hard its contrast to count as low-key, and how far warm or cold light then
#: moves it are chosen by hand: warm dim light reads intimate (pleasant, calmer); cold dim light
#: reads gloomy when flat and menacing when hard.
DIM_BRIGHTNESS, HARD_CONTRAST = 0.35, 0.25
WARM_INTIMACY = (1.2, -0.4)  # valence and arousal added when fully dim and fully warm
COLD_GLOOM = (-0.8, -0.3)  # ... fully dim, fully cold and flat
COLD_MENACE = (-0.8, 0.4)  # ... fully dim, fully cold and hard
#: (R - B) / (R + B) of a frame's pixels, weighted by their lightness, that counts as fully warm or
#: fully cold (chosen by hand: candle and tungsten light reach about 0.5, blue night grading -0.3).
WARMTH_FULL = 0.5


def warmth_of(frame_bgr: np.ndarray) -> float:
    """Colour temperature of a frame, -1 (cold, blue) to 1 (warm, amber): the lightness-weighted
    mean of (R - B) / (R + B), over :data:`WARMTH_FULL`, clipped.

    Notebook: 02_feature_extraction.ipynb
    """
    f = frame_bgr.astype(np.float32)
    b, r = f[..., 0], f[..., 2]
    light = f.max(axis=2) + 1e-6
    return float(np.clip((((r - b) / (r + b + 1e-6)) * light).sum() / light.sum() / WARMTH_FULL, -1, 1))


def light_cue(brightness: float, colourfulness: float, warmth: float = 0.0, contrast: float = 0.0) -> Cue:
    """Light and colour as a cinematographer uses them: bright pictures read pleasant and saturated
    ones lively (:data:`LIGHT_PLEASURE`, :data:`LIGHT_AROUSAL`); in dim light warm light reads
    intimate (:data:`WARM_INTIMACY`), cold light gloomy when flat (:data:`COLD_GLOOM`) and
    menacing when hard, low-key (:data:`COLD_MENACE`).

    Notebook: 02_feature_extraction.ipynb
    """
    db, dc = brightness - LIGHT_MID[0], colourfulness - LIGHT_MID[1]
    v = LIGHT_SCALE * (LIGHT_PLEASURE[0] * db + LIGHT_PLEASURE[1] * dc)
    a = LIGHT_SCALE * (LIGHT_AROUSAL[0] * db + LIGHT_AROUSAL[1] * dc)
    dim = min(1.0, max(0.0, (DIM_BRIGHTNESS - brightness) / DIM_BRIGHTNESS))
    hard = min(1.0, contrast / HARD_CONTRAST)
    warm, cold = dim * max(0.0, warmth), dim * max(0.0, -warmth)
    for share, (dv, da) in ((warm, WARM_INTIMACY), (cold * (1 - hard), COLD_GLOOM), (cold * hard, COLD_MENACE)):
        v, a = v + share * dv, a + share * da
    key = ("low-key " if dim >= 0.5 and hard >= 0.5 else "dim " if dim >= 0.5
           else "high-key " if brightness > 0.6 and contrast < 0.15 else "")
    tone = "warm" if warmth > 0.2 else "cold" if warmth < -0.2 else "neutral"
    return Cue("light", clip_va(v), clip_va(a), 0.5, SCENE_WEIGHTS["light"],
               f"{key}{tone} light: brightness {brightness:.2f}, colourfulness {colourfulness:.2f}, "
               f"warmth {warmth:+.2f}, contrast {contrast:.2f}")


def pace_of(motion: float, cuts_per_minute: float) -> float:
    """Pace in [0, 1] from optical-flow speed (frame widths per second) and cuts per minute.

    Notebook: 02_feature_extraction.ipynb
    """
    return float(np.clip(0.6 * min(1.0, motion / MOTION_FULL) + 0.4 * min(1.0, cuts_per_minute / CUTS_FULL), 0, 1))


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    return 20 * math.log10(max(rms, 1e-6))


def _nanmean(x) -> float:
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else 0.0


def analyze_scene(
    path: str | Path, *, fps: float = 2.0, detector=None, progress=None,
    subtitles: str | Path | None = None, sound_model="auto",
) -> SceneProfile:
    """Analyse a scene: faces, light, pace, cuts, sound and (given subtitles) words, fused on
    the circumplex.

    ``subtitles`` is an ``.srt`` file or a plain-text script. ``detector`` is a
    :class:`FaceFinder` or a fer detector to reuse. ``sound_model`` labels the scene's own sound
    second by second ("auto": the trained model in ``models/``; None: no labels). ``progress``,
    if given, is called with a fraction in [0, 1] as frames are read.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    info = probe_scene(path)
    lines = read_subtitles(subtitles) if subtitles else None  # a bad file fails before any work
    finder = detector if isinstance(detector, FaceFinder) else FaceFinder(detector)
    # the sound is decoded and labelled in a second thread while the picture is read: ffmpeg and
    # the numerical libraries release the GIL, and the picture pass leaves a core part-idle
    with ThreadPoolExecutor(1) as pool:
        hearing = pool.submit(_hear, path, info.has_audio, sound_model)
        pic = watch_video(path, fps=fps, faces=finder, info=info, progress=progress)
        hearing.result()
    faces = pic.faces
    decoded = pic.frames / pic.rate
    if info.duration > 1.0 and decoded < 0.8 * info.duration:
        raise BadInputError(path, f"is truncated or damaged: only {decoded:.1f} s of its {info.duration:.1f} s "
                                  "could be decoded — export or download it again")
    if pic.frames < 2:
        raise BadInputError(path, "holds a single frame — give a video of at least a second")
    duration = max(info.duration, decoded) if info.duration else decoded
    # frames that could not be decoded were skipped; the scene is refused only when too few remain
    skipped = max(0, int(round(info.duration * pic.rate)) - pic.frames - 1) + pic.unreadable
    cuts = [c for c in pic.cuts if 0 < c < duration]
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
    b, s = float(np.mean(pic.brightness)), float(np.mean(pic.colourfulness))
    cues.append(light_cue(b, s, float(np.mean(pic.warmth)), float(np.mean(pic.contrast))))
    # pace: optical-flow speed and cuts per minute
    m = _nanmean(pic.motion)
    pace = pace_of(m, cpm)
    vt, vt_strength = visual_tempo(pic.diff, pic.rate)
    beat = f", visual beat {vt:.0f}/min" if vt else ""
    cues.append(Cue("pace", 0.0, 2 * pace - 1, 0.7, SCENE_WEIGHTS["pace"],
                    f"motion {m:.2f} widths/s, {cpm:.0f} cuts/min{beat}"))
    # sound: level, and (with the trained model) music / speech / other per second
    loud, snd = hearing.result()
    if snd is not None:
        heard = ""
        if snd.classes:
            share = {c: snd.classes.count(c) / len(snd.classes) for c in (*SOUND_CLASSES, "silence")}
            heard = ", " + ", ".join(f"{c} {v:.0%}" for c, v in share.items() if v)
        if snd.speech_rate:
            heard += f", {snd.speech_rate:.1f} syllables/s"
        cues.append(Cue("sound", 0.0, clip_va((loud + 35) / 20), 0.5, SCENE_WEIGHTS["sound"],
                        f"scene audio at {loud:.0f} dBFS{heard}"))
    if loud is None:
        cues.append(Cue("sound", 0.0, 0.0, 0.0, SCENE_WEIGHTS["sound"], "no audio"))
    if snd is not None:  # the scene's own music and voices, where it has them
        cues += [c for c in (scene_music_cue(path, snd.classes), voice_cue(snd)) if c is not None]

    placed: list[tuple[float, float, float]] = []
    if lines is not None:
        wcue, placed = words_cue(lines, duration)
        cues.append(wcue)
    v, a, conf_v, conf_a = fuse_axes(cues)
    conf = (conf_v + conf_a) / 2
    motion_s = _per_second(pic.motion_times, pic.motion, duration)
    timeline = _timeline(pic, motion_s, cuts, duration, placed)
    lo = 60 + 60 * (a + 1) / 2 + 40 * pace
    if progress:
        progress(1.0)
    return SceneProfile(
        path=str(path), duration=round(duration, 3), fps=info.fps, width=info.width,
        height=info.height, has_audio=loud is not None, valence=round(v, 3), arousal=round(a, 3),
        confidence=round(conf, 3), valence_confidence=round(conf_v, 3), arousal_confidence=round(conf_a, 3),
        emotion=label_for(v, a), mood=mood_for(v, a, conf_v, conf_a), pace=round(pace, 3),
        target_tempo=(round(lo), round(lo * 1.25)), face_share=round(face_share, 3),
        brightness=round(b, 3), cut_times=cuts, cuts_per_minute=round(cpm, 1),
        loudness_db=None if loud is None else round(loud, 1),
        face_emotions={k: round(p, 3) for k, p in face_probs.items()},
        cues=[CueReading(c.name, round(c.valence, 3), round(c.arousal, 3), round(c.confidence, 3), c.weight, c.detail)
              for c in cues],
        timeline=timeline, motion=[round(x, 4) for x in motion_s], visual_tempo=vt,
        visual_tempo_strength=vt_strength, sound_level=snd.level_db if snd else [],
        sound_classes=snd.classes if snd else [], speech_rate=snd.speech_rate if snd else None,
        skipped_frames=skipped,
    )


def _hear(path: Path, has_audio: bool, sound_model) -> tuple[float | None, SoundTrack | None]:
    """The scene's sound level (dBFS) and its per-second labels; (None, None) without audio."""
    if not has_audio:
        return None, None
    try:
        y = decode_audio(path, sr=SOUND_SR)
    except BadInputError:
        return None, None
    if not y.size:
        return None, None
    return _db(y), listen(y, SOUND_SR, load_sound_model() if sound_model == "auto" else sound_model)


def _per_second(times: list[float], values: list[float], duration: float) -> list[float]:
    """Mean of ``values`` in each whole second (cuts, stored as NaN, left out; 0 if none)."""
    n = max(1, int(math.ceil(duration - 1e-6)))
    t = np.asarray(times, dtype=np.float64)
    x = np.asarray(values, dtype=np.float64)
    return [_nanmean(x[(t >= k) & (t < k + 1)]) for k in range(n)]


def fuse_axes(cues: list[Cue]) -> tuple[float, float, float, float]:
    """Fuse scene cues, letting each speak only to the axes in :data:`CUE_AXES`. Returns
    ``(valence, arousal, valence_confidence, arousal_confidence)``: each axis' confidence is the
    weighted mean confidence of the cues that speak to it (:func:`circumplex.fuse`).

    Notebook: 02_feature_extraction.ipynb
    """
    v, _, cv = fuse([c for c in cues if "v" in CUE_AXES.get(c.name, "va")])
    _, a, ca = fuse([c for c in cues if "a" in CUE_AXES.get(c.name, "va")])
    return v, a, cv, ca


def _timeline(pic: PictureTrack, motion_s: list[float], cuts: list[float], duration: float,
              placed=()) -> list[list[float]]:
    """Per-second (t, valence, arousal, confidence) from the sampled frames."""
    out = []
    times = np.asarray(pic.sample_times)
    for sec in range(int(math.ceil(duration - 1e-6))):
        idx = np.flatnonzero((times >= sec) & (times < sec + 1))
        if not idx.size:
            continue
        fprobs: dict[str, float] = {}
        nf = 0
        for i in idx:
            if pic.faces and pic.faces[i].probs:
                nf += 1
                for k, p in pic.faces[i].probs.items():
                    fprobs[k] = fprobs.get(k, 0.0) + p
        cues = []
        if nf:
            fv, fa = emotions_to_va(fprobs)
            cues.append(Cue("faces", fv, fa, nf / len(idx), SCENE_WEIGHTS["faces"]))
        cues.append(light_cue(*(float(np.mean([m[i] for i in idx]))
                                for m in (pic.brightness, pic.colourfulness, pic.warmth, pic.contrast))))
        n_cuts = sum(1 for c in cuts if sec <= c < sec + 1)
        p = pace_of(motion_s[sec] if sec < len(motion_s) else 0.0, 60.0 * n_cuts)
        cues.append(Cue("pace", 0.0, 2 * p - 1, 0.7, SCENE_WEIGHTS["pace"]))
        spoken = [(min(b, sec + 1) - max(a, sec), val) for a, b, val in placed if a < sec + 1 and b > sec]
        if spoken:
            w = sum(t for t, _ in spoken)
            cues.append(Cue("words", sum(t * val for t, val in spoken) / w, 0.0, 0.3 + 0.5 * min(1.0, w),
                            SCENE_WEIGHTS["words"]))
        v, a, cv, ca = fuse_axes(cues)
        out.append([float(sec), round(v, 3), round(a, 3), round((cv + ca) / 2, 3)])
    return out


# --- music ---------------------------------------------------------------------------------

# Krumhansl & Kessler (1982) key profiles, C major / C minor.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FEATURES_VERSION = 5  # 4: beats, bars, loudness range, energy, danceability; 5: sound descriptors
SR = 22050
#: Longest stretch of a track that is analysed: a 2-hour mix is measured on its first 5 minutes
#: (whole, it took 72 s and 21 GB of memory here).
MAX_ANALYSIS_SECONDS = 300.0
HOP = 256  # librosa's default 512 reads a 120 BPM click track as 117 BPM at 22.05 kHz


@dataclass
class BeatGrid:
    """Beat and bar (downbeat) times of a track, in seconds, assuming 4/4."""

    tempo: float
    beats: np.ndarray
    bars: np.ndarray


#: librosa's default window for music analysis, in samples.
N_FFT = 2048
#: Spectrum frames computed at a time by :func:`onset_envelope` (47 s of music at hop 256): bounds
#: the memory of a 5-minute track's spectrum (chosen by hand).
SPECTRUM_BLOCK = 4096


def onset_envelope(y: np.ndarray, sr: int = SR, *, n_mels: int = 128, fmax: float | None = None) -> np.ndarray:
    """``librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, n_mels=..., fmax=...)``, bit for
    bit, with its mel spectrogram computed :data:`SPECTRUM_BLOCK` frames at a time: librosa holds
    the whole complex spectrum at once (about 300 MB for a 5-minute track) (issue #17).

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    n = 1 + y.size // HOP
    padded = np.pad(y, N_FFT // 2)  # librosa.stft's centred frames, zero-padded
    basis = librosa.filters.mel(sr=sr, n_fft=N_FFT, n_mels=n_mels, fmax=fmax)
    mel = np.empty((n_mels, n), np.float32)
    for f0 in range(0, n, SPECTRUM_BLOCK):
        f1 = min(n, f0 + SPECTRUM_BLOCK)
        power = np.abs(librosa.stft(padded[f0 * HOP:(f1 - 1) * HOP + N_FFT], n_fft=N_FFT, hop_length=HOP,
                                    center=False)) ** 2
        mel[:, f0:f1] = np.einsum("...ft,mf->...mt", power, basis, optimize=True)  # as melspectrogram does
    return librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=sr, hop_length=HOP)


def beat_grid(y: np.ndarray, sr: int = SR, *, oenv: np.ndarray | None = None, tempo: float | None = None
              ) -> BeatGrid | None:
    """Beats (librosa, hop 256) and bars: the downbeat phase with the strongest low-frequency
    onsets and chord changes. Assumes a steady tempo in 4/4, as most temp music has.

    ``oenv`` (the onset strength at hop 256) and ``tempo`` may be passed when already measured.
    Returns None when there is no usable pulse (fewer than two bars of beats).

    Notebook: 07_fit_and_export.ipynb
    """
    import librosa

    if y.size < sr or float(np.abs(y).max()) < 1e-4:
        return None
    if oenv is None:
        oenv = onset_envelope(y, sr)
    _, frames = librosa.beat.beat_track(onset_envelope=oenv, sr=sr, hop_length=HOP, bpm=tempo)
    if len(frames) < 8:
        return None
    # a steady grid: the median beat period, its phase fitted to the detected beats, laid over
    # the whole track (quiet passages, where the tracker finds few beats, get bar lines too)
    found = librosa.frames_to_time(frames, sr=sr, hop_length=HOP)
    period = float(np.median(np.diff(found)))
    # the period to a fraction of a frame: a straight line through the beats against their
    # numbers (a median of frame-quantised gaps drifts 36 ms in 20 s of a 120 BPM click track)
    k = np.round((found - found[0]) / period)
    period, start = np.polyfit(k, found, 1)
    offset = float(start) % float(period)
    beats = np.arange(offset, y.size / sr, period)
    bframes = np.minimum(librosa.time_to_frames(beats, sr=sr, hop_length=HOP), oenv.size - 1)
    low = onset_envelope(y, sr, n_mels=32, fmax=250)
    # chords change on bar lines: chroma at a coarser hop is enough to see them
    chroma = librosa.feature.chroma_stft(y=y, sr=sr, hop_length=4 * HOP)
    cframes = np.minimum(librosa.time_to_frames(beats, sr=sr, hop_length=4 * HOP), chroma.shape[1] - 1)
    change = np.r_[0, np.abs(np.diff(librosa.util.sync(chroma, cframes), axis=1)).sum(axis=0)]
    strength = low[bframes] / (low.max() or 1) + change[: bframes.size] / (change.max() or 1)
    phase = int(np.argmax([strength[p::4].mean() for p in range(4)]))
    return BeatGrid(tempo=60.0 / period, beats=beats, bars=beats[phase::4])


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
    and onset density (Gabrielsson & Lindström 2010). The readable baseline: the music model
    (:class:`MusicModel`) calibrates this valence and mixes this arousal with what it learned.

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


#: Hop of the mel spectrogram the sound descriptors read: 46 ms at 22.05 kHz, fine enough for
#: loudness over half a second and for harmonic/percussive separation (chosen by hand).
DESCRIPTOR_HOP = 1024
#: Mel bands of that spectrogram (chosen by hand: enough for a register and band shares).
DESCRIPTOR_MELS = 64
#: Median-filter lengths of the harmonic/percussive split: 17 frames (0.8 s) along time and 9 mel
#: bands across (Fitzgerald 2010's method as librosa implements it; the lengths chosen by hand
#: for a 64-band, 46 ms spectrogram).
HPSS_KERNEL = (17, 9)
#: Short-term loudness window of the dynamics descriptors, seconds (EBU R 128's short-term is 3 s,
#: its momentary 0.4 s; 0.5 s keeps accents and swells apart; chosen by hand).
DYNAMICS_WINDOW = 0.5
#: The register's reference pitch, Hz (A4): the register is the harmonic spectrum's mean pitch
#: in octaves above (positive) or below it.
REGISTER_REF_HZ = 440.0
#: Band edges of the low (bass, drums) and high (cymbals, brightness) energy shares, Hz (chosen by hand).
LOW_BAND_HZ, HIGH_BAND_HZ = 200.0, 4000.0


def sound_descriptors(y: np.ndarray, sr: int = SR) -> dict[str, float]:
    """Descriptors of how a track sounds that do not depend on how loud it was mastered: every
    level is measured against the track's own peak.

    - ``percussive``: share of energy in the percussive part (harmonic/percussive separation,
      Fitzgerald 2010, on a mel spectrogram); drums and attacks against held notes;
    - ``flux_db``: mean rise of the log-mel spectrum from frame to frame (spectral flux), dB;
    - ``dynamics_db``: 95th minus 10th percentile of the half-second loudness, dB;
    - ``peak_share``: share of the time within 6 dB of the track's own loud level (its 95th
      percentile): how much of the track is played near full intensity;
    - ``register_oct``: mean pitch of the harmonic spectrum, octaves from A4;
    - ``low_share`` / ``high_share``: energy below 200 Hz / above 4 kHz;
    - ``flatness``: mean spectral flatness (noise-like 1, tonal 0).

    ``y`` [shape=(n,)] is mono audio at ``sr``. About 0.1 s for 5 minutes here.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=DESCRIPTOR_HOP,
                                       n_mels=DESCRIPTOR_MELS, power=2.0)
    if not np.any(S > 0):
        return {k: 0.0 for k in DESCRIPTORS}
    H, P = librosa.decompose.hpss(S, kernel_size=HPSS_KERNEL)
    frame = S.sum(axis=0)
    floor = frame.max() * 1e-8
    heard = frame > frame.max() * 1e-5  # ignore digital silence before and after the music
    percussive = float(P[:, heard].sum() / max(float(H[:, heard].sum() + P[:, heard].sum()), 1e-12))
    db = 10 * np.log10(S + S.max() * 1e-8)
    flux = float(np.maximum(0.0, np.diff(db, axis=1)).mean()) if S.shape[1] > 1 else 0.0
    k = max(1, int(round(DYNAMICS_WINDOW * sr / DESCRIPTOR_HOP)))
    short = 10 * np.log10(np.convolve(frame, np.ones(k) / k, mode="valid") + floor)
    p95, p10 = np.percentile(short, [95, 10])
    f = librosa.mel_frequencies(n_mels=DESCRIPTOR_MELS, fmax=sr / 2)
    harm = H.sum(axis=1) / max(float(H.sum()), 1e-12)
    spec = S.sum(axis=1) / float(S.sum())
    flat = np.exp(np.mean(np.log(S + floor), axis=0)) / (S.mean(axis=0) + floor)
    return {
        "percussive": round(percussive, 4),
        "flux_db": round(flux, 4),
        "dynamics_db": round(float(p95 - p10), 3),
        "peak_share": round(float(np.mean(short > p95 - 6.0)), 4),
        "register_oct": round(float(np.sum(harm * np.log2(np.maximum(f, 20.0) / REGISTER_REF_HZ))), 4),
        "low_share": round(float(spec[f < LOW_BAND_HZ].sum()), 4),
        "high_share": round(float(spec[f > HIGH_BAND_HZ].sum()), 4),
        "flatness": round(float(np.mean(flat[heard])) if heard.any() else 0.0, 5),
    }


#: The names :func:`sound_descriptors` returns, in order.
DESCRIPTORS = ("percussive", "flux_db", "dynamics_db", "peak_share", "register_oct", "low_share", "high_share",
               "flatness")


def track_features(path: str | Path, *, audio: np.ndarray | None = None) -> TrackFeatures:
    """Measure one track and place it on the circumplex.

    Raises :class:`BadInputError` for a file that cannot be decoded, is silent or lasts under
    a quarter of a second. Only the first :data:`MAX_ANALYSIS_SECONDS` are analysed. ``audio``
    (mono, at :data:`SR`) is measured instead of the file's sound: the music under a scene.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa
    import pyloudnorm

    path = Path(path)
    y = audio[:int(MAX_ANALYSIS_SECONDS * SR)] if audio is not None else load_audio(
        path, sr=SR, mono=True, max_seconds=MAX_ANALYSIS_SECONDS)
    analysed = y.size / SR
    duration = audio_duration(path) if analysed >= MAX_ANALYSIS_SECONDS - 1 and audio is None else analysed
    title = path.stem.replace("_", " ")
    if analysed < 0.25:
        raise BadInputError(path, f"is too short to use as music ({analysed:.2f} s) — skipped")
    if float(np.abs(y).max()) < 1e-4:
        raise BadInputError(path, "is silent — skipped")
    oenv = onset_envelope(y, SR)
    tempo = tempo_estimate(oenv, SR, HOP)  # librosa.feature.tempo's answer, a block at a time
    onsets = librosa.onset.onset_detect(onset_envelope=oenv, sr=SR, hop_length=HOP)
    chroma = librosa.feature.chroma_stft(y=y, sr=SR, hop_length=2048)
    key, mode, strength = estimate_key(chroma.mean(axis=1))
    meter = pyloudnorm.Meter(SR)
    lufs = float(meter.integrated_loudness(y)) if analysed >= 0.5 else _db(y) - 0.7
    lufs = lufs if np.isfinite(lufs) else -70.0
    centroid = float(np.mean(librosa.feature.spectral_centroid(y=y, sr=SR, hop_length=2048)))
    density = len(onsets) / analysed
    lra = float(meter.loudness_range(y)) if analysed >= 3.0 else 0.0
    grid = beat_grid(y, SR, oenv=oenv, tempo=tempo)
    v, a = music_va(mode, strength, tempo, lufs, density, centroid)
    return TrackFeatures(
        path=str(path), title=title, duration=round(duration, 3), tempo=round(tempo, 1),
        key=key, mode=mode, mode_strength=round(strength, 3), loudness_lufs=round(lufs, 1),
        centroid_hz=round(centroid, 1), onset_density=round(density, 2),
        valence=round(v, 3), arousal=round(a, 3), emotion=label_for(v, a),
        analysed_seconds=round(analysed, 3), loudness_range_lu=round(lra, 1) if np.isfinite(lra) else 0.0,
        energy=round(energy_of(lufs, density, centroid), 3),
        danceability=round(danceability_of(oenv, grid.tempo if grid else tempo), 3),
        beats=[round(float(b), 3) for b in grid.beats] if grid else [],
        bars=[round(float(b), 3) for b in grid.bars] if grid else [],
        descriptors=sound_descriptors(y, SR), tags=read_tags(path) if audio is None else {},
    )


def energy_of(lufs: float, onset_density: float, centroid_hz: float) -> float:
    """The thesis' energy (Spotify's "perceptual measure of intensity and activity"), in [0, 1]:
    loudness (-32..-12 LUFS), onset rate (0..6 a second) and brightness (centroid 800..3200 Hz).

    Notebook: 02_feature_extraction.ipynb
    """
    loud = float(np.clip((lufs + 32) / 20, 0, 1)) if np.isfinite(lufs) else 0.0
    return 0.45 * loud + 0.3 * float(np.clip(onset_density / 6, 0, 1)) + 0.25 * float(np.clip((centroid_hz - 800) / 2400, 0, 1))


def danceability_of(oenv: np.ndarray, tempo: float, sr: int = SR, hop: int = HOP) -> float:
    """The thesis' danceability, in [0, 1]: pulse clarity (the onset curve's autocorrelation at
    the beat period, or its double or half, against its value at lag 0) times a preference
    for tempi near 120 BPM (Moelants 2002: people move most readily at about 2 beats a second).

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    if tempo <= 0 or oenv.size < 8:
        return 0.0
    x = oenv - oenv.mean()
    ac = librosa.autocorrelate(x)
    if ac[0] <= 0:
        return 0.0
    lag = 60.0 / tempo * sr / hop
    clarity = max(float(ac[int(round(k * lag)) - 2: int(round(k * lag)) + 3].max(initial=0.0)) / float(ac[0])
                  for k in (0.5, 1, 2) if 2 <= k * lag < ac.size - 3)
    pref = max(math.exp(-0.5 * (math.log2(f * tempo / 120) / 0.5) ** 2) for f in (0.5, 1, 2))
    return float(np.clip(clarity, 0, 1) * (0.5 + 0.5 * pref))


#: What the music-emotion model reads of a track: nothing that depends on how loud the track
#: was mastered (all measured by :func:`track_features`; see :func:`music_feature_vector`).
MUSIC_MODEL_FEATURES = ("mode_signed", "mode_strength", "tempo_fast", "onset_density", "loudness_range_lu",
                        "centroid_khz", "danceability", *DESCRIPTORS)


def _fold_tempo(tempo: float) -> float:
    while 0 < tempo < 60:
        tempo *= 2
    while tempo > 180:
        tempo /= 2
    return tempo


def music_feature_vector(t: TrackFeatures) -> np.ndarray:
    """The numbers the music-emotion model reads (:data:`MUSIC_MODEL_FEATURES`): mode as a signed
    strength and its strength, tempo folded into 60-180 BPM and scaled (0 at 60, 1 at 180), onset
    rate, loudness range, brightness, danceability and the :func:`sound_descriptors` (0 where a
    track was indexed before they existed).

    Notebook: 03_training.ipynb
    """
    sign = 1.0 if t.mode == "major" else -1.0
    d = t.descriptors or {}
    return np.array([sign * t.mode_strength, t.mode_strength, (_fold_tempo(t.tempo) - 60) / 120, t.onset_density,
                     t.loudness_range_lu, t.centroid_hz / 1000, t.danceability, *(d.get(k, 0.0) for k in DESCRIPTORS)])


@dataclass
class MusicModel:
    """The music-emotion model, stored as plain numbers (``models/music_emotion.json``), so it
    loads without scikit-learn.

    - **arousal**: half a logistic regression on the standardised :data:`MUSIC_MODEL_FEATURES`,
      trained on game soundtracks labelled by where the game plays each piece (combat and
      tension against peace, ambient and lament; notebook 03), half the priors of
      :func:`music_va` (:attr:`prior_weight`). The regression alone orders the soundtracks of
      games it has not seen best, but it learns those soundtracks' style as much as their mood:
      on DramaTune's composed cues it orders arousal no better than chance, the priors
      perfectly, and the half-and-half mix holds on both (notebook 04);
    - **valence**: the priors' valence (mode, tempo, brightness), its zero point and scale
      calibrated on the same soundtracks by a logistic regression on that one number. A learned
      valence model did worse than the priors on games it had not seen (notebook 04): the few
      tracks with a valence label are not enough to learn from.

    Each axis is read as a position in [-1, 1]; its confidence is how far from 0 it is.
    """

    features: list[str]
    mean: list[float]
    scale: list[float]
    arousal_coef: list[float]
    arousal_intercept: float
    valence_coef: float = 1.0
    valence_intercept: float = 0.0
    prior_weight: float = 0.5
    trained_on: str = ""

    def place(self, tracks: list[TrackFeatures]) -> tuple[np.ndarray, np.ndarray]:
        """Valence and arousal of each track, shape (n,) each, in [-1, 1].

        Notebook: 03_training.ipynb
        """
        if list(self.features) != list(MUSIC_MODEL_FEATURES):
            raise DramaTuneError(f"the music model reads {self.features}, this DramaTune measures "
                                 f"{list(MUSIC_MODEL_FEATURES)} — retrain it: make models")
        X = np.vstack([music_feature_vector(t) for t in tracks])
        Z = (X - np.asarray(self.mean)) / np.asarray(self.scale)
        learned = 2 / (1 + np.exp(-(Z @ np.asarray(self.arousal_coef) + self.arousal_intercept))) - 1
        prior = np.array([music_va(t.mode, t.mode_strength, t.tempo, t.loudness_lufs, t.onset_density,
                                   t.centroid_hz) for t in tracks]).reshape(-1, 2)
        arousal = (1 - self.prior_weight) * learned + self.prior_weight * prior[:, 1]
        valence = 2 / (1 + np.exp(-(self.valence_coef * prior[:, 0] + self.valence_intercept))) - 1
        return valence, arousal

    def to_dict(self) -> dict:
        """JSON-ready form (what ``models/music_emotion.json`` holds beside the report).

        Notebook: 03_training.ipynb
        """
        from dataclasses import asdict

        return asdict(self)


def music_model_path() -> Path:
    """Where the trained music-emotion model lives (``models/music_emotion.json``).

    Notebook: 03_training.ipynb
    """
    return config.PROJECT_ROOT / "models" / "music_emotion.json"


def load_music_model(path: str | Path | None = None) -> MusicModel | None:
    """The trained music-emotion model, or None when the file is missing.

    Notebook: 03_training.ipynb
    """
    from dataclasses import fields

    path = Path(path) if path else music_model_path()
    if not path.is_file():
        return None
    d = json.loads(path.read_text())["model"]
    return MusicModel(**{f.name: d[f.name] for f in fields(MusicModel) if f.name in d})


# --- words that come with the music -----------------------------------------------------------

#: Tags read from a track's metadata (ID3, Vorbis comments, MP4 atoms, FLAC, WAV; through tinytag).
WORD_TAGS = ("title", "album", "genre", "mood", "comment", "description", "keywords", "grouping")
#: Arousal of mood words common in music libraries' folder names, titles and tags, in [-1, 1].
#: Chosen by hand: no lexicon with published arousal ratings ships offline here (valence comes
#: from VADER's published ratings, :func:`word_valence`). High: words of fight, danger, drive
#: and celebration; low: words of rest, sorrow and stillness (Russell 1980's circumplex words
#: and their everyday synonyms).
MOOD_AROUSAL: dict[str, float] = {
    **{w: 0.7 for w in ("epic", "battle", "war", "fight", "combat", "action", "chase", "tension", "tense", "suspense",
                        "horror", "scary", "fear", "angry", "aggressive", "energetic", "upbeat", "intense", "danger",
                        "attack", "boss", "storm", "adventure", "triumph", "triumphant", "victory", "victorious",
                        "heroic", "festival", "dance", "party", "rock", "thriller", "panic", "excited", "exciting",
                        "warriors", "warrior", "rage", "fury", "conflict", "chaos", "alarm", "anthem")},
    **{w: -0.7 for w in ("calm", "peaceful", "peace", "relax", "relaxing", "chill", "ambient", "soft", "gentle", "sad",
                         "melancholy", "melancholic", "lament", "sorrow", "sorrows", "tears", "sleep", "lullaby",
                         "slow", "quiet", "dream", "dreamy", "gloomy", "meditation", "romantic", "nocturne", "elegy",
                         "requiem", "farewell", "idyll", "pastoral", "serene", "tranquil", "lonely", "grief",
                         "mourning", "rest", "soothing", "mellow", "somber", "sombre", "epitaph")},
}
#: Valence of mood words that VADER's lexicon lacks, in [-1, 1] (chosen by hand, same sources).
MOOD_VALENCE: dict[str, float] = {"victory": 0.6, "victorious": 0.6, "uplifting": 0.6, "upbeat": 0.4, "dark": -0.4,
                                  "suspense": -0.3, "thriller": -0.3, "elegy": -0.5, "requiem": -0.5,
                                  "mourning": -0.6, "somber": -0.4, "sombre": -0.4, "epitaph": -0.4, "boss": -0.3}
#: Confidence a words cue gains per word that speaks to an axis, and its most (chosen by hand:
#: one clear mood word in a folder name is good evidence, a pile of them is not certainty).
WORD_CONFIDENCE, WORD_CONFIDENCE_MAX = 0.35, 0.7


def read_tags(path: str | Path) -> dict[str, str]:
    """The track's mood-bearing tags (:data:`WORD_TAGS`) as text, read with tinytag; {} when the
    file has none or they cannot be read. Values that hold no words (encoder settings, hex
    numbers, web addresses) are dropped.

    Notebook: 02_feature_extraction.ipynb
    """
    import re

    from tinytag import TinyTag

    try:
        tag = TinyTag.get(str(path))
    except Exception:  # a tag reader's error never stops an index
        return {}
    out = {}
    for key in WORD_TAGS:
        value = getattr(tag, key, None) if key in ("title", "album", "genre", "comment") else None
        value = value or (tag.other or {}).get(key)
        text = " ".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
        if re.search(r"[A-Za-z]{3,}", text) and "http" not in text:
            out[key] = text.strip()[:200]
    return out


_VADER: dict[str, float] | None = None


def word_valence(word: str) -> float | None:
    """A word's valence in [-1, 1]: VADER's published mean rating (Hutto & Gilbert 2014, ten
    raters, -4..4, divided by 4), else :data:`MOOD_VALENCE`; None for a word of neither.

    Notebook: 02_feature_extraction.ipynb
    """
    global _VADER  # a read-only lexicon, loaded once  # noqa: PLW0603
    if _VADER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _VADER = dict(SentimentIntensityAnalyzer().lexicon)
    w = word.lower()
    for cand in (w, w[:-1] if w.endswith("s") else w):
        if cand in MOOD_VALENCE:
            return MOOD_VALENCE[cand]
        if cand in _VADER:
            return float(np.clip(_VADER[cand] / 4, -1, 1))
    return None


def words_of_track(t: TrackFeatures, folder: str | Path | None = None) -> list[str]:
    """The words that come with a track: the folders between the library ``folder`` and the file
    (libraries arrive sorted into "Sad", "Epic", "Tension"), the file's title and its tags.

    Notebook: 02_feature_extraction.ipynb
    """
    import re

    p = Path(t.path)
    parts: list[str] = []
    if folder is not None:
        try:
            parts += list(p.parent.relative_to(folder).parts)
        except ValueError:
            pass
    parts.append(t.title)
    parts += list((t.tags or {}).values())
    return [w.lower() for part in parts for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"(?<=[a-z])(?=[A-Z])", " ", part))]


@dataclass
class WordsReading:
    """What the words that come with a track say of its mood, with a confidence per axis."""

    valence: float
    arousal: float
    valence_confidence: float
    arousal_confidence: float
    words: list[str]  # the words that spoke


def music_words_cue(words: list[str]) -> WordsReading | None:
    """The mood the words give a track: the mean valence (:func:`word_valence`) and arousal
    (:data:`MOOD_AROUSAL`) of the words that have one, each axis with a confidence of
    :data:`WORD_CONFIDENCE` per such word (at most :data:`WORD_CONFIDENCE_MAX`); None when no
    word speaks.

    Notebook: 02_feature_extraction.ipynb
    """
    vals = [(w, v) for w in words if (v := word_valence(w)) is not None and abs(v) >= 0.1]
    aros = [(w, MOOD_AROUSAL[w]) for w in words if w in MOOD_AROUSAL]
    if not vals and not aros:
        return None
    return WordsReading(
        valence=clip_va(float(np.mean([x for _, x in vals]))) if vals else 0.0,
        arousal=clip_va(float(np.mean([x for _, x in aros]))) if aros else 0.0,
        valence_confidence=min(WORD_CONFIDENCE_MAX, WORD_CONFIDENCE * len(vals)),
        arousal_confidence=min(WORD_CONFIDENCE_MAX, WORD_CONFIDENCE * len(aros)),
        words=sorted({w for w, _ in vals + aros}))


# --- placing a library ---------------------------------------------------------------------------

#: Libraries smaller than this keep their absolute positions as their relative ones: a rank
#: among three tracks says little (chosen by hand).
RELATIVE_MIN_TRACKS = 5
#: Confidence of a position from the priors alone (:func:`music_va`), on each axis: they order
#: real soundtracks' arousal in 69 % of pairs (notebook 04), a weak reading.
PRIOR_CONFIDENCE = 0.3


def _relative(x: np.ndarray) -> np.ndarray:
    """Each value's place within its library, -1 (lowest) .. 1 (highest), ties shared."""
    from scipy.stats import rankdata

    if x.size < RELATIVE_MIN_TRACKS:
        return x.copy()
    return (rankdata(x) - 1) / (x.size - 1) * 2 - 1


def place_tracks(tracks: list[TrackFeatures], model: MusicModel | None, *, folder: str | Path | None = None,
                 words: bool = True) -> list[TrackFeatures]:
    """Place a library's tracks on the circumplex, in place, and return them.

    1. **Sound**: ``model`` (a :class:`MusicModel`) gives each axis, with its distance from 0 as
       the confidence; with ``model=None`` the priors of :func:`music_va` (confidence
       :data:`PRIOR_CONFIDENCE`).
    2. **Words** (``words=True``): folder names, title and tags (:func:`music_words_cue`) are fused
       with the sound on each axis, each weighted by its confidence.
    3. **Library-relative**: ``valence_rel`` and ``arousal_rel`` are each track's rank within the
       library on each axis, -1 .. 1, so the most energetic tracks of any library reach the top
       of the circumplex (libraries under :data:`RELATIVE_MIN_TRACKS` tracks keep the absolute).

    ``valence`` / ``arousal`` stay the absolute reading; ``emotion`` is named from it.

    Notebook: 02_feature_extraction.ipynb
    """
    if not tracks:
        return tracks
    if model is not None:
        v, a = model.place(tracks)
        cv, ca = np.abs(v), np.abs(a)
        how = "model"
    else:
        va = np.array([music_va(t.mode, t.mode_strength, t.tempo, t.loudness_lufs, t.onset_density, t.centroid_hz)
                       for t in tracks])
        v, a = va[:, 0], va[:, 1]
        cv = ca = np.full(len(tracks), PRIOR_CONFIDENCE)
        how = "priors"
    for i, t in enumerate(tracks):
        t.valence_sound, t.arousal_sound = round(float(v[i]), 3), round(float(a[i]), 3)
        cue = music_words_cue(words_of_track(t, folder)) if words else None
        t.words = ", ".join(cue.words) if cue else ""
        if cue is not None:
            wv, wa = cue.valence_confidence, cue.arousal_confidence
            if wv > 0:
                v[i] = (cv[i] * v[i] + wv * cue.valence) / (cv[i] + wv)
                cv[i] = max(cv[i], wv)
            if wa > 0:
                a[i] = (ca[i] * a[i] + wa * cue.arousal) / (ca[i] + wa)
                ca[i] = max(ca[i], wa)
        t.placed_by = how + (" + words" if cue is not None else "")
    return set_placement(tracks, v, a, cv, ca)


def set_placement(tracks: list[TrackFeatures], v, a, cv, ca) -> list[TrackFeatures]:
    """Write a placement into ``tracks``, in place: the absolute valence and arousal (clipped to
    the circumplex), each axis' confidence, each track's rank within the list
    (:func:`place_tracks` step 3) and the emotion named from the absolute point.

    Notebook: 04_evaluation.ipynb
    """
    v, a = np.asarray(v, float), np.asarray(a, float)
    rv, ra = _relative(v), _relative(a)
    for i, t in enumerate(tracks):
        t.valence, t.arousal = round(clip_va(float(v[i])), 3), round(clip_va(float(a[i])), 3)
        t.valence_confidence, t.arousal_confidence = round(float(cv[i]), 3), round(float(ca[i]), 3)
        t.valence_rel, t.arousal_rel = round(float(rv[i]), 3), round(float(ra[i]), 3)
        t.emotion = label_for(t.valence, t.arousal)
    return tracks


def apply_music_model(tracks: list[TrackFeatures], model) -> list[TrackFeatures]:
    """Place ``tracks`` by sound alone (no words, no library), in place: with the trained
    ``model``, or the priors of :func:`music_va` when it is None. Used for single tracks, such as
    a cue just composed.

    Notebook: 03_training.ipynb
    """
    return place_tracks(tracks, model, words=False)


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
    """Where the index of ``folder`` is cached (its folder is made when missing)."""
    key = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:16]
    d = config.cache_dir() / "index"
    d.mkdir(parents=True, exist_ok=True)
    return d / f"{key}.json"


def _cached_entries(cache_path: Path) -> dict:
    """The entries ``{path: {stamp, features, error}}`` of an index cache; empty when it is
    missing, unreadable or written by another :data:`FEATURES_VERSION`."""
    try:
        cache = json.loads(cache_path.read_text())
    except (OSError, ValueError):
        return {}
    return cache.get("entries", {}) if cache.get("version") == FEATURES_VERSION else {}


def known_track(path: str | Path) -> TrackFeatures | None:
    """The features measured for ``path`` by an earlier :func:`index_library` of a folder above it,
    when the file has not changed since (same size and modification time); None otherwise. Lets
    ``dramatune merge`` fit a track on the index's beat grid instead of tracking its beats again.

    Notebook: 07_fit_and_export.ipynb
    """
    path = Path(path).absolute()
    try:
        stamp = [path.stat().st_size, path.stat().st_mtime]
    except OSError:
        return None
    for folder in path.parents:
        entry = _cached_entries(_cache_file(folder)).get(str(path))
        if entry and entry.get("stamp") == stamp and entry.get("features"):
            return TrackFeatures.from_dict(entry["features"])
    return None


def grid_of(track: TrackFeatures) -> BeatGrid | None:
    """A track's beat grid as its index measured it (None without one).

    Notebook: 07_fit_and_export.ipynb
    """
    if len(track.beats) < 8 or not track.bars:
        return None
    beats = np.asarray(track.beats, dtype=float)
    return BeatGrid(tempo=60.0 / float(np.median(np.diff(beats))), beats=beats, bars=np.asarray(track.bars, float))


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file of its own beside ``path``, then rename it into place: two
    processes (two app tabs) writing the same cache never see half a file or take each other's
    temporary file."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _measure_new(entries: dict, files: list[Path], **parallel) -> list[tuple[str, str]]:
    """Measure the ``files`` whose size or modification time differs from their cache entry (in
    parallel, :func:`parallel_map` with ``parallel``), updating ``entries`` {path: {stamp, features,
    error}} in place. Returns (path, error) of each file measured now; the one cache rule both the
    library index and the training corpus follow."""
    stamps = {str(p): [p.stat().st_size, p.stat().st_mtime] for p in files}
    todo = [p for p in stamps if entries.get(p, {}).get("stamp") != stamps[p]]
    if not todo:
        return []
    results = parallel_map(_safe_features, todo, unit="track", label=lambda p: Path(p).name, **parallel)
    for p, tf, err in results:
        entries[p] = {"stamp": stamps[p], "features": tf.to_dict() if tf else None, "error": err}
    return [(p, err) for p, _, err in results]


def cached_track_features(paths: list[str | Path], *, n_jobs: int = -1, progress: bool = False
                          ) -> list[TrackFeatures | None]:
    """:func:`track_features` of each file (None where it cannot be analysed), measured once and
    then read from a cache keyed by path, size and modification time (the training and benchmark
    corpora, which are not one folder).

    Notebook: 03_training.ipynb
    """
    path = config.cache_dir() / "index" / f"corpus-v{FEATURES_VERSION}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        entries = {}
    measured = _measure_new(entries, [Path(p) for p in paths], n_jobs=n_jobs,
                            progress="measuring" if progress else None)
    for _, err in measured:
        if err:
            print("skipped", err)
    if measured:
        _write_atomically(path, json.dumps(entries))
    return [TrackFeatures.from_dict(entries[str(p)]["features"]) if entries[str(p)]["features"] else None
            for p in paths]


def index_library(folder: str | Path, *, n_jobs: int = -1, progress: bool = False,
                  music_model="auto", words: bool = True, callback=None) -> LibraryIndex:
    """Index every audio file under ``folder`` (recursively), in parallel, with a cache.

    The cache is keyed by path, size and modification time, so re-indexing analyses only new or
    changed files. Files that fail to decode are listed in ``skipped`` with their reason.
    The tracks are placed by :func:`place_tracks`: ``music_model`` "auto" (the default) is the
    trained model in ``models/``, which orders real soundtracks better than the priors (notebook
    04); None keeps the priors of :func:`music_va`; a :class:`MusicModel` is used as given.
    ``words`` fuses folder names, titles and tags with the sound. ``progress`` shows a bar on a
    terminal (files done of all, the last one's name); ``callback(done, total, path)`` follows
    each new file as it is measured (the app's progress bar).

    Notebook: 02_feature_extraction.ipynb
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInputError(folder, "is not a folder — give the folder that holds your music")
    files, ignored = [], 0
    for p in sorted(folder.absolute().rglob("*")):  # absolute: the cache is found again from anywhere
        if p.is_file() and not p.name.startswith("."):
            if p.suffix.lower() in config.AUDIO_EXTENSIONS:
                files.append(p)
            else:
                ignored += 1
    cache_path = _cache_file(folder)
    entries = _cached_entries(cache_path)
    _measure_new(entries, files, n_jobs=n_jobs, progress="indexing" if progress else None, callback=callback)
    present = {str(p) for p in files}
    entries = {p: e for p, e in entries.items() if p in present}
    _write_atomically(cache_path, json.dumps({"version": FEATURES_VERSION, "entries": entries}))
    tracks = [TrackFeatures.from_dict(e["features"]) for p, e in entries.items() if e["features"]]
    # the cache holds what was measured; the placement is made afresh each time, so a retrained
    # model needs no re-index, and each track is placed against the library it is in now
    place_tracks(tracks, load_music_model() if music_model == "auto" else music_model, folder=folder, words=words)
    skipped = [(p, e["error"]) for p, e in entries.items() if not e["features"]]
    if not tracks:
        if skipped:
            why = (f"{len(skipped)} audio file{'s' if len(skipped) > 1 else ''} could not be used, e.g. "
                   f"{skipped[0][1]}")
        else:
            why = f"no audio files found ({', '.join(config.AUDIO_EXTENSIONS)})"
        raise EmptyLibraryError(f"{folder}: {why} — add music that plays to this folder")
    return LibraryIndex(folder=str(folder), tracks=tracks, skipped=skipped, ignored=ignored)


def fusion_steps(profile: SceneProfile) -> list[tuple[str, float, float, float, float]]:
    """How the scene's point moves as each cue is added, the one that counts most first (weight x
    confidence; a cue that found nothing last, where it only lowers the confidence): ``(cues so
    far, valence, arousal, valence confidence, arousal confidence)`` after each, by
    :func:`fuse_axes`. The last row is the profile's own reading.

    Notebook: 02_feature_extraction.ipynb
    """
    cues = sorted((Cue(c.name, c.valence, c.arousal, c.confidence, c.weight, c.detail) for c in profile.cues),
                  key=lambda c: -c.weight * c.confidence)
    steps = []
    for k in range(1, len(cues) + 1):
        v, a, cv, ca = fuse_axes(cues[:k])
        steps.append(("+".join(c.name for c in cues[:k]), v, a, cv, ca))
    return steps


def fusion_table(profiles: dict[str, SceneProfile]):
    """Each cue's reading of each scene (valence and arousal, its confidence on the axes it speaks
    to, its weight) and the share of each axis it decides (weight x confidence over that axis'
    total), then the fused reading, named by its mood, with each axis' confidence: one DataFrame.

    Notebook: 02_feature_extraction.ipynb
    """
    import pandas as pd

    rows = []
    for scene, p in profiles.items():
        total = {axis: sum(c.weight * c.confidence for c in p.cues if axis in CUE_AXES.get(c.name, "va")) or 1.0
                 for axis in "va"}
        for c in p.cues:
            axes = CUE_AXES.get(c.name, "va")
            rows.append({"scene": scene, "cue": c.name, "valence": c.valence, "arousal": c.arousal,
                         "valence confidence": c.confidence if "v" in axes else None,
                         "arousal confidence": c.confidence if "a" in axes else None, "weight": c.weight,
                         **{f"share of {name}": c.weight * c.confidence / total[axis] if axis in axes else 0.0
                            for axis, name in (("v", "valence"), ("a", "arousal"))}})
        cv, ca = p.axis_confidence()
        rows.append({"scene": scene, "cue": f"= {p.mood or p.emotion}", "valence": p.valence, "arousal": p.arousal,
                     "valence confidence": cv, "arousal confidence": ca})
    return pd.DataFrame(rows).set_index(["scene", "cue"]).round(2)


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

    cols = ["title", "duration", "tempo", "key", "mode", "loudness_lufs", "loudness_range_lu", "onset_density",
            "energy", "danceability", "valence", "valence_confidence", "arousal", "arousal_confidence",
            "valence_rel", "arousal_rel", "words", "placed_by", "emotion"]
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
