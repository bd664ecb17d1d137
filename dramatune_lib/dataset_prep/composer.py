"""Stage 01 · a small cue composer: valence and arousal in, MIDI and rendered audio out.

It composes the demo library of notebook 01; notebook 06 uses it to score a scene.

The mapping follows the music-psychology priors that the rest of DramaTune also relies on:

- valence -> mode (major for positive, harmonic minor for negative), progression and register
  (a clearly pleasant cue's melody sings an octave higher);
- arousal -> tempo (60-180 BPM), note density (whole notes to eighths), dynamics (MIDI velocity
  and the final loudness) and percussion (none when calm).

A cue ends on a cadence (IV-V-I, or iv-V-i in minor) held to the end, not on a faded loop.
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

    Notebook: 01_dataset_prep.ipynb, 06_compose.ipynb
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
        velocity=velocity_for(level),
        loudness_dbfs=-27.0 + 13.0 * level,
        seed=seed,
        register=REGISTER_UP if valence > REGISTER_FROM else 0,
    )


#: MIDI velocity of a cue: VELOCITY_SOFT at the calmest, up by VELOCITY_RANGE at the most aroused
#: (chosen by hand: 45..115 stays clear of the soundfont's whisper and clipping).
VELOCITY_SOFT, VELOCITY_RANGE = 45, 70
#: Arousal levels (0..1) at which the arrangement gets busier, chosen by hand: rhythmic chords
#: instead of pads (and a bass on every beat) above STABS_FROM, two chord strokes a beat above
#: DRIVING_FROM, a melody in eighths above MELODY_EIGHTHS_FROM, sixteenth-note hats and a kick on
#: the off-beat above HATS_SIXTEENTHS_FROM.
STABS_FROM, DRIVING_FROM, MELODY_EIGHTHS_FROM, HATS_SIXTEENTHS_FROM = 0.45, 0.55, 0.7, 0.8
#: The melody's random walk: the scale steps it may take (a step twice as likely as a leap of a
#: third), and the chance that a note is a rest (chosen by hand; exercise 2 of notebook 06).
MELODY_STEPS, MELODY_REST = (-2, -1, -1, 1, 1, 2), 0.15
#: How far below the cue's velocity the pads, the chord strokes and the melody play (an accented
#: stroke gets STROKE_ACCENT back), so the melody sits above the chords (chosen by hand).
PAD_SOFTER, STROKE_SOFTER, STROKE_ACCENT, MELODY_SOFTER = 10, 15, 8, 5


def velocity_for(level: float) -> int:
    """The MIDI velocity of a cue or a stretch of one at arousal ``level`` (0..1).

    Used by: :mod:`compose.scene_cue`
    """
    return int(round(VELOCITY_SOFT + VELOCITY_RANGE * level))


class _Voices:
    """The four instruments of a cue being written, and the melody's current pitch."""

    def __init__(self, instrument: str) -> None:
        chord_prog, lead_prog, bass_prog = INSTRUMENTS[instrument]
        self.chords = pretty_midi.Instrument(chord_prog, name="chords")
        # rhythmic chords: strings play them pizzicato (bowed stabs with the ensemble's long
        # release are unidiomatic, and rendered 10x slower than any other instrumentation)
        self.stabs = (
            pretty_midi.Instrument(_STAB_PROGRAMS[instrument], name="chord stabs")
            if instrument in _STAB_PROGRAMS
            else self.chords
        )
        self.lead = pretty_midi.Instrument(lead_prog, name="melody")
        self.bass = pretty_midi.Instrument(bass_prog, name="bass")
        self.drums = pretty_midi.Instrument(0, is_drum=True, name="drums")
        self.pitch = 0

    def all(self) -> list[pretty_midi.Instrument]:
        extra = (self.stabs,) if self.stabs is not self.chords else ()
        return [i for i in (self.chords, *extra, self.lead, self.bass, self.drums) if i.notes]


def _segment(
    v: _Voices,
    rng,
    *,
    t0: float,
    length: float,
    t_end: float,
    deg: int,
    minor: bool,
    level: float,
    vel: int,
    scale,
    root_midi: int,
    beat: float,
    percussion: bool,
    last: bool,
    register: int = 0,
    melody_steps: tuple[int, ...] = MELODY_STEPS,
) -> None:
    """Write one harmonic segment (a bar, or the stretch up to a cut) with its chord on ``deg``."""
    sub = 2 if level > DRIVING_FROM else 1  # subdivisions per beat: 1 (calm) to 2 (driving)
    triad = [deg, deg + (3 if minor else 4), deg + 7]
    voicing = [root_midi + 12 + ((x - 0) % 12) for x in triad]
    if level < STABS_FROM or last:  # sustained pads
        for n in voicing:
            v.chords.notes.append(pretty_midi.Note(vel - PAD_SOFTER, n, t0, t_end))
    else:  # rhythmic stabs
        step = beat / sub
        k = 0
        while t0 + k * step < t0 + length - 1e-6:
            s = t0 + k * step
            for n in voicing:
                accent = STROKE_ACCENT if k % sub == 0 else 0
                v.stabs.notes.append(pretty_midi.Note(vel - STROKE_SOFTER + accent, n, s, s + step * 0.8))
            k += 1
    # bass: root on each beat (driving) or each half bar (calm)
    b_step = beat if level > STABS_FROM else 2 * beat
    k = 0
    while t0 + k * b_step < t0 + length - 1e-6 and not last:
        s = t0 + k * b_step
        v.bass.notes.append(pretty_midi.Note(vel, root_midi - 12 + deg % 12, s, min(t_end, s + b_step * 0.9)))
        k += 1
    if last:
        v.bass.notes.append(pretty_midi.Note(vel, root_midi - 12 + deg % 12, t0, t_end))
    # melody: a random walk on the scale, landing on a chord tone at each segment start
    m_step = beat / (2 if level > MELODY_EIGHTHS_FROM else 1)  # the melody states the pulse
    k = 0
    while t0 + k * m_step < t0 + length - 1e-6 and not last:
        s = t0 + k * m_step
        if k == 0:
            v.pitch = root_midi + 24 + register + triad[int(rng.integers(0, 3))] % 12
        else:
            pc = (v.pitch - root_midi) % 12
            idx = min(range(7), key=lambda i: abs(scale[i] - pc))
            idx = int(np.clip(idx + rng.choice(melody_steps), 0, 6))
            v.pitch = root_midi + 24 + register + scale[idx]
        if rng.random() > MELODY_REST:
            v.lead.notes.append(pretty_midi.Note(vel - MELODY_SOFTER, v.pitch, s, s + m_step * 0.9))
        k += 1
    if last:
        v.lead.notes.append(pretty_midi.Note(vel - MELODY_SOFTER, root_midi + 24 + register + deg % 12, t0, t_end))
    if percussion and not last:
        hat_step = beat / (4 if level > HATS_SIXTEENTHS_FROM else 2)
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
            if level > HATS_SIXTEENTHS_FROM and i % 2 == 0:
                v.drums.notes.append(pretty_midi.Note(vel - PAD_SOFTER, 36, s + beat / 2, s + beat / 2 + 0.1))
            i += 1
    if percussion and last:
        v.drums.notes.append(pretty_midi.Note(vel, 49, t0, t0 + 1.0))  # crash on the final chord
        v.drums.notes.append(pretty_midi.Note(vel, 36, t0, t0 + 0.1))


def compose_midi(p: CueParams, *, melody_steps: tuple[int, ...] = MELODY_STEPS) -> pretty_midi.PrettyMIDI:
    """Write the notes of a cue: chords, bass, melody and (if asked) percussion; ``melody_steps``
    are the scale steps the melody's walk may take (:data:`MELODY_STEPS`).

    Notebook: 06_compose.ipynb
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
        _segment(
            voices,
            rng,
            t0=b * bar,
            length=bar,
            t_end=p.seconds if last else b * bar + bar,
            deg=deg,
            minor=minor,
            level=level,
            vel=p.velocity,
            scale=scale,
            root_midi=root_midi,
            beat=beat,
            percussion=p.percussion,
            melody_steps=melody_steps,
            last=last,
            register=p.register,
        )
    pm.instruments.extend(voices.all())
    return pm


def soundfont_path() -> Path:
    """The General MIDI soundfont shipped inside pretty_midi's wheel.

    Used by: :func:`render_midi`
    """
    return Path(pretty_midi.__file__).parent / "TimGM6mb.sf2"


def render_midi(pm: pretty_midi.PrettyMIDI, seconds: float, sr: int = 44100) -> np.ndarray:
    """Render MIDI to stereo float32 ``(n, 2)`` with tinysoundfont, offline and exactly ``seconds`` long.

    Notebook: 06_compose.ipynb
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

    Used by: :mod:`compose.scene_cue`
    """
    rms = float(np.sqrt(np.mean(np.square(y)))) or 1e-9
    g = min(10 ** (rms_dbfs / 20) / rms, peak / (float(np.abs(y).max()) or 1e-9))
    return (y * g).astype(np.float32)


def compose_cue(
    valence: float,
    arousal: float,
    seconds: float,
    *,
    instrument: str = "strings",
    seed: int = 0,
    sr: int = 44100,
    tempo: float | None = None,
    percussion: bool | None = None,
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

    Used by: :mod:`cli.commands`, :mod:`compose.metrics`, :mod:`dataset_prep.demo` and 3 more
    """
    import soundfile as sf

    path = Path(path)
    fmt = {
        ".ogg": ("OGG", "VORBIS"),
        ".flac": ("FLAC", "PCM_16"),
        ".wav": ("WAV", "PCM_16"),
        ".mp3": ("MP3", "MPEG_LAYER_III"),
    }[path.suffix.lower()]
    sf.write(str(path), y, sr, format=fmt[0], subtype=fmt[1])
    pm.write(str(path.with_suffix(".mid")))
    return path


def params_dict(p: CueParams) -> dict:
    """Parameters as a plain dict, with the key name added.

    Notebook: 06_compose.ipynb
    """
    return {**asdict(p), "key": p.key, "beats": math.floor(p.seconds * p.tempo / 60)}
