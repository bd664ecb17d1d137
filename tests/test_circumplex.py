import pytest

from dramatune_lib.circumplex import Cue, emotions_to_va, fuse, label_for, quadrant


def test_fuse_ignores_cues_without_confidence():
    v, a, c = fuse([Cue("faces", 0.0, 0.0, 0.0), Cue("light", 0.8, -0.4, 0.5)])
    assert (v, a) == pytest.approx((0.8, -0.4))
    assert c == pytest.approx(0.25)  # half the weight had no confidence at all


def test_fuse_weights_by_confidence():
    v, _, _ = fuse([Cue("x", 1.0, 0, 0.9), Cue("y", -1.0, 0, 0.1)])
    assert v == pytest.approx(0.8)


def test_fuse_of_nothing_is_neutral_and_uncertain():
    assert fuse([]) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("probs,expected", [
    ({"happy": 1.0}, "positive-high"),
    ({"sad": 0.9, "neutral": 0.1}, "negative-low"),
    ({"angry": 0.6, "fear": 0.4}, "negative-high"),
])
def test_face_classes_land_in_their_quadrant(probs, expected):
    assert quadrant(*emotions_to_va(probs)) == expected


def test_labels_follow_the_point():
    assert label_for(0.05, -0.05) == "neutral"
    assert label_for(0.8, 0.35) == "happy"
    assert label_for(-0.7, -0.4) == "sad"
    assert label_for(0.55, -0.6) == "calm"
