import numpy as np
import pytest

from dramatune_lib.errors import BadInputError
from dramatune_lib.frames import sample_due, stream_frames, stream_frames_sampled
from dramatune_lib.media import decode_audio, ffmpeg_exe, load_audio, probe, probe_scene


def test_probe_reads_streams(media):
    info = probe(media / "scene.mp4")
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (320, 180)
    assert info.fps == pytest.approx(25)
    assert info.duration == pytest.approx(3.0, abs=0.1)


def test_probe_video_without_audio(media):
    info = probe_scene(media / "no_audio.mp4")
    assert info.has_video and not info.has_audio


@pytest.mark.parametrize(
    "name,words",
    [
        ("not_a_video.mp4", "not a video or audio file"),
        ("empty.mp4", "empty"),
        ("zero_seconds.mp4", "0 seconds"),
        ("truncated_no_index.mp4", "truncated"),
        ("music_only.wav", "no video stream"),
        ("missing.mp4", "not found"),
    ],
)
def test_bad_scenes_are_named_in_one_line(media, name, words):
    with pytest.raises(BadInputError) as e:
        probe_scene(media / name)
    msg = str(e.value)
    assert msg.startswith(name) and words in msg and "\n" not in msg


def test_decode_audio_length_and_level(media):
    y = decode_audio(media / "scene.mp4", sr=16000)
    assert y.ndim == 1 and abs(y.size / 16000 - 3.0) < 0.1
    rms = float(np.sqrt(np.mean(y[1600:-1600] ** 2)))
    assert rms == pytest.approx(0.1 / np.sqrt(2), rel=0.1)  # the 0.1-amplitude tone survived AAC


def test_load_audio_stereo_resampled(media):
    y = load_audio(media / "music_only.wav", sr=22050, mono=False)
    assert y.shape[1] == 2 and abs(y.shape[0] / 22050 - 3.0) < 0.01


def test_stream_frames_rate_and_size(media):
    frames = list(stream_frames(media / "scene.mp4", 2, max_side=160))
    assert len(frames) == 6  # 3 s at 2 per second
    assert [t for t, _ in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert frames[1][1].shape == (90, 160, 3)


@pytest.mark.parametrize("second_pipe", [True, False], ids=["two-pipes", "one-pipe"])
def test_sampled_frames_are_the_same_frames_larger(media, monkeypatch, second_pipe):
    """Every frame small, and two a second again at full size (320 px), from ffmpeg's second pipe
    or (as on Windows) one pipe: each sample, brought down to the small size, matches its own
    frame better than its neighbours."""
    import cv2

    from dramatune_lib import frames as m

    monkeypatch.setattr(m, "SECOND_PIPE", second_pipe)  # one pipe: what Windows gets
    frames = list(stream_frames_sampled(media / "scene.mp4", 25, 160, 2.0, 640))
    assert len(frames) == 75 and frames[0][1].shape == (90, 160, 3)
    sampled = [i for i, (_, _, s) in enumerate(frames) if s is not None]
    assert sampled == [i for i in range(75) if sample_due(i, 25, 2.0)] == [0, 13, 25, 38, 50, 63]
    for i in sampled:
        small = cv2.resize(frames[i][2], (160, 90), interpolation=cv2.INTER_AREA).astype(float)
        err = {j: np.abs(small - frames[j][1]).mean() for j in (i - 1, i, i + 1) if 0 <= j < 75}
        assert frames[i][2].shape == (180, 320, 3) and min(err, key=err.get) == i  # never upscaled


def test_variable_frame_rate_keeps_true_times(tmp_path):
    """First second at 10 frames/s, then 30: a cut at 2.0 s must be read at 2.0 s, not where
    counting frames at the average rate would put it (1.65 s)."""
    import subprocess

    from dramatune_lib.feature_extraction import find_cuts

    vfr = tmp_path / "phone.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=320x180:r=30:d=2",
            "-f",
            "lavfi",
            "-i",
            "mandelbrot=s=320x180:r=30,trim=duration=2",
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1[c];[c]select='gte(t\\,1)+not(mod(n\\,3))'[o]",
            "-map",
            "[o]",
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(vfr),
        ],
        check=True,
    )
    info = probe(vfr)
    assert info.fps < 28 and info.tbr == 30  # really variable: average below the base rate
    times = [t for t, _ in stream_frames(vfr, 30)]
    assert len(times) == pytest.approx(120, abs=1)
    assert find_cuts(vfr) == [pytest.approx(2.0, abs=1 / 30 + 1e-3)]


def test_skipping_b_frame_deblocking_changes_frames_less_than_the_encoding_quality(tmp_path):
    """The analysis decodes H.264 without deblocking B-frames (SKIP_LOOP_FILTER). On a panned
    photograph encoded at CRF 23 that moves the frames it gives (at the analysis' 256 px) by less
    than encoding the same picture at CRF 26 does; and it moves them (the option reaches ffmpeg)."""
    import cv2
    import imageio_ffmpeg
    from skimage import data

    from dramatune_lib.frames import SKIP_LOOP_FILTER

    img = cv2.resize(data.astronaut(), (480, 480))

    def encode(crf: int):
        path = tmp_path / f"pan_crf{crf}.mp4"
        w = imageio_ffmpeg.write_frames(
            str(path),
            (640, 360),
            fps=25,
            codec="libx264",
            quality=None,
            output_params=["-crf", str(crf)],
            ffmpeg_log_level="error",
        )
        w.send(None)
        for i in range(50):
            m = np.float32([[1, 0, 80 - 2 * i], [0, 1, -60]])
            w.send(np.ascontiguousarray(cv2.warpAffine(img, m, (640, 360), borderMode=cv2.BORDER_REFLECT)))
        w.close()
        return path

    def frames(path, skip):
        return np.stack([f for _, f in stream_frames(path, 25, max_side=256, skip_loop_filter=skip)]).astype(np.float32)

    a23, a26 = encode(23), encode(26)
    filtered, shortcut, other = frames(a23, None), frames(a23, SKIP_LOOP_FILTER), frames(a26, None)
    assert len(filtered) == len(shortcut) == len(other) == 50
    by_shortcut = float(np.abs(shortcut - filtered).mean())
    by_quality = float(np.abs(other - filtered).mean())
    assert 0 < by_shortcut < by_quality


def test_an_excerpt_cut_without_reencoding_loads_the_same_every_time(tmp_path):
    """lordsawar's defeat theme (Debian), cut at 1.4 s for 8 s with ffmpeg's stream copy, as a
    user's tool might: libsndfile counts 1,024 frames more than its decoder writes. Loading it
    gives only decoded samples, the same after the heap has held NaN as in a fresh process (an
    uninitialised buffer once carried NaN into a library's index)."""
    import subprocess

    import soundfile as sf

    from dramatune_lib.training.debian import fetch_debian

    root = fetch_debian("lordsawar-data")
    if root is None:
        pytest.skip("apt-get is not available here")
    src = root / "usr/share/games/lordsawar/music/defeat.ogg"
    cut = tmp_path / "cut.ogg"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-ss", "1.40", "-t", "8.0", "-i", str(src), "-c", "copy", str(cut)], check=True
    )
    with sf.SoundFile(str(cut)) as f:
        counted = f.frames
        decoded = len(f.read(out=np.zeros((counted, f.channels), np.float32)))
    assert decoded < counted  # the file is as described
    for seconds in (None, 300.0):  # 300: as the index reads a track
        first = load_audio(cut, sr=44100, mono=False, max_seconds=seconds)
        for _ in range(20):  # leave NaN where the next buffers will be allocated
            np.full((counted, 2), np.nan, np.float32)
        again, mono = load_audio(cut, sr=44100, mono=False, max_seconds=seconds), load_audio(cut, sr=44100)
        assert first.shape == (decoded, 2) and np.array_equal(first, again)
        assert np.isfinite(again).all() and np.array_equal(mono, first.mean(axis=1))


def test_an_ffmpeg_that_hangs_is_stopped_with_one_line(tmp_path):
    """ffmpeg waiting forever on an input that never comes (a named pipe no one writes) is
    stopped at its timeout and said in one line naming the file; the process is gone."""
    import os
    import time

    from dramatune_lib.errors import DramaTuneError
    from dramatune_lib.media import ffmpeg_path, start_ffmpeg, wait_ffmpeg

    fifo = tmp_path / "stalled.mp4"
    os.mkfifo(fifo)
    proc = start_ffmpeg(["-i", ffmpeg_path(fifo), "-f", "null", "-"])
    t0 = time.perf_counter()
    with pytest.raises(DramaTuneError, match=r"stalled\.mp4: ffmpeg took over 1 s and was stopped"):
        wait_ffmpeg(proc, fifo, timeout=1.0)
    assert time.perf_counter() - t0 < 10 and proc.poll() is not None
