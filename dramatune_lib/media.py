"""Reading and writing media with the ffmpeg binary that imageio-ffmpeg ships.

imageio-ffmpeg ships ``ffmpeg`` but no ``ffprobe``, so :func:`probe` reads the stream summary
that ``ffmpeg -i`` prints. Frames are piped from ffmpeg at a constant rate, streaming: a video
is never held in memory. Audio is decoded with soundfile where libsndfile knows the format, else by ffmpeg.
"""

from __future__ import annotations

import math
import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile as sf

from .dsp import resample
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
    try:
        _check_readable(path)
    except PermissionError:
        raise BadInputError(
            path,
            "cannot be reached (permission denied on its folder) — check the folder's "
            "permissions or copy the file somewhere you can read",
        ) from None


def _check_readable(path: Path) -> None:
    if path.is_symlink() and not path.exists():
        raise BadInputError(path, "is a link that leads nowhere (or back to itself) — give the file itself")
    if not path.exists():
        raise BadInputError(path, "file not found — check the path")
    if path.is_dir():
        raise BadInputError(path, "is a folder, not a media file — give a file inside it")
    if not os.access(path, os.R_OK):
        raise BadInputError(
            path, "cannot be read (permission denied) — check its permissions or copy it somewhere you can read"
        )
    if path.stat().st_size == 0:
        raise BadInputError(path, "file is empty (0 bytes) — the copy or download failed; get the file again")


def probe(path: str | Path) -> MediaInfo:
    """Read the streams and duration of a media file.

    Raises :class:`BadInputError` when ffmpeg cannot read the file at all.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    _check_file(path)
    r = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    err = r.stderr
    head = err.split("At least one output file", 1)[0]
    if "Input #0" not in head:
        raise BadInputError(path, "not a video or audio file ffmpeg can read — is it truncated or another format?")
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
        raise BadInputError(
            path, f"lasts {info.duration:.2f} s (a single frame at most) — give a video of at least a second"
        )
    return info


#: Share of a scene's stated length that its video stream must really hold; below it the file is
#: called truncated (the same rule analysis applies to the frames it decodes).
COMPLETE_SHARE = 0.8
_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")


def check_complete(path: str | Path, info: MediaInfo) -> None:
    """Refuse a scene whose video stream holds less than :data:`COMPLETE_SHARE` of the length its
    header states (a download cut off part way), by reading its packets without decoding them
    (about 0.1 s for 30 s of 720p). Raises the same :class:`errors.BadInputError` as analysis.

    Notebook: 07_fit_and_export.ipynb
    """
    if info.duration <= 1.0:
        return
    r = subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-stats",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    found = _TIME.findall(r.stderr)
    seconds = 0.0
    if found:
        h, m, sec = found[-1]
        seconds = 3600 * int(h) + 60 * int(m) + float(sec)
    if seconds < COMPLETE_SHARE * info.duration:
        raise BadInputError(
            path,
            f"is truncated or damaged: only {seconds:.1f} s of its {info.duration:.1f} s "
            "could be decoded — export or download it again",
        )


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def guard_outputs(
    outputs: Iterable[str | Path], inputs: Iterable[str | Path | None], *, library: str | Path | None = None
) -> None:
    """Refuse a run where any output, or a file written beside it, would be one of its inputs or a
    file inside the music ``library``: compared by resolved path and by inode, so a symbolic or
    a hard link to an input counts as the input. ``--overwrite`` never lifts this.

    Raises :class:`errors.OutputIsInputError`.

    Notebook: 07_fit_and_export.ipynb
    """
    from .errors import OutputIsInputError

    ins = [(Path(i), Path(i).resolve(), _identity(Path(i))) for i in inputs if i]
    lib = Path(library).resolve() if library else None
    for out in outputs:
        out = Path(out)
        real, ident = out.resolve(), _identity(out)
        for given, resolved, inode in ins:
            if real == resolved or (ident is not None and ident == inode):
                raise OutputIsInputError(out, given)
        if lib is not None and (real == lib or lib in real.parents):
            raise OutputIsInputError(out, library, library=True)


def run_ffmpeg(args: list[str], what: str | Path) -> None:
    """Run ffmpeg; on failure raise a one-line :class:`DramaTuneError` about ``what``.

    Notebook: 05_recommend_and_merge.ipynb
    """
    r = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", *args],
        capture_output=True,
        text=True,
        errors="replace",
    )
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise DramaTuneError(f"{Path(what).name}: ffmpeg failed — {last}")


def decode_audio(path: str | Path, sr: int = 22050, mono: bool = True, max_seconds: float | None = None) -> np.ndarray:
    """Decode the audio of any file ffmpeg reads to float32 samples (at most ``max_seconds``).

    Returns ``y`` of shape ``(n,)`` if ``mono`` else ``(n, 2)``.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    _check_file(path)
    # always decode to stereo: ffmpeg's own mono downmix adds 3 dB (0.707 * (L + R))
    r = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-vn",
            *(["-t", f"{max_seconds:.3f}"] if max_seconds else []),
            "-ac",
            "2",
            "-ar",
            str(sr),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
    )
    y = np.frombuffer(r.stdout, dtype="<f4")
    if r.returncode != 0 and y.size == 0:
        raise BadInputError(path, "cannot decode its audio — is it an audio file?")
    y = y[: y.size // 2 * 2].reshape(-1, 2)
    return y.mean(axis=1) if mono else y.copy()


def load_audio(path: str | Path, sr: int = 22050, mono: bool = True, max_seconds: float | None = None) -> np.ndarray:
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
        y = resample(y, file_sr, sr)
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


#: Decoder shortcut for analysis reads (never for exports, which copy the stream): H.264 and
#: HEVC skip their deblocking filter on B-frames. It saves about 13 % of the decoding on a 720p
#: H.264 clip; the frames it gives differ from the filtered ones by less than the same clip
#: encoded at CRF 20 instead of 23 does (cuts unchanged, fer's readings moved by 0.03 on average
#: against 0.09). B-frames only: an unfiltered I- or P-frame would carry its error on through
#: the rest of its group of pictures. Other decoders ignore it.
SKIP_LOOP_FILTER = "bidir"

#: Whether ffmpeg can write a second output to an inherited pipe (file descriptors pass to a
#: child process on POSIX only); elsewhere samples are downscaled in Python.
SECOND_PIPE = os.name == "posix"


def _size(info: MediaInfo, side: int) -> tuple[int, int]:
    """Even frame size with the long side brought down to ``side`` (never up)."""
    s = min(1.0, side / max(info.width, info.height))
    return max(2, round(info.width * s / 2) * 2), max(2, round(info.height * s / 2) * 2)


def still_frame(path: str | Path, at: float, max_side: int = 640) -> np.ndarray | None:
    """The frame ``at`` seconds into a video as RGB, downscaled (ffmpeg seeks to it and decodes
    one frame); None when none decodes there.

    Notebook: 01_dataset_prep.ipynb
    """
    w, h = _size(probe(path), max_side)
    r = subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-vf",
            f"scale={w}:{h}",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
    )
    if r.returncode != 0 or len(r.stdout) < w * h * 3:
        return None
    return np.frombuffer(r.stdout[: w * h * 3], np.uint8).reshape(h, w, 3)


class _Pipe:
    """A reader thread that keeps ffmpeg writing while the caller works on earlier frames; its
    queue holds at most ``ahead`` frames, so memory stays bounded. It gives up (and never
    blocks) once ``stop`` is set, so an early close cannot deadlock."""

    def __init__(self, stream, frame_bytes: int, ahead: int, stop: threading.Event):
        self.frames: queue.Queue = queue.Queue(maxsize=ahead)
        self.stop = stop
        self.thread = threading.Thread(target=self._pump, args=(stream, frame_bytes), daemon=True)
        self.thread.start()

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.frames.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _pump(self, stream, frame_bytes: int) -> None:
        try:
            while len(buf := stream.read(frame_bytes)) == frame_bytes and self._put(buf):
                pass
        finally:
            self._put(None)

    def get(self) -> bytes | None:
        return self.frames.get()


def stream_frames(
    path: str | Path,
    rate: float,
    max_side: int = 640,
    info: MediaInfo | None = None,
    ahead: int = 32,
    skip_loop_filter: str | None = SKIP_LOOP_FILTER,
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(time_s, frame_bgr)`` at exactly ``rate`` frames per second, downscaled.

    One ffmpeg process decodes the video once and pipes raw frames; none is kept, so memory
    stays flat however long the video is. ffmpeg's ``fps`` filter resamples by timestamp, so a
    variable-frame-rate phone video yields frame ``i`` at ``i / rate`` seconds, and its
    ``scale`` filter brings the long side down to ``max_side`` (a 4K frame is never held at
    4K). Rotation metadata is applied (ffmpeg autorotates), so a phone video comes upright.
    ``skip_loop_filter`` is ffmpeg's decoder shortcut (:data:`SKIP_LOOP_FILTER`; None: off).

    Notebook: 02_feature_extraction.ipynb
    """
    for t, frame, _ in stream_frames_sampled(
        path, rate, max_side, None, info=info, ahead=ahead, skip_loop_filter=skip_loop_filter
    ):
        yield t, frame


def sample_due(i: int, rate: float, sample_fps: float) -> bool:
    """Whether frame ``i`` of a stream at ``rate`` is one of the samples taken ``sample_fps``
    times a second: the first frame at or after each ``k / sample_fps`` seconds.

    Notebook: 02_feature_extraction.ipynb
    """
    fps = min(sample_fps, rate)
    return i == 0 or math.floor(i * fps / rate + 1e-6) > math.floor((i - 1) * fps / rate + 1e-6)


def stream_frames_sampled(
    path: str | Path,
    rate: float,
    side: int,
    sample_fps: float | None,
    sample_side: int = 640,
    info: MediaInfo | None = None,
    ahead: int = 32,
    skip_loop_filter: str | None = SKIP_LOOP_FILTER,
) -> Iterator[tuple[float, np.ndarray, np.ndarray | None]]:
    """Yield ``(time_s, frame_bgr, sample_bgr)``: every frame at ``rate`` per second with its long
    side at most ``side``, and on the frames :func:`sample_due` picks (``sample_fps`` a second) the
    same frame again at ``sample_side`` (else None).

    One ffmpeg process decodes once and scales twice: a 1280x720 video gives every frame at
    256 px for cuts and motion and two a second at 640 px for faces, instead of every frame at
    640 px. The samples come through a second pipe (POSIX); elsewhere every frame comes at
    ``sample_side`` and is downscaled here. ``sample_fps=None`` gives frames only, from one pipe.
    ``skip_loop_filter`` as in :func:`stream_frames`.

    Notebook: 02_feature_extraction.ipynb
    """
    path = Path(path)
    info = info or probe(path)
    if not info.has_video or info.width <= 0:
        raise BadInputError(path, "no video stream found — give a video")
    two_pipes = sample_fps is not None and SECOND_PIPE
    big = _size(info, sample_side) if sample_fps is not None else None
    small = _size(info, side) if (sample_fps is None or two_pipes) else big
    fps = f"fps={rate:.6f}"
    if two_pipes:
        r = min(sample_fps, rate) / rate  # the rule of sample_due, in ffmpeg's expression language
        pick = f"select=eq(n\\,0)+gt(floor(n*{r:.9f}+1e-6)\\,floor((n-1)*{r:.9f}+1e-6))"
        graph = [
            "-filter_complex",
            f"[0:v:0]{fps},split=2[a][b];[a]scale={small[0]}:{small[1]}:flags=area[s];"
            f"[b]{pick},scale={big[0]}:{big[1]}:flags=area[f]",
            "-map",
            "[s]",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
            "-",
            "-map",
            "[f]",
            "-fps_mode",
            "passthrough",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
            "pipe:{fd}",
        ]
    else:
        graph = [
            "-map",
            "0:v:0",
            "-vf",
            f"{fps},scale={small[0]}:{small[1]}:flags=area",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "bgr24",
            "-",
        ]
    read_fd = write_fd = None
    if two_pipes:
        read_fd, write_fd = os.pipe()
        graph[-1] = graph[-1].format(fd=write_fd)
    stop = threading.Event()
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                [
                    ffmpeg_exe(),
                    "-hide_banner",
                    "-nostdin",
                    "-v",
                    "error",
                    *(["-skip_loop_filter", skip_loop_filter] if skip_loop_filter else []),
                    "-i",
                    str(path),
                    "-an",
                    "-sn",
                    "-dn",
                    *graph,
                ],
                stdout=subprocess.PIPE,
                stderr=err,
                bufsize=small[0] * small[1] * 3,
                pass_fds=(write_fd,) if two_pipes else (),
            )
        finally:
            if write_fd is not None:
                os.close(write_fd)
        side_stream = os.fdopen(read_fd, "rb", buffering=big[0] * big[1] * 3) if two_pipes else None
        main = _Pipe(proc.stdout, small[0] * small[1] * 3, ahead, stop)
        extra = _Pipe(side_stream, big[0] * big[1] * 3, max(2, ahead // 4), stop) if two_pipes else None
        i = 0
        try:
            while (buf := main.get()) is not None:
                frame = np.frombuffer(buf, np.uint8).reshape(small[1], small[0], 3)
                sample = None
                if sample_fps is not None and sample_due(i, rate, sample_fps):
                    if two_pipes:
                        sbuf = extra.get()
                        sample = None if sbuf is None else np.frombuffer(sbuf, np.uint8).reshape(big[1], big[0], 3)
                    else:
                        sample = frame
                if sample_fps is not None and not two_pipes:
                    frame = _downscale(frame, side)
                yield i / rate, frame, sample
                i += 1
        finally:
            stop.set()
            if proc.poll() is None:
                proc.kill()
            main.thread.join()
            proc.stdout.close()
            if extra is not None:
                extra.thread.join()
                side_stream.close()
            proc.wait()
        if i == 0:
            err.seek(0)
            last = (err.read().decode(errors="replace").strip().splitlines() or ["no frame"])[-1]
            raise BadInputError(
                path, f"no frame could be decoded ({last[:120]}) — the file may be truncated or damaged"
            )


def _downscale(frame: np.ndarray, side: int) -> np.ndarray:
    import cv2

    h, w = frame.shape[:2]
    s = side / max(h, w)
    if s >= 1:
        return frame
    return cv2.resize(frame, (max(2, round(w * s / 2) * 2), max(2, round(h * s / 2) * 2)), interpolation=cv2.INTER_AREA)


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
            str(path),
            size,
            fps=fps,
            codec="libx264",
            quality=7,
            macro_block_size=2,
            audio_path=wav,
            audio_codec="aac" if wav else None,
            output_params=["-shortest"] if wav else None,
            ffmpeg_log_level="error",
        )
        writer.send(None)
        for frame in frames:
            writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
        writer.close()
    finally:
        if wav:
            os.unlink(wav)
    return path
