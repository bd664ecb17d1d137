"""Reading and writing media with the ffmpeg binary that imageio-ffmpeg ships.

imageio-ffmpeg ships ``ffmpeg`` but no ``ffprobe``, so :func:`probe` reads the stream summary
that ``ffmpeg -i`` prints. Frames are piped from ffmpeg at a constant rate, streaming: a video
is never held in memory. Audio is decoded with soundfile where libsndfile knows the format, else by ffmpeg.
"""
from __future__ import annotations

import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# OpenCV's ffmpeg backend (plots read a still from the demo videos with it) prints decoder
# errors straight to stderr; DramaTune reports bad files itself in one line. Read when the first
# video is opened; a user's own setting wins.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import imageio_ffmpeg  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from .errors import BadInputError, DramaTuneError


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg.

    Notebook: 05_recommend_and_merge.ipynb
    """
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass
class MediaInfo:
    """Streams of a media file as ffmpeg reports them."""

    path: str
    duration: float
    has_video: bool
    video_codec: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0  # average frame rate
    tbr: float = 0.0  # ffmpeg's base rate: the highest rate of a variable-frame-rate video
    rotation: int = 0
    has_audio: bool = False
    audio_codec: str = ""
    sample_rate: int = 0
    channels: int = 0


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"(\d+(?:\.\d+)?) (?:fps|tbr)")
_TBR = re.compile(r"(\d+(?:\.\d+)?) tbr")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: (\w+).*?, (\d+) Hz, ([^,]+)")
_ROTATION = re.compile(r"(?:rotate\s*:\s*|rotation of )(-?\d+(?:\.\d+)?)")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise BadInputError(path, "file not found — check the path")
    if path.is_dir():
        raise BadInputError(path, "is a folder, not a media file")
    if path.stat().st_size == 0:
        raise BadInputError(path, "file is empty (0 bytes)")


def probe(path: str | Path) -> MediaInfo:
    """Read the streams and duration of a media file.

    Raises :class:`BadInputError` when ffmpeg cannot read the file at all.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    _check_file(path)
    r = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True, text=True, errors="replace",
    )
    err = r.stderr
    head = err.split("At least one output file", 1)[0]
    if "Input #0" not in head:
        raise BadInputError(
            path, "not a video or audio file ffmpeg can read — is it truncated or another format?"
        )
    m = _DURATION.search(head)
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else 0.0
    info = MediaInfo(path=str(path), duration=duration, has_video=False)
    for line in head.splitlines():
        if "Video:" in line and not info.has_video and "attached pic" not in line:
            vm = _VIDEO.search(line)
            if vm:
                info.has_video = True
                info.video_codec, info.width, info.height = vm[1], int(vm[2]), int(vm[3])
                fm = _FPS.search(line)
                info.fps = float(fm[1]) if fm else 0.0
                tm = _TBR.search(line)
                info.tbr = float(tm[1]) if tm else info.fps
        elif "Audio:" in line and not info.has_audio:
            am = _AUDIO.search(line)
            if am:
                info.has_audio = True
                info.audio_codec, info.sample_rate = am[1], int(am[2])
                layout = am[3].strip()
                info.channels = {"mono": 1, "stereo": 2}.get(layout, 2)
    rm = _ROTATION.search(head)
    if rm:
        info.rotation = int(round(float(rm[1]))) % 360
        if info.rotation in (90, 270):  # a phone held upright: frames are shown turned
            info.width, info.height = info.height, info.width
    return info


def probe_scene(path: str | Path) -> MediaInfo:
    """Probe a file that must be a scene: a video stream that lasts more than 0 seconds.

    Notebook: 02_feature_extraction.ipynb
    """
    info = probe(path)
    if not info.has_video and not info.has_audio:
        raise BadInputError(path, "holds no video frames (0 seconds) — export the scene again")
    if not info.has_video:
        raise BadInputError(path, "no video stream found — is this an audio file? Give a video.")
    if info.duration <= 0.05:
        raise BadInputError(path, f"lasts {info.duration:.2f} s (a single frame at most) — give a video of at "
                                  "least a second")
    return info


def run_ffmpeg(args: list[str], what: str | Path) -> None:
    """Run ffmpeg; on failure raise a one-line :class:`DramaTuneError` about ``what``.

    Notebook: 05_recommend_and_merge.ipynb
    """
    r = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
        capture_output=True, text=True, errors="replace",
    )
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise DramaTuneError(f"{Path(what).name}: ffmpeg failed — {last}")


def decode_audio(
    path: str | Path, sr: int = 22050, mono: bool = True, max_seconds: float | None = None
) -> np.ndarray:
    """Decode the audio of any file ffmpeg reads to float32 samples (at most ``max_seconds``).

    Returns ``y`` of shape ``(n,)`` if ``mono`` else ``(n, 2)``.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    _check_file(path)
    # always decode to stereo: ffmpeg's own mono downmix adds 3 dB (0.707 * (L + R))
    r = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-vn",
         *(["-t", f"{max_seconds:.3f}"] if max_seconds else []),
         "-ac", "2", "-ar", str(sr), "-f", "f32le", "-"],
        capture_output=True,
    )
    y = np.frombuffer(r.stdout, dtype="<f4")
    if r.returncode != 0 and y.size == 0:
        raise BadInputError(path, "cannot decode its audio — is it an audio file?")
    y = y[: y.size // 2 * 2].reshape(-1, 2)
    return y.mean(axis=1) if mono else y.copy()


def load_audio(
    path: str | Path, sr: int = 22050, mono: bool = True, max_seconds: float | None = None
) -> np.ndarray:
    """Load a music file: soundfile (libsndfile) first, ffmpeg for other formats (m4a...).

    ``max_seconds`` reads only the start of a long file (a 2-hour file is never loaded whole).

    Returns ``y`` of shape ``(n,)`` if ``mono`` else ``(n, 2)``, float32 at ``sr``.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    _check_file(path)
    try:
        with sf.SoundFile(str(path)) as f:
            file_sr = f.samplerate
            frames = -1 if not max_seconds else int(max_seconds * file_sr)
            y = f.read(frames, dtype="float32", always_2d=True)
    except Exception:  # libsndfile does not know the format: let ffmpeg try
        return decode_audio(path, sr=sr, mono=mono, max_seconds=max_seconds)
    if y.size == 0:
        raise BadInputError(path, "holds no audio samples")
    if mono:
        y = y.mean(axis=1)
    elif y.shape[1] == 1:
        y = np.repeat(y, 2, axis=1)
    else:
        y = y[:, :2]
    if file_sr != sr:
        import librosa

        y = librosa.resample(y.T if y.ndim == 2 else y, orig_sr=file_sr, target_sr=sr)
        y = y.T if y.ndim == 2 else y
    return np.ascontiguousarray(y, dtype=np.float32)


def audio_duration(path: str | Path) -> float:
    """Length of an audio file in seconds, from its header (libsndfile), else from ffmpeg.

    Notebook: 02_feature_extraction.ipynb
    """
    try:
        info = sf.info(str(path))
        return info.frames / info.samplerate
    except Exception:  # a format libsndfile does not read: ask ffmpeg
        return probe(path).duration


def stream_frames(
    path: str | Path, rate: float, max_side: int = 640, info: MediaInfo | None = None, ahead: int = 32,
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(time_s, frame_bgr)`` at exactly ``rate`` frames per second, downscaled.

    One ffmpeg process decodes the video once and pipes raw frames; none is kept, so memory
    stays flat however long the video is. ffmpeg's ``fps`` filter resamples by timestamp, so a
    variable-frame-rate phone video yields frame ``i`` at ``i / rate`` seconds, and its
    ``scale`` filter brings the long side down to ``max_side`` (a 4K frame is never held at
    4K). Rotation metadata is applied (ffmpeg autorotates), so a phone video comes upright.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    info = info or probe(path)
    if not info.has_video or info.width <= 0:
        raise BadInputError(path, "no video stream found — give a video")
    s = min(1.0, max_side / max(info.width, info.height))
    ow, oh = max(2, round(info.width * s / 2) * 2), max(2, round(info.height * s / 2) * 2)
    frame_bytes = ow * oh * 3
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
             "-an", "-sn", "-dn", "-vf", f"fps={rate:.6f},scale={ow}:{oh}:flags=area",
             "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
            stdout=subprocess.PIPE, stderr=err, bufsize=frame_bytes,
        )
        # a reader thread keeps ffmpeg decoding while the caller works on earlier frames; the
        # queue holds at most `ahead` frames, so memory stays bounded
        frames: queue.Queue = queue.Queue(maxsize=ahead)
        stop = threading.Event()

        def put(item) -> bool:
            """Queue an item unless the caller has stopped listening (a full queue is then dropped)."""
            while not stop.is_set():
                try:
                    frames.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def pump() -> None:
            try:
                while len(buf := proc.stdout.read(frame_bytes)) == frame_bytes and put(buf):
                    pass
            finally:
                put(None)  # never blocks once the caller has gone: no deadlock on an early close

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        i = 0
        try:
            while (buf := frames.get()) is not None:
                yield i / rate, np.frombuffer(buf, np.uint8).reshape(oh, ow, 3)
                i += 1
        finally:
            stop.set()
            if proc.poll() is None:
                proc.kill()
            reader.join()
            proc.stdout.close()
            proc.wait()
        if i == 0:
            err.seek(0)
            last = (err.read().decode(errors="replace").strip().splitlines() or ["no frame"])[-1]
            raise BadInputError(path, f"no frame could be decoded ({last[:120]}) — the file may be truncated "
                                      "or damaged")


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    size: tuple[int, int],
    fps: float,
    audio: np.ndarray | None = None,
    sr: int = 44100,
) -> Path:
    """Encode RGB frames (H.264, yuv420p) with optional audio (AAC) into an MP4.

    Notebook: 01_dataset_prep.ipynb
    """
    path = Path(path)
    wav = None
    try:
        if audio is not None:
            fd, wav = tempfile.mkstemp(suffix=".wav", dir=path.parent)
            os.close(fd)
            sf.write(wav, audio, sr)
        writer = imageio_ffmpeg.write_frames(
            str(path), size, fps=fps, codec="libx264", quality=7, macro_block_size=2,
            audio_path=wav, audio_codec="aac" if wav else None,
            output_params=["-shortest"] if wav else None, ffmpeg_log_level="error",
        )
        writer.send(None)
        for frame in frames:
            writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
        writer.close()
    finally:
        if wav:
            os.unlink(wav)
    return path
