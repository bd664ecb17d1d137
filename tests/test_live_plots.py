"""The app's live circumplex (issue #14): it shows the picks listed beside it, tells what a point
is when hovered, plays what is clicked, and its labels never overlap."""

import pytest

from dramatune_lib import feature_extraction as fx
from dramatune_lib import plots
from dramatune_lib.errors import DramaTuneError
from dramatune_lib.matching import matched_position, recommend
from dramatune_lib.plots.live import MARGIN_PX, CircumplexView, label_layout
from dramatune_lib.recommend_and_merge import AppSession


@pytest.fixture(scope="module")
def chase(demo):
    tracks = fx.index_library(demo.library).tracks
    profile = fx.analyze_scene(demo.scenes["chase"])
    return profile, tracks


def click(mark, index):
    """What the browser sends when a point of ``mark`` is clicked."""
    mark._handle_custom_msg({"event": "element_click", "data": {"index": index}}, [])


def test_the_view_shows_the_picks_and_calls_back_with_the_clicked_track(chase):
    profile, tracks = chase
    heard = []
    view = CircumplexView(on_click=heard.append)
    first = recommend(profile, tracks)
    view.show(profile, first, tracks)
    assert list(view.picks.x) == pytest.approx(
        [matched_position(next(t for t in tracks if t.path == r.path))[0] for r in first]
    )
    assert [n.split(":")[0] for n in view.picks.names] == [f"{r.rank}. {r.title}" for r in first]
    assert all(r.reason in n for r, n in zip(first, view.picks.names))  # hover: the track and its reason
    assert list(view.labels["pick"].text) == ["1", "2", "3"]
    assert len(view.library.x) == len(tracks) and "the scene" in view.scene.names[0]
    click(view.picks, 2)
    click(view.library, 0)
    click(view.library, len(tracks))  # out of range (a stale page): ignored
    assert heard == [first[2].path, tracks[0].path]
    # other picks: the same numbers now mark other tracks
    others = recommend(profile, tracks, exclude={r.path for r in first})
    view.show(profile, others, tracks)
    assert [n.split(":")[0] for n in view.picks.names] == [f"{r.rank}. {r.title}" for r in others]
    # the scene is an area as wide as its reading is unsure (chase: valence from the light alone)
    cv, ca = profile.axis_confidence()
    assert max(view.area.x) - min(view.area.x) == pytest.approx(2 * plots.SCENE_AREA * (1 - cv), rel=0.01)
    assert max(view.area.y) - min(view.area.y) == pytest.approx(2 * plots.SCENE_AREA * (1 - ca), rel=0.01)
    view.show(None, [], [])
    assert len(view.picks.x) == len(view.scene.x) == len(view.labels["cue"].text) == len(view.area.x) == 0


def test_labels_laid_out_for_the_widget_do_not_overlap(demo, chase):
    """The same rule as the PNG figure, on a figure with the widget's pixel size and margins."""
    _, tracks = chase
    size = 400
    m = MARGIN_PX
    box = (
        m["left"] / size,
        m["bottom"] / size,
        1 - (m["left"] + m["right"]) / size,
        1 - (m["top"] + m["bottom"]) / size,
    )
    for name, scene in demo.scenes.items():
        profile = fx.analyze_scene(scene)
        recs = recommend(profile, tracks)
        fig = plots.circumplex_figure(profile, recs, tracks, size=size / 96, axes_box=box)
        texts = [t for t in fig.axes[0].texts if t.get_gid() in ("emotion", "cue", "pick")]
        assert len(texts) >= 10 and not plots.label_boxes_overlap(fig, texts), name
        # nor does a name sit under a pick's marker
        from dramatune_lib.matching import matched_position as where

        spots = [where(next(t for t in tracks if t.path == r.path)) for r in recs]
        markers = plots.marker_boxes(fig.axes[0], spots, plots.PICK_MARKER_S**0.5 / 2)
        renderer = plots.circumplex._renderer(fig)
        assert not any(t.get_window_extent(renderer).overlaps(m) for t in texts for m in markers), name
        layout = label_layout(profile, recs, tracks, size_px=size)
        assert [t for t, *_ in layout["pick"]] == ["1", "2", "3"]
        assert {t for t, *_ in layout["cue"]} == {c.name for c in profile.cues if c.confidence > 0}


def test_only_the_librarys_tracks_can_be_heard(demo):
    s = AppSession()
    try:
        track = s.library.tracks[0]
        title, data, fmt = s.track_to_hear(track.path)
        assert title == track.title and len(data) > 1000 and fmt in {"wav", "ogg", "flac"}
        with pytest.raises(DramaTuneError, match="not in the music folder"):
            s.track_to_hear("/etc/passwd")
    finally:
        s.close()


def test_a_link_swapped_in_after_indexing_is_not_played(demo, tmp_path, monkeypatch):
    """A shared drop folder: a real track is indexed, then replaced by a link to a private file.
    Clicking its point refuses to play it, and the private bytes never leave; a link that leads
    out of the folder from the start is listed as skipped, never indexed."""
    import os
    import shutil

    from dramatune_lib.feature_extraction import index_library, read_indexed

    monkeypatch.setenv("DRAMATUNE_CACHE", str(tmp_path / "cache"))
    secret = tmp_path / "private" / "id_rsa"
    secret.parent.mkdir()
    secret.write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY----- not for the browser")
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(sorted(demo.library.glob("*.ogg"))[0], drop / "x.ogg")
    os.symlink(secret, drop / "leak.ogg")
    index = index_library(drop)
    assert [t.title for t in index.tracks] == ["x"]
    assert any("leak.ogg" in p and "outside" in why for p, why in index.skipped)
    track = index.tracks[0].path
    assert read_indexed(index, track)[:4] == b"OggS"
    os.remove(track)
    os.symlink(secret, track)  # swapped after indexing
    with pytest.raises(DramaTuneError, match="not the file that was indexed"):
        read_indexed(index, track)
