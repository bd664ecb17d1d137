"""Notebook 03's training code: the music-emotion corpus, model and command line."""
import json
import os

import numpy as np
import pytest

from dramatune_lib import feature_extraction as fx
from dramatune_lib import training as tr
from dramatune_lib.circumplex import label_for, quadrant


def test_render_arousal_follows_tempo_and_dynamics():
    assert tr.render_arousal(48, 35) == pytest.approx(-1)
    assert tr.render_arousal(184, 120) == pytest.approx(1)
    assert tr.render_arousal(160, 60) > tr.render_arousal(72, 60)  # faster is livelier
    assert tr.render_arousal(104, 110) > tr.render_arousal(104, 40)  # louder is livelier


def test_chorales_are_rendered_with_their_written_mode(tmp_path):
    """One chorale in major and one in minor, rendered to audio: each label follows the key
    written in the music21 file, and the file name says what was rendered."""
    clips = tr.chorale_renders(tmp_path, per_mode=1, seed=3, seconds=8.0)
    assert sorted(c.valence for c in clips) == [-tr.SIGN_TARGET, tr.SIGN_TARGET]
    for c in clips:
        assert os.path.exists(c.path) and c.kind == "render"
        mode = "major" if c.valence > 0 else "minor"
        assert f"_{mode}_" in os.path.basename(c.path)
        bpm = int(os.path.basename(c.path).split("bpm")[0].rsplit("_", 1)[1])
        vel = int(os.path.basename(c.path).split("_v")[-1].split(".")[0])
        assert c.arousal == pytest.approx(tr.render_arousal(bpm, vel))
        t = fx.track_features(c.path)
        assert 3.0 < t.duration <= 8.0 and t.loudness_lufs > -45


def test_soundtracks_carry_their_game_context():
    """lordsawar's battle music is labelled tense and its defeat music sad (Debian package,
    fetched by setup for notebook 03)."""
    clips = {os.path.basename(c.path): c for c in tr.soundtrack_clips()}
    if not clips:
        pytest.fail("no Debian soundtrack could be fetched: run make setup (it fetches them for notebook 03)")
    assert quadrant(clips["battle.ogg"].valence, clips["battle.ogg"].arousal) == "negative-high"
    assert quadrant(clips["defeat.ogg"].valence, clips["defeat.ogg"].arousal) == "negative-low"
    assert all("naev" not in c.source for c in clips.values())  # 350 MB: full mode only


def test_shipped_music_model_places_the_demo_cues(demo):
    """The model in models/ (trained in full mode) places DramaTune's demo cues, composed with
    seeds it never saw, in the quadrant they were composed for; its report is beside it."""
    model = fx.load_music_model()
    assert model is not None, "models/music_emotion.joblib is missing: python -m dramatune_lib.training --full --only music"
    lib = fx.index_library(demo.library, music_model=model)
    cues = {c["file"]: c["quadrant"] for c in json.loads((demo.library / "cues.json").read_text())}
    hits = [quadrant(t.valence, t.arousal) == cues[os.path.basename(t.path)] for t in lib.tracks]
    assert np.mean(hits) >= 0.8
    assert all(t.emotion == label_for(t.valence, t.arousal) for t in lib.tracks)
    report = json.loads(fx.music_model_path().with_suffix(".json").read_text())
    assert report["recordings"]["n"] >= 16 and "quadrant" in report["recordings_priors"]


def test_index_keeps_the_priors_unless_asked(demo):
    """The index places tracks with the priors by default (they agree more often with real
    soundtracks' game contexts); the trained model is there when asked for."""
    priors = fx.index_library(demo.library)
    with_model = fx.index_library(demo.library, music_model="auto")
    for t in priors.tracks:
        prior = fx.music_va(t.mode, t.mode_strength, t.tempo, t.loudness_lufs, t.onset_density, t.centroid_hz)
        assert (t.valence, t.arousal) == pytest.approx(prior, abs=0.01)  # from rounded inputs
    assert any(a.valence != b.valence for a, b in zip(priors.tracks, with_model.tracks))


def test_training_refuses_to_replace_a_model(tmp_path, capsys):
    out = tmp_path / "music.joblib"
    out.write_bytes(b"mine")
    assert tr.main(["--only", "music", "--out", str(out)]) == 2
    assert out.read_bytes() == b"mine"
    assert f"{out}: already exists" in capsys.readouterr().err
