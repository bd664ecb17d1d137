import json

from dramatune_lib.circumplex import quadrant
from dramatune_lib.dataset_prep import DEMO_CUES
from dramatune_lib.media import probe_scene


def test_demo_library_spans_the_four_quadrants(demo):
    rows = json.loads((demo.library / "cues.json").read_text())
    assert len(rows) == len(DEMO_CUES) >= 24
    quads = {r["quadrant"] for r in rows}
    assert quads == {"positive-high", "positive-low", "negative-high", "negative-low"}
    tempos = [r["tempo"] for r in rows]
    assert min(tempos) <= 70 and max(tempos) >= 170
    assert {r["mode"] for r in rows} == {"major", "minor"}
    assert len({r["instrument"] for r in rows}) >= 4
    assert all(20 <= r["seconds"] <= 40 for r in rows)
    for r in rows:
        assert (demo.library / r["file"]).exists()
        assert quadrant(r["valence"], r["arousal"]) == r["quadrant"]


def test_demo_scenes_are_real_videos_of_the_right_length(demo):
    assert set(demo.scenes) == {"smile", "night", "chase"}
    for path in demo.scenes.values():
        info = probe_scene(path)
        assert info.has_audio and info.video_codec == "h264"
        assert 8 <= info.duration <= 15
