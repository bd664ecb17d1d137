"""musicnn's MagnaTagATune model converted to TFLite (feature_extraction.musicnn): the front end
against librosa, the converted model against the original TensorFlow model's stored outputs, and
what it hears in real game music."""

from __future__ import annotations

import numpy as np
import pytest

from dramatune_lib import config
from dramatune_lib.feature_extraction import musicnn

REFERENCE = config.PROJECT_ROOT / "models" / "musicnn" / "reference.npz"


@pytest.fixture(scope="module")
def reference():
    """Inputs and the original model's outputs (TensorFlow, made by models/musicnn/convert_musicnn.py)."""
    return dict(np.load(REFERENCE))


@pytest.fixture(scope="module")
def tagger():
    return musicnn.MusicnnTagger()


def test_front_end_is_librosas_in_float32(reference):
    """The log-mel patches equal librosa's mel spectrogram at musicnn's settings, logged in float32,
    to float precision; and they are the patches the reference was made from."""
    import librosa

    for k, y in enumerate(reference["signals"]):
        mine = musicnn.log_mel(y, musicnn.MUSICNN_SR)
        power = librosa.feature.melspectrogram(y=y, sr=16000, hop_length=256, n_fft=512, n_mels=96).T
        assert np.allclose(mine, np.log10(10000 * power.astype(np.float32) + 1), rtol=1e-6, atol=1e-6)
        stored = reference["patches"][2 * k : 2 * k + 2]
        assert np.allclose(musicnn.patches(mine, None, hop=1), stored, rtol=1e-6, atol=1e-6)


def test_converted_model_equals_tensorflows(reference, tagger):
    """LiteRT on the converted file gives the original model's tags and embedding (to 1e-4 of a
    probability; the embedding to 1e-4 of its range)."""
    reading = tagger.run(reference["patches"])
    assert reading.taggram.shape == (len(reference["patches"]), len(musicnn.MTT_TAGS))
    assert np.abs(reading.taggram - reference["tags"]).max() < 1e-4
    scale = np.abs(reference["penultimate"]).max()
    assert np.abs(reading.embedding - reference["penultimate"]).max() < 1e-4 * scale
    # the signals differ, and so do their tags: the comparison above can fail
    assert np.abs(reference["tags"][0] - reference["tags"][-1]).max() > 0.05


def test_patches_repeat_a_short_signal_and_spread_over_a_long_one():
    mel = np.arange(100 * 96, dtype=np.float32).reshape(100, 96)
    short = musicnn.patches(mel)
    assert short.shape == (1, musicnn.PATCH_FRAMES, 96) and np.array_equal(short[0, 100:187], mel[:87])
    long = np.arange(187 * 100 * 96, dtype=np.float32).reshape(187 * 100, 96)
    every_other = musicnn.patches(long, None)  # 100 patches, every PATCH_HOP-th
    assert len(every_other) == 50 and every_other[1, 0, 0] == long[187 * 2, 0]
    spread = musicnn.patches(long, max_patches=5, hop=1)
    assert spread.shape[0] == 5
    assert spread[0, 0, 0] == long[0, 0] and spread[-1, 0, 0] == long[187 * 99, 0]


def test_it_hears_a_battle_as_more_aroused_than_a_blessing(tagger):
    """Real game music (lordsawar, Debian): the battle theme's arousal score over the blessing's,
    and its tags loud and drums over the blessing's."""
    from dramatune_lib.media import load_audio
    from dramatune_lib.training.debian import fetch_debian

    root = fetch_debian("lordsawar-data")
    if root is None:
        pytest.skip("lordsawar-data cannot be fetched here (apt-get download)")
    music = root / "usr/share/games/lordsawar/music"
    heard = {k: tagger.hear(load_audio(music / f"{k}.ogg", sr=22050), 22050) for k in ("battle", "bless")}
    assert musicnn.ear_arousal(heard["battle"]) > musicnn.ear_arousal(heard["bless"])
    tags = {k: r.mean_tags() for k, r in heard.items()}
    assert tags["battle"]["drums"] > tags["bless"]["drums"]
    assert heard["battle"].embedding.shape[1] == 200
