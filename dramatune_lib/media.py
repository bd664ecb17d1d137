"""Reading and writing media with the ffmpeg binary that imageio-ffmpeg ships.

imageio-ffmpeg ships ``ffmpeg`` but no ``ffprobe``, so :func:`probe` reads the stream summary
that ``ffmpeg -i`` prints. Audio is decoded with soundfile where libsndfile knows the format, else by ffmpeg.
The user's files are checked before any work (:func:`check_complete`, :func:`guard_outputs`).
Video frames are read by :mod:`dramatune_lib.frames`.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import soundfile as sf

from . import errors, loudness
from .config import MAX_SCENE_S
from .errors import BadInputError, DramaTuneError, OutputExistsError
from .loudness import Loudness
from .signal.spectral import resample


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary shipped by imageio-ffmpeg.

    Used by: :mod:`fit_and_export.export`, :mod:`frames`
    """
    return imageio_ffmpeg.get_ffmpeg_exe()


#: The longest any one ffmpeg run may take, seconds: a 20-minute 1080p scene (the longest
#: analysed, :data:`config.MAX_SCENE_S`) decodes in about 80 s here and re-encodes in a few
#: minutes; a run past this is hung on a damaged file or a stalled pipe, and is stopped.
FFMPEG_TIMEOUT_S = 900.0


def ffmpeg_output(cmd: list[str], what: str | Path, **kw) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, capture_output=True, **kw)`` for an ffmpeg that reads ``what``, at most
    :data:`FFMPEG_TIMEOUT_S` seconds; past that it is stopped, with a one-line
    :class:`DramaTuneError` about ``what``.

    Used by: :mod:`frames`
    """
    try:
        return subprocess.run(cmd, capture_output=True, timeout=FFMPEG_TIMEOUT_S, **kw)
    except subprocess.TimeoutExpired:
        raise _stopped(what, FFMPEG_TIMEOUT_S) from None


def _stopped(what: str | Path, timeout: float) -> DramaTuneError:
    """The one-line error for an ffmpeg stopped at its timeout."""
    return DramaTuneError(f"{Path(what).name}: ffmpeg took over {timeout:g} s and was stopped — is the file damaged?")


def temp_beside(path: str | Path) -> Path:
    """A new, empty temporary file in ``path``'s folder (so the final rename stays on one disk):
    made with :func:`tempfile.mkstemp`, its name random and the file created exclusively, so no
    other run, and no link planted in a shared folder, can be written through in its place.

    Used by: :mod:`fit_and_export.export`, :mod:`fit_and_export.timeline`
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}", dir=path.parent)
    os.close(fd)
    return Path(name)


def ffmpeg_path(path: str | Path) -> str:
    """A file's name as ffmpeg is given it: absolute, behind ffmpeg's ``file:`` protocol, so a
    file named like ``http:10.0.0.1?.mp4`` is read as a file, never opened as a URL.

    Used by: :mod:`fit_and_export.export`, :mod:`frames`, :mod:`recommend_and_merge.files`
    """
    return "file:" + os.path.abspath(path)


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

    Used by: :mod:`fit_and_export.export`, :mod:`fit_and_export.timeline`, :mod:`frames` and 1 more
    """
    path = Path(path)
    _check_file(path)
    r = ffmpeg_output(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", ffmpeg_path(path)], path, text=True, errors="replace"
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


def probe_scene(path: str | Path, *, max_seconds: float | None = MAX_SCENE_S) -> MediaInfo:
    """Probe a file that must be a scene: a video stream that lasts more than 0 seconds and, unless
    ``max_seconds`` is None, at most that long (refused from its header, before anything is decoded).

    Used by: :mod:`cli.commands`, :mod:`feature_extraction.fusion` and 5 more
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
    if max_seconds is not None and info.duration > max_seconds:
        raise BadInputError(
            path,
            f"lasts {info.duration / 60:.0f} min, longer than the {max_seconds / 60:g} min a scene may last — "
            "cut the scene out first, or raise the limit (dramatune analyze --max-length MIN)",
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

    Used by: :mod:`recommend_and_merge.session`
    """
    if info.duration <= 1.0:
        return
    r = ffmpeg_output(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            "-v",
            "error",
            "-stats",
            "-i",
            ffmpeg_path(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "null",
            "-",
        ],
        path,
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


def refuse_existing(paths: Iterable[str | Path], overwrite: bool) -> None:
    """Stop, before any work, when an output exists and ``overwrite`` was not given
    (:class:`OutputExistsError`, one line naming the file and the option that replaces it).

    Used by: :mod:`cli.commands`, :mod:`evaluation.__main__`, :mod:`fit_and_export.export` and 2 more
    """
    for p in paths:
        if Path(p).exists() and not overwrite:
            raise OutputExistsError(p)


def unique_path(path: str | Path, writes: Callable[[Path], Iterable[Path]] | None = None) -> Path:
    """``path``, or ``name-2.ext``, ``name-3.ext``...: the first name for which every file it
    would write (``writes(name)``: an export's video, stem and cue sheets; by default the name
    alone) is free, so nothing earlier is ever replaced.

    Used by: :mod:`cli.commands`, :mod:`fit_and_export.export`, :mod:`recommend_and_merge.session`
    """
    path = Path(path)
    k, out = 2, path
    while any(Path(p).exists() for p in (writes(out) if writes else [out])):
        out = path.with_name(f"{path.stem}-{k}{path.suffix}")
        k += 1
    return out


def guard_outputs(
    outputs: Iterable[str | Path], inputs: Iterable[str | Path | None], *, library: str | Path | None = None
) -> None:
    """Refuse a run where any output, or a file written beside it, would be one of its inputs or a
    file inside the music ``library``: compared by resolved path and by inode, so a symbolic or
    a hard link to an input counts as the input. ``--overwrite`` never lifts this.

    Raises :class:`errors.OutputIsInputError`.

    Used by: :mod:`cli.commands`, :mod:`fit_and_export.export`, :mod:`pipeline`
    """
    ins = [(Path(i), Path(i).resolve(), _identity(Path(i))) for i in inputs if i]
    lib = Path(library).resolve() if library else None
    for out in outputs:
        out = Path(out)
        real, ident = out.resolve(), _identity(out)
        for given, resolved, inode in ins:
            if real == resolved or (ident is not None and ident == inode):
                raise errors.OutputIsInputError(out, given)
        if library is not None and lib is not None and (real == lib or lib in real.parents):
            raise errors.OutputIsInputError(out, library, library=True)


def start_ffmpeg(args: list[str], *, stdin: bool = False) -> subprocess.Popen:
    """ffmpeg started with ``args``; with ``stdin`` it reads an input named ``-`` from a pipe, and
    opens its other inputs and its output while the caller prepares what it will be handed
    (:func:`wait_ffmpeg`).

    Used by: :mod:`fit_and_export.export`
    """
    return subprocess.Popen(
        [ffmpeg_exe(), "-hide_banner", *([] if stdin else ["-nostdin"]), "-y", "-v", "error", *args],
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_ffmpeg(
    proc: subprocess.Popen,
    what: str | Path,
    stdin: bytes | memoryview | None = None,
    *,
    timeout: float = FFMPEG_TIMEOUT_S,
) -> None:
    """Hand a started ffmpeg its piped input (``stdin``) and wait for it, at most ``timeout``
    seconds (then it is stopped); on failure raise a one-line :class:`DramaTuneError` about ``what``.

    Used by: :mod:`fit_and_export.export`
    """
    try:
        _, err = proc.communicate(stdin, timeout=timeout)  # one that stops early still says why
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise _stopped(what, timeout) from None
    if proc.returncode != 0:
        last = (err.decode(errors="replace").strip().splitlines() or ["unknown error"])[-1]
        raise DramaTuneError(f"{Path(what).name}: ffmpeg failed — {last}")


def run_ffmpeg(args: list[str], what: str | Path, stdin: bytes | memoryview | None = None) -> None:
    """Run ffmpeg (``stdin``: bytes for an input named ``-``); on failure raise a one-line
    :class:`DramaTuneError` about ``what``.

    Used by: :mod:`dataset_prep.demo`, :mod:`fit_and_export.export`, :mod:`recommend_and_merge.files`
    """
    wait_ffmpeg(start_ffmpeg(args, stdin=stdin is not None), what, stdin)


def decode_audio(path: str | Path, sr: int = 22050, mono: bool = True, max_seconds: float | None = None) -> np.ndarray:
    """Decode the audio of any file ffmpeg reads to float32 samples (at most ``max_seconds``).

    Returns ``y`` of shape ``(n,)`` if ``mono`` else ``(n, 2)``.

    Notebook: 03_training.ipynb, 07_fit_and_export.ipynb
    """
    path = Path(path)
    _check_file(path)
    # always decode to stereo: ffmpeg's own mono downmix adds 3 dB (0.707 * (L + R))
    r = ffmpeg_output(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-i",
            ffmpeg_path(path),
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
        path,
    )
    y = np.frombuffer(r.stdout, dtype="<f4")
    if r.returncode != 0 and y.size == 0:
        raise BadInputError(path, "cannot decode its audio — is it an audio file?")
    y = y[: y.size // 2 * 2].reshape(-1, 2)
    return y.mean(axis=1) if mono else y.copy()


#: Seconds of a music file :func:`load_audio` reads at a time when it mixes down to mono (chosen by hand).
DECODE_BLOCK_S = 10.0


def _read_frames(f: sf.SoundFile, frames: int, mono: bool, meter=None) -> np.ndarray:
    """Up to ``frames`` frames of an open file, float32, read :data:`DECODE_BLOCK_S` at a time and
    mixed down to mono block by block when ``mono`` (a 5-minute stereo file never sits whole in
    memory). Each block is read into NaN and frames still NaN at its end are dropped:
    libsndfile's Ogg Vorbis reader sometimes counts frames its decoder never writes (an excerpt
    cut without re-encoding ends 1,024 frames short of its header), and an uninitialised buffer
    then carried whatever memory held before, NaN included, into a library's index."""
    step = max(1, int(DECODE_BLOCK_S * f.samplerate))
    parts, done = [], 0
    while done < frames:
        want = min(step, frames - done)
        got = f.read(want, dtype="float32", always_2d=True, out=np.full((want, f.channels), np.nan, np.float32))
        written = np.isfinite(got).all(axis=1)
        n = len(written) - int(np.argmax(written[::-1])) if written.any() else 0
        if n:
            block = got[:n] if written[:n].all() else np.nan_to_num(got[:n], nan=0.0, posinf=0.0, neginf=0.0)
            if meter is not None:
                meter.add(block)  # every channel, at the file's own rate
            parts.append(block.mean(axis=1) if mono else block)
        done += n
        if n < want:
            break
    if not parts:
        return np.zeros(0 if mono else (0, f.channels), np.float32)
    return np.concatenate(parts)


def load_audio(path: str | Path, sr: int = 22050, mono: bool = True, max_seconds: float | None = None) -> np.ndarray:
    """Load a music file: soundfile (libsndfile) first, ffmpeg for other formats (m4a...).

    ``max_seconds`` reads only the start of a long file (a 2-hour file is never loaded whole).

    Returns ``y`` of shape ``(n,)`` if ``mono`` else ``(n, 2)``, float32 at ``sr``.

    Notebook: 02_feature_extraction.ipynb
    """
    return _load(Path(path), sr, mono, max_seconds)


def load_music(path: str | Path, sr: int = 22050, max_seconds: float | None = None) -> tuple[np.ndarray, Loudness]:
    """:func:`load_audio` in mono, and the file's loudness measured as it is read, on every channel
    at the file's own rate (:class:`loudness.LoudnessMeter`): one decode for both. A format
    libsndfile cannot read is measured on the two channels ffmpeg decodes, at ``sr``.

    Used by: :mod:`feature_extraction.tracks`
    """
    meters: list[loudness.LoudnessMeter] = []

    def new_meter(channels: int, rate: int) -> loudness.LoudnessMeter:
        meters.append(loudness.LoudnessMeter(channels, rate))
        return meters[-1]

    y = _load(Path(path), sr, True, max_seconds, new_meter)
    return y, meters[-1].result()


def _load(path: Path, sr: int, mono: bool, max_seconds: float | None, new_meter=None) -> np.ndarray:
    """:func:`load_audio`'s work; ``new_meter(channels, rate)`` makes a meter the audio is fed to."""
    _check_file(path)
    try:
        with sf.SoundFile(str(path)) as f:
            file_sr = f.samplerate
            meter = new_meter(f.channels, file_sr) if new_meter else None
            frames = f.frames if not max_seconds else min(f.frames, int(max_seconds * file_sr))
            y = _read_frames(f, frames, mono, meter)
    except Exception:  # libsndfile does not know the format: let ffmpeg try
        if new_meter is None:
            return decode_audio(path, sr=sr, mono=mono, max_seconds=max_seconds)
        stereo = decode_audio(path, sr=sr, mono=False, max_seconds=max_seconds)
        new_meter(2, sr).add(stereo)  # what ffmpeg decodes: two channels at sr
        return stereo.mean(axis=1) if mono else stereo
    if y.size == 0:
        raise BadInputError(path, "holds no audio samples")
    if not mono:
        y = np.repeat(y, 2, axis=1) if y.shape[1] == 1 else y[:, :2]
    if file_sr != sr:
        y = resample(y, file_sr, sr)
    return np.ascontiguousarray(y, dtype=np.float32)


def audio_duration(path: str | Path) -> float:
    """Length of an audio file in seconds, from its header (libsndfile), else from ffmpeg.

    Used by: :mod:`feature_extraction.tracks`, :mod:`fit_and_export.timeline`
    """
    try:
        info = sf.info(str(path))
        return info.frames / info.samplerate
    except Exception:  # a format libsndfile does not read: ask ffmpeg
        return probe(path).duration
