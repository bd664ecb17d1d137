"""Stage 02 · the scene's own sound: short-term features and the speech / music / other classifier."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..signal.filters import butter_bandpass, find_peaks, sosfiltfilt
from ..signal.spectral import dct_matrix, frame_rms, stft_power, yin
from ..storage import model_path

#: What the scene's own sound is, second by second (Karydis' music / speech / other, plus silence).
SOUND_CLASSES = ("music", "speech", "other")


SOUND_SR = 16000


#: Short-term window and step (50 ms / 25 ms) and the mid-term window (1 s), as in the thesis.
ST_WIN, ST_STEP, MT_WIN = 0.050, 0.025, 1.0


#: A second quieter than this (dBFS RMS) is "silence": nothing to classify.
SILENCE_DB = -55.0


#: Names of the 34 short-term features; each mid-term window holds their mean and std (68).
ST_FEATURES = (
    [
        "zcr",
        "energy",
        "energy_entropy",
        "spectral_centroid",
        "spectral_spread",
        "spectral_entropy",
        "spectral_flux",
        "spectral_rolloff",
    ]
    + [f"mfcc_{i}" for i in range(1, 14)]
    + [f"chroma_{i}" for i in range(1, 13)]
    + ["chroma_std"]
)


def _entropy(parts: np.ndarray, axis: int) -> np.ndarray:
    p = parts / (parts.sum(axis=axis, keepdims=True) + 1e-12)
    return -(p * np.log2(p + 1e-12)).sum(axis=axis)


def filterbanks(sr: int = SOUND_SR) -> tuple[np.ndarray, np.ndarray]:
    """librosa's 40-band mel and 12-bin chroma filterbanks for the 50 ms window at ``sr``: the
    trained sound model stores them (:class:`SoundClassifier`), so hearing a scene needs no librosa.

    Used by: :class:`SoundClassifier`, :func:`short_term_features`
    """
    import librosa

    win = int(ST_WIN * sr)
    return (
        librosa.filters.mel(sr=sr, n_fft=win, n_mels=40),
        librosa.filters.chroma(sr=sr, n_fft=win, tuning=0.0, n_chroma=12),
    )


def short_term_features(
    y: np.ndarray, sr: int = SOUND_SR, banks: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """The thesis' 34 short-term features on 50 ms windows every 25 ms, shape ``(frames, 34)``.

    Zero-crossing rate, energy, energy entropy (10 sub-frames), spectral centroid and spread
    (as fractions of the Nyquist frequency), spectral entropy (10 sub-bands), spectral flux,
    90 % roll-off, 13 MFCCs, 12 chroma bins and their standard deviation: the set of
    pyAudioAnalysis that Karydis used, computed here vectorised with numpy, on librosa's mel
    and chroma filterbanks (``banks``, from :func:`filterbanks` when not given).

    Used by: :func:`mid_term_features`
    """
    win, hop = int(ST_WIN * sr), int(ST_STEP * sr)
    mel_fb, chroma_fb = banks if banks is not None else filterbanks(sr)
    y = np.asarray(y, dtype=np.float32)
    if y.size < win:
        y = np.pad(y, (0, win - y.size))
    frames = np.lib.stride_tricks.sliding_window_view(y, win)[::hop].T  # (win, n), as librosa.util.frame
    n = frames.shape[1]
    zcr = (np.abs(np.diff(np.sign(frames), axis=0)) > 0).mean(axis=0)
    energy = (frames**2).mean(axis=0)
    sub = frames[: win // 10 * 10].reshape(10, win // 10, n)
    e_entropy = _entropy((sub**2).sum(axis=1), axis=0)
    mag = np.abs(np.fft.rfft(frames * np.hamming(win)[:, None], axis=0))  # (bins, n)
    mag /= mag.shape[0]
    freqs = np.arange(mag.shape[0]) * (sr / 2) / mag.shape[0]
    total = mag.sum(axis=0) + 1e-12
    centroid = (freqs[:, None] * mag).sum(axis=0) / total
    spread = np.sqrt((((freqs[:, None] - centroid) ** 2) * mag).sum(axis=0) / total)
    bands = mag[: mag.shape[0] // 10 * 10].reshape(10, -1, n)
    s_entropy = _entropy((bands**2).sum(axis=1), axis=0)
    norm = mag / total
    flux = np.r_[0.0, ((norm[:, 1:] - norm[:, :-1]) ** 2).sum(axis=0)]
    cum = np.cumsum(mag**2, axis=0)
    rolloff = (cum < 0.9 * cum[-1]).sum(axis=0) / mag.shape[0]
    power = mag**2
    # librosa.power_to_db(mel + 1e-10) (floor 1e-10, 80 dB below the peak), then its MFCC's DCT
    db = 10 * np.log10(np.maximum(mel_fb @ power + 1e-10, 1e-10))
    db = np.maximum(db, db.max() - 80.0)
    mfcc = dct_matrix(db.shape[0], 13) @ db
    chroma = chroma_fb @ power  # librosa.feature.chroma_stft: each frame scaled to a peak of 1 ...
    peak = chroma.max(axis=0, keepdims=True)
    chroma = chroma / np.where(peak > np.finfo(chroma.dtype).tiny, peak, 1.0)
    chroma = chroma / (chroma.sum(axis=0, keepdims=True) + 1e-12)  # ... then to a sum of 1
    nyq = sr / 2
    out = np.vstack(
        [
            zcr,
            energy,
            e_entropy,
            centroid / nyq,
            spread / nyq,
            s_entropy,
            flux,
            rolloff,
            mfcc,
            chroma,
            chroma.std(axis=0),
        ]
    )
    return out.T.astype(np.float32)


def mid_term_features(
    y: np.ndarray, sr: int = SOUND_SR, banks: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Mean and standard deviation of the short-term features over each whole second:
    shape ``(seconds, 68)`` (a last part shorter than half a second is dropped).

    Used by: :mod:`training.sound_model`
    """
    per = int(round(MT_WIN / ST_STEP))
    n = max(1, int(round(len(y) / sr / MT_WIN)))
    rows = []
    chunk = 60  # seconds at a time: a 10-minute scene never holds all its spectra at once
    for c0 in range(0, n, chunk):
        st = short_term_features(y[c0 * sr : (c0 + chunk) * sr], sr, banks)
        for k in range(min(chunk, n - c0)):
            block = st[k * per : (k + 1) * per]
            if len(block) == 0:
                break
            rows.append(np.r_[block.mean(axis=0), block.std(axis=0)])
    return np.array(rows, dtype=np.float32)


def sound_model_path() -> Path:
    """Where the trained music/speech/other classifier lives (``models/sound_classes.npz``).

    Notebook: 03_training.ipynb
    """
    return model_path("sound_classes.npz")


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
        """From the fitted ``make_pipeline(StandardScaler(), SVC(kernel="rbf"))`` of notebook 03."""
        scaler, svc = pipe[0], pipe[-1]
        mel_fb, chroma_fb = filterbanks(SOUND_SR)
        return cls(
            mean=scaler.mean_,
            scale=scaler.scale_,
            support=svc.support_vectors_,
            dual_coef=svc.dual_coef_,
            intercept=svc.intercept_,
            n_support=svc.n_support_,
            gamma=float(svc._gamma),
            classes=np.asarray(svc.classes_).astype(str),
            mel_fb=mel_fb,
            chroma_fb=chroma_fb,
        )

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The class of each row of ``X`` (mid-term features)."""
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        sq = (Z**2).sum(1)[:, None] + (self.support**2).sum(1)[None, :] - 2 * Z @ self.support.T
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
        """Write the numbers to an ``.npz`` file."""
        arrays: dict[str, Any] = {k: np.asarray(v) for k, v in self.__dict__.items()}
        np.savez_compressed(path, **arrays)
        return Path(path)


def load_sound_model(path: str | Path | None = None) -> SoundClassifier | None:
    """The trained classifier (:class:`SoundClassifier`), or None when missing.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path) if path else sound_model_path()
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        numbers: dict[str, Any] = {k: (float(z[k]) if k == "gamma" else z[k]) for k in z.files}
        return SoundClassifier(**numbers)


#: Speech is decided every 10 ms: the ducking's resolution (its 80 ms attack spans 8 frames).
SPEECH_HOP_S = 0.01
#: A speech frame carries more than VOICE_SHARE of its energy in the voice band (telephone
#: speech's 300-3400 Hz, a little wider), stands SPEECH_ABOVE_FLOOR_DB over the scene's quietest
#: tenth, and is not noise-like (spectral flatness under SPEECH_MAX_FLATNESS); all chosen by hand
#: and checked on espeak-ng and Asterisk's recorded voices, music and noise bursts (the tests).
VOICE_BAND_HZ = (250.0, 3500.0)
VOICE_SHARE = 0.6
SPEECH_ABOVE_FLOOR_DB = 12.0
SPEECH_MAX_FLATNESS = 0.3
#: Runs of speech frames shorter than a syllable (60 ms) are dropped; pauses shorter than 0.6 s
#: (between the words and sentences of one line) are bridged, so the ducked music does not pump.
SYLLABLE_S, LINE_PAUSE_S = 0.06, 0.6
#: A second is speech when at least this share of it is speech frames (100 ms: a syllable or two).
SPEECH_MIN_SHARE = 0.1


def speech_frames(y: np.ndarray, sr: int, *, hop: float = SPEECH_HOP_S) -> np.ndarray:
    """Speech or not every ``hop`` seconds, from the sound alone (no classifier): frames loud
    over the noise floor, voiced in the voice band and not noise-like, in runs long enough to be
    a syllable, with the pauses of one line bridged. A melody in the voice band passes this test;
    :func:`listen` lets the trained classifier decide that.

    Used by: :func:`listen`
    """
    if y.size < sr // 10:
        return np.zeros(0, bool)
    hop_n, n_fft = int(hop * sr), 1 << round(math.log2(0.032 * sr))  # a ~32 ms window: 512 at 16 kHz
    S = stft_power(y, n_fft, hop_n)
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    total = S.sum(axis=0) + 1e-12
    voice = S[(freqs >= VOICE_BAND_HZ[0]) & (freqs <= VOICE_BAND_HZ[1])].sum(axis=0) / total
    energy_db = 10 * np.log10(total)
    floor = np.percentile(energy_db, 10)
    # librosa.feature.spectral_flatness(S=S): geometric over arithmetic mean of max(1e-10, S ** 2)
    flat_s = np.maximum(1e-10, S**2)
    flat = np.exp(np.log(flat_s).mean(axis=0)) / flat_s.mean(axis=0)
    raw = (energy_db > floor + SPEECH_ABOVE_FLOOR_DB) & (voice > VOICE_SHARE) & (flat < SPEECH_MAX_FLATNESS)
    from scipy.ndimage import binary_closing, binary_opening

    mask = binary_opening(raw, structure=np.ones(round(SYLLABLE_S / hop)))
    return binary_closing(mask, structure=np.ones(round(LINE_PAUSE_S / hop)))


def speech_decision(
    frames: np.ndarray, classes: list[str], *, hop: float = SPEECH_HOP_S
) -> tuple[np.ndarray, list[str]]:
    """One decision from two readings: the frames :func:`speech_frames` hears as speech, and the
    classifier's class per second. Frames in a second the classifier hears as music are not
    speech (a melody in the voice band); a run of frames counts only if part of it lies in a
    second the classifier hears as speech (a noise burst it calls speech has no such run). A
    second is then "speech" when at least :data:`SPEECH_MIN_SHARE` of it is speech frames, and a
    second the classifier called speech without them becomes "other".

    Used by: :func:`listen`
    """
    from scipy.ndimage import label

    per = round(1 / hop)
    kept = frames.copy()
    heard = np.zeros(kept.size, bool)
    for k, c in enumerate(classes):
        kept[k * per : (k + 1) * per] &= c != "music"
        heard[k * per : (k + 1) * per] = c == "speech"
    runs, _ = label(kept)
    touching = np.unique(runs[heard & kept])
    kept = np.isin(runs, touching[touching > 0])
    out = []
    for k, c in enumerate(classes):
        share = kept[k * per : (k + 1) * per].mean() if kept[k * per : (k + 1) * per].size else 0.0
        out.append("speech" if c != "silence" and share >= SPEECH_MIN_SHARE else "other" if c == "speech" else c)
    return kept, out


@dataclass
class SoundTrack:
    """The scene's own sound, second by second: level (dBFS), class, and speech rate."""

    level_db: list[float]
    classes: list[str]  # "music" | "speech" | "other" | "silence"; empty without a model
    speech_rate: float | None  # syllables per second over the speech seconds
    pitch_range: float | None = None  # semitones between the voice's low (10th) and high (90th) pitch
    speech_db: float | None = None  # level of the speech seconds, dBFS
    #: speech or not every SPEECH_HOP_S: the one decision the voice cue and the mix's ducking share
    speech_frames: np.ndarray = field(default_factory=lambda: np.zeros(0, bool), repr=False)


def listen(y: np.ndarray, sr: int = SOUND_SR, model=None, *, rate: bool = True) -> SoundTrack:
    """Level, class (with the trained SVM, when ``model`` is given) and speech rate per second
    (``rate=False`` skips the speech rate: the export's ducking needs the classes only), and
    speech every 10 ms. Speech is one decision (:func:`speech_decision`) that the voice cue and
    the export's ducking both use: the classifier's seconds and :func:`speech_frames` must agree.

    Notebook: 02_feature_extraction.ipynb, 03_training.ipynb
    """
    n = max(1, int(round(len(y) / sr)))
    level = [_db(y[k * sr : (k + 1) * sr]) for k in range(n)]
    classes: list[str] = []
    if model is not None and y.size >= sr // 2:
        feats = mid_term_features(y, sr, getattr(model, "banks", None))
        pred = list(model.predict(feats))
        classes = ["silence" if level[k] < SILENCE_DB else str(pred[k]) for k in range(min(n, len(pred)))]
    if classes and "speech" not in classes:
        frames = np.zeros(round(len(y) / sr / SPEECH_HOP_S), bool)  # no run can touch a speech second
    elif classes:
        frames, classes = speech_decision(speech_frames(y, sr), classes)
    else:
        frames = speech_frames(y, sr)  # no classifier: the detector alone
    syllables = pitch = speech_level = None
    speech = [k for k, c in enumerate(classes) if c == "speech"]
    if speech and rate:
        spoken = np.concatenate([y[k * sr : (k + 1) * sr] for k in speech])
        syllables, speech_level = speech_rate(spoken, sr), round(_db(spoken), 1)
        pitch = pitch_range(spoken[: int(VOICE_PITCH_MAX_S * sr)], sr)
    return SoundTrack([round(x, 1) for x in level], classes, syllables, pitch, speech_level, frames)


#: The pitch a voice can take, Hz (chosen by hand: a low male to a high female or child voice).
VOICE_PITCH_HZ = (65.0, 450.0)


#: The pitch range is read on at most this much speech, seconds (chosen by hand: YIN on ten
#: minutes of speech held 300 MB at once).
VOICE_PITCH_MAX_S = 60


def pitch_range(y: np.ndarray, sr: int = SOUND_SR) -> float | None:
    """Semitones between the 10th and 90th percentile of a voice's pitch (librosa's YIN,
    :func:`signal.spectral.yin`, on the frames within 25 dB of the loudest, where a voice is); None when too
    little is voiced.

    Used by: :func:`listen`
    """
    frame, hop = 1024, 256
    if y.size < 4 * frame:
        return None
    f0 = yin(y, VOICE_PITCH_HZ[0], VOICE_PITCH_HZ[1], sr, frame, hop)
    level = 20 * np.log10(frame_rms(y, frame, hop) + 1e-9)
    voiced = f0[(level > level.max() - 25) & (f0 > VOICE_PITCH_HZ[0] * 1.05) & (f0 < VOICE_PITCH_HZ[1] * 0.95)]
    if voiced.size < 20:
        return None
    lo, hi = np.percentile(voiced, [10, 90])
    return round(float(12 * np.log2(hi / lo)), 1)


def speech_rate(y: np.ndarray, sr: int = SOUND_SR) -> float:
    """Syllables per second: peaks of the 300-3000 Hz energy envelope (syllable nuclei), at
    least 100 ms apart and standing 3 dB above their surroundings, counted over voiced time.

    Used by: :func:`listen`
    """
    if y.size < sr // 4:
        return 0.0
    band = sosfiltfilt(butter_bandpass(4, 300, 3000, sr), y)
    hop = sr // 100
    env = np.sqrt(np.convolve(band**2, np.ones(hop * 4) / (hop * 4), "same")[::hop] + 1e-12)
    db = 20 * np.log10(env)
    voiced = db > db.max() - 30
    nuclei = [p for p in find_peaks(db, distance=10, prominence=3.0) if voiced[p]]
    seconds = max(voiced.sum() / 100.0, 0.25)
    return round(len(nuclei) / seconds, 2)


def _db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    return 20 * math.log10(max(rms, 1e-6))
