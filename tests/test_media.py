import numpy as np
import pytest

from dramatune_lib.errors import BadInputError
from dramatune_lib.media import decode_audio, load_audio, probe, probe_scene, sample_frames


def test_probe_reads_streams(media):
    info = probe(media / "scene.mp4")
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (320, 180)
    assert info.fps == pytest.approx(25)
    assert info.duration == pytest.approx(3.0, abs=0.1)


def test_probe_video_without_audio(media):
    info = probe_scene(media / "no_audio.mp4")
    assert info.has_video and not info.has_audio


@pytest.mark.parametrize("name,words", [
    ("not_a_video.mp4", "not a video or audio file"),
    ("empty.mp4", "empty"),
    ("zero_seconds.mp4", "0 seconds"),
    ("truncated_no_index.mp4", "truncated"),
    ("music_only.wav", "no video stream"),
    ("missing.mp4", "not found"),
])
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


def test_sample_frames_rate_and_size(media):
    frames = list(sample_frames(media / "scene.mp4", fps=2, max_side=160))
    assert len(frames) == 6  # 3 s at 2 per second
    t, f = frames[1]
    assert t == pytest.approx(0.5, abs=0.04)  # the first frame at or after 0.5 s and f.shape == (90, 160, 3)
