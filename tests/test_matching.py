import numpy as np
import pytest

from dramatune_lib.feature_extraction import index_library
from dramatune_lib.matching import MatchWeights, matched_position, recommend
from dramatune_lib.media import unique_path
from dramatune_lib.schema import SceneProfile


def profile(v, a, pace=0.5, duration=12.0, tempo=(90, 115)):
    return SceneProfile(
        path="x.mp4",
        duration=duration,
        fps=25,
        width=640,
        height=360,
        has_audio=True,
        valence=v,
        arousal=a,
        confidence=0.8,
        emotion="test",
        pace=pace,
        target_tempo=tempo,
        face_share=0,
        brightness=0.5,
    )


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
    """A strong diversity penalty spreads the top 3 strictly wider (on the circumplex and in tempo)
    than none, and still only among tracks on the clear scene's side (whole tracks here: with
    sections, the side is the chosen moment's)."""
    p = profile(0.5, 0.5, tempo=(120, 150))
    plain = recommend(p, tracks, weights=MatchWeights(diversity=0.0, sections=False))
    diverse = recommend(p, tracks, weights=MatchWeights(diversity=0.5, sections=False))

    def spread(rs):
        pairs = [(x, y) for i, x in enumerate(rs) for y in rs[i + 1 :]]
        return np.mean(
            [abs(x.tempo - y.tempo) + 100 * np.hypot(x.valence - y.valence, x.arousal - y.arousal) for x, y in pairs]
        )

    assert spread(diverse) > spread(plain)
    assert [r.path for r in plain] != [r.path for r in diverse]
    by_path = {t.path: t for t in tracks}
    for r in diverse:
        v, a = matched_position(by_path[r.path])
        assert v > 0 and a > 0


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


def test_reasons_quote_the_index(tracks):
    """Every number and word a reason gives for a track is the index's own: its emotion, valence,
    arousal, mode and tempo (an earlier reason called a 162 BPM cue "108 BPM")."""
    import re

    by_path = {t.path: t for t in tracks}
    for p in (profile(-0.6, 0.7, tempo=(140, 175)), profile(0.6, -0.6, tempo=(70, 90))):
        for r in recommend(p, tracks):
            t = by_path[r.path]
            m = re.match(r"([\w ]+) \(valence ([+-][\d.]+), arousal ([+-][\d.]+)\), (major|minor), (\d+) BPM", r.reason)
            assert m, r.reason
            assert m.group(1) == t.emotion and m.group(4) == t.mode and int(m.group(5)) == round(t.tempo)
            assert float(m.group(2)) == pytest.approx(t.valence, abs=0.0051)
            assert float(m.group(3)) == pytest.approx(t.arousal, abs=0.0051)


def test_unclear_valence_spans_darker_and_brighter(tracks):
    """A scene whose valence rests on weak evidence gets one darker and one brighter option
    beside the closest, and each reason says so; with clear valence the picks need not span."""
    unsure = profile(0.4, 0.6, tempo=(120, 150))
    unsure.valence_confidence, unsure.arousal_confidence = 0.1, 0.8
    recs = recommend(unsure, tracks)
    v = {t.path: t.valence for t in tracks}
    first = v[recs[0].path]
    assert min(v[r.path] for r in recs[1:]) < first < max(v[r.path] for r in recs[1:])
    assert all("valence unclear" in r.reason for r in recs)
    sure = profile(0.4, 0.6, tempo=(120, 150))
    sure.valence_confidence, sure.arousal_confidence = 0.9, 0.8
    assert not any("valence unclear" in r.reason for r in recommend(sure, tracks))


def test_an_unsure_axis_counts_less(tracks):
    """With valence barely known, the emotion fit follows arousal: a track on the other side of
    valence but at the scene's arousal fits better than when valence is sure."""
    from dramatune_lib.matching import emotion_fit, matched_position

    scene = profile(0.7, 0.7)
    far = min(tracks, key=lambda t: abs(matched_position(t)[1] - 0.7) + (matched_position(t)[0] > 0) * 9)
    scene.valence_confidence, scene.arousal_confidence = 0.95, 0.95
    sure = emotion_fit(scene, [far])[0][0]
    scene.valence_confidence = 0.0
    assert emotion_fit(scene, [far])[0][0] > sure


def test_a_reason_says_the_doubt_from_the_axis_confidences(tracks):
    """The reason names the scene's mood as mood_for gave it; where an axis (or both) is unclear it
    says so in brackets, read from the confidences rather than from the words of the mood."""
    from dataclasses import replace

    from dramatune_lib.circumplex import mood_for

    def reason(cv, ca):
        p = replace(profile(-0.4, -0.5), valence_confidence=cv, arousal_confidence=ca)
        p = replace(p, mood=mood_for(p.valence, p.arousal, cv, ca))
        return recommend(p, tracks, top=1)[0].reason

    assert "(unclear: too little to read)" in reason(0.1, 0.1)
    bracket = reason(0.1, 0.8).split("scene (", 1)[1].split(")")[0]
    assert " or " in bracket and "unclear" not in bracket  # the two moods it may be
    assert "scene (" not in reason(0.8, 0.8) and "gloomy" in reason(0.8, 0.8)


def test_a_clear_scene_keeps_its_side_of_the_library(tracks):
    """A clearly sad scene's top 3 all come from the slow, dark part of the library (where the
    matcher places them); a tense scene's diversity, however strong, never brings in a track from
    the other side of either axis (the demo library has seven tense cues to choose among)."""
    by_path = {t.path: t for t in tracks}

    def sides(recs):
        return [tuple(np.sign(matched_position(by_path[r.path]))) for r in recs]

    assert sides(recommend(profile(-0.63, -0.27), tracks)) == [(-1.0, -1.0)] * 3
    spread = MatchWeights(diversity=0.9)
    assert sides(recommend(profile(-0.35, 0.8, tempo=(140, 175)), tracks, weights=spread)) == [(-1.0, 1.0)] * 3

    # three copies of one tense cue and a brighter one: diversity pushes the copies down, and
    # without the side rules it brings in the brighter track second; with them it does not
    import dataclasses

    from dramatune_lib.feature_extraction import set_placement

    tense = next(t for t in tracks if matched_position(t)[0] < -0.2 and matched_position(t)[1] > 0.4)
    lib = [dataclasses.replace(tense, path=f"/x/{k}.ogg") for k in range(4)]
    set_placement(lib, [-0.3, -0.3, -0.3, 0.05], [0.6] * 4, [0.8] * 4, [0.8] * 4)
    scene = profile(-0.35, 0.8, tempo=(140, 175))
    assert recommend(scene, lib, weights=MatchWeights(diversity=0.9, sides="off"))[1].path == "/x/3.ogg"
    assert "/x/3.ogg" not in [r.path for r in recommend(scene, lib, weights=spread)][:3]


def test_a_folder_without_such_music_says_so(tracks):
    """Where the folder has nothing on the scene's side, the first reason says so and names the
    closest track; with such music there, no reason says it."""
    from dramatune_lib.feature_extraction import set_placement

    bright = [t for t in tracks if matched_position(t)[0] > 0 and matched_position(t)[1] > 0]
    assert len(bright) >= 3
    alone = set_placement(
        bright,
        [abs(t.valence) + 0.2 for t in bright],
        [abs(t.arousal) + 0.2 for t in bright],
        [0.8] * len(bright),
        [0.8] * len(bright),
    )
    recs = recommend(profile(-0.63, -0.27), alone)
    assert f"nothing in this folder is both slow and dark; closest: {recs[0].title}" in recs[0].reason
    assert not any("nothing in this folder" in r.reason for r in recommend(profile(-0.63, -0.27), tracks))


def test_tempo_counts_as_far_as_it_is_trusted(tracks):
    """Weighed by its confidence (MatchWeights.tempo_by_confidence), a trusted tempo's fit spreads
    over 0 .. 1 and an untrusted one (confidence 0) is neutral (0.5), whatever it is."""
    import dataclasses

    p = profile(0.5, 0.5, tempo=(120, 150))
    w = MatchWeights(emotion=1.0, tempo=1.0, duration=0, diversity=0, tempo_by_confidence=True)
    trusted = [dataclasses.replace(t, tempo_confidence=1.0) for t in tracks]
    untrusted = [dataclasses.replace(t, tempo_confidence=0.0) for t in tracks]
    fits = {r.path: r.tempo_fit for r in recommend(p, trusted, weights=w, top=len(tracks))}
    assert len(set(fits.values())) > 2
    assert {r.tempo_fit for r in recommend(p, untrusted, weights=w, top=len(tracks))} == {0.5}


# --- "more like this": tracks that sound alike (musicnn's embedding) -----------------------------


def _instrument(t) -> str:
    return t.title.split()[2]  # "07 bright brass major 150bpm" -> "brass"


def test_similar_tracks_share_the_instrument(tracks):
    """On the composed demo library, each cue's nearest neighbours by musicnn's embedding are
    mostly played by the same instrument, far above chance (the sound, not the mood, decides)."""
    from dramatune_lib.similarity import similar

    hits = [np.mean([_instrument(a.track) == _instrument(t) for a in similar(t, tracks, top=2)]) for t in tracks]
    same = [sum(_instrument(u) == _instrument(t) for u in tracks) - 1 for t in tracks]
    chance = np.mean(same) / (len(tracks) - 1)
    assert np.mean(hits) > max(0.6, 2 * chance)


def test_similar_is_exact_search_and_leaves_out_what_was_shown(tracks):
    """The partial sort gives the same order as a full sort of every cosine; the track itself and
    the excluded ones never come back; the descriptors stand in where embeddings are missing."""
    from dramatune_lib.schema import TrackFeatures
    from dramatune_lib.similarity import likeness, similar, sound_space

    space = sound_space(tracks)
    sims = likeness(space, tracks[0])
    full = [tracks[i].path for i in np.argsort(-sims, kind="stable") if i != 0][:5]
    assert [a.track.path for a in similar(tracks[0], tracks, top=5)] == full
    shown = set(full[:2])
    again = similar(tracks[0], tracks, top=5, exclude=shown)
    assert not {a.track.path for a in again} & (shown | {tracks[0].path}) and len(again) == 5
    plain = [TrackFeatures.from_dict({**t.to_dict(), "embedding": []}) for t in tracks]
    assert sound_space(plain).by == "descriptors" and len(similar(plain[0], plain, top=3)) == 3


def test_more_like_this_moves_the_picks_towards_the_track(tracks):
    """Ranked for a scene with "more like this", the picks sound more like the chosen track than
    the plain picks do, the track itself is left out, and each reason says whom it sounds like."""
    from dramatune_lib.similarity import likeness, sound_space

    scene = profile(0.6, 0.6)
    piano = next(t for t in tracks if _instrument(t) == "piano")
    space = sound_space(tracks)
    alike = dict(zip(space.paths, likeness(space, piano)))
    plain = recommend(scene, tracks)
    liked = recommend(scene, tracks, like=piano, like_weight=0.7)
    assert piano.path not in {r.path for r in liked}
    assert np.mean([alike[r.path] for r in liked]) > np.mean([alike[r.path] for r in plain]) + 0.1
    assert all(f"sounds like {piano.title}" in r.reason for r in liked)
    assert recommend(scene, tracks, like=piano, like_weight=0.0)[0].path == plain[0].path


# --- the moment of a track ------------------------------------------------------------------------


def test_each_pick_names_the_moment_that_fits_the_scene(tracks):
    """A track whose index curve rises from calm to intense: a calm scene gets its calm start, a
    tense scene its intense end, each named in the reason and given in the pick (and its JSON)."""
    from dramatune_lib.matching import best_section
    from dramatune_lib.schema import TrackFeatures

    t = TrackFeatures.from_dict({**tracks[0].to_dict(), "duration": 60.0})
    t.section_curve = [
        [0.0, 20.0, 0.2, -0.6, 0.8, 0.8],
        [20.0, 40.0, 0.2, 0.0, 0.8, 0.8],
        [40.0, 60.0, 0.2, 0.7, 0.8, 0.8],
    ]
    t.valence, t.arousal, t.valence_rel, t.arousal_rel = 0.2, 0.03, 0.2, 0.03  # placed, library rank alike
    t.valence_sound, t.arousal_sound = 0.2, 0.03  # the sound's reading, which the sections' is compared with
    start, _, words = best_section(profile(0.2, -0.7), t)
    assert start == 0.0 and words == "its calmest stretch"
    start, end, words = best_section(profile(0.2, 0.8), t)
    assert (start, end, words) == (40.0, 60.0, "its most intense stretch")
    assert best_section(profile(0.2, 0.8, duration=90.0), t) is None  # the scene outlasts the track
    pick = recommend(profile(0.2, 0.8), [t, *tracks[1:]], top=len(tracks))
    mine = next(r for r in pick if r.path == t.path)
    assert mine.section_start == 40.0 and "from 0:40, its most intense stretch" in mine.reason
    assert mine.to_dict()["section_end"] == 60.0


def _curve_track(path: str, arousal: list[float], like):
    from dramatune_lib.schema import TrackFeatures

    t = TrackFeatures.from_dict({**like.to_dict(), "path": path, "title": path, "duration": 120.0})
    t.section_curve = [[10.0 * k, 10.0 * k + 20, 0.0, x, 0.8, 0.8] for k, x in enumerate(arousal)]
    t.valence = t.valence_rel = t.valence_sound = 0.0
    t.arousal = t.arousal_rel = t.arousal_sound = 0.1
    t.placed_by = "model"
    return t


def test_a_rising_scene_meets_the_music_where_it_builds(tracks):
    """The curve term: a 40 s scene whose arousal rises takes the track that builds, from where
    it builds ('where it builds' in the reason); the same scene held flat at the same mean takes
    the steady track. Without the timeline (or with sections off) the two tie on emotion."""
    steady = _curve_track("steady", [0.1] * 11, tracks[0])
    build = _curve_track("build", [-0.2] * 6 + [-0.1, 0.1, 0.3, 0.5, 0.6], tracks[0])
    rising, flat = profile(0.0, 0.1, duration=40.0), profile(0.0, 0.1, duration=40.0)
    rising.timeline = [[t, 0.0, -0.3 + 0.02 * t, 0.8] for t in range(41)]
    flat.timeline = [[t, 0.0, 0.1, 0.8] for t in range(41)]
    first = recommend(rising, [steady, build], top=2, weights=MatchWeights(diversity=0))[0]
    assert first.path == "build" and first.section_start == 70.0 and "from 1:10, where it builds" in first.reason
    from dramatune_lib.matching import best_section

    assert best_section(rising, build, library=[steady, build]) == (70.0, 90.0, "where it builds")
    assert recommend(flat, [steady, build], top=2, weights=MatchWeights(diversity=0))[0].path == "steady"
    off = recommend(rising, [steady, build], top=2, weights=MatchWeights(diversity=0, curve=0))
    assert off[0].score == off[1].score
