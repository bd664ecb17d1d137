"""The chain in one place (dramatune_lib.pipeline): each arrow runs on the demo, what a step
measured travels to the next, every hand-off survives JSON exactly, and no caller rebuilds the
chain from the stages."""

import ast
from pathlib import Path

import pytest

from dramatune_lib import pipeline
from dramatune_lib.errors import DramaTuneError
from dramatune_lib.feature_extraction import index_library
from dramatune_lib.schema import ExportResult, Recommendation, SceneProfile, TrackFeatures

PACKAGE = Path(__file__).resolve().parent.parent / "dramatune_lib"


@pytest.fixture(scope="module")
def chase(demo):
    return pipeline.analyze(demo.scenes["chase"])


@pytest.fixture(scope="module")
def tracks(demo):
    return index_library(demo.library).tracks


def test_every_hand_off_survives_json_exactly(demo, chase, tracks, tmp_path):
    picks = pipeline.rank(chase, tracks)
    cue = pipeline.fit(picks[0], 4.0, tracks=tracks)
    result, timelines = pipeline.export(
        demo.scenes["chase"], cue, tmp_path / "chase.mp4", timelines=["otio"], cuts=chase.cut_times
    )
    assert SceneProfile.from_json(chase.to_json()) == chase
    assert isinstance(SceneProfile.from_json(chase.to_json()).target_tempo, tuple)
    assert all(Recommendation.from_json(r.to_json()) == r for r in picks)
    assert all(TrackFeatures.from_json(t.to_json()) == t for t in tracks)
    assert ExportResult.from_json(result.to_json()) == result
    assert [p.suffix for p in timelines] == [".otio"] and timelines[0].exists()


def test_fit_takes_the_beat_grid_the_index_measured(demo, chase, tracks, monkeypatch):
    from dramatune_lib import fit_and_export as fe

    def no(*a, **k):
        raise AssertionError("the fit measured again what the index had measured")

    monkeypatch.setattr(fe.fit, "beat_grid", no)
    monkeypatch.setattr(fe.fit, "known_track", no)  # not even the index's cache file is read again
    pick = pipeline.rank(chase, tracks)[0]
    cue = pipeline.fit(pick, chase.duration, tracks=tracks, cuts=chase.cut_times)
    assert cue.method == "bars" and cue.bars
    with pytest.raises(AssertionError, match="measured again"):
        pipeline.fit(pick.path, chase.duration)  # a bare path has no grid with it: the fit looks it up


def test_a_plan_the_library_cannot_fill_is_refused_with_the_callers_message(chase, tracks):
    whole = pipeline.plan(chase, tracks, per_scene=False)
    assert len(whole) == 1 and whole[0][0].end == chase.duration
    assert whole[0][1].path == pipeline.rank(chase, tracks, top=1)[0].path
    with pytest.raises(DramaTuneError, match="add music here"):
        pipeline.fit_plan([(whole[0][0], None)], chase.duration, short="too few tracks — add music here")


#: What only the pipeline may call to run the chain: its callers use the arrows instead.
CHAIN = {"analyze_scene", "recommend", "fit_track", "join_cues", "export_scene", "plan_per_scene"}


@pytest.mark.parametrize("caller", ["cli/__init__.py", "cli/commands.py", "recommend_and_merge/session.py"])
def test_callers_do_not_rebuild_the_chain(caller):
    tree = ast.parse((PACKAGE / caller).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert not imported & CHAIN, f"{caller} imports {sorted(imported & CHAIN)}: call dramatune_lib.pipeline"


def test_a_profile_keeps_the_face_readings_the_notebook_draws(demo):
    from dramatune_lib import feature_extraction as fx
    from dramatune_lib import plots

    smile = pipeline.analyze(demo.scenes["smile"])
    pic = fx.watch_video(demo.scenes["smile"], faces=fx.FaceFinder(fx.face_detector()))
    assert [row[0] for row in smile.face_frames] == pytest.approx(pic.sample_times, abs=1e-3)
    happy = fx.FER_CLASSES.index("happy")
    assert [row[1 + happy] for row in smile.face_frames] == pytest.approx(
        [f.probs.get("happy", 0.0) for f in pic.faces], abs=1e-3
    )
    assert max(row[1 + happy] for row in smile.face_frames) > 0.5  # the astronaut smiles
    drawn = plots.faces_figure(smile).axes[0].collections
    assert len(drawn) == len(fx.FER_CLASSES)  # one band per class, as from the picture track
