"""Stage 02 · a music track measured: tempo, beats and bars, key and mode, loudness, sound descriptors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..circumplex import clip_va, music_label_for
from ..errors import BadInputError
from ..loudness import LOUDNESS_BLOCK_S, measure_loudness
from ..media import audio_duration, load_music
from ..schema import TrackFeatures
from ..signal.beats import beat_track, tempo_estimate
from ..signal.spectral import (
    SPECTRUM_BLOCK,
    autocorrelate,
    chroma_stft,
    hpss,
    mel_filterbank,
    mel_frequencies,
    onset_frames,
    onset_strength,
    power_to_db,
    spectral_centroid,
    stft_power,
    sync_mean,
)
from .music_words import read_tags
from .musicnn import AROUSED_TAGS, CALM_TAGS, MTT_TAGS, EarReading, MusicnnTagger, ear_arousal
from .sound import _db

# Krumhansl & Kessler (1982) key profiles, C major / C minor.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])


_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


_NOTES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: The twelve pitch classes, C first, in the order of a chroma vector.
PITCH_CLASSES = _NOTES


#: 4: beats, bars, loudness range, energy, danceability; 5: descriptors; 6, 7: musicnn; 8: the
#: loudness of all of a file's channels (libebur128), no longer of its mono mixdown; 9: sections
FEATURES_VERSION = 9


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


def onset_envelope(y: np.ndarray, sr: int = SR, *, n_mels: int = 128, fmax: float | None = None) -> np.ndarray:
    """``librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, n_mels=..., fmax=...)``, bit for
    bit, in numpy (:mod:`..dsp`), its mel spectrogram computed :data:`SPECTRUM_BLOCK` frames at a
    time: librosa holds the whole complex spectrum at once (about 300 MB for a 5-minute track), and
    its import costs a new process about a second (issue #17).

    Notebook: 02_feature_extraction.ipynb
    """
    n = 1 + y.size // HOP
    padded = np.pad(y, N_FFT // 2)  # librosa.stft's centred frames, zero-padded
    basis = mel_filterbank(sr, N_FFT, n_mels, fmax)
    mel = np.empty((n_mels, n), np.float64 if padded.dtype == np.float64 else np.float32)  # as librosa's
    for f0 in range(0, n, SPECTRUM_BLOCK):
        f1 = min(n, f0 + SPECTRUM_BLOCK)
        power = stft_power(padded[f0 * HOP : (f1 - 1) * HOP + N_FFT], N_FFT, HOP, centred=False)
        mel[:, f0:f1] = np.einsum("...ft,mf->...mt", power, basis, optimize=True)  # as melspectrogram does
    return onset_strength(power_to_db(mel), HOP, N_FFT)


def beat_grid(
    y: np.ndarray, sr: int = SR, *, oenv: np.ndarray | None = None, tempo: float | None = None
) -> BeatGrid | None:
    """Beats (librosa's tracker, :func:`beats.beat_track`, hop 256) and bars: the downbeat phase
    with the strongest low-frequency onsets and chord changes. Assumes a steady tempo in 4/4, as
    most temp music has.

    ``oenv`` (the onset strength at hop 256) and ``tempo`` may be passed when already measured.
    Returns None when there is no usable pulse (fewer than two bars of beats).

    Used by: :mod:`fit_and_export.fit`
    """
    if y.size < sr or float(np.abs(y).max()) < 1e-4:
        return None
    if oenv is None:
        oenv = onset_envelope(y, sr)
    frames = beat_track(oenv, sr, HOP, bpm=tempo)
    if len(frames) < 8:
        return None
    # a steady grid: the median beat period, its phase fitted to the detected beats, laid over
    # the whole track (quiet passages, where the tracker finds few beats, get bar lines too)
    found = (np.asarray(frames) * HOP).astype(int) / float(sr)  # as librosa's frames_to_time
    period = float(np.median(np.diff(found)))
    # the period to a fraction of a frame: a straight line through the beats against their
    # numbers (a median of frame-quantised gaps drifts 36 ms in 20 s of a 120 BPM click track)
    k = np.round((found - found[0]) / period)
    period, start = np.polyfit(k, found, 1)
    offset = float(start) % float(period)
    beats = np.arange(offset, y.size / sr, period)
    bframes = np.minimum(_time_to_frames(beats, sr, HOP), oenv.size - 1)
    low = onset_envelope(y, sr, n_mels=32, fmax=250)
    # chords change on bar lines: chroma at a coarser hop is enough to see them
    chroma = chroma_stft(y, sr, 4 * HOP)
    cframes = np.minimum(_time_to_frames(beats, sr, 4 * HOP), chroma.shape[1] - 1)
    change = np.r_[0, np.abs(np.diff(sync_mean(chroma, cframes), axis=1)).sum(axis=0)]
    strength = low[bframes] / (low.max() or 1) + change[: bframes.size] / (change.max() or 1)
    phase = int(np.argmax([strength[p::4].mean() for p in range(4)]))
    return BeatGrid(tempo=60.0 / period, beats=beats, bars=beats[phase::4])


def _time_to_frames(times: np.ndarray, sr: int, hop: int) -> np.ndarray:
    """``librosa.time_to_frames(times, sr=sr, hop_length=hop)``: whole samples, then whole frames."""
    return np.floor((np.asarray(times) * sr).astype(int) // hop).astype(int)


def key_correlations(chroma_mean: np.ndarray) -> dict[str, np.ndarray]:
    """The key finder's 24 numbers: the correlation of a mean chroma vector with the
    Krumhansl-Kessler major and minor profiles rotated to each of the 12 tonics
    (:data:`PITCH_CLASSES` order), ``{"major": 12 values, "minor": 12 values}``.

    Notebook: 02_feature_extraction.ipynb
    """
    return {
        mode: np.array([np.corrcoef(np.roll(prof, k), chroma_mean)[0, 1] for k in range(12)])
        for mode, prof in (("major", _KK_MAJOR), ("minor", _KK_MINOR))
    }


def estimate_key(chroma_mean: np.ndarray) -> tuple[str, str, float]:
    """Key, mode and mode strength from a mean chroma vector: the best of the 24
    :func:`key_correlations`. Strength is the correlation margin of the best key of the chosen
    mode over the best key of the other mode: near 0 means the mode is ambiguous.

    Used by: :func:`track_features`
    """
    corrs = key_correlations(chroma_mean)
    best = {mode: (float(np.nanmax(c)), int(np.nanargmax(c))) for mode, c in corrs.items()}
    mode = "major" if best["major"][0] >= best["minor"][0] else "minor"
    other = "minor" if mode == "major" else "major"
    return _NOTES[best[mode][1]], mode, float(best[mode][0] - best[other][0])


#: The spans the priors and the energy read each measure on, mapped to 0..1 and clipped (chosen by
#: hand to cover the demo cues and commercial masters): tempo 60..180 BPM, loudness -32..-12 LUFS,
#: onsets 0..6 a second, spectral centroid 800..3200 Hz.
TEMPO_SPAN_BPM, LOUDNESS_SPAN_LUFS, ONSET_SPAN, CENTROID_SPAN_HZ = (60, 180), (-32, -12), (0, 6), (800, 3200)


def _unit(x: float, span: tuple[float, float]) -> float:
    """``x`` on ``span`` as 0..1, clipped."""
    lo, hi = span
    return float(np.clip((x - lo) / (hi - lo), 0, 1))


def music_scales(tempo: float, lufs: float, onset_density: float, centroid_hz: float) -> dict[str, float]:
    """A track's tempo, loudness, onset rate and brightness each as 0..1 on its span
    (:data:`TEMPO_SPAN_BPM` ...): the one scaling behind the priors and the energy.

    Used by: :func:`energy_of`, :func:`music_va`
    """
    return {
        "tempo": _unit(tempo, TEMPO_SPAN_BPM) if tempo > 0 else 0.0,
        "loudness": _unit(lufs, LOUDNESS_SPAN_LUFS) if np.isfinite(lufs) else 0.0,
        "onsets": _unit(onset_density, ONSET_SPAN),
        "brightness": _unit(centroid_hz, CENTROID_SPAN_HZ),
    }


#: The priors' arousal: weights of the scaled tempo, loudness and onset rate (Gabrielsson &
#: Lindström 2010 name the three; the weights are chosen by hand).
PRIOR_AROUSAL_WEIGHTS = {"tempo": 0.35, "loudness": 0.4, "onsets": 0.25}
#: The priors' valence: the mode's weight, its clarity read as PRIOR_MODE_FLOOR + PRIOR_MODE_GAIN x
#: mode strength (at most 1), and the nudges of tempo and brightness (chosen by hand).
PRIOR_MODE_WEIGHT, PRIOR_MODE_FLOOR, PRIOR_MODE_GAIN, PRIOR_TEMPO_NUDGE, PRIOR_BRIGHT_NUDGE = 0.75, 0.3, 4.0, 0.15, 0.1
#: The thesis' energy: weights of the scaled loudness, onset rate and brightness (chosen by hand).
ENERGY_WEIGHTS = {"loudness": 0.45, "onsets": 0.3, "brightness": 0.25}


def music_va(
    mode: str, mode_strength: float, tempo: float, lufs: float, onset_density: float, centroid_hz: float
) -> tuple[float, float]:
    """Place a track on the circumplex with music-psychology priors.

    Valence: mode (major pleasant, minor sad; Hevner 1935, Gabrielsson & Lindström 2010),
    scaled by how clear the mode is, nudged by tempo and brightness. Arousal: tempo, loudness
    and onset density (Gabrielsson & Lindström 2010). The readable baseline: the music model
    (:class:`MusicModel`) calibrates this valence and mixes this arousal with what it learned.

    Used by: :mod:`feature_extraction.library`, :mod:`feature_extraction.music_emotion` and 1 more
    """
    sign = 1.0 if mode == "major" else -1.0
    x = music_scales(tempo, lufs, onset_density, centroid_hz)
    clarity = min(1.0, PRIOR_MODE_FLOOR + PRIOR_MODE_GAIN * max(0.0, mode_strength))
    valence = (
        PRIOR_MODE_WEIGHT * sign * clarity
        + PRIOR_TEMPO_NUDGE * (2 * x["tempo"] - 1)
        + PRIOR_BRIGHT_NUDGE * (2 * x["brightness"] - 1)
    )
    w = PRIOR_AROUSAL_WEIGHTS
    arousal = 2 * (w["tempo"] * x["tempo"] + w["loudness"] * x["loudness"] + w["onsets"] * x["onsets"]) - 1
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

    Used by: :func:`track_features`
    """
    # librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=DESCRIPTOR_HOP, n_mels=DESCRIPTOR_MELS)
    S = np.einsum(
        "...ft,mf->...mt", stft_power(y, 2048, DESCRIPTOR_HOP), mel_filterbank(sr, 2048, DESCRIPTOR_MELS), optimize=True
    )
    if not np.any(S > 0):
        return {k: 0.0 for k in DESCRIPTORS}
    H, P = hpss(S, HPSS_KERNEL)
    frame = S.sum(axis=0)
    floor = frame.max() * 1e-8
    heard = frame > frame.max() * 1e-5  # ignore digital silence before and after the music
    percussive = float(P[:, heard].sum() / max(float(H[:, heard].sum() + P[:, heard].sum()), 1e-12))
    db = 10 * np.log10(S + S.max() * 1e-8)
    flux = float(np.maximum(0.0, np.diff(db, axis=1)).mean()) if S.shape[1] > 1 else 0.0
    k = max(1, int(round(DYNAMICS_WINDOW * sr / DESCRIPTOR_HOP)))
    short = 10 * np.log10(np.convolve(frame, np.ones(k) / k, mode="valid") + floor)
    p95, p10 = np.percentile(short, [95, 10])
    f = mel_frequencies(DESCRIPTOR_MELS, sr / 2)
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
DESCRIPTORS = (
    "percussive",
    "flux_db",
    "dynamics_db",
    "peak_share",
    "register_oct",
    "low_share",
    "high_share",
    "flatness",
)


def track_features(
    path: str | Path, *, audio: np.ndarray | None = None, ear: MusicnnTagger | None = None
) -> TrackFeatures:
    """Measure one track and place it on the circumplex.

    Raises :class:`BadInputError` for a file that cannot be decoded, is silent or lasts under
    a quarter of a second. Only the first :data:`MAX_ANALYSIS_SECONDS` are analysed. ``audio``
    (mono, at :data:`SR`) is measured instead of the file's sound: the music under a scene.
    ``ear`` is the musicnn tagger to hear it with (a new one when None; an index lends one a
    thread, :class:`TaggerPool`).

    Used by: :mod:`compose.metrics`, :mod:`feature_extraction.library` and 3 more
    """
    path = Path(path)
    if audio is None:  # the file's loudness measured on all its channels while it is read
        y, loud = load_music(path, sr=SR, max_seconds=MAX_ANALYSIS_SECONDS)
    else:
        y = audio[: int(MAX_ANALYSIS_SECONDS * SR)]
        loud = measure_loudness(y, SR)
    analysed = y.size / SR
    duration = audio_duration(path) if analysed >= MAX_ANALYSIS_SECONDS - 1 and audio is None else analysed
    title = path.stem.replace("_", " ")
    if analysed < 0.25:
        raise BadInputError(path, f"is too short to use as music ({analysed:.2f} s) — skipped")
    if float(np.abs(y).max()) < 1e-4:
        raise BadInputError(path, "is silent — skipped")
    oenv = onset_envelope(y, SR)
    tempo = tempo_estimate(oenv, SR, HOP)  # librosa.feature.tempo's answer, a block at a time
    onsets = onset_frames(oenv, SR, HOP)
    chroma = chroma_stft(y, SR, 2048)
    key, mode, strength = estimate_key(chroma.mean(axis=1))
    lufs = loud.lufs if analysed >= LOUDNESS_BLOCK_S else _db(y) - 0.7
    lufs = lufs if np.isfinite(lufs) else -70.0
    centroids = spectral_centroid(y, SR, 2048)
    centroid = float(np.mean(centroids))
    density = len(onsets) / analysed
    lra = loud.range_lu
    grid = beat_grid(y, SR, oenv=oenv, tempo=tempo)
    v, a = music_va(mode, strength, tempo, lufs, density, centroid)
    heard = (ear or MusicnnTagger()).hear(y, SR)
    bars = list(grid.bars) if grid else []
    sections = measure_sections(y, oenv, onsets * HOP / SR, centroids, tempo, lufs, bars, heard)
    return TrackFeatures(
        path=str(path),
        title=title,
        duration=round(duration, 3),
        tempo=round(tempo, 1),
        key=key,
        mode=mode,
        mode_strength=round(strength, 3),
        loudness_lufs=round(lufs, 1),
        centroid_hz=round(centroid, 1),
        onset_density=round(density, 2),
        valence=round(v, 3),
        arousal=round(a, 3),
        emotion=music_label_for(v, a),
        analysed_seconds=round(analysed, 3),
        loudness_range_lu=round(lra, 1) if np.isfinite(lra) else 0.0,
        energy=round(energy_of(lufs, density, centroid), 3),
        danceability=round(danceability_of(oenv, grid.tempo if grid else tempo), 3),
        beats=[round(float(b), 3) for b in grid.beats] if grid else [],
        bars=[round(float(b), 3) for b in grid.bars] if grid else [],
        descriptors=sound_descriptors(y, SR),
        tags=read_tags(path) if audio is None else {},
        ear_tags={k: round(p, 4) for k, p in heard.mean_tags().items()},
        embedding=np.round(heard.embedding.mean(axis=0), 3).tolist(),
        sections=sections,
    )


#: A section's length and the step between sections, seconds (the issue's "20 s windows with a
#: 10 s hop": a scene of a minute or less finds a section that covers most of it).
SECTION_S, SECTION_HOP_S = 20.0, 10.0
#: What each measured window holds, in this order (``TrackFeatures.sections``); "ear" is musicnn's
#: tag score of the patches inside the window (:func:`musicnn.ear_arousal`), NaN where none is.
SECTION_FIELDS = ("start", "end", "onset_density", "centroid_hz", "danceability", "loudness_lufs", *DESCRIPTORS, "ear")


def section_windows(seconds: float, bars: list[float] | np.ndarray) -> list[tuple[float, float]]:
    """The windows of a track ``seconds`` long: every :data:`SECTION_HOP_S` a window of
    :data:`SECTION_S`, moved back to the bar line at or before its start; one window, the whole
    track, when it is shorter than a section.

    Used by: :func:`measure_sections`
    """
    if seconds <= SECTION_S:
        return [(0.0, round(seconds, 2))]
    bar = np.asarray(bars, float)
    out: list[tuple[float, float]] = []
    for k in range(int(math.floor((seconds - SECTION_S) / SECTION_HOP_S)) + 1):
        t = k * SECTION_HOP_S
        before = bar[bar <= t + 1e-6]
        start = float(before[-1]) if before.size and t - before[-1] < SECTION_HOP_S else t
        if not out or start > out[-1][0]:
            out.append((round(start, 2), round(min(start + SECTION_S, seconds), 2)))
    return out


def measure_sections(
    y: np.ndarray, oenv, onset_times, centroids, tempo: float, lufs: float, bars: list[float], heard: EarReading
) -> list[list[float]]:
    """Each window's measures (:data:`SECTION_FIELDS`) from what :func:`track_features` computed
    for the whole track (``y`` mono at :data:`SR`, centroids every 2048 samples); only the sound
    descriptors are measured again, on the window's samples.

    Used by: :func:`track_features`
    """
    whole_db = _db(y)
    patch_mid = heard.starts_s + 1.5
    columns = [MTT_TAGS.index(t) for t in AROUSED_TAGS + CALM_TAGS]
    out = []
    for start, end in section_windows(y.size / SR, bars):
        a, b = int(start * SR), int(end * SR)
        seg = y[a:b]
        db = _db(seg)
        f0, f1 = a // 2048, max(a // 2048 + 1, b // 2048)
        e0, e1 = int(start * SR / HOP), int(end * SR / HOP)
        inside = (patch_mid >= start) & (patch_mid < end)
        ear = float("nan")
        if inside.any() and heard.taggram.size:
            tags = dict(zip([MTT_TAGS[c] for c in columns], heard.taggram[inside][:, columns].mean(axis=0)))
            ear = ear_arousal(tags)
        desc = sound_descriptors(seg, SR)
        out.append(
            [
                start,
                end,
                round(float(((onset_times >= start) & (onset_times < end)).sum()) / max(end - start, 1e-6), 2),
                round(float(np.mean(centroids[f0:f1])) if centroids[f0:f1].size else 0.0, 1),
                round(danceability_of(oenv[e0:e1], tempo), 3),
                round(lufs + db - whole_db, 1),
                *(desc[k] for k in DESCRIPTORS),
                round(ear, 4),
            ]
        )
    return out


def energy_of(lufs: float, onset_density: float, centroid_hz: float) -> float:
    """The thesis' energy (Spotify's "perceptual measure of intensity and activity"), in [0, 1]:
    loudness (-32..-12 LUFS), onset rate (0..6 a second) and brightness (centroid 800..3200 Hz).

    Used by: :func:`track_features`
    """
    x, w = music_scales(0.0, lufs, onset_density, centroid_hz), ENERGY_WEIGHTS
    return w["loudness"] * x["loudness"] + w["onsets"] * x["onsets"] + w["brightness"] * x["brightness"]


def _tempo_preference(tempo: float) -> float:
    """Moelants (2002): people move most readily near 120 BPM; 1 there, falling by octaves."""
    return max(math.exp(-0.5 * (math.log2(f * tempo / 120) / 0.5) ** 2) for f in (0.5, 1, 2))


#: Tolerance within which the tempo estimate and the beat grid's own tempo agree, allowing half
#: and double time (4 %, about 5 BPM at 120; chosen by hand).
TEMPO_AGREEMENT = 0.04


def tempo_confidence(t: TrackFeatures) -> float:
    """How far a track's tempo can be trusted, 0 .. 1: the pulse's clarity (the onset curve's
    autocorrelation at the beat period, recovered from :func:`danceability_of`'s product),
    halved where the tempo estimate and the beat grid's tempo disagree (beyond
    :data:`TEMPO_AGREEMENT`, half and double time allowed). Orchestral tracks with no clear
    pulse get little: their tempo estimates cluster near 120 BPM whatever they play.

    Used by: :mod:`feature_extraction.library`
    """
    if t.tempo <= 0:
        return 0.0
    grid = 60.0 / float(np.median(np.diff(t.beats))) if len(t.beats) >= 8 else t.tempo
    clarity = min(1.0, t.danceability / (0.5 + 0.5 * _tempo_preference(grid)))
    if min(abs(math.log(grid * f / t.tempo)) for f in (0.5, 1.0, 2.0)) > math.log1p(TEMPO_AGREEMENT):
        clarity *= 0.5
    return clarity


def danceability_of(oenv: np.ndarray, tempo: float, sr: int = SR, hop: int = HOP) -> float:
    """The thesis' danceability, in [0, 1]: pulse clarity (the onset curve's autocorrelation at
    the beat period, or its double or half, against its value at lag 0) times a preference
    for tempi near 120 BPM (Moelants 2002: people move most readily at about 2 beats a second).

    Used by: :func:`track_features`
    """
    if tempo <= 0 or oenv.size < 8:
        return 0.0
    x = oenv - oenv.mean()
    ac = autocorrelate(x)
    if ac[0] <= 0:
        return 0.0
    lag = 60.0 / tempo * sr / hop
    clarity = max(
        (
            float(ac[int(round(k * lag)) - 2 : int(round(k * lag)) + 3].max(initial=0.0)) / float(ac[0])
            for k in (0.5, 1, 2)
            if 2 <= k * lag < ac.size - 3
        ),
        default=0.0,  # a clip shorter than half a beat has no pulse to measure
    )
    return float(np.clip(clarity, 0, 1) * (0.5 + 0.5 * _tempo_preference(tempo)))
