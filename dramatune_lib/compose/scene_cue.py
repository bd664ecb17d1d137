"""Stage 06 · a cue composed for a scene: the tempo picked to put beats on its cuts, the chords changed on each cut,
each stretch following the scene's own valence and arousal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pretty_midi

from ..dataset_prep.composer import (
    _CADENCE,
    _MAJOR_SCALE,
    _MINOR_SCALE,
    _PROGRESSIONS,
    REGISTER_FROM,
    REGISTER_UP,
    STABS_FROM,
    CueParams,
    _segment,
    _Voices,
    normalise,
    plan_cue,
    render_midi,
    velocity_for,
)


@dataclass
class Section:
    """One harmonic segment of a scene cue: its time span, chord and the point it was written for."""

    start: float
    end: float
    chord: str  # its name, e.g. "V", "iv" or "bVI"
    mode: str
    valence: float
    arousal: float
    on_cut: bool  # the segment starts on a scene cut
    degree: int = 0  # the chord's root, semitones above the tonic
    minor: bool = False  # a minor triad (else major)


_ROMAN = ("I", "bII", "II", "bIII", "III", "IV", "bV", "V", "bVI", "VI", "bVII", "VII")


#: Cuts closer than this to the previous chord change are merged into it (seconds).
MIN_CHORD_GAP = 1.0


def _va_at(timeline: list[list[float]], t0: float, t1: float, fallback: tuple[float, float]) -> tuple[float, float]:
    """Mean valence and arousal of the timeline's seconds overlapping [t0, t1)."""
    rows = [r for r in timeline if r[0] < t1 and r[0] + 1 > t0]
    if not rows:
        return fallback
    return float(np.mean([r[1] for r in rows])), float(np.mean([r[2] for r in rows]))


def plan_sections(
    duration: float,
    tempo: float,
    cuts: list[float],
    timeline: list[list[float]],
    overall: tuple[float, float],
    *,
    min_gap: float = MIN_CHORD_GAP,
) -> list[Section]:
    """Cut a scene's length into chord segments: bars of four beats that start afresh at every
    cut (each cut snapped to the nearest beat; a cut closer than ``min_gap`` to the previous
    change is merged into it), each written for the valence and arousal of its stretch of the
    timeline (mode from valence: a scene that darkens turns to the parallel minor). The last
    three segments are the cadence of the final mode (IV-V-I or iv-V-i), the tonic held to the end.

    Used by: :func:`compose_for_scene`
    """
    beat = 60.0 / tempo
    end = duration - min(1.0, 0.1 * duration)  # leave room for the last chord to ring
    starts, cut_starts = [0.0], set()
    for c in sorted(cuts):
        t = round(c / beat) * beat
        if min_gap <= t - starts[-1] and t <= end - beat:
            starts.append(t)
            cut_starts.add(round(t, 6))
    bounds: list[float] = []
    for a, b in zip(starts, starts[1:] + [end]):
        t = a
        while t < b - beat / 2:
            bounds.append(t)
            t += 4 * beat
    bounds = bounds or [0.0]
    sections = []
    for i, t0 in enumerate(bounds):
        t1 = bounds[i + 1] if i + 1 < len(bounds) else duration
        v, a = _va_at(timeline, t0, t1, overall)
        sections.append(
            Section(
                round(t0, 4),
                round(t1, 4),
                "",
                "major" if v >= 0 else "minor",
                round(v, 3),
                round(a, 3),
                round(t0, 6) in cut_starts,
            )
        )
    n = len(sections)
    counter = 0
    for i, sec in enumerate(sections):
        from_end = n - i
        if from_end <= min(3, n):
            deg, minor = _CADENCE[sections[-1].mode][3 - from_end]
            sec.mode = sections[-1].mode
        else:
            deg, minor = _PROGRESSIONS[sec.mode][counter % 4]
            counter += 1
        sec.degree, sec.minor = deg, minor
        sec.chord = _ROMAN[deg].lower() if minor else _ROMAN[deg]
    return sections


def tempo_for_cuts(cuts: list[float], lo: float, hi: float, *, step: float = 0.5) -> float:
    """The tempo in [lo, hi] BPM whose beat grid (from 0 s) falls closest to the cuts, as a film
    composer picks a tempo to hit the picture: the mean distance of each cut to its nearest
    beat, in beats, is minimised (ties go to the middle of the range). Without cuts: the middle.

    Used by: :func:`compose_for_scene`
    """
    mid = (lo + hi) / 2
    if not cuts:
        return float(round(mid))
    c = np.asarray(cuts)
    tempi = np.arange(lo, hi + 1e-9, step)
    beats = c[None, :] * tempi[:, None] / 60.0
    miss = np.abs(beats - np.round(beats)).mean(axis=1) + 1e-4 * np.abs(tempi - mid) / max(hi - lo, 1)
    return round(float(tempi[int(np.argmin(miss))]), 1)


def compose_for_scene(
    profile,
    *,
    instrument: str = "strings",
    seed: int = 0,
    sr: int = 44100,
    min_gap: float = MIN_CHORD_GAP,
    percussion: bool | None = None,
) -> tuple[np.ndarray, pretty_midi.PrettyMIDI, CueParams, list[Section]]:
    """Compose a cue for a :class:`SceneProfile`: the key and instrument from the scene's overall
    point, the tempo from its pace range (widened by 10 %) chosen so the beats fall on its cuts
    (:func:`tempo_for_cuts`), the harmony from its valence-arousal timeline, a chord change on
    every cut (:func:`plan_sections`) and a cadence at its end. ``seed`` gives another cue for
    the same scene; ``percussion`` forces drums on or off (None: where the scene is lively).
    Returns ``(audio (n, 2), midi, params, sections)``.

    Notebook: 06_compose.ipynb
    """
    lo, hi = profile.target_tempo
    p = plan_cue(
        profile.valence,
        profile.arousal,
        profile.duration,
        instrument=instrument,
        seed=seed,
        tempo=tempo_for_cuts(profile.cut_times, 0.9 * lo, 1.1 * hi),
        percussion=percussion,
    )
    sections = plan_sections(
        profile.duration,
        p.tempo,
        profile.cut_times,
        profile.timeline,
        (profile.valence, profile.arousal),
        min_gap=min_gap,
    )
    rng = np.random.default_rng(p.seed + 1)
    pm = pretty_midi.PrettyMIDI(initial_tempo=p.tempo)
    voices = _Voices(p.instrument)
    beat = 60.0 / p.tempo
    root_midi = 48 + p.tonic
    voices.pitch = root_midi + 24 + 4
    for i, sec in enumerate(sections):
        last = i == len(sections) - 1
        level = (sec.arousal + 1) / 2
        _segment(
            voices,
            rng,
            t0=sec.start,
            length=sec.end - sec.start,
            t_end=sec.end,
            deg=sec.degree,
            minor=sec.minor,
            level=level,
            vel=velocity_for(level),
            scale=_MAJOR_SCALE if sec.mode == "major" else _MINOR_SCALE,
            root_midi=root_midi,
            beat=beat,
            percussion=level > STABS_FROM if percussion is None else percussion,
            last=last,
            register=REGISTER_UP if sec.valence > REGISTER_FROM else 0,
        )
    pm.instruments.extend(voices.all())
    y = normalise(render_midi(pm, profile.duration, sr), p.loudness_dbfs)
    return y, pm, p, sections
