"""The figures' labels stay readable (issue #14): no two label boxes overlap."""

import pytest

from dramatune_lib import compose, plots
from dramatune_lib import feature_extraction as fx
from dramatune_lib.dataset_prep import demo_clip
from dramatune_lib.matching import recommend


def test_circumplex_and_plan_labels_never_overlap(demo):
    """The emotion names (fear and anger sit close), the cue names and the picks' numbers on the
    circumplex, for each demo scene; the scene names and tracks under a clip's plan."""
    tracks = fx.index_library(demo.library).tracks
    for name, scene in demo.scenes.items():
        profile = fx.analyze_scene(scene)
        fig = plots.circumplex_figure(profile, recommend(profile, tracks), tracks, size=4)
        labels = [t for t in fig.axes[0].texts if t.get_gid() in ("emotion", "cue", "pick")]
        assert len(labels) >= 10 and not plots.label_boxes_overlap(fig, labels), name
    clip = fx.analyze_scene(demo_clip(demo))
    fig = plots.scene_plan_figure(clip, compose.plan_per_scene(clip, tracks), width=6)
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "scene"]
    assert len(labels) >= 2 and not plots.label_boxes_overlap(fig, labels)


def test_declutter_separates_labels_that_start_on_top_of_each_other():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 3))
    ax = fig.subplots()
    texts = [ax.text(0.5, 0.5, word, ha="center") for word in ("fear", "angry", "tense")]
    assert plots.label_boxes_overlap(fig, texts)
    plots.declutter(fig, texts)
    assert not plots.label_boxes_overlap(fig, texts)


def test_the_fusion_path_ends_on_the_scenes_reading_with_labels_apart(demo):
    """Issue #19: the path of the fused point as cues are added ends where the profile is, and
    its step labels do not overlap the emotion names or each other."""
    chase = fx.analyze_scene(demo.scenes["chase"])
    steps = fx.fusion_steps(chase)
    assert [s[0].split("+")[-1] for s in steps][-1] == "faces"  # found nothing: added last
    assert steps[-1][1:] == pytest.approx((chase.valence, chase.arousal, *chase.axis_confidence()), abs=1e-3)
    fig = plots.fusion_path_figure(steps)
    labels = [t for t in fig.axes[0].texts if t.get_gid() in ("emotion", "step")]
    steps_text = "\n".join(t.get_text() for t in labels if t.get_gid() == "step")
    assert all(f"{k}. +{s[0].split('+')[-1]}" in steps_text for k, s in enumerate(steps, 1))  # each step named once
    assert sum(t.get_gid() == "emotion" for t in labels) == 10 and not plots.label_boxes_overlap(fig, labels)
    table = fx.fusion_table({"chase": chase})
    cues = table.loc["chase"].drop(index=f"= {chase.mood}")
    assert cues["share of valence"].sum() == pytest.approx(1.0, abs=0.02)
    assert cues["share of arousal"].sum() == pytest.approx(1.0, abs=0.02)
    assert cues.loc["light", "share of valence"] == pytest.approx(1.0)  # the light alone decides its valence
