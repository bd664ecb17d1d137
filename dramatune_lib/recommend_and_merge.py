"""Stage 05: rank a library for a scene, fit the chosen track to the cut, export the scored scene.

``SceneProfile -> [Recommendation] -> FittedCue -> ExportResult``

Ranking (:func:`recommend`) scores every track on emotion distance in valence/arousal, tempo
compatibility (half and double time allowed) and duration, then picks a diverse top N.
Fitting (:func:`fit_track`) trims or loops the track to the scene's length with fades.
Export (:func:`export_scene`) mixes the cue under the scene's own sound and muxes it with
ffmpeg, copying the video stream (no re-encode) and encoding the audio as AAC. The user's
files are never written; an existing output is never replaced without ``overwrite=True``;
nothing half-written is left behind.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from .errors import BadInputError, DramaTuneError, OutputExistsError
from .media import decode_audio, load_audio, probe_scene, run_ffmpeg
from .schema import ExportResult, FittedCue, Recommendation, SceneProfile, TrackFeatures


@dataclass
class MatchWeights:
    """How much each criterion counts in the ranking (normalised when used)."""

    emotion: float = 0.6
    tempo: float = 0.25
    duration: float = 0.15
    diversity: float = 0.2  # penalty for a pick close to one already chosen


def weights_for_intensity(intensity: float) -> MatchWeights:
    """Weights for the app's "mood intensity" slider (0 = pace matters most, 1 = mood does).

    Notebook: 05_recommend_and_merge.ipynb
    """
    i = float(np.clip(intensity, 0, 1))
    return MatchWeights(emotion=0.3 + 0.6 * i, tempo=0.5 - 0.35 * i, duration=0.15)


def _tempo_fit(tempos: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Fit in [0, 1] of each tempo to [lo, hi], allowing half and double time; and the factor used."""
    cands = np.stack([tempos, tempos / 2, tempos * 2])  # (3, n)
    below = np.clip((lo - cands) / lo, 0, None)
    above = np.clip((cands - hi) / hi, 0, None)
    dist = below + above
    best = dist.argmin(axis=0)
    d = dist[best, np.arange(tempos.size)]
    fit = np.exp(-d / 0.15) * np.where(best == 0, 1.0, 0.9)  # a little less for half/double
    fit[tempos <= 0] = 0.0
    return fit, np.array([1.0, 0.5, 2.0])[best]


def _pace_word(p: SceneProfile) -> str:
    return "still" if p.pace < 0.15 else "slow" if p.pace < 0.4 else "lively" if p.pace < 0.7 else "fast"


def _loud_word(lufs: float) -> str:
    return "soft" if lufs < -23 else "medium" if lufs < -17 else "loud"


def reason_for(t: TrackFeatures, p: SceneProfile, tempo_factor: float, loops: int) -> str:
    """One sentence, built from the measured numbers, saying why a track fits a scene.

    Notebook: 05_recommend_and_merge.ipynb
    """
    feel = f"{t.mode}, {t.tempo:.0f} BPM, {_loud_word(t.loudness_lufs)}"
    how = "fits" if math.hypot(t.valence - p.valence, t.arousal - p.arousal) < 0.5 else "leans towards"
    extra = ""
    if tempo_factor != 1.0:
        extra += f"; felt in {'half' if tempo_factor == 0.5 else 'double'} time"
    if loops:
        extra += f"; looped {loops}x to cover {p.duration:.0f} s"
    return f"{feel}: {how} the {_pace_word(p)}, {p.emotion} scene{extra}"


def recommend(
    profile: SceneProfile,
    tracks: list[TrackFeatures],
    *,
    top: int = 3,
    exclude: set[str] | frozenset[str] = frozenset(),
    weights: MatchWeights | None = None,
) -> list[Recommendation]:
    """Rank ``tracks`` for a scene and return a diverse top ``top`` (vectorised over tracks).

    ``exclude`` holds paths already shown (for "show alternatives").

    Notebook: 05_recommend_and_merge.ipynb
    """
    w = weights or MatchWeights()
    pool = [t for t in tracks if t.path not in exclude]
    if not pool:
        return []
    v = np.array([t.valence for t in pool])
    a = np.array([t.arousal for t in pool])
    tempo = np.array([t.tempo for t in pool])
    dur = np.array([t.duration for t in pool])
    dist = np.hypot(v - profile.valence, a - profile.arousal)
    emo = 1 - dist / (2 * math.sqrt(2))
    tfit, factor = _tempo_fit(tempo, *profile.target_tempo)
    dfit = np.where(dur >= profile.duration, 1.0, 0.5 + 0.5 * dur / max(profile.duration, 1e-6))
    total = w.emotion + w.tempo + w.duration
    base = (w.emotion * emo + w.tempo * tfit + w.duration * dfit) / total
    chosen: list[int] = []
    picked_score: list[float] = []
    penalty = np.zeros_like(base)
    for _ in range(min(top, len(pool))):
        score = base - penalty
        score[chosen] = -np.inf
        i = int(np.argmax(score))
        chosen.append(i)
        picked_score.append(float(score[i]))
        # penalise tracks that sit close to this pick on the circumplex and in tempo
        near = np.exp(-np.hypot(v - v[i], a - a[i]) / 0.15) * np.exp(-np.abs(np.log((tempo + 1) / (tempo[i] + 1))) / 0.1)
        penalty = np.maximum(penalty, w.diversity * near)
    out = []
    for rank, (i, sc) in enumerate(zip(chosen, picked_score), 1):
        t = pool[i]
        loops = 0 if t.duration >= profile.duration else math.ceil(profile.duration / max(t.duration, 1e-6)) - 1
        out.append(Recommendation(
            rank=rank, path=t.path, title=t.title, score=round(sc, 3),
            emotion_distance=round(float(dist[i]), 3), tempo_fit=round(float(tfit[i]), 3),
            duration_fit=round(float(dfit[i]), 3), reason=reason_for(t, profile, float(factor[i]), loops),
            valence=t.valence, arousal=t.arousal, tempo=t.tempo,
        ))
    return out


def _equal_power(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(0, np.pi / 2, n, dtype=np.float32)[:, None]
    return np.cos(x), np.sin(x)


def fit_track(
    track: str | Path,
    duration: float,
    *,
    fade_in: float = 0.5,
    fade_out: float = 2.0,
    volume: float = 0.8,
    sr: int = 44100,
    crossfade: float = 0.05,
) -> FittedCue:
    """Trim or loop a track to ``duration`` seconds, with fades and a gain.

    Longer tracks are trimmed from the start and faded out; shorter ones are looped with a
    short equal-power crossfade at each join, so no join clicks.

    Notebook: 05_recommend_and_merge.ipynb
    """
    if duration <= 0:
        raise DramaTuneError("the scene lasts 0 seconds — nothing to fit the music to")
    if volume < 0:
        raise DramaTuneError("volume must be 0 or more (1.0 keeps the track's level)")
    y = load_audio(track, sr=sr, mono=False)
    n = int(round(duration * sr))
    xf = max(1, int(crossfade * sr))
    loops = 0
    if y.shape[0] <= 2 * xf:
        raise BadInputError(track, f"is too short to loop ({y.shape[0] / sr:.2f} s) — choose a longer track")
    out = y
    fo, fi = _equal_power(xf)
    while out.shape[0] < n:
        head = out[:-xf]
        join = out[-xf:] * fo + y[:xf] * fi
        out = np.concatenate([head, join, y[xf:]])
        loops += 1
    out = out[:n].copy()
    fin = int(min(fade_in, duration / 2) * sr)
    fout = int(min(fade_out, duration / 2) * sr)
    if fin > 0:
        out[:fin] *= np.sin(np.linspace(0, np.pi / 2, fin, dtype=np.float32))[:, None] ** 2
    if fout > 0:
        out[-fout:] *= np.cos(np.linspace(0, np.pi / 2, fout, dtype=np.float32))[:, None] ** 2
    out *= np.float32(volume)
    return FittedCue(audio=out, sr=sr, source=str(track), duration=n / sr, loops=loops,
                     fade_in=fin / sr, fade_out=fout / sr, volume=volume)


def mix(cue: FittedCue, scene_audio: np.ndarray | None, scene_gain: float = 1.0) -> np.ndarray:
    """Mix the fitted cue with the scene's own sound; scale down the whole mix if it would clip.

    Notebook: 05_recommend_and_merge.ipynb
    """
    out = cue.audio.copy()
    if scene_audio is not None and scene_audio.size and scene_gain > 0:
        s = scene_audio[: out.shape[0]]
        out[: s.shape[0]] += scene_gain * s
    peak = float(np.abs(out).max()) if out.size else 0.0
    if peak > 0.98:
        out *= 0.98 / peak
    return out


def unique_path(path: str | Path) -> Path:
    """``path`` if free, else ``name-2.ext``, ``name-3.ext``...: never replaces a file.

    Notebook: 05_recommend_and_merge.ipynb
    """
    path = Path(path)
    k = 2
    out = path
    while out.exists():
        out = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return out


def export_scene(
    scene: str | Path,
    cue: FittedCue,
    output: str | Path,
    *,
    scene_gain: float = 1.0,
    overwrite: bool = False,
) -> ExportResult:
    """Write the scored scene: the video stream copied, the mix encoded as AAC.

    Refuses to write over the input, or over an existing file unless ``overwrite``. Writes to a
    hidden temporary file beside the output and renames it at the end, so an interrupted or
    failed export leaves nothing half-written.

    Notebook: 05_recommend_and_merge.ipynb
    """
    scene, output = Path(scene), Path(output)
    info = probe_scene(scene)
    if output.exists() and output.resolve() == scene.resolve():
        raise DramaTuneError(f"{output}: is the input scene — DramaTune never writes over your files; choose another name")
    if output.exists() and not overwrite:
        raise OutputExistsError(output)
    if output.suffix.lower() not in (".mp4", ".mov", ".mkv", ".m4v"):
        raise DramaTuneError(f"{output.name}: the output must end in .mp4, .mov, .mkv or .m4v")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, wav = tempfile.mkstemp(prefix=".dramatune-", suffix=".wav", dir=output.parent)
        os.close(fd)
    except OSError as e:
        raise DramaTuneError(f"{output.parent}: cannot write there — {e.strerror}; choose another folder") from None
    tmp_out = output.with_name(f".{output.stem}.partial{output.suffix}")
    try:
        scene_audio = decode_audio(scene, sr=cue.sr, mono=False) if info.has_audio else None
        sf.write(wav, mix(cue, scene_audio, scene_gain), cue.sr, subtype="FLOAT")
        common = ["-i", str(scene), "-i", wav, "-map", "0:v:0", "-map", "1:a:0"]
        aac = ["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart"]
        copied = True
        try:
            run_ffmpeg([*common, "-c:v", "copy", *aac, str(tmp_out)], scene)
        except DramaTuneError:  # codec the container cannot hold as it is: re-encode once
            copied = False
            run_ffmpeg([*common, "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", *aac, str(tmp_out)], scene)
        if output.exists() and not overwrite:  # appeared while we worked
            raise OutputExistsError(output)
        os.replace(tmp_out, output)
    except OSError as e:
        raise DramaTuneError(f"{output}: export failed — {e.strerror or e}") from None
    finally:
        for f in (wav, tmp_out):
            try:
                os.unlink(f)
            except OSError:
                pass
    return ExportResult(output=str(output), duration=round(cue.duration, 3), video_copied=copied, track=cue.source)
