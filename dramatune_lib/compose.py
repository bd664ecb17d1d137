"""A small cue composer: valence and arousal in, MIDI and rendered audio out.

The mapping follows the music-psychology priors that the rest of DramaTune also relies on:

- valence -> mode (major for positive, harmonic minor for negative), progression and register
  (a clearly pleasant cue's melody sings an octave higher);
- arousal -> tempo (60-180 BPM), note density (whole notes to eighths), dynamics (MIDI velocity
  and the final loudness) and percussion (none when calm).

A cue ends on a cadence (IV-V-I, or iv-V-i in minor) held to the end, not on a faded loop. For a
scene (:func:`compose_for_scene`) the tempo is picked to put beats on its cuts, the chords change
on each cut, and each stretch follows the scene's own valence and arousal; a clip of several
scenes is split and scored scene by scene (:func:`plan_per_scene`).
Notes are rendered offline with ``tinysoundfont`` and the General MIDI soundfont
``TimGM6mb.sf2`` that pretty_midi's wheel ships (GPL-2).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pretty_midi

#: Valence above which the melody sings an octave higher (register: brighter for pleasant cues).
REGISTER_FROM, REGISTER_UP = 0.4, 12
#: Rhythmic chords of an instrumentation played by another General MIDI program (45: pizzicato).
_STAB_PROGRAMS = {"strings": 45}
#: General MIDI programs for each instrumentation: (chords, melody, bass).
INSTRUMENTS: dict[str, tuple[int, int, int]] = {
    "strings": (48, 40, 42),  # string ensemble, violin, cello
    "piano": (0, 0, 32),  # grand piano, grand piano, acoustic bass
    "brass": (61, 56, 58),  # brass section, trumpet, tuba
    "synth": (89, 81, 38),  # warm pad, saw lead, synth bass
    "guitar": (24, 73, 32),  # nylon guitar, flute, acoustic bass
}

_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 11)  # harmonic minor: the raised 7th makes V major
# (root in semitones above the tonic, minor chord?)
_PROGRESSIONS = {
    "major": [(0, False), (7, False), (9, True), (5, False)],  # I V vi IV
    "minor": [(0, True), (8, False), (3, False), (10, False)],  # i VI III VII
}
_CADENCE = {
    "major": [(5, False), (7, False), (0, False)],  # IV V I
    "minor": [(5, True), (7, False), (0, True)],  # iv V i
}
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


@dataclass
class CueParams:
    """The musical parameters a cue was composed with."""

    valence: float
    arousal: float
    seconds: float
    tempo: float
    mode: str
    tonic: int  # pitch class 0-11
    instrument: str
    percussion: bool
    velocity: int
    loudness_dbfs: float  # target RMS of the rendered audio
    seed: int
    register: int = 0  # semitones the melody sits above its home octave (pleasant cues sing higher)

    @property
    def key(self) -> str:
        """Key name, e.g. "A minor"."""
        return f"{NOTE_NAMES[self.tonic]} {self.mode}"


def plan_cue(
    valence: float,
    arousal: float,
    seconds: float,
    *,
    instrument: str = "strings",
    seed: int = 0,
    tempo: float | None = None,
    percussion: bool | None = None,
) -> CueParams:
    """Turn a circumplex point into musical parameters (see the module docstring).

    Notebook: 01_dataset_prep.ipynb
    """
    if instrument not in INSTRUMENTS:
        raise ValueError(f"instrument must be one of {sorted(INSTRUMENTS)}, not {instrument!r}")
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    rng = np.random.default_rng(seed)
    level = (float(np.clip(arousal, -1, 1)) + 1) / 2  # 0..1
    return CueParams(
        valence=float(valence),
        arousal=float(arousal),
        seconds=float(seconds),
        tempo=float(tempo if tempo is not None else round(60 + 120 * level)),
        mode="major" if valence >= 0 else "minor",
        tonic=int(rng.integers(0, 12)),
        instrument=instrument,
        percussion=bool(arousal > -0.1) if percussion is None else percussion,
        velocity=int(round(45 + 70 * level)),
        loudness_dbfs=-27.0 + 13.0 * level,
        seed=seed,
        register=REGISTER_UP if valence > REGISTER_FROM else 0,
    )


class _Voices:
    """The four instruments of a cue being written, and the melody's current pitch."""

    def __init__(self, instrument: str) -> None:
        chord_prog, lead_prog, bass_prog = INSTRUMENTS[instrument]
        self.chords = pretty_midi.Instrument(chord_prog, name="chords")
        # rhythmic chords: strings play them pizzicato (bowed stabs with the ensemble's long
        # release are unidiomatic, and rendered 10x slower than any other instrumentation)
        self.stabs = (pretty_midi.Instrument(_STAB_PROGRAMS[instrument], name="chord stabs")
                      if instrument in _STAB_PROGRAMS else self.chords)
        self.lead = pretty_midi.Instrument(lead_prog, name="melody")
        self.bass = pretty_midi.Instrument(bass_prog, name="bass")
        self.drums = pretty_midi.Instrument(0, is_drum=True, name="drums")
        self.pitch = 0

    def all(self) -> list[pretty_midi.Instrument]:
        extra = (self.stabs,) if self.stabs is not self.chords else ()
        return [i for i in (self.chords, *extra, self.lead, self.bass, self.drums) if i.notes]


def _segment(v: _Voices, rng, *, t0: float, length: float, t_end: float, deg: int, minor: bool, level: float,
             vel: int, scale, root_midi: int, beat: float, percussion: bool, last: bool, register: int = 0) -> None:
    """Write one harmonic segment (a bar, or the stretch up to a cut) with its chord on ``deg``."""
    sub = 2 if level > 0.55 else 1  # subdivisions per beat: 1 (calm) to 2 (driving)
    triad = [deg, deg + (3 if minor else 4), deg + 7]
    voicing = [root_midi + 12 + ((x - 0) % 12) for x in triad]
    if level < 0.45 or last:  # sustained pads
        for n in voicing:
            v.chords.notes.append(pretty_midi.Note(vel - 10, n, t0, t_end))
    else:  # rhythmic stabs
        step = beat / sub
        k = 0
        while t0 + k * step < t0 + length - 1e-6:
            s = t0 + k * step
            for n in voicing:
                v.stabs.notes.append(pretty_midi.Note(vel - 15 + (8 if k % sub == 0 else 0), n, s, s + step * 0.8))
            k += 1
    # bass: root on each beat (driving) or each half bar (calm)
    b_step = beat if level > 0.45 else 2 * beat
    k = 0
    while t0 + k * b_step < t0 + length - 1e-6 and not last:
        s = t0 + k * b_step
        v.bass.notes.append(pretty_midi.Note(vel, root_midi - 12 + deg % 12, s, min(t_end, s + b_step * 0.9)))
        k += 1
    if last:
        v.bass.notes.append(pretty_midi.Note(vel, root_midi - 12 + deg % 12, t0, t_end))
    # melody: a random walk on the scale, landing on a chord tone at each segment start
    m_step = beat / (2 if level > 0.7 else 1)  # the melody states the pulse
    k = 0
    while t0 + k * m_step < t0 + length - 1e-6 and not last:
        s = t0 + k * m_step
        if k == 0:
            v.pitch = root_midi + 24 + register + triad[int(rng.integers(0, 3))] % 12
        else:
            pc = (v.pitch - root_midi) % 12
            idx = min(range(7), key=lambda i: abs(scale[i] - pc))
            idx = int(np.clip(idx + rng.choice([-2, -1, -1, 1, 1, 2]), 0, 6))
            v.pitch = root_midi + 24 + register + scale[idx]
        if rng.random() > 0.15:
            v.lead.notes.append(pretty_midi.Note(vel - 5, v.pitch, s, s + m_step * 0.9))
        k += 1
    if last:
        v.lead.notes.append(pretty_midi.Note(vel - 5, root_midi + 24 + register + deg % 12, t0, t_end))
    if percussion and not last:
        hat_step = beat / (4 if level > 0.8 else 2)
        k = 0
        while t0 + k * hat_step < t0 + length - 1e-6:
            s = t0 + k * hat_step
            v.drums.notes.append(pretty_midi.Note(int(vel * 0.6), 42, s, s + 0.05))
            k += 1
        i = 0
        while t0 + i * beat < t0 + length - 1e-6:
            s = t0 + i * beat
            drum = 36 if i % 2 == 0 else 38
            v.drums.notes.append(pretty_midi.Note(vel, drum, s, s + 0.1))
            if level > 0.8 and i % 2 == 0:
                v.drums.notes.append(pretty_midi.Note(vel - 10, 36, s + beat / 2, s + beat / 2 + 0.1))
            i += 1
    if percussion and last:
        v.drums.notes.append(pretty_midi.Note(vel, 49, t0, t0 + 1.0))  # crash on the final chord
        v.drums.notes.append(pretty_midi.Note(vel, 36, t0, t0 + 0.1))


def compose_midi(p: CueParams) -> pretty_midi.PrettyMIDI:
    """Write the notes of a cue: chords, bass, melody and (if asked) percussion.

    Notebook: 01_dataset_prep.ipynb
    """
    rng = np.random.default_rng(p.seed + 1)
    pm = pretty_midi.PrettyMIDI(initial_tempo=p.tempo)
    voices = _Voices(p.instrument)
    beat = 60.0 / p.tempo
    bar = 4 * beat
    end = p.seconds - min(1.0, 0.1 * p.seconds)  # leave room for the last chord to ring
    n_bars = max(1, int(end // bar))
    level = (p.arousal + 1) / 2
    scale = _MAJOR_SCALE if p.mode == "major" else _MINOR_SCALE
    root_midi = 48 + p.tonic
    prog = _PROGRESSIONS[p.mode]
    cadence = _CADENCE[p.mode]
    plan = [prog[i % len(prog)] for i in range(max(0, n_bars - len(cadence)))]
    plan += cadence[-n_bars:]
    voices.pitch = root_midi + 24 + scale[2]
    for b, (deg, minor) in enumerate(plan):
        last = b == len(plan) - 1
        _segment(voices, rng, t0=b * bar, length=bar, t_end=p.seconds if last else b * bar + bar, deg=deg,
                 minor=minor, level=level, vel=p.velocity, scale=scale, root_midi=root_midi, beat=beat,
                 percussion=p.percussion, last=last, register=p.register)
    pm.instruments.extend(voices.all())
    return pm


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


def plan_sections(duration: float, tempo: float, cuts: list[float], timeline: list[list[float]],
                  overall: tuple[float, float], *, min_gap: float = MIN_CHORD_GAP) -> list[Section]:
    """Cut a scene's length into chord segments: bars of four beats that start afresh at every
    cut (each cut snapped to the nearest beat; a cut closer than ``min_gap`` to the previous
    change is merged into it), each written for the valence and arousal of its stretch of the
    timeline (mode from valence: a scene that darkens turns to the parallel minor). The last
    three segments are the cadence of the final mode (IV-V-I or iv-V-i), the tonic held to the end.

    Notebook: 06_compose.ipynb
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
        sections.append(Section(round(t0, 4), round(t1, 4), "", "major" if v >= 0 else "minor", round(v, 3),
                                round(a, 3), round(t0, 6) in cut_starts))
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

    Notebook: 06_compose.ipynb
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
    profile, *, instrument: str = "strings", seed: int = 0, sr: int = 44100, min_gap: float = MIN_CHORD_GAP,
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
    p = plan_cue(profile.valence, profile.arousal, profile.duration, instrument=instrument, seed=seed,
                 tempo=tempo_for_cuts(profile.cut_times, 0.9 * lo, 1.1 * hi), percussion=percussion)
    sections = plan_sections(profile.duration, p.tempo, profile.cut_times, profile.timeline,
                             (profile.valence, profile.arousal), min_gap=min_gap)
    rng = np.random.default_rng(p.seed + 1)
    pm = pretty_midi.PrettyMIDI(initial_tempo=p.tempo)
    voices = _Voices(p.instrument)
    beat = 60.0 / p.tempo
    root_midi = 48 + p.tonic
    voices.pitch = root_midi + 24 + 4
    for i, sec in enumerate(sections):
        last = i == len(sections) - 1
        level = (sec.arousal + 1) / 2
        _segment(voices, rng, t0=sec.start, length=sec.end - sec.start, t_end=sec.end, deg=sec.degree,
                 minor=sec.minor, level=level, vel=int(round(45 + 70 * level)),
                 scale=_MAJOR_SCALE if sec.mode == "major" else _MINOR_SCALE, root_midi=root_midi, beat=beat,
                 percussion=level > 0.45 if percussion is None else percussion, last=last,
                 register=REGISTER_UP if sec.valence > REGISTER_FROM else 0)
    pm.instruments.extend(voices.all())
    y = normalise(render_midi(pm, profile.duration, sr), p.loudness_dbfs)
    return y, pm, p, sections


def soundfont_path() -> Path:
    """The General MIDI soundfont shipped inside pretty_midi's wheel.

    Notebook: 01_dataset_prep.ipynb
    """
    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


def render_midi(pm: pretty_midi.PrettyMIDI, seconds: float, sr: int = 44100) -> np.ndarray:
    """Render MIDI to stereo float32 ``(n, 2)`` with tinysoundfont, offline and exactly ``seconds`` long.

    Notebook: 01_dataset_prep.ipynb
    """
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=sr)
    sfid = synth.sfload(str(soundfont_path()))
    events: list[tuple[int, int, int, int, int]] = []  # (sample, order, chan, key, vel)
    chan = 0
    for inst in pm.instruments:
        c = 9 if inst.is_drum else chan
        if not inst.is_drum:
            chan += 1 if chan != 8 else 2
        synth.program_select(c, sfid, 128 if inst.is_drum else 0, 0 if inst.is_drum else inst.program, inst.is_drum)
        for n in inst.notes:
            events.append((int(n.start * sr), 1, c, n.pitch, n.velocity))
            events.append((int(n.end * sr), 0, c, n.pitch, 0))
    events.sort()
    total = int(round(seconds * sr))
    out = np.zeros((total, 2), dtype=np.float32)
    pos = 0
    for sample, kind, c, key, vel in events:
        sample = min(sample, total)
        if sample > pos:
            out[pos:sample] = np.frombuffer(synth.generate(sample - pos), dtype=np.float32).reshape(-1, 2)
            pos = sample
        if kind:
            synth.noteon(c, key, vel)
        else:
            synth.noteoff(c, key)
    if pos < total:
        out[pos:] = np.frombuffer(synth.generate(total - pos), dtype=np.float32).reshape(-1, 2)
    return out


def normalise(y: np.ndarray, rms_dbfs: float, peak: float = 0.95) -> np.ndarray:
    """Scale audio to a target RMS level in dBFS without letting the peak exceed ``peak``.

    Notebook: 01_dataset_prep.ipynb
    """
    rms = float(np.sqrt(np.mean(np.square(y)))) or 1e-9
    g = min(10 ** (rms_dbfs / 20) / rms, peak / (float(np.abs(y).max()) or 1e-9))
    return (y * g).astype(np.float32)


def compose_cue(
    valence: float, arousal: float, seconds: float, *, instrument: str = "strings",
    seed: int = 0, sr: int = 44100, tempo: float | None = None, percussion: bool | None = None,
) -> tuple[np.ndarray, pretty_midi.PrettyMIDI, CueParams]:
    """Compose and render a cue for a circumplex point: ``(audio (n, 2), midi, params)``;
    ``percussion`` forces drums on or off (None: when the point is lively).

    Notebook: 01_dataset_prep.ipynb
    """
    p = plan_cue(valence, arousal, seconds, instrument=instrument, seed=seed, tempo=tempo, percussion=percussion)
    pm = compose_midi(p)
    y = normalise(render_midi(pm, seconds, sr), p.loudness_dbfs)
    return y, pm, p


def write_cue(path: str | Path, y: np.ndarray, pm: pretty_midi.PrettyMIDI, sr: int = 44100) -> Path:
    """Write rendered audio (format from the suffix) and the MIDI beside it (``.mid``).

    Notebook: 01_dataset_prep.ipynb
    """
    import soundfile as sf

    path = Path(path)
    fmt = {".ogg": ("OGG", "VORBIS"), ".flac": ("FLAC", "PCM_16"), ".wav": ("WAV", "PCM_16"),
           ".mp3": ("MP3", "MPEG_LAYER_III")}[path.suffix.lower()]
    sf.write(str(path), y, sr, format=fmt[0], subtype=fmt[1])
    pm.write(str(path.with_suffix(".mid")))
    return path


def params_dict(p: CueParams) -> dict:
    """Parameters as a plain dict, with the key name added.

    Notebook: 01_dataset_prep.ipynb
    """
    return {**asdict(p), "key": p.key, "beats": math.floor(p.seconds * p.tempo / 60)}


# --- quality, measured: the symbolic metrics of the Columbia paper -------------------------------

#: Scales a tone set is checked against: every transposition of major, natural minor and
#: harmonic minor (DramaTune's minor cues use the harmonic form).
_SCALE_SHAPES = ((0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10), (0, 2, 3, 5, 7, 8, 11))


def _entropy_bits(counts: np.ndarray) -> float:
    p = counts[counts > 0] / counts.sum() if counts.sum() else np.zeros(0)
    return float(-(p * np.log2(p)).sum()) if p.size else 0.0


def symbolic_metrics(pm: pretty_midi.PrettyMIDI) -> dict[str, float]:
    """The symbolic measures the Columbia paper scored generated music with, on the pitched
    (non-drum) notes: **scale consistency** (the largest share of notes that fall in one major,
    natural-minor or harmonic-minor scale; Mogren 2016), **pitch entropy** and **pitch-class
    entropy** (Shannon entropy in bits of the pitch and pitch-class histograms), and the
    **empty-beat rate** (the share of beats, at the piece's own tempo, in which no note sounds).

    Notebook: 06_compose.ipynb
    """
    notes = [n for i in pm.instruments if not i.is_drum for n in i.notes]
    if not notes:
        return {"scale_consistency": 0.0, "pitch_entropy": 0.0, "pitch_class_entropy": 0.0, "empty_beat_rate": 1.0}
    pitches = np.array([n.pitch for n in notes])
    pcs = np.bincount(pitches % 12, minlength=12)
    best = max(sum(pcs[(t + d) % 12] for d in shape) for t in range(12) for shape in _SCALE_SHAPES)
    _, tempi = pm.get_tempo_changes()
    beat = 60.0 / (float(tempi[0]) if len(tempi) else 120.0)
    end = max(n.end for n in notes)
    n_beats = max(1, int(math.ceil(end / beat - 1e-6)))
    sounding = np.zeros(n_beats, bool)
    for n in notes:
        sounding[int(n.start // beat): max(int(n.start // beat) + 1, int(math.ceil(n.end / beat - 1e-6)))] = True
    return {"scale_consistency": round(float(best) / len(pitches), 4),
            "pitch_entropy": round(_entropy_bits(np.bincount(pitches)), 4),
            "pitch_class_entropy": round(_entropy_bits(pcs), 4),
            "empty_beat_rate": round(1.0 - float(sounding.mean()), 4)}


def _chorale_scores(rng: np.random.Generator):
    """Bach chorales of music21's corpus in an order ``rng`` draws (once, at the start), as
    ``(name, written mode, score)``; files music21 cannot read, or that write no key, are skipped."""
    from music21 import corpus, key

    paths = sorted(str(p) for p in corpus.getComposer("bach") if "bwv" in str(p))
    for i in rng.permutation(len(paths)):
        try:
            score = corpus.parse(paths[i])
            written = next(iter(score.recurse().getElementsByClass(key.Key)), None)
        except Exception:  # a corpus file music21 cannot read: there are plenty more
            continue
        if written is not None:
            yield Path(paths[i]).stem, written.mode, score


def _score_midi(score) -> pretty_midi.PrettyMIDI:
    """A music21 score as pretty_midi MIDI."""
    import io

    from music21 import midi

    return pretty_midi.PrettyMIDI(io.BytesIO(midi.translate.music21ObjectToMidiFile(score).writestr()))


def music21_chorales(n: int, seed: int = 0) -> list[tuple[str, str, pretty_midi.PrettyMIDI]]:
    """``n`` Bach chorales from music21's bundled corpus as MIDI: ``(name, written mode, midi)``;
    the reference of real music for :func:`symbolic_metrics` (and, rendered, training data for
    the music-emotion model).

    Notebook: 06_compose.ipynb
    """
    out: list[tuple[str, str, pretty_midi.PrettyMIDI]] = []
    if n <= 0:
        return out
    for name, mode, score in _chorale_scores(np.random.default_rng(seed)):
        try:
            out.append((name, mode, _score_midi(score)))
        except Exception:  # a score music21 cannot write as MIDI: there are plenty more
            continue
        if len(out) >= n:
            break
    return out


def metrics_table(pieces: dict[str, pretty_midi.PrettyMIDI]):
    """:func:`symbolic_metrics` for each named piece, as a DataFrame.

    Notebook: 06_compose.ipynb
    """
    import pandas as pd

    return pd.DataFrame([{"piece": name, **symbolic_metrics(pm)} for name, pm in pieces.items()])


def emotion_agreement(per_quadrant: int = 3, *, seconds: float = 20.0, seed: int = 0, model="auto"):
    """Compose ``per_quadrant`` cues at random points of each quadrant (|valence|, |arousal|
    0.3..0.9, instrumentations in turn), render them, measure them as library tracks and place
    them as one library (``model="auto"``: the music model in ``models/``; None: the priors),
    without words. Returns a DataFrame, one row a cue: asked-for valence and arousal, the
    absolute reading, where the matcher puts the cue among the others (absolute and
    library-relative blended, :func:`matching.matched_position`), each quadrant, and
    whether the matcher's quadrant is the one asked for.

    Notebook: 06_compose.ipynb
    """
    import tempfile

    import pandas as pd

    from .circumplex import quadrant
    from .feature_extraction import load_music_model, place_tracks, track_features
    from .matching import matched_position

    rng = np.random.default_rng(seed)
    mdl = load_music_model() if model == "auto" else model
    rows, tracks = [], []
    with tempfile.TemporaryDirectory() as d:
        k = 0
        for sv, sa in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            for _ in range(per_quadrant):
                v, a = sv * rng.uniform(0.3, 0.9), sa * rng.uniform(0.3, 0.9)
                inst = sorted(INSTRUMENTS)[k % len(INSTRUMENTS)]
                y, pm, p = compose_cue(v, a, seconds, instrument=inst, seed=seed * 100 + k)
                path = write_cue(Path(d) / f"cue{k}.flac", y, pm)
                tracks.append(track_features(path))
                rows.append({"instrument": inst, "asked_valence": round(v, 2), "asked_arousal": round(a, 2),
                             "asked": quadrant(v, a)})
                k += 1
    place_tracks(tracks, mdl, words=False)
    for row, t in zip(rows, tracks):
        mv, ma = matched_position(t)
        row.update({"measured_valence": t.valence, "measured_arousal": t.arousal,
                    "absolute": quadrant(t.valence, t.arousal), "matched_valence": round(mv, 3),
                    "matched_arousal": round(ma, 3), "measured": quadrant(mv, ma)})
    df = pd.DataFrame(rows)
    df["agrees"] = df["asked"] == df["measured"]
    return df


def metrics_comparison(composed, reference):
    """Mean and spread of each symbolic metric for composed cues beside real music (two
    :func:`metrics_table` results), one row a metric.

    Notebook: 06_compose.ipynb
    """
    import pandas as pd

    cols = [c for c in composed.columns if c != "piece"]
    return pd.DataFrame({"composed mean": composed[cols].mean(), "composed std": composed[cols].std(),
                         "real mean": reference[cols].mean(), "real std": reference[cols].std()}).round(3)


# --- several scenes in one clip ---------------------------------------------------------------

@dataclass
class ScenePart:
    """One scene of a longer clip: its time span, its shots and its point on the circumplex."""

    start: float
    end: float
    valence: float
    arousal: float
    emotion: str
    shots: int


def split_scenes(profile, *, threshold: float = 0.45, min_seconds: float = 4.0) -> list[ScenePart]:
    """Group a clip's shots (the stretches between its cuts) into scenes by their place on the
    circumplex: a shot joins the scene before it when its mean valence and arousal lie within
    ``threshold`` of that scene's; a scene shorter than ``min_seconds`` is merged into the
    neighbour nearest to it on the circumplex.

    Notebook: 06_compose.ipynb
    """
    from .circumplex import label_for

    edges = [0.0] + [c for c in sorted(profile.cut_times) if 0 < c < profile.duration] + [profile.duration]
    overall = (profile.valence, profile.arousal)
    parts: list[list[float]] = []  # [start, end, v*len, a*len, shots]
    for a, b in zip(edges, edges[1:]):
        v, ar = _va_at(profile.timeline, a, b, overall)
        if parts:
            last = parts[-1]
            length = last[1] - last[0]
            if math.hypot(v - last[2] / length, ar - last[3] / length) < threshold:
                last[1], last[2], last[3], last[4] = b, last[2] + v * (b - a), last[3] + ar * (b - a), last[4] + 1
                continue
        parts.append([a, b, v * (b - a), ar * (b - a), 1])
    while len(parts) > 1:
        short = [i for i, p in enumerate(parts) if p[1] - p[0] < min_seconds]
        if not short:
            break
        i = min(short, key=lambda k: parts[k][1] - parts[k][0])
        here = (parts[i][2] / (parts[i][1] - parts[i][0]), parts[i][3] / (parts[i][1] - parts[i][0]))

        def gap(j: int) -> float:
            p = parts[j]
            return math.hypot(here[0] - p[2] / (p[1] - p[0]), here[1] - p[3] / (p[1] - p[0]))

        j = min((k for k in (i - 1, i + 1) if 0 <= k < len(parts)), key=gap)
        lo, hi = sorted((i, j))
        a, b = parts[lo], parts[hi]
        parts[lo:hi + 1] = [[a[0], b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4]]]
    out = []
    for a, b, vs, as_, n in parts:
        v, ar = vs / (b - a), as_ / (b - a)
        out.append(ScenePart(round(a, 3), round(b, 3), round(v, 3), round(ar, 3), label_for(v, ar), int(n)))
    return out


def part_profile(profile, part: ScenePart):
    """The :class:`SceneProfile` of one scene of a clip: its span of the timeline, cuts and motion
    shifted to start at 0, its own point and pace, and a target tempo from them.

    Notebook: 06_compose.ipynb
    """
    import dataclasses

    from .feature_extraction import pace_of

    length = part.end - part.start
    cuts = [round(c - part.start, 3) for c in profile.cut_times if part.start < c < part.end]
    motion = profile.motion[int(part.start):int(math.ceil(part.end))]
    pace = pace_of(float(np.mean(motion)) if motion else 0.0, 60.0 * len(cuts) / max(length, 1e-6))
    lo = 60 + 60 * (part.arousal + 1) / 2 + 40 * pace
    return dataclasses.replace(
        profile, duration=round(length, 3), valence=part.valence, arousal=part.arousal, emotion=part.emotion,
        pace=round(pace, 3), target_tempo=(round(lo), round(lo * 1.25)), cut_times=cuts,
        cuts_per_minute=round(60.0 * len(cuts) / max(length, 1e-6), 1),
        timeline=[[r[0] - part.start, *r[1:]] for r in profile.timeline if part.start <= r[0] < part.end],
        motion=motion,
    )


def plan_per_scene(profile, tracks, *, threshold: float = 0.45, min_seconds: float = 4.0):
    """Split a clip into scenes (:func:`split_scenes`) and recommend a track for each, never the
    same track twice: ``[(part, Recommendation or None)]`` (None where the library has run out).

    Notebook: 06_compose.ipynb
    """
    from .matching import recommend

    used: set[str] = set()
    plan = []
    for part in split_scenes(profile, threshold=threshold, min_seconds=min_seconds):
        recs = recommend(part_profile(profile, part), tracks, top=1, exclude=used)
        pick = recs[0] if recs else None
        if pick:
            used.add(pick.path)
        plan.append((part, pick))
    return plan
