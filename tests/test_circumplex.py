import pytest

from dramatune_lib.circumplex import AXIS_UNCLEAR, Cue, emotions_to_va, fuse, label_for, mood_for, quadrant


def test_fuse_ignores_cues_without_confidence():
    v, a, c = fuse([Cue("faces", 0.0, 0.0, 0.0), Cue("light", 0.8, -0.4, 0.5)])
    assert (v, a) == pytest.approx((0.8, -0.4))
    assert c == pytest.approx(0.25)  # half the weight had no confidence at all


def test_fuse_weights_by_confidence():
    v, _, _ = fuse([Cue("x", 1.0, 0, 0.9), Cue("y", -1.0, 0, 0.1)])
    assert v == pytest.approx(0.8)


def test_fuse_of_nothing_is_neutral_and_uncertain():
    assert fuse([]) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "probs,expected",
    [
        ({"happy": 1.0}, "positive-high"),
        ({"sad": 0.9, "neutral": 0.1}, "negative-low"),
        ({"angry": 0.6, "fear": 0.4}, "negative-high"),
    ],
)
def test_face_classes_land_in_their_quadrant(probs, expected):
    assert quadrant(*emotions_to_va(probs)) == expected


def test_labels_follow_the_point():
    assert label_for(0.05, -0.05) == "neutral"
    assert label_for(0.8, 0.35) == "happy"
    assert label_for(-0.7, -0.4) == "sad"
    assert label_for(0.55, -0.6) == "calm"


@pytest.mark.parametrize(
    "v,a,cv,ca,expected",
    [
        (0.7, -0.5, 0.8, 0.8, "calm"),  # both axes clear: the nearest emotion
        (0.9, 0.8, 0.15, 0.4, "exhilarating or tense, valence unclear"),  # fast and loud, lit brightly
        (-0.8, 0.8, 0.15, 0.4, "tense or exhilarating, valence unclear"),
        (-0.8, -0.7, 0.15, 0.4, "gloomy or calm, valence unclear"),
        (0.5, 0.3, 0.9, 0.1, "happy or calm, arousal unclear"),
        (-0.5, -0.3, 0.9, 0.1, "gloomy or tense, arousal unclear"),
        (0.5, 0.5, 0.1, 0.1, "unclear: too little to read"),
    ],
)
def test_a_mood_admits_doubt_where_an_axis_is_unclear(v, a, cv, ca, expected):
    assert mood_for(v, a, cv, ca) == expected


def test_the_doubt_threshold_is_the_one_named():
    assert mood_for(0.9, 0.8, AXIS_UNCLEAR, 0.9) == label_for(0.9, 0.8)
    assert "unclear" in mood_for(0.9, 0.8, AXIS_UNCLEAR - 0.01, 0.9)


def test_music_is_named_in_musics_words():
    """GEMS words for music (Zentner et al. 2008): a battle's point is tension, a victory's joyful
    activation, a lament's sadness, a lullaby's peacefulness; never fer's face classes."""
    from dramatune_lib.circumplex import EMOTION_VA, MUSIC_VA, music_label_for

    assert music_label_for(-0.5, 0.7) == "tension"
    assert music_label_for(0.7, 0.6) == "joyful activation"
    assert music_label_for(-0.6, -0.5) == "sadness"
    assert music_label_for(0.4, -0.8) == "peacefulness"
    assert music_label_for(0.05, 0.05) == "neutral"
    assert not set(MUSIC_VA) & set(EMOTION_VA)
