import os

import numpy as np
import pytest
import soundfile as sf

from conftest import audio_seconds, sha256, video_stream_hash
from dramatune_lib.errors import BadInputError, DramaTuneError, OutputExistsError
from dramatune_lib.feature_extraction import index_library
from dramatune_lib.media import probe
from dramatune_lib.recommend_and_merge import MatchWeights, export_scene, fit_track, recommend, unique_path
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


def test_fit_trims_long_tracks_exactly(demo, tracks):
    long = max(tracks, key=lambda t: t.duration)
    cue = fit_track(long.path, 7.25, fade_in=0.5, fade_out=1.0, volume=0.5)
    assert cue.audio.shape == (int(round(7.25 * 44100)), 2) and cue.loops == 0
    assert np.abs(cue.audio[:10]).max() < 1e-3  # fades in from silence
    assert np.abs(cue.audio[-10:]).max() < 1e-3  # fades out to silence


def test_looping_has_no_clicks(tmp_path):
    sr = 44100
    t = np.arange(int(1.3 * sr)) / sr
    y = 0.5 * np.sin(2 * np.pi * 333 * t)  # 432.9 cycles: the loop point falls mid-cycle
    sf.write(tmp_path / "short.wav", np.stack([y, y], 1), sr)
    cue = fit_track(tmp_path / "short.wav", 5.0, fade_in=0, fade_out=0, volume=1.0)
    assert cue.loops == 3 and cue.audio.shape[0] == 5 * sr
    jump = np.abs(np.diff(cue.audio[:, 0]))
    natural = np.abs(np.diff(y)).max()
    assert jump.max() <= natural * 1.05  # no join steps further than the sine itself does
    hard = np.concatenate([y, y])  # what a plain concatenation would do
    assert np.abs(np.diff(hard)).max() > 3 * natural


def test_too_short_track_is_refused(tmp_path):
    sf.write(tmp_path / "blip.wav", np.zeros(100, np.float32) + 0.1, 44100)
    with pytest.raises(BadInputError, match="too short"):
        fit_track(tmp_path / "blip.wav", 5.0)


def test_export_copies_the_video_and_never_touches_the_input(demo, tracks, tmp_path):
    scene = demo.scenes["chase"]
    before = sha256(scene)
    cue = fit_track(tracks[0].path, probe(scene).duration)
    res = export_scene(scene, cue, tmp_path / "scored.mp4")
    assert res.video_copied
    assert video_stream_hash(tmp_path / "scored.mp4") == video_stream_hash(scene)
    info = probe(tmp_path / "scored.mp4")
    assert info.has_audio and info.audio_codec == "aac"
    assert audio_seconds(tmp_path / "scored.mp4") == pytest.approx(probe(scene).duration, abs=0.1)
    assert sha256(scene) == before
    assert sorted(os.listdir(tmp_path)) == ["scored.mp4"]  # no temporary files left


def test_export_refuses_to_overwrite(demo, tracks, tmp_path):
    out = tmp_path / "taken.mp4"
    out.write_bytes(b"precious")
    cue = fit_track(tracks[0].path, 3.0)
    with pytest.raises(OutputExistsError, match="--overwrite"):
        export_scene(demo.scenes["night"], cue, out)
    assert out.read_bytes() == b"precious"
    export_scene(demo.scenes["night"], fit_track(tracks[0].path, 12.0), out, overwrite=True)
    assert probe(out).has_video


def test_export_never_writes_over_the_scene(media, tracks):
    with pytest.raises(DramaTuneError, match="never writes over your files"):
        export_scene(media / "scene.mp4", fit_track(tracks[0].path, 3.0), media / "scene.mp4", overwrite=True)


def test_export_scene_without_audio(media, tracks, tmp_path):
    res = export_scene(media / "no_audio.mp4", fit_track(tracks[0].path, 2.0), tmp_path / "o.mp4")
    assert probe(res.output).has_audio and video_stream_hash(res.output) == video_stream_hash(media / "no_audio.mp4")


def test_export_to_unwritable_folder_is_clear(demo, tracks, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")  # a folder cannot be made here, even by root
    with pytest.raises(DramaTuneError, match="cannot write there"):
        export_scene(demo.scenes["night"], fit_track(tracks[0].path, 3.0), blocker / "out" / "x.mp4")
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


def test_failed_export_leaves_nothing_behind(demo, tracks, tmp_path, monkeypatch):
    from dramatune_lib import recommend_and_merge as rm

    def broken(args, what):
        open(args[-1], "wb").write(b"half a file")  # ffmpeg wrote part of the output, then died
        raise DramaTuneError("ffmpeg failed — No space left on device")

    monkeypatch.setattr(rm, "run_ffmpeg", broken)
    with pytest.raises(DramaTuneError, match="No space left"):
        export_scene(demo.scenes["night"], fit_track(tracks[0].path, 3.0), tmp_path / "x.mp4")
    assert os.listdir(tmp_path) == []


def test_unique_path_never_reuses_a_name(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"1")
    (tmp_path / "a-2.mp4").write_bytes(b"2")
    assert unique_path(tmp_path / "a.mp4").name == "a-3.mp4"
    assert unique_path(tmp_path / "b.mp4").name == "b.mp4"
