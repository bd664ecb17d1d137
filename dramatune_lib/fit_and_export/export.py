"""Stage 07 · the scored scene written: video stream copied, mix encoded, music stem and cue sheet beside it."""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import subprocess
import tempfile
import warnings
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path

import numpy as np
import soundfile as sf

from .. import media
from ..errors import BadInputError, DramaTuneError, OutputExistsError
from ..lock import full_disk_error, lock_path, output_lock
from ..loudness import LOUDNESS_BLOCK_S, integrated_loudness
from ..media import (
    check_complete,
    decode_audio,
    ffmpeg_path,
    guard_outputs,
    load_audio,
    probe,
    probe_scene,
    refuse_existing,
    run_ffmpeg,
    start_ffmpeg,
    temp_beside,
    unique_path,
    wait_ffmpeg,
)
from ..schema import ExportResult
from .fit import FittedCue, cue_sheet
from .mix import mix_scene, true_peak_db


def output_paths(output: str | Path) -> dict[str, Path]:
    """Every file an export writes: the video, the music stem and the cue sheet (CSV, JSON).

    Used by: :mod:`pipeline`
    """
    output = Path(output)
    return {
        "video": output,
        "stem": output.with_suffix(".music.wav"),
        "csv": output.with_suffix(".cues.csv"),
        "json": output.with_suffix(".cues.json"),
    }


def free_output(path: str | Path) -> Path:
    """``path``, or ``name-2.mp4``, ``name-3.mp4``...: the first name whose video, stem and cue
    sheets are all free, so a new export never replaces an earlier one.

    Notebook: 07_fit_and_export.ipynb
    """
    return unique_path(path, writes=lambda p: output_paths(p).values())


def write_csv(path: Path, rows: list[dict]) -> None:
    """Rows of one shape (dicts with the same keys, in order) as a CSV file with a header: the cue
    sheet, and a batch's ``summary.csv``.

    Used by: :mod:`pipeline`
    """
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def export_scene(
    scene: str | Path,
    cue: FittedCue,
    output: str | Path,
    *,
    scene_gain: float = 1.0,
    duck_depth: float = 10.0,
    loudness: str | float = "web",
    overwrite: bool = False,
) -> ExportResult:
    """Write the scored scene (video stream copied, AAC mix), the music stem and the cue sheet.

    Refuses to write over the input, or over any existing output unless ``overwrite``; writes
    each file under a hidden temporary name in the output folder and renames them only when all
    are complete; removes every temporary file, also when the export fails.

    Notebook: 07_fit_and_export.ipynb
    """
    scene, output = Path(scene), Path(output)
    with contextlib.ExitStack() as stack, ThreadPoolExecutor(2) as pool:  # ffmpeg's work beside Python's
        # the scene's sound decoded while it is probed and checked (most scenes have sound)
        decoding = pool.submit(decode_audio, scene, sr=cue.sr, mono=False)
        jobs: list[Future] = [decoding]
        info = probe_scene(scene)
        if info.duration < MIN_SCORED_S:
            raise BadInputError(
                scene,
                f"lasts {info.duration:.2f} s — a scene needs at least {MIN_SCORED_S:g} s to be scored "
                "(its loudness is measured in blocks of that length); give a longer video",
            )
        checking = pool.submit(check_complete, scene, info)  # read to its end while the sound decodes
        jobs.append(checking)
        outs = output_paths(output)
        if output.suffix.lower() not in (".mp4", ".mov", ".mkv", ".m4v"):
            raise DramaTuneError(f"{output.name}: is not a video file name — name the output .mp4, .mov, .mkv or .m4v")
        guard_outputs(outs.values(), [scene, cue.source, *(r.get("path") for r in cue.sheet or [])])
        refuse_existing(outs.values(), overwrite)
        scene_audio = decoding.result() if info.has_audio else None
        checking.result()  # a truncated scene is refused before anything is written
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=output.parent):  # a folder we may not write to: said now
                pass
        except OSError as e:
            raise DramaTuneError(f"{output.parent}: cannot write there — {e.strerror}; choose another folder") from None
        guard_outputs([lock_path(output)], [scene, cue.source])
        stack.enter_context(output_lock(output))  # a second run to this output stops here
        tmp: dict[str, Path] = {}
        try:
            for k, p in outs.items():
                tmp[k] = temp_beside(p)
        except OSError as e:
            _remove(tmp.values())
            raise DramaTuneError(f"{output}: export failed — {e.strerror or e}") from None
        muxer = start_ffmpeg(_mux_args(scene, cue.sr, tmp["video"]), stdin=True)  # opens the scene while we mix
        try:
            m = mix_scene(cue, scene_audio, scene_gain=scene_gain, duck_depth=duck_depth, loudness=loudness)
            muxing = pool.submit(_mux, muxer, scene, m.audio, cue.sr, tmp["video"])
            jobs.append(muxing)
            # while ffmpeg encodes the mix: the stem and the cue sheet
            sf.write(tmp["stem"], m.music, cue.sr, subtype="PCM_24", format="WAV")
            rows = cue_sheet(cue)
            write_csv(tmp["csv"], rows)
            tmp["json"].write_text(
                json.dumps(
                    {
                        "scene": str(scene),
                        "output": str(output),
                        "loudness_lufs": round(m.lufs, 2),
                        "true_peak_dbtp": round(m.true_peak, 2),
                        "cues": rows,
                    },
                    indent=1,
                )
            )
            copied = muxing.result()
            for k in ("stem", "csv", "json", "video"):  # the video last: its presence means complete
                if outs[k].exists() and not overwrite:
                    raise OutputExistsError(outs[k])
                os.replace(tmp[k], outs[k])
        except (OSError, RuntimeError, DramaTuneError) as e:  # RuntimeError: libsndfile's
            wait(jobs)
            full = full_disk_error(output, e)  # measured while the temporary files still hold the space
            if full is not None:
                raise full from None
            if isinstance(e, OSError):
                raise DramaTuneError(f"{output}: export failed — {e.strerror or e}") from None
            raise
        finally:
            wait(jobs)  # ffmpeg done before its temporary files go
            if muxer.poll() is None:  # the mix failed: ffmpeg still waits for it
                muxer.kill()
                muxer.communicate()
            _remove(tmp.values())
    return ExportResult(
        output=str(output),
        duration=round(cue.duration, 3),
        video_copied=copied,
        track=cue.source,
        stem=str(outs["stem"]),
        cue_sheet=str(outs["csv"]),
        loudness_lufs=round(m.lufs, 2),
        true_peak_dbtp=round(m.true_peak, 2),
    )


#: The shortest scene an export mixes: one of the loudness meter's gating blocks (BS.1770's 400 ms,
#: :data:`loudness.LOUDNESS_BLOCK_S`); a shorter mix has no loudness to normalise.
MIN_SCORED_S = LOUDNESS_BLOCK_S


def _remove(paths) -> None:
    """Remove the temporary files an export made (those already renamed into place are gone)."""
    for f in paths:
        try:
            os.unlink(f)
        except OSError:
            pass


def _mux_args(scene: Path, sr: int, video: Path, *, copy: bool = True) -> list[str]:
    """ffmpeg's arguments for the scene's video stream (copied, or re-encoded once for a codec
    the container cannot hold as it is) beside the mix, read as float32 samples from a pipe and
    encoded as AAC."""
    # ffmpeg's "fast" AAC coder: 3x faster than the default, 25 dB SNR at 192 kbit/s
    aac = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k", "-movflags", "+faststart"]
    picture = ["-c:v", "copy"] if copy else ["-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p"]
    return [
        *["-i", ffmpeg_path(scene), "-f", "f32le", "-ar", str(sr), "-ac", "2", "-i", "-"],
        *["-map", "0:v:0", "-map", "1:a:0"],
        *picture,
        *aac,
        ffmpeg_path(video),
    ]


def _mux(muxer: subprocess.Popen, scene: Path, audio: np.ndarray, sr: int, video: Path) -> bool:
    """Hand the started ffmpeg (:func:`_mux_args`) the mix and wait for the video; returns
    whether its video stream was copied (when copying fails, it is re-encoded once)."""
    pcm = np.ascontiguousarray(audio, dtype="<f4").data.cast("B")  # the samples themselves, not a copy
    try:
        wait_ffmpeg(muxer, scene, pcm)
        return True
    except DramaTuneError as e:
        if "No space left" in str(e):
            raise
    run_ffmpeg(_mux_args(scene, sr, video, copy=False), scene, stdin=pcm)
    return False


def report_merge(scene: str | Path, track: str | Path, output: str | Path) -> Path:
    """The report's merge, kept as the reproducible baseline: pydub loops or trims the track,
    moviepy sets it as the clip's audio and re-encodes every frame. Hard cut at the end.

    Notebook: 07_fit_and_export.ipynb
    """
    from moviepy import AudioFileClip, VideoFileClip

    with warnings.catch_warnings():  # pydub looks for ffmpeg on PATH at import; it is given one below
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    AudioSegment.converter = media.ffmpeg_exe()
    output = Path(output)
    refuse_existing([output], overwrite=False)
    with VideoFileClip(str(scene)) as video:
        ms = int(video.duration * 1000)
        y = load_audio(track, sr=44100, mono=False)
        seg = AudioSegment((y * 32767).astype("<i2").tobytes(), frame_rate=44100, sample_width=2, channels=2)
        seg = (seg * (ms // len(seg) + 1))[:ms]  # the report: loop, then trim
        with tempfile.TemporaryDirectory() as d:
            wav = Path(d) / "music.wav"
            seg.export(str(wav), format="wav")
            with AudioFileClip(str(wav)) as audio:
                video.with_audio(audio).write_videofile(str(output), codec="libx264", audio_codec="aac", logger=None)
    return output


def probe_output(path: str | Path) -> dict:
    """Duration, streams and measured loudness of an exported file (for tests and notebook 07).

    Used by: :mod:`solutions.s07_fit_and_export`
    """
    info = probe(path)
    y = decode_audio(path, sr=48000, mono=False) if info.has_audio else np.zeros((0, 2), np.float32)
    lufs = integrated_loudness(y, 48000) if y.shape[0] > 48000 else -math.inf
    return {
        "duration": info.duration,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "audio_seconds": y.shape[0] / 48000,
        "lufs": float(lufs),
        "true_peak_dbtp": true_peak_db(y, 48000),
    }
