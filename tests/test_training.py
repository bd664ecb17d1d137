"""Notebook 03's training code: the music-emotion corpus, model and command line."""

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from dramatune_lib import feature_extraction as fx
from dramatune_lib import training as tr
from dramatune_lib.circumplex import quadrant


@pytest.fixture(scope="module")
def soundtracks():
    clips = tr.soundtrack_clips()
    if not clips:
        pytest.fail("no Debian soundtrack could be fetched: run make setup (it fetches them for notebook 03)")
    return clips


def test_soundtracks_carry_their_game_context(soundtracks):
    """lordsawar's battle music is tense and its defeat music sad (music.xml's events); naev's
    combat and ambient lists come from its music.lua; singularity's from its win/lose folders;
    0 A.D. (1.4 GB) is fetched in full mode only."""
    clips = {(c.source, c.title): c for c in soundtracks}
    battle, defeat = clips[("lordsawar-data", "battle")], clips[("lordsawar-data", "defeat")]
    assert battle.group == "combat" and quadrant(battle.valence, battle.arousal) == "negative-high"
    assert defeat.group == "defeat" and quadrant(defeat.valence, defeat.arousal) == "negative-low"
    assert ("lordsawar-data", "intro") not in clips  # the title screen says nothing of mood
    assert clips[("naev-data", "combat1")].group == "combat"
    assert clips[("naev-data", "peace1")].group == "ambient" and clips[("naev-data", "peace1")].valence is None
    assert ("naev-data", "agriculture") not in clips  # landing music: neither list
    assert {c.group for c in soundtracks if c.source == "singularity-music"} == {"win", "lose"}
    assert all(c.arousal is None for c in soundtracks if c.source == "singularity-music")
    assert not any(c.source == "0ad-data" for c in soundtracks)


def test_0ad_labels_are_read_from_the_game_files(tmp_path):
    """The 0 A.D. reader takes the default playlists of music.js and each civilisation's music
    from public.zip, and unpacks every piece of its music, labelled or not (the whole soundtrack for
    the benchmark's distractors; a small zip laid out like the real one)."""
    root = tmp_path / "0ad-data"
    zdir = root / "usr/share/games/0ad/mods/public"
    zdir.mkdir(parents=True)
    with zipfile.ZipFile(zdir / "public.zip", "w") as z:
        z.writestr(
            "gui/common/music.js",
            'Music.prototype.DEFAULT_PEACE_TRACKS = [\n\t"Calm.ogg"\n];\n'
            'Music.prototype.DEFAULT_BATTLE_TRACKS = [\n\t"Drums.ogg"\n];\n'
            'Music.prototype.DEFAULT_DEFEAT_TRACKS = [\n\t"Tears.ogg"\n];\n',
        )
        z.writestr("simulation/data/civs/rome.json", json.dumps({"Music": [{"File": "Forum.ogg", "Type": "peace"}]}))
        for name in ("Calm", "Drums", "Tears", "Forum", "Menu"):
            z.writestr(f"audio/music/{name}.ogg", b"OggS")
    labels = tr.music_corpus._0ad_contexts(root)
    assert labels == {"Calm": "peace", "Drums": "combat", "Tears": "defeat", "Forum": "peace"}
    unpacked = sorted(p.name for p in (root / "music").iterdir())
    assert unpacked == ["Calm.ogg", "Drums.ogg", "Forum.ogg", "Menu.ogg", "Tears.ogg"]


def test_the_model_learns_arousal_from_the_soundtracks(soundtracks, tmp_path):
    """Fitted on the fast corpus, the model reads the combat music as more aroused than the
    ambient and peace music it was trained on, saves to plain JSON and loads back identical."""
    clips, feats = tr.soundtrack_features(soundtracks)
    model = tr.fit_music_model(clips, feats)
    v, a = model.place(feats)
    hi = [x for c, x in zip(clips, a) if c.group in ("combat", "tension")]
    lo = [x for c, x in zip(clips, a) if c.group in ("peace", "ambient")]
    assert np.mean(np.asarray(hi)[:, None] > np.asarray(lo)[None, :]) > 0.75
    assert model.valence_coef > 0 and np.all(np.abs(v) <= 1) and np.all(np.abs(a) <= 1)
    report = tr.MusicModelReport("fast", {}, {}, {}, {})
    path = tr.save_music_model(model, report, tmp_path / "m.json")
    again = fx.load_music_model(path)
    assert again == model
    assert np.allclose(again.place(feats)[1], a)


def test_shipped_music_model_loads_without_scikit_learn():
    """models/music_emotion.json (full mode, five games) is plain numbers: placing a track needs
    no scikit-learn import."""
    code = (
        "import sys, json; from dramatune_lib import feature_extraction as fx; m = fx.load_music_model(); "
        "print(json.dumps([m.trained_on, 'sklearn' in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    trained_on, sklearn_loaded = json.loads(out.strip().splitlines()[-1])
    assert "6 games" in trained_on and not sklearn_loaded


def test_training_refuses_to_replace_a_model(tmp_path, capsys):
    out = tmp_path / "music.json"
    out.write_bytes(b"mine")
    from dramatune_lib.training.__main__ import main

    assert main(["--only", "music", "--out", str(out)]) == 2
    assert out.read_bytes() == b"mine"
    assert f"{out}: already exists" in capsys.readouterr().err
