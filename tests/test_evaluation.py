"""Notebook 04: the report's Random Forest and the comparison of rankers."""

import math
import os

import joblib
import numpy as np
import pytest

from dramatune_lib import evaluation as ev
from dramatune_lib import feature_extraction as fx
from dramatune_lib.matching import recommend, recommend_batch


@pytest.fixture(scope="module")
def library(demo):
    lib = fx.index_library(demo.library)
    return lib.tracks, ev.track_quadrants(lib.tracks, demo.library / "cues.json")


def test_report_formula():
    assert ev.report_formula(120, 0.0, 120, -20) == pytest.approx(1.0)
    assert ev.report_formula(120, 0.0, 180, -20) == pytest.approx(0.5)  # tempo half again off: no tempo match
    assert ev.report_formula(120, 1.0, 120, -10) > ev.report_formula(120, 1.0, 120, -30)  # aroused wants loud


def test_forest_reproduces_the_formula():
    model, report = ev.train_report_forest(fast=True)
    assert report.r2_held_out > 0.7
    assert model.predict([[120, 0.0, 120, -20]])[0] > model.predict([[120, 0.0, 60, -34]])[0]


def test_shipped_forest_ranks_by_its_score(library, demo):
    tracks, _ = library
    forest = ev.load_report_forest()
    assert forest is not None, "models/report_forest.joblib is missing: python -m dramatune_lib.evaluation --full"
    p = ev.evaluation_cases(per_quadrant=1)[0].profile
    recs = ev.report_rank(forest, p, tracks)
    assert len(recs) == 3 and [r.rank for r in recs] == [1, 2, 3]
    assert recs[0].score >= recs[1].score >= recs[2].score
    best = max(
        forest.predict([[ev.scene_rhythm(p), ev.scene_emotion_level(p), t.tempo, t.loudness_lufs]])[0] for t in tracks
    )
    assert recs[0].score == pytest.approx(best, abs=1e-3)


def test_matcher_beats_the_baselines(library):
    """On 32 cases of known mood, the circumplex matcher finds music composed for the scene's
    quadrant in its top 3 far more often than tempo alone, the report's forest or chance."""
    tracks, truth = library
    df = ev.compare_rankers(ev.evaluation_cases(), tracks, truth, ev.load_report_forest()).set_index("ranker")
    matcher = df.loc["DramaTune matcher"]
    assert matcher["top-3 hit"] >= 0.9 and matcher["top-1 hit"] >= 0.8
    for other in ("tempo only", "the report's forest", "random (expected)"):
        assert matcher["top-1 hit"] > df.loc[other, "top-1 hit"] + 0.3


def test_random_baseline_is_the_exact_expectation():
    top1, top3 = ev.demo_cases._random_hits(28, 7, 3)
    assert top1 == pytest.approx(0.25)
    assert top3 == pytest.approx(1 - math.comb(21, 3) / math.comb(28, 3))


def test_batch_recommendation_matches_one_by_one(library, monkeypatch):
    """Through joblib's workers, and under another joblib backend (as a Dask cluster would be
    used), the batch gives exactly the one-by-one rankings."""
    from dramatune_lib import matching as rm

    tracks, _ = library
    profiles = [c.profile for c in ev.evaluation_cases(per_quadrant=2)]
    one_by_one = [recommend(p, tracks) for p in profiles]
    assert recommend_batch(profiles, tracks) == one_by_one  # small: in this process
    monkeypatch.setattr(rm, "BATCH_PARALLEL_FROM", 0)
    assert recommend_batch(profiles, tracks, n_jobs=2) == one_by_one  # joblib's workers (threads)
    with joblib.parallel_backend("threading", n_jobs=2):
        assert recommend_batch(profiles, tracks) == one_by_one


def test_training_the_forest_refuses_to_replace_a_model(tmp_path, capsys):
    out = tmp_path / "forest.joblib"
    out.write_bytes(b"mine")
    from dramatune_lib.evaluation.__main__ import main

    assert main(["--out", str(out)]) == 2
    assert out.read_bytes() == b"mine" and f"{out}: already exists" in capsys.readouterr().err


# --- the real-music benchmark (fast subset: lordsawar, flare, singularity, naev) ----------------


@pytest.fixture(scope="module")
def benchmark():
    tracks = ev.benchmark_tracks(fast=True)
    table, placed = ev.music_benchmark(tracks)
    return tracks, table, placed


def test_pairwise_auc_counts_pairs_within_a_game():
    groups = ["combat", "ambient", "combat", "peace", "ambient"]
    games = ["a", "a", "b", "b", "b"]
    auc, n = ev.pairwise_auc([0.9, 0.1, 0.2, 0.5, 0.2], groups, ev.AROUSAL_SIDES, games)
    assert n == 1 + 2  # pairs across games never count
    assert auc == pytest.approx((1 + 0 + 0.5) / 3)
    assert math.isnan(ev.pairwise_auc([0.1], ["combat"], ev.AROUSAL_SIDES, ["a"])[0])


def test_benchmark_files_are_anonymised(benchmark):
    tracks, _, _ = benchmark
    assert {b.game for b in tracks} == {"lordsawar-data", "flare-game", "singularity-music", "naev-data"}
    for b in tracks:
        real = os.path.splitext(os.path.basename(b.source))[0].lower()
        assert b.features.path.startswith("/benchmark/game ") and real not in b.features.title.lower()
        assert all(real not in v.lower() for v in b.features.tags.values())


def test_default_placement_beats_the_priors_and_chance(benchmark):
    """Leave one game out: DramaTune's default orders the arousal of games it never saw better
    than the priors it replaces and than chance; its valence (the priors, calibrated) orders as
    the priors do. The issue's targets are reported by notebook 04, not asserted."""
    _, table, _ = benchmark
    pooled = table[table["game"] == "all games"].set_index("method")
    assert pooled.loc["sound model", "arousal pairs"] > 300
    for method in ("sound model", ev.DEFAULT_METHOD):
        assert pooled.loc[method, "arousal AUC"] > max(0.5, pooled.loc["priors", "arousal AUC"])
    assert pooled.loc["sound model", "valence AUC"] >= pooled.loc["priors", "valence AUC"] - 1e-9


def test_matcher_on_real_libraries_beats_random(benchmark):
    """On whole soundtracks (unlabelled pieces counted as misses), the default's top 3 holds more
    fitting music than random choice and than the priors, and no less than the same matcher on the
    placement before the ear (in this fast mode the two pick the same tracks since the index reads
    loudness on every channel; in full mode the default leads, 0.40 against 0.38, RESULTS.md); on
    the labelled tracks alone it beats random and the priors."""
    tracks, _, placed = benchmark
    table, summary = ev.matcher_benchmark(tracks, placed, ev.load_report_forest(), library="whole")
    assert set(table["mood"]) == set(ev.TARGET_MOODS)
    overall = summary.loc["all moods"]
    assert overall["DramaTune matcher"] > overall["random (expected)"]
    assert overall["DramaTune matcher"] > overall["matcher on the priors"]
    assert overall["DramaTune matcher"] >= overall["matcher on the model before"]
    _, labelled = ev.matcher_benchmark(tracks, placed, library="labelled")
    assert labelled.loc["all moods", "DramaTune matcher"] > labelled.loc["all moods", "random (expected)"]
    assert labelled.loc["all moods", "DramaTune matcher"] > labelled.loc["all moods", "matcher on the priors"]
    assert (table["tracks"] > labelled_tracks(tracks)).any()  # the whole libraries hold distractors


def labelled_tracks(tracks) -> int:
    return max(sum(bool(b.group) for b in tracks if b.game == g) for g in {b.game for b in tracks})


def test_whole_soundtracks_hold_unlabelled_pieces(benchmark):
    """The benchmark's games come whole: every music file each package ships, the ones its game
    does not label with group "" (counted as misses, never trained on)."""
    tracks, table, _ = benchmark
    unlabelled = [b for b in tracks if not b.group]
    assert unlabelled and {b.game for b in unlabelled} <= {b.game for b in tracks}
    pooled = table[table["game"] == "all games"]
    assert (pooled["tracks"] == len(tracks) - len(unlabelled)).all()


def test_ablation_rows_cover_each_term(benchmark):
    tracks, _, placed = benchmark
    ablation = ev.matcher_ablation(tracks, placed).set_index("variant")
    assert {"default", "emotion only", "without tempo", "without diversity", "side rules off"} <= set(ablation.index)
    assert ablation[list(ev.LIBRARIES)].notna().all().all()


def test_auc_interval_holds_the_auc_and_narrows_with_more_pairs():
    """The bootstrap interval holds the AUC itself, and is wider on 4 tracks a side than on 60
    drawn from the same two overlapping sides."""
    import numpy as np

    from dramatune_lib.evaluation.auc import auc_interval, pairwise_auc
    from dramatune_lib.evaluation.real_music import VALENCE_SIDES

    rng = np.random.default_rng(3)
    widths = {}
    for n in (4, 60):
        score = np.r_[rng.normal(0.5, 1, n), rng.normal(0, 1, n)]
        groups, games = np.array(["victory"] * n + ["defeat"] * n), np.array(["g"] * (2 * n))
        auc, _ = pairwise_auc(score, groups, VALENCE_SIDES, games)
        lo, hi = auc_interval(score, groups, VALENCE_SIDES, games)
        assert lo <= auc <= hi
        widths[n] = hi - lo
    assert widths[4] > 2 * widths[60]
    assert all(x != x for x in auc_interval([], [], VALENCE_SIDES, []))  # NaN: no pair


def test_a_clip_finds_its_moment_where_it_was_cut(tmp_path):
    """Forty seconds of calm piano, then forty of tense brass, as one track of a small library: a
    clip cut from either half, measured and placed as a new recording and made a scene
    (clip_moments.cut_clip), finds that track's moment within LAND_S of where it was cut."""
    import soundfile as sf

    from dramatune_lib import feature_extraction as fx
    from dramatune_lib.dataset_prep.composer import compose_cue
    from dramatune_lib.matching import best_section

    calm, _, _ = compose_cue(0.6, -0.8, 40, instrument="piano", seed=1)
    tense, _, _ = compose_cue(-0.5, 0.9, 40, instrument="brass", seed=2)
    sf.write(tmp_path / "builds.wav", np.concatenate([calm, tense]), 44100)
    for k, (v, a, inst) in enumerate([(0.5, 0.5, "strings"), (-0.6, -0.5, "piano"), (0.3, -0.4, "guitar")]):
        sf.write(tmp_path / f"other{k}.wav", compose_cue(v, a, 30, instrument=inst, seed=3 + k)[0], 44100)
    model = fx.load_music_model()
    paths = sorted(tmp_path.glob("*.wav"))
    lib = fx.place_tracks([fx.track_features(p) for p in paths], model, words=False)
    track = lib[0]
    b = ev.BenchmarkTrack("game 1 / track 01", "test", "tension", track, str(paths[0]))
    for cut in (0.0, 40.0):
        got, scene = ev.cut_clip(b, track, lib, model, cut)
        assert got == cut and scene.duration == pytest.approx(ev.CLIP_S, abs=0.1) and len(scene.timeline) >= 39
        start, _, _ = best_section(scene, track, library=lib)
        assert abs(start - cut) <= ev.LAND_S
