"""Stage 06 · the composer's quality, measured: the Columbia paper's symbolic metrics, and whether
a cue is heard as asked.
"""

from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path

import numpy as np
import pretty_midi

from .. import circumplex, feature_extraction, matching
from ..dataset_prep.composer import INSTRUMENTS, compose_cue, write_cue

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

    Used by: :mod:`solutions.s06_compose`
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
        sounding[int(n.start // beat) : max(int(n.start // beat) + 1, int(math.ceil(n.end / beat - 1e-6)))] = True
    return {
        "scale_consistency": round(float(best) / len(pitches), 4),
        "pitch_entropy": round(_entropy_bits(np.bincount(pitches)), 4),
        "pitch_class_entropy": round(_entropy_bits(pcs), 4),
        "empty_beat_rate": round(1.0 - float(sounding.mean()), 4),
    }


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
    import pandas as pd

    rng = np.random.default_rng(seed)
    mdl = feature_extraction.load_music_model() if model == "auto" else model
    rows, tracks = [], []
    with tempfile.TemporaryDirectory() as d:
        k = 0
        for sv, sa in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            for _ in range(per_quadrant):
                v, a = sv * rng.uniform(0.3, 0.9), sa * rng.uniform(0.3, 0.9)
                inst = sorted(INSTRUMENTS)[k % len(INSTRUMENTS)]
                y, pm, p = compose_cue(v, a, seconds, instrument=inst, seed=seed * 100 + k)
                path = write_cue(Path(d) / f"cue{k}.flac", y, pm)
                tracks.append(feature_extraction.track_features(path))
                rows.append(
                    {
                        "instrument": inst,
                        "asked_valence": round(v, 2),
                        "asked_arousal": round(a, 2),
                        "asked": circumplex.quadrant(v, a),
                    }
                )
                k += 1
    feature_extraction.place_tracks(tracks, mdl, words=False)
    for row, t in zip(rows, tracks):
        mv, ma = matching.matched_position(t)
        row.update(
            {
                "measured_valence": t.valence,
                "measured_arousal": t.arousal,
                "absolute": circumplex.quadrant(t.valence, t.arousal),
                "matched_valence": round(mv, 3),
                "matched_arousal": round(ma, 3),
                "measured": circumplex.quadrant(mv, ma),
            }
        )
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
    return pd.DataFrame(
        {
            "composed mean": composed[cols].mean(),
            "composed std": composed[cols].std(),
            "real mean": reference[cols].mean(),
            "real std": reference[cols].std(),
        }
    ).round(3)
