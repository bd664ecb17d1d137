import numpy as np
import pretty_midi
import pytest

from dramatune_lib.compose import compose_cue, compose_midi, plan_cue, write_cue
from dramatune_lib.feature_extraction import SR, track_features


def test_plan_maps_valence_to_mode_and_arousal_to_tempo():
    calm = plan_cue(0.6, -0.8, 20)
    tense = plan_cue(-0.6, 0.8, 20)
    assert calm.mode == "major" and tense.mode == "minor"
    assert calm.tempo < 90 < 150 < tense.tempo
    assert not calm.percussion and tense.percussion
    assert calm.velocity < tense.velocity


def test_cue_has_exact_length_and_ends_on_the_tonic():
    y, pm, p = compose_cue(0.5, 0.2, 12.5, instrument="piano", seed=4)
    assert y.shape == (int(round(12.5 * 44100)), 2) and y.dtype == np.float32
    assert np.abs(y).max() <= 0.95
    bass = next(i for i in pm.instruments if i.name == "bass")
    last = max(bass.notes, key=lambda n: n.start)
    assert last.pitch % 12 == p.tonic  # the cadence lands on the tonic
    assert last.end == pytest.approx(12.5)


@pytest.mark.parametrize("valence,arousal,inst", [(0.7, 0.0, "strings"), (-0.7, 0.0, "piano"), (0.6, 0.3, "guitar")])
def test_rendered_cue_is_heard_at_its_tempo_and_mode(tmp_path, valence, arousal, inst):
    y, pm, p = compose_cue(valence, arousal, 24, instrument=inst, seed=2)
    path = write_cue(tmp_path / "cue.ogg", y, pm)
    assert path.with_suffix(".mid").exists()
    f = track_features(path)
    ratio = f.tempo / p.tempo
    assert min(abs(ratio - 1), abs(ratio - 2), abs(ratio - 0.5)) < 0.04, (f.tempo, p.tempo)
    assert f.mode == p.mode


def test_loud_cues_are_louder_than_soft_ones():
    soft, _, _ = compose_cue(0.5, -0.9, 10, seed=1)
    loud, _, _ = compose_cue(0.5, 0.9, 10, seed=1)
    rms = lambda y: float(np.sqrt(np.mean(y ** 2)))  # noqa: E731
    assert 20 * np.log10(rms(loud) / rms(soft)) > 6


def test_midi_round_trips(tmp_path):
    p = plan_cue(-0.3, 0.5, 10, instrument="brass", seed=9)
    pm = compose_midi(p)
    pm.write(str(tmp_path / "x.mid"))
    again = pretty_midi.PrettyMIDI(str(tmp_path / "x.mid"))
    assert sum(len(i.notes) for i in again.instruments) == sum(len(i.notes) for i in pm.instruments)
    assert SR == 22050
