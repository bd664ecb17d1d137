"""Shared kernel: a video's frames, streamed from ffmpeg at a constant rate (never held in memory), and written."""

from __future__ import annotations

import math
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile as sf

from .errors import BadInputError
from .media import MediaInfo, ffmpeg_exe, ffmpeg_output, ffmpeg_path, probe

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

    Used by: :mod:`plots.scene`
    """
    w, h = _size(probe(path), max_side)
    r = ffmpeg_output(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-ss",
            f"{at:.3f}",
            "-i",
            ffmpeg_path(path),
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
        path,
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

    Used by: :mod:`feature_extraction.picture`
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

    Used by: :mod:`feature_extraction.picture`
    """
    path = Path(path)
    info = info or probe(path)
    if not info.has_video or info.width <= 0:
        raise BadInputError(path, "no video stream found — give a video")
    two_pipes = sample_fps is not None and SECOND_PIPE
    big = _size(info, sample_side)  # the sampled frames' size (used only with sample_fps)
    small = _size(info, side) if (sample_fps is None or two_pipes) else big
    fps = f"fps={rate:.6f}"
    if two_pipes:
        assert sample_fps is not None  # two pipes only carry sampled frames
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
    read_fd = write_fd = -1
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
                    ffmpeg_path(path),
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
            if write_fd >= 0:
                os.close(write_fd)
        side_stream = os.fdopen(read_fd, "rb", buffering=big[0] * big[1] * 3) if two_pipes else None
        assert proc.stdout is not None  # stdout=PIPE
        main = _Pipe(proc.stdout, small[0] * small[1] * 3, ahead, stop)
        extra = _Pipe(side_stream, big[0] * big[1] * 3, max(2, ahead // 4), stop) if two_pipes else None
        i = 0
        try:
            while (buf := main.get()) is not None:
                frame = np.frombuffer(buf, np.uint8).reshape(small[1], small[0], 3)
                sample = None
                if sample_fps is not None and sample_due(i, rate, sample_fps):
                    if extra is not None:
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
            if extra is not None and side_stream is not None:
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

    Used by: :mod:`dataset_prep.demo`
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
