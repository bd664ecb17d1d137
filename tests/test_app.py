"""The app's logic (what notebook 05's callbacks call), without a browser."""

import json
import os
from pathlib import Path

import pytest
from conftest import video_stream_hash

from dramatune_lib.errors import BadInputError, DramaTuneError
from dramatune_lib.recommend_and_merge import AppSession, guard, sanitize_filename


@pytest.mark.parametrize(
    "raw,safe",
    [
        ("../../etc/passwd.mp4", "passwd.mp4"),
        ("Mon film été.MOV", "Mon_film_ete.mov"),
        ("a;rm -rf ~.mp4", "a_rm_-rf.mp4"),
        ("....mp4", "upload.mp4"),
    ],
)
def test_sanitize_filename(raw, safe):
    assert sanitize_filename(raw) == safe


def test_guard_turns_errors_into_messages():
    shown = []
    guard(shown.append)(lambda: (_ for _ in ()).throw(DramaTuneError("x.mp4: broken")))()
    guard(shown.append)(lambda: 1 / 0)()
    assert shown[0] == "x.mp4: broken"
    # an unexpected error is a plain sentence in the page; the traceback goes to the server's log
    assert "ZeroDivisionError" not in shown[1] and "try another" in shown[1]


@pytest.fixture
def session():
    s = AppSession()
    yield s
    s.close()


def test_demo_flow(session, demo):
    session.use_demo("night")
    prof = session.analyze()
    first = session.recommend()
    others = session.alternatives()
    assert len(first) == 3 and not {r.path for r in first} & {r.path for r in others}
    res = session.merge(1, fade_in=1.0, volume=0.7)
    assert video_stream_hash(res.output) == video_stream_hash(demo.scenes["night"])
    assert res.output.startswith(str(session.workdir))
    assert 'download="night_scored.mp4"' in session.download_link(res)
    data, fmt = session.audio_bytes(others[0].path)
    assert len(data) > 1000 and fmt in {"ogg", "wav", "flac"}
    assert prof.emotion


def test_upload_flow(session, media):
    path = session.save_upload("my scene (final).mp4", (media / "scene.mp4").read_bytes())
    assert path.parent == session.workdir / "uploads" and path.name == "my_scene_final.mp4"
    assert session.analyze().duration == pytest.approx(3.0, abs=0.1)


def _drive(widget, data: bytes, name: str) -> list[dict]:
    """Play the browser's side of a ChunkedUpload: announce the file, then send each slice the
    kernel asks for, as the page's JavaScript does; returns what the kernel sent back."""
    sent: list[dict] = []
    widget.send = sent.append
    widget._message(widget, {"kind": "start", "name": name, "size": len(data)}, [])
    while sent and sent[-1]["kind"] == "next":
        off = sent[-1]["offset"]
        widget._message(widget, {"kind": "chunk", "offset": off}, [memoryview(data)[off : off + widget.chunk_bytes]])
    return sent


def test_a_chunked_upload_is_written_as_it_arrives(session, media):
    """The video travels in slices; each is written before the next is asked for, so the kernel
    never holds the file whole. The finished file is the upload, checked and selected."""
    from dramatune_lib.recommend_and_merge import ChunkedUpload

    data = (media / "scene.mp4").read_bytes()
    errors: list[str] = []
    widget = ChunkedUpload(session.receive_upload, errors.append, chunk_bytes=4096)
    seen = []
    widget.observe(lambda change: seen.append(session.scene), names="done")
    sent = _drive(widget, data, "my scene.mp4")
    assert not errors and sent[-1] == {"kind": "over"} and widget.done == 1
    assert sum(m["kind"] == "next" for m in sent) == -(-len(data) // 4096)  # one request per slice
    assert seen == [session.scene] and session.scene.read_bytes() == data


def test_a_chunked_upload_refuses_before_a_byte_arrives(session, media, monkeypatch):
    """Too large, empty, or not a video: refused at its announcement, in one line, with nothing
    written; a slice out of order or past the announced size stops the upload and deletes it."""
    from dramatune_lib.recommend_and_merge import MAX_UPLOAD_MB, ChunkedUpload

    errors: list[str] = []
    widget = ChunkedUpload(session.receive_upload, errors.append)
    for name, size in (("big.mp4", MAX_UPLOAD_MB * 2**20 + 1), ("empty.mp4", 0), ("notes.txt", 10)):
        sent = []
        widget.send = sent.append
        widget._message(widget, {"kind": "start", "name": name, "size": size}, [])
        assert sent == [{"kind": "over"}] and name in errors[-1]
    assert "larger than 200 MB" in errors[0] and "empty" in errors[1] and "not a video" in errors[2]
    widget._message(widget, {"kind": "start", "name": "scene.mp4", "size": 10}, [])
    widget._message(widget, {"kind": "chunk", "offset": 0}, [b"x" * 11])  # longer than announced
    assert "longer than announced" in errors[-1] and widget.done == 0
    assert list((session.workdir / "uploads").iterdir()) == []


def test_subtitles_arrive_in_slices_too(session, media, tmp_path):
    from dramatune_lib.recommend_and_merge import ChunkedUpload

    session.use_demo("night")
    errors: list[str] = []
    widget = ChunkedUpload(session.receive_subtitles, errors.append, chunk_bytes=16)
    text = b"1\n00:00:01,000 --> 00:00:03,000\nI love you.\n"
    _drive(widget, text, "lines.srt")
    assert not errors and session.subtitles.read_bytes() == text and widget.done == 1
    _drive(widget, b"\x00\x01 not subtitles", "bad.srt")
    assert errors and session.subtitles.read_bytes() == text  # a refused file leaves the last ones


def test_bad_uploads_are_refused_and_removed(session, media):
    with pytest.raises(BadInputError, match="not a video this app accepts"):
        session.save_upload("notes.txt", b"hello")
    with pytest.raises(BadInputError, match="not a video or audio file"):
        session.save_upload("fake.mp4", (media / "not_a_video.mp4").read_bytes())
    assert list((session.workdir / "uploads").iterdir()) == []
    with pytest.raises(DramaTuneError, match="upload a video first"):
        session.analyze()


def test_sessions_are_isolated(tmp_path, monkeypatch, media, demo):
    """Two tabs: B cannot choose A's folder as its music, indexing the folder above A's lists
    only the real music there (not A's composed cue), and B cannot play A's files by path."""
    import shutil

    monkeypatch.setenv("DRAMATUNE_SESSIONS", str(tmp_path / "sessions"))
    music = sorted(demo.library.glob("*.ogg"))[0]
    shutil.copy(music, tmp_path / music.name)
    a, b = AppSession(), AppSession()
    try:
        assert a.workdir.parent == b.workdir.parent == tmp_path / "sessions" and a.workdir != b.workdir
        a.save_upload("scene.mp4", (media / "scene.mp4").read_bytes())
        a.analyze()
        cue = a.compose("piano")
        assert cue.path.startswith(str(a.workdir))
        with pytest.raises(BadInputError, match="private folder"):
            b.choose_library(a.workdir / "composed")
        lib = b.choose_library(tmp_path)
        assert [t.path for t in lib.tracks] == [str(tmp_path / music.name)] and not lib.skipped
        for path in (cue.path, str(a.scene)):
            with pytest.raises(DramaTuneError, match="not in the music folder"):
                b.track_to_hear(path)
        assert a.track_to_hear(cue.path)[1] == open(cue.path, "rb").read()  # A hears its own
    finally:
        a.close()
        b.close()
    assert not a.workdir.exists() and not b.workdir.exists()


def test_replaced_files_are_deleted_and_a_tab_has_a_disk_budget(session, media, monkeypatch):
    """A new upload deletes the one it replaces, a new merge the merge before it (in the page
    already), so a tab holds one of each; past the per-tab budget an upload is refused, naming it,
    and nothing of it is written."""
    from dramatune_lib import config

    first = session.save_upload("one.mp4", (media / "scene.mp4").read_bytes())
    second = session.save_upload("two.mp4", (media / "scene.mp4").read_bytes())
    assert not first.exists() and list((session.workdir / "uploads").iterdir()) == [second]
    session.analyze()
    session.recommend()
    one = session.merge(1)
    session.editor_package(one)
    two = session.merge(1, volume=0.5)
    assert not os.path.exists(one.output) and os.path.exists(two.output)
    assert [p.parent for p in (session.workdir / "exports").rglob("*.mp4")] == [Path(two.output).parent]
    monkeypatch.setattr(config, "SESSION_DISK_MB", 1)
    with pytest.raises(DramaTuneError, match=r"three.mp4: this would take the tab's files past the app's 1 MB"):
        session.save_upload("three.mp4", (media / "scene.mp4").read_bytes())
    # a refused upload leaves no scene selected, so the one it would have replaced is gone too
    assert list((session.workdir / "uploads").iterdir()) == [] and session.scene is None


def test_a_killed_tabs_folder_is_swept_by_the_next_tab(tmp_path, monkeypatch):
    """A kernel killed outright (SIGKILL: no clean-up runs) leaves its folder; the next tab to start
    removes it, and leaves a live tab's folder alone."""
    import subprocess
    import sys

    monkeypatch.setenv("DRAMATUNE_SESSIONS", str(tmp_path))
    code = (
        "import os, signal; from dramatune_lib.recommend_and_merge import AppSession; s = AppSession(); "
        "(s.workdir / 'uploads').mkdir(); (s.workdir / 'uploads' / 'x.mp4').write_bytes(b'x' * 1000); "
        "print(s.workdir, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    killed = Path(p.stdout.strip())
    assert p.returncode == -9 and killed.parent == tmp_path and (killed / "uploads" / "x.mp4").exists()
    live = AppSession()
    try:
        assert not killed.exists()
        other = AppSession()
        assert live.workdir.exists() and other.workdir.exists()
        other.close()
    finally:
        live.close()


def test_a_remembered_folder_is_checked_and_only_opens_a_fresh_tab(tmp_path, monkeypatch, small_library, demo):
    """The folder a browser remembers comes from the page, so it is checked as a typed folder is:
    outside the roots, or another tab's private folder, it is ignored (the default stays); inside,
    it is taken, but only before the tab indexes a folder of its own."""
    monkeypatch.setenv("DRAMATUNE_SESSIONS", str(tmp_path / "sessions"))
    monkeypatch.setenv("DRAMATUNE_LIBRARY_ROOTS", str(small_library.parent))
    s, other = AppSession(), AppSession()
    try:
        assert s.use_remembered("/etc") is None and s.use_remembered(str(other.workdir)) is None
        assert s.use_remembered("") is None and s.library_folder == demo.library
        assert s.use_remembered(str(small_library)) == small_library.resolve() == s.library_folder
        s.choose_library(small_library)
        assert s.use_remembered(str(small_library.parent)) is None  # indexed already: the user's choice stands
    finally:
        s.close()
        other.close()


def test_compose_an_original_cue_and_merge_it(session, demo):
    """Compose for the chase, then another take: both land in this session's folder, the second
    differs, and merging "original" (rank 0) exports the scene with the composed cue."""
    import soundfile as sf

    session.use_demo("chase")
    session.analyze()
    with pytest.raises(DramaTuneError, match="compose an original cue first"):
        session.merge(0)
    first = session.compose("piano")
    second = session.compose("piano", another=True)
    assert first.path != second.path and all(p.startswith(str(session.workdir)) for p in (first.path, second.path))
    assert sf.info(second.path).duration == pytest.approx(10.0, abs=0.01) and "on cuts" in second.reason
    res = session.merge(0)
    assert video_stream_hash(res.output) == video_stream_hash(demo.scenes["chase"])
    assert session.last_cue.source == second.path


def test_plan_and_merge_the_demo_clip_scene_by_scene(session, demo):
    from dramatune_lib.recommend_and_merge import CLIP_NAME

    assert CLIP_NAME in session.demo_scene_names()
    session.use_demo(CLIP_NAME)
    session.analyze()
    plan = session.plan_scenes()
    assert len(plan) == 3 and len({pick.path for _, pick in plan}) == 3
    res = session.merge_per_scene()
    assert res.output.endswith("clip_scored_per_scene.mp4")
    assert len(session.last_cue.sheet) == 3


def test_four_tabs_at_once_all_finish_and_never_mix(tmp_path):
    """Four app sessions (as Voila runs four tabs: four kernels) analyse, recommend and merge at
    the same time, sharing the caches: all finish, each export lands in its own session folder,
    and no two share a file."""
    import subprocess
    import sys

    code = (
        "import json, sys; from dramatune_lib.recommend_and_merge import AppSession; s = AppSession(); "
        "s.use_demo(s.demo_scene_names()[int(sys.argv[1]) % 3]); s.analyze(); s.recommend(); r = s.merge(1); "
        "print(json.dumps([str(s.workdir), r.output, r.stem, r.duration])); s._cleanup.detach()"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(k)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for k in range(4)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    outputs = [r[1] for r in results] + [r[2] for r in results]
    assert len(set(outputs)) == 8
    for workdir, video, stem, duration in results:
        assert video.startswith(workdir) and stem.startswith(workdir) and os.path.getsize(video) > 0
        assert duration > 5
    import shutil

    for r in results:
        shutil.rmtree(r[0], ignore_errors=True)


def test_editor_package_holds_timelines_that_read_back(tmp_path):
    """After a scene-by-scene merge the app's package for an editor holds the timelines (read back
    by OpenTimelineIO with the scene markers' emotions), the stem and the cue sheets."""
    import zipfile

    import opentimelineio as otio

    s = AppSession()
    try:
        s.use_demo(s.demo_scene_names()[-1])  # the clip of three scenes
        s.analyze()
        s.plan_scenes()
        result = s.merge_per_scene()
        package = s.editor_package(result)
        with zipfile.ZipFile(package) as z:
            z.extractall(tmp_path)
        stem = os.path.splitext(os.path.basename(result.output))[0]
        tl = otio.adapters.read_from_file(str(tmp_path / f"{stem}.otio"))
        markers = [m.name for t in tl.tracks for c in t if hasattr(c, "markers") for m in c.markers]
        assert sum(m.startswith("scene ") for m in markers) == len(s.plan) >= 2
        music = next(t for t in tl.tracks if t.name == "A1 music")
        assert sum(c.schema_name() == "Clip" for c in music) >= len(s.plan)
        assert (tmp_path / f"{stem}.music.wav").exists() and (tmp_path / "README.txt").exists()
    finally:
        s.close()


def test_music_folder_is_checked_against_the_roots(tmp_path, monkeypatch, small_library):
    """Served to a network the folder field reads only inside the library roots: a folder outside
    them, a '..' that climbs out and a link inside a root that points out are all refused; a
    folder inside is indexed and used for the picks."""
    import shutil

    root = tmp_path / "music"
    (root / "film").mkdir(parents=True)
    for f in small_library.glob("cue *.ogg"):
        shutil.copy(f, root / "film" / f.name)
    outside = tmp_path / "private"
    outside.mkdir()
    os.symlink(outside, root / "escape")
    monkeypatch.setenv("DRAMATUNE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("DRAMATUNE_LIBRARY_ROOTS", str(root))
    s = AppSession()
    try:
        for bad in (outside, root / ".." / "private", root / "escape", "/etc"):
            with pytest.raises(BadInputError, match="outside the folders this app may read"):
                s.choose_library(bad)
        with pytest.raises(BadInputError, match="is not a folder"):
            s.check_library(root / "missing")
        seen = []
        lib = s.choose_library(str(root / "film"), progress=lambda d, t, p: seen.append((d, t)))
        assert len(lib.tracks) == 3 and seen[-1] == (3, 3)
        s.use_demo("night")
        s.analyze()
        assert {r.path for r in s.recommend()} <= {t.path for t in lib.tracks}
    finally:
        s.close()


def test_server_settings_keep_a_network_server_inside_its_roots(tmp_path):
    from dramatune_lib.recommend_and_merge import server_settings

    local = server_settings(None, "127.0.0.1", [])
    assert local["DRAMATUNE_LIBRARY_ROOTS"] == ""  # this computer only: any folder
    served = server_settings(str(tmp_path), "0.0.0.0", [])
    assert served["DRAMATUNE_LIBRARY_ROOTS"] == str(tmp_path.resolve())  # to a network: the starting folder
    assert server_settings(None, "192.0.2.7", [str(tmp_path)])["DRAMATUNE_LIBRARY_ROOTS"] == str(tmp_path.resolve())


def test_the_server_needs_a_token_to_serve_a_network(tmp_path):
    """The token goes into a private settings file, never onto the command line; a network
    address with no token is refused with one line, by the function and by the command."""
    import json
    import stat
    import subprocess
    import sys

    from dramatune_lib.errors import DramaTuneError
    from dramatune_lib.recommend_and_merge import new_token, voila_command

    token = new_token()
    assert len(token) >= 40 and token != new_token()
    cmd = voila_command(8866, token=token, config_dir=tmp_path)
    assert not any(token in part for part in cmd)
    settings = tmp_path / "voila.json"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    voila = json.loads(settings.read_text())["Voila"]
    assert voila["token"] == token and voila["tornado_settings"]["allow_remote_access"] is False
    assert voila["tornado_settings"]["xsrf_cookies"] is True
    served = json.loads((voila_command(8866, token=token, ip="0.0.0.0", config_dir=tmp_path), settings.read_text())[1])
    assert served["Voila"]["tornado_settings"]["allow_remote_access"] is True  # the token guards it
    with pytest.raises(DramaTuneError, match="needs a token"):
        voila_command(8866, token="", ip="0.0.0.0", config_dir=tmp_path)
    r = subprocess.run(
        [sys.executable, "-m", "dramatune_lib.recommend_and_merge", "--ip", "0.0.0.0", "--token", ""],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "needs a token" in r.stderr.strip().splitlines()[-1]


def test_a_video_the_browser_cannot_play_gets_a_preview_copy(session, media, tmp_path):
    """An AVI (MPEG-4 part 2 video, PCM sound) is analysed and merged from the original, but the
    page's players get small H.264/AAC copies, made once, with a note saying so; an H.264 MP4 is
    shown as it is."""
    import subprocess

    from dramatune_lib.media import ffmpeg_exe, probe

    avi = tmp_path / "phone.avi"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(media / "scene.mp4"), "-c:v", "mpeg4", "-c:a", "pcm_s16le", str(avi)],
        check=True,
    )
    shown, note = session.preview(media / "scene.mp4")
    assert shown == media / "scene.mp4" and note == ""
    scene = session.save_upload("phone.avi", avi.read_bytes())
    shown, note = session.preview(scene)
    assert shown != scene and shown.parent == session.workdir / "previews" and "mpeg4" in note
    info = probe(shown)
    assert info.video_codec.startswith("h264") and info.audio_codec.startswith("aac")
    assert info.duration == pytest.approx(probe(scene).duration, abs=0.1)
    assert session.preview(scene)[0] == shown  # made once
    assert session.analyze().duration == pytest.approx(3.0, abs=0.1)
    session.recommend()
    result = session.merge(1)
    assert probe(result.output).video_codec.startswith("mpeg4")  # the download: the original's picture, copied
    merged, note = session.preview(result.output)
    assert merged != Path(result.output) and probe(merged).video_codec.startswith("h264") and note


def test_a_pick_plays_its_moment(session, demo):
    """A pick's player gets its moment, not the whole track: an MP3 as long as the scene (at least
    a section's 20 s, at most to the track's end) whose loudness follows the track's from the
    moment's start, and not from its beginning."""
    import numpy as np

    from dramatune_lib.media import audio_duration, load_audio
    from dramatune_lib.recommend_and_merge.files import MOMENT_MIN_S

    session.use_demo("night")
    session.analyze()
    pick = next(r for r in session.recommend() if r.section_start)
    data, fmt = session.audio_bytes(pick)
    assert fmt == "mpeg" and (data[:3] == b"ID3" or data[:2] == b"\xff\xfb")  # an MP3
    heard_file = session.workdir / "heard.mp3"
    heard_file.write_bytes(data)
    sr = 11025
    heard, track = load_audio(heard_file, sr=sr), load_audio(pick.path, sr=sr)
    expect = min(max(session.profile.duration, MOMENT_MIN_S), audio_duration(pick.path) - pick.section_start)
    assert heard.size / sr == pytest.approx(expect, abs=0.2)

    def envelope(y):
        frames = y[: y.size // 1102 * 1102].reshape(-1, 1102)
        return np.sqrt((frames**2).mean(axis=1))

    start = int(pick.section_start * sr)
    n = envelope(heard).size
    at_moment = np.corrcoef(envelope(heard), envelope(track[start:])[:n])[0, 1]
    at_start = np.corrcoef(envelope(heard), envelope(track)[:n])[0, 1]
    assert at_moment > 0.95 and at_moment > at_start + 0.03
