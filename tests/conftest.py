"""Shared fixtures: small real media generated once per test session.

Scenes are encoded by the real ffmpeg binary; music is composed and rendered by the package's
own composer. The embedded demo data (``make setup`` builds it) is used where a test needs it.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from dramatune_lib.dataset_prep import ensure_demo_data
from dramatune_lib.dataset_prep.composer import compose_cue, write_cue
from dramatune_lib.frames import write_video
from dramatune_lib.media import ffmpeg_exe


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def video_stream_hash(path: Path) -> str:
    """MD5 of the video stream's packets, as ffmpeg copies them (no decoding)."""
    r = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "streamhash",
            "-hash",
            "md5",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return r.stdout.strip().split("=", 1)[1]


def ffmpeg_ebur128(path: Path) -> tuple[float, float]:
    """A file's integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's own EBU R128 meter
    (``ebur128=peak=true``): the reference the package's meter is checked against."""
    import re

    err = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = err[err.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return lufs, peak


def audio_seconds(path: Path) -> float:
    """Decoded length of a file's audio, by decoding it all."""
    from dramatune_lib.media import decode_audio

    return decode_audio(path, sr=8000).size / 8000


@pytest.fixture(scope="session")
def demo():
    return ensure_demo_data()


def _moving_frames(n: int, size=(320, 180), seed=0):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8)
    for i in range(n):
        yield np.roll(base, 4 * i, axis=1)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """A folder of small scenes and broken files, each named for what it is."""
    d = tmp_path_factory.mktemp("media")
    sr = 44100
    t = np.arange(int(3 * sr)) / sr
    tone = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    write_video(d / "scene.mp4", _moving_frames(75), (320, 180), 25, np.stack([tone, tone], 1), sr)
    write_video(d / "no_audio.mp4", _moving_frames(50), (320, 180), 25)
    (d / "not_a_video.mp4").write_text("this is a text file, not a video\n")
    (d / "empty.mp4").write_bytes(b"")
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:s=160x90:r=25",
            "-frames:v",
            "0",
            "-c:v",
            "libx264",
            str(d / "zero_seconds.mp4"),
        ],
        check=True,
    )
    # a download cut off half way: moov at the front (faststart), half the media data missing
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=s=320x180:r=25",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(d / "full.mp4"),
        ],
        check=True,
    )
    data = (d / "full.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    # the same cut on a file whose index sits at the end: nothing can be read
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=s=320x180:r=25",
            "-t",
            "4",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(d / "full_moov_end.mp4"),
        ],
        check=True,
    )
    data = (d / "full_moov_end.mp4").read_bytes()
    (d / "truncated_no_index.mp4").write_bytes(data[: len(data) // 2])
    sf.write(d / "music_only.wav", np.stack([tone, tone], 1), sr)
    # 12 MB of lossless noise: larger than a websocket message may be by default (10 MiB)
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "nullsrc=s=320x180:r=25,geq=random(1)*255:128:128",
            "-t",
            "6",
            "-c:v",
            "libx264",
            "-qp",
            "0",
            "-pix_fmt",
            "yuv420p",
            str(d / "large_upload.mp4"),
        ],
        check=True,
    )
    return d


@pytest.fixture(scope="session")
def sound_model():
    """The shipped music/speech/other classifier."""
    from dramatune_lib.feature_extraction import load_sound_model

    model = load_sound_model()
    assert model is not None, "models/sound_classes.npz is missing: python -m dramatune_lib.training --full"
    return model


@pytest.fixture(scope="session")
def real_speech():
    """Real speech: twelve of Asterisk's English prompts (Debian, one recorded voice), at the
    scene sound's 16 kHz."""
    from dramatune_lib.media import load_audio
    from dramatune_lib.training.debian import fetch_debian

    root = fetch_debian("asterisk-core-sounds-en-wav")
    if root is None:
        pytest.skip("apt-get is not available here")
    files = sorted(root.rglob("*.wav"))[::40][:12]
    return [load_audio(f, sr=16000) for f in files]


@pytest.fixture(scope="session")
def spoken():
    """Two of Asterisk's recorded English prompts whose words are known (Debian's
    asterisk-core-sounds-en lists them): "Thank you." and "I am sorry, that's not a valid
    extension. Please try again.", one after the other with pauses, at 16 kHz."""
    from dramatune_lib.media import load_audio
    from dramatune_lib.training.debian import fetch_debian

    root = fetch_debian("asterisk-core-sounds-en-wav")
    if root is None:
        pytest.skip("apt-get is not available here")
    said = [
        load_audio(next(root.rglob(f"en_US_f_Allison/{n}.wav")), sr=16000) for n in ("auth-thankyou", "pbx-invalid")
    ]
    pause = np.zeros(8000, np.float32)
    return np.concatenate([pause, said[0], pause, pause, pause, said[1], pause])


@pytest.fixture(scope="session")
def spoken_scene(spoken, tmp_path_factory):
    """A scene of :func:`spoken` over a grey picture, 8 s, as an MP4 (no subtitles)."""
    from dramatune_lib.media import ffmpeg_exe

    d = tmp_path_factory.mktemp("spoken")
    sf.write(d / "said.wav", spoken, 16000)
    out = d / "said.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=gray:s=320x240:r=10", "-i", str(d / "said.wav")]
        + ["-t", f"{spoken.size / 16000:.2f}", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(out)],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def small_library(tmp_path_factory):
    """Three short composed cues, a corrupt 'ogg', a silent track and a text file."""
    d = tmp_path_factory.mktemp("library")
    for i, (v, a, inst) in enumerate([(0.7, 0.6, "brass"), (-0.7, -0.6, "piano"), (0.6, -0.6, "strings")]):
        y, pm, p = compose_cue(v, a, 8, instrument=inst, seed=i)
        write_cue(d / f"cue {i} ünï.ogg", y, pm)
    (d / "broken.ogg").write_bytes(b"OggS" + bytes(range(256)) * 20)
    sf.write(d / "silence.wav", np.zeros((44100 * 2, 2), np.float32), 44100)
    (d / "notes.txt").write_text("not music")
    return d


@pytest.fixture(scope="session")
def click_track(tmp_path_factory):
    """A 120 BPM click track, 20 s."""
    sr = 22050
    y = np.zeros(sr * 20, np.float32)
    click = (np.hanning(200) * np.sin(np.arange(200) * 0.5)).astype(np.float32)
    for t in np.arange(0, 20, 0.5):
        i = int(t * sr)
        y[i : i + 200] += click
    p = tmp_path_factory.mktemp("click") / "click120.wav"
    sf.write(p, y, sr)
    return p


def require_espeak() -> None:
    """Skip (locally) or fail (in CI) a test that needs real synthetic speech from espeak-ng."""
    import os
    import shutil

    if not shutil.which("espeak-ng"):
        msg = "espeak-ng is not installed (apt-get install espeak-ng) — the speech tests need real speech"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)


@pytest.fixture(scope="session")
def speech_scene(tmp_path_factory):
    """A 10 s scene whose own sound is quiet room tone with speech (espeak-ng) from 3 s to about 6 s.

    Returns ``(path, (speech_start, speech_end))``.
    """
    require_espeak()
    d = tmp_path_factory.mktemp("speech")
    subprocess.run(
        ["espeak-ng", "-w", str(d / "line.wav"), "Where were you last night? I waited for you for hours."], check=True
    )
    line, lsr = sf.read(d / "line.wav", dtype="float32")
    import librosa

    line = librosa.resample(librosa.effects.trim(line, top_db=40)[0], orig_sr=lsr, target_sr=44100)
    sr = 44100
    rng = np.random.default_rng(5)
    y = (0.003 * rng.standard_normal(10 * sr)).astype(np.float32)
    start = 3.0
    y[int(start * sr) : int(start * sr) + line.size] += 0.5 * line / np.abs(line).max()
    write_video(d / "dialogue.mp4", _moving_frames(250), (320, 180), 25, np.stack([y, y], 1), sr)
    return d / "dialogue.mp4", (start, start + line.size / sr)
