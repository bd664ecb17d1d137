import numpy as np
import pytest

from dramatune_lib.feature_extraction import index_library
from dramatune_lib.recommend_and_merge import MatchWeights, recommend, unique_path
from dramatune_lib.schema import SceneProfile


def profile(v, a, pace=0.5, duration=12.0, tempo=(90, 115)):
    return SceneProfile(path="x.mp4", duration=duration, fps=25, width=640, height=360, has_audio=True,
                        valence=v, arousal=a, confidence=0.8, emotion="test", pace=pace,
                        target_tempo=tempo, face_share=0, brightness=0.5)


@pytest.fixture(scope="module")
def tracks(demo):
    return index_library(demo.library).tracks


@pytest.mark.parametrize("v,a,mode", [(-0.8, -0.6, "minor"), (0.7, 0.7, "major"), (0.6, -0.6, "major")])
def test_top_pick_shares_the_scene_quadrant(tracks, v, a, mode):
    tempo = (70, 90) if a < 0 else (140, 175)
    top = recommend(profile(v, a, tempo=tempo), tracks)[0]
    t = next(t for t in tracks if t.path == top.path)
    assert t.mode == mode
    assert np.sign(t.valence) == np.sign(v) and np.sign(t.arousal) == np.sign(a)
    assert top.emotion_distance < 0.5


def test_top_three_are_distinct_ranked_and_explained(tracks):
    recs = recommend(profile(-0.7, -0.5, tempo=(70, 90)), tracks)
    assert [r.rank for r in recs] == [1, 2, 3]
    assert len({r.path for r in recs}) == 3
    assert recs[0].score >= recs[1].score >= recs[2].score
    for r in recs:
        assert "BPM" in r.reason and ("minor" in r.reason or "major" in r.reason)


def test_diversity_spreads_the_picks(tracks):
    p = profile(0.5, 0.5, tempo=(120, 150))
    plain = recommend(p, tracks, weights=MatchWeights(diversity=0.0))
    diverse = recommend(p, tracks)
    spread = lambda rs: np.mean([abs(x.tempo - y.tempo) + 100 * np.hypot(x.valence - y.valence, x.arousal - y.arousal)  # noqa: E731
                                 for i, x in enumerate(rs) for y in rs[i + 1:]])
    assert spread(diverse) >= spread(plain)


def test_alternatives_are_not_repeated(tracks):
    p = profile(0.2, 0.1)
    first = recommend(p, tracks)
    more = recommend(p, tracks, exclude={r.path for r in first})
    assert not {r.path for r in first} & {r.path for r in more}


def test_ranking_uses_half_and_double_time(tracks):
    p = profile(0.0, 0.0, tempo=(300, 360))  # only reachable at double time
    assert any("double time" in r.reason for r in recommend(p, tracks))


def test_unique_path_never_reuses_a_name(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"1")
    (tmp_path / "a-2.mp4").write_bytes(b"2")
    assert unique_path(tmp_path / "a.mp4").name == "a-3.mp4"
    assert unique_path(tmp_path / "b.mp4").name == "b.mp4"
