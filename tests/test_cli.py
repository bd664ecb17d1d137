"""The ``dramatune`` command, run as a user runs it: a subprocess, its exit code and its output."""

import json
import os
import subprocess
import sys

import pytest
from conftest import audio_seconds, sha256, video_stream_hash

from dramatune_lib.media import probe


def dramatune(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "dramatune_lib.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def assert_one_line_error(r, name, words):
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and name in lines[0] and words in lines[0]


def test_demo_end_to_end(demo, tmp_path):
    r = dramatune("demo", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    for name, scene in demo.scenes.items():
        out = tmp_path / f"{name}_scored.mp4"
        assert video_stream_hash(out) == video_stream_hash(scene)  # bit-identical video
        assert audio_seconds(out) == pytest.approx(probe(scene).duration, abs=0.1)
        report = json.loads((tmp_path / f"{name}_report.json").read_text())
        assert len(report["recommendations"]) == 3
    again = dramatune("demo", "--out", tmp_path)  # a second run never overwrites the first
    assert again.returncode == 0 and (tmp_path / "smile_scored-2.mp4").exists()


def test_analyze_json(demo):
    r = dramatune("analyze", demo.scenes["chase"], "--json")
    assert r.returncode == 0, r.stderr
    prof = json.loads(r.stdout)
    assert -1 <= prof["valence"] <= 1 and -1 <= prof["arousal"] <= 1
    assert all(isinstance(t, float) for t in prof["cut_times"]) and len(prof["cut_times"]) == 7
    # one reading of the scene: the emotion is the mood that admits doubt, never a second word
    assert prof["emotion"] == prof["mood"] and prof["mood"]


def test_recommend_json(demo):
    r = dramatune("recommend", demo.scenes["night"], "--library", demo.library, "--top", "3", "--json")
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout)["recommendations"]
    assert [x["rank"] for x in recs] == [1, 2, 3] and all(x["reason"] for x in recs)


def test_index_lists_skipped_files(small_library, tmp_path, monkeypatch):
    monkeypatch.setenv("DRAMATUNE_CACHE", str(tmp_path))
    r = dramatune("index", small_library, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert len(data["tracks"]) == 3 and {"path", "valence", "arousal", "tempo"} <= set(data["tracks"][0])
    # each axis with its confidence, and the track's place within this library beside the absolute
    from dramatune_lib.circumplex import MUSIC_VA
    from dramatune_lib.feature_extraction import MTT_TAGS

    for t in data["tracks"]:
        assert 0 <= t["valence_confidence"] <= 1 and 0 <= t["arousal_confidence"] <= 1
        # the arousal is mostly the ear's (musicnn), its confidence how far from 0 it reads
        assert t["placed_by"].startswith("model + ear")
        assert -1 <= t["arousal_ear"] <= 1 and set(t["ear_tags"]) == set(MTT_TAGS) and len(t["embedding"]) == 200
        assert t["arousal_confidence"] == pytest.approx(abs(t["arousal_sound"]), abs=0.002) or t["words"]
        # music is named in music's words (GEMS), never with a face's
        assert t["emotion"] in MUSIC_VA or t["emotion"] == "neutral"
    assert len(data["tracks"]) < 5  # too few to rank: the relative reading is the absolute one
    assert all(t["arousal_rel"] == t["arousal"] for t in data["tracks"])
    assert "skipped: broken.ogg" in r.stderr
    # not a terminal: no progress bar, one line saying what was measured
    assert "indexed " in r.stderr and "5 files measured now, 2 skipped" in r.stderr and "\r" not in r.stderr


def test_merge_writes_and_refuses_to_overwrite(demo, tmp_path):
    scene = demo.scenes["smile"]
    before = sha256(scene)
    track = sorted(demo.library.glob("*.ogg"))[0]
    out = tmp_path / "scored.mp4"
    r = dramatune("merge", scene, track, "-o", out, "--fade-in", "1", "--fade-out", "2", "--volume", "0.6")
    assert r.returncode == 0, r.stderr
    assert "video stream copied" in r.stdout and probe(out).has_audio
    r = dramatune("merge", scene, track, "-o", out)
    assert_one_line_error(r, "scored.mp4", "--overwrite")
    assert sha256(scene) == before


@pytest.mark.parametrize(
    "name,words",
    [
        ("not_a_video.mp4", "not a video or audio file"),
        ("truncated.mp4", "truncated"),
        ("truncated_no_index.mp4", "truncated"),
        ("zero_seconds.mp4", "0 seconds"),
        ("music_only.wav", "no video stream"),
    ],
)
def test_bad_scenes_give_one_line(media, name, words):
    assert_one_line_error(dramatune("analyze", media / name), name, words)


def test_merge_with_a_bad_track(media, tmp_path):
    r = dramatune("merge", media / "scene.mp4", media / "not_a_video.mp4", "-o", tmp_path / "o.mp4")
    assert_one_line_error(r, "not_a_video.mp4", "cannot decode")
    assert not (tmp_path / "o.mp4").exists()


def test_analyze_with_subtitles_and_a_bad_srt(demo, tmp_path):
    good = tmp_path / "lines.srt"
    good.write_text("1\n00:00:01,000 --> 00:00:04,000\nI love this, it is wonderful!\n")
    r = dramatune("analyze", demo.scenes["night"], "--subtitles", good, "--json")
    assert r.returncode == 0, r.stderr
    assert any(c["name"] == "words" and c["valence"] > 0.5 for c in json.loads(r.stdout)["cues"])
    bad = tmp_path / "broken.srt"
    bad.write_text("1\n00:00:01 -> 00:00:02\nno\n")
    assert_one_line_error(
        dramatune("analyze", demo.scenes["night"], "--subtitles", bad), "broken.srt", "not a valid .srt"
    )


def test_score_a_folder_of_scenes(demo, tmp_path):
    """``dramatune score DIR -o OUTDIR``: every video scored, with its timeline; a broken file is a
    row with its reason and never stops the rest; summary.csv holds every scene; the results may
    not go inside the folder of scenes."""
    import csv
    import shutil

    scenes = tmp_path / "scenes"
    scenes.mkdir()
    for name in ("night", "chase"):
        shutil.copy(demo.scenes[name], scenes / f"{name}.mp4")
    (scenes / "broken.mp4").write_text("not a video")
    r = dramatune("score", scenes, "-o", tmp_path / "out", "--timeline", "otio")
    assert r.returncode == 0, r.stderr
    rows = {os.path.basename(x["scene"]): x for x in csv.DictReader(open(tmp_path / "out" / "summary.csv"))}
    assert set(rows) == {"night.mp4", "chase.mp4", "broken.mp4"}
    assert "broken.mp4" in rows["broken.mp4"]["error"] and not rows["broken.mp4"]["output"]
    for name in ("night", "chase"):
        row = rows[f"{name}.mp4"]
        assert not row["error"] and row["pick 1"] and os.path.exists(row["output"])
        assert os.path.exists(tmp_path / "out" / f"{name}_scored.otio")
    assert "scored 2 of 3 scenes" in r.stdout
    r = dramatune("score", scenes, "-o", scenes / "results")
    assert r.returncode == 2 and "inside the folder of scenes" in r.stderr


def test_a_batch_names_each_scene_apart_and_refuses_as_a_unit(demo, tmp_path):
    """Two scenes that share a name but for the extension get an output each; a second run over the
    same outputs (timelines included) is refused whole, before any scoring, in one line; an output
    folder that is the scenes' folder under another name (a link) is refused too."""
    import shutil

    scenes = tmp_path / "scenes"
    scenes.mkdir()
    shutil.copy(demo.scenes["night"], scenes / "a.mp4")
    shutil.copy(demo.scenes["night"], scenes / "a.mov")
    out = tmp_path / "out"
    r = dramatune("score", scenes, "-o", out, "--timeline", "edl")
    assert r.returncode == 0, r.stderr
    assert {"a_mp4_scored.mp4", "a_mov_scored.mp4", "a_mp4_scored.edl", "a_mov_scored.edl"} <= set(os.listdir(out))
    (out / "a_mp4_scored.mp4").unlink()  # one video gone, its timeline and the other's outputs still there
    stamp = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = dramatune("score", scenes, "-o", out, "--timeline", "edl")
    assert_one_line_error(again, "", "--overwrite")
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == stamp  # nothing written
    os.symlink(scenes, tmp_path / "alias")
    inside = dramatune("score", scenes, "-o", tmp_path / "alias" / "results")
    assert inside.returncode == 2 and "inside the folder of scenes" in inside.stderr


def test_similar_and_more_like_this(demo):
    """`dramatune similar TRACK` lists the folder's tracks that sound like it, without a scene;
    `recommend --like` ranks a scene with it; a weight out of range is refused in one line."""
    track = sorted(p for p in demo.library.glob("*brass*") if p.suffix in (".ogg", ".wav", ".flac"))[0]
    r = dramatune("similar", track, "--library", demo.library, "--top", "4", "--json")
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)["similar"]
    assert len(found) == 4 and str(track) not in {x["path"] for x in found}
    assert [x["likeness"] for x in found] == sorted((x["likeness"] for x in found), reverse=True)
    r = dramatune("recommend", demo.scenes["chase"], "--library", demo.library, "--like", track, "--json")
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout)["recommendations"]
    assert all(f"sounds like {track.stem.replace('_', ' ')}" in x["reason"] for x in recs)
    r = dramatune("recommend", demo.scenes["chase"], "--like", track, "--like-weight", "2")
    assert r.returncode == 2 and "--like-weight" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_analyze_transcribes_the_dialogue_when_asked(spoken_scene):
    """``analyze --transcribe``: the JSON carries the transcript, its times and confidences; the
    summary prints what was heard; without the flag nothing is transcribed."""
    r = dramatune("analyze", str(spoken_scene), "--transcribe", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["transcript"]
    assert rows[0][2].startswith("thank you") and all(a < b and 0 <= c <= 1 for a, b, _, c in rows)
    r = dramatune("analyze", str(spoken_scene), "--transcribe")
    assert r.returncode == 0 and "heard" in r.stdout and "thank you" in r.stdout
    r = dramatune("analyze", str(spoken_scene), "--json")
    assert json.loads(r.stdout)["transcript"] == []
