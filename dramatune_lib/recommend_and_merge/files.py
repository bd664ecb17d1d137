"""Stage 05 · a tab's own files: its private folder, the names it writes, and how much it may hold.

Each app tab (one kernel) keeps its uploads, exports and composed cues in a folder of its own,
inside :func:`config.sessions_dir` and marked by :data:`config.SESSION_MARK`, so the library index
and the music-folder field never reach another tab's files.
"""

from __future__ import annotations

import base64
import html
import os
import re
import shutil
import tempfile
import traceback
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from .. import config, media
from ..errors import DramaTuneError
from ..lock import pid_alive
from ..schema import ExportResult, SceneProfile

#: The audio player widget's format name for each audio file extension (wav for others).
AUDIO_FORMATS = {".ogg": "ogg", ".opus": "ogg", ".mp3": "mpeg", ".wav": "wav", ".flac": "flac", ".m4a": "mp4"}


def audio_format(path: str | Path) -> str:
    """The audio player widget's format name for a file.

    Used by: :mod:`recommend_and_merge.session`
    """
    return AUDIO_FORMATS.get(Path(path).suffix.lower(), "wav")


#: A pick's player plays its moment for the scene's length, but never less than this (seconds:
#: the index's section, so a short scene still lets the editor hear what the moment is like).
MOMENT_MIN_S = 20.0


def moment_excerpt(data: bytes, start: float, seconds: float, out: Path, what: str | Path) -> bytes:
    """``seconds`` of a track's sound from ``start`` (its file's bytes, ``data``), written to
    ``out`` as a small MP3 (ffmpeg, read from a pipe, so the bytes checked as indexed are the
    ones cut) and returned: what a pick's player plays, its moment
    (:attr:`schema.Recommendation.section_start`) rather than the whole track.

    Used by: :mod:`recommend_and_merge.session`
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists():
        media.run_ffmpeg(
            ["-i", "-", "-ss", f"{start:.2f}", "-t", f"{max(seconds, MOMENT_MIN_S):.2f}", "-vn", "-c:a", "libmp3lame"]
            + ["-q:a", "5", "-f", "mp3", str(out)],
            what,
            stdin=data,
        )
    return out.read_bytes()


def transcript_html(profile: SceneProfile | None, asked: bool) -> str:
    """The dialogue the analysis heard (:attr:`schema.SceneProfile.transcript`), line by line
    with its times and the recogniser's confidence, and a button that downloads it as an ``.srt``
    for the editor (built with the ``srt`` library); a note when it was asked for and none was
    heard; "" when it was not asked for.

    Notebook: 05_recommend_and_merge.ipynb
    """
    import srt

    if profile is None or not asked:
        return ""
    if not profile.transcript:
        return "<small>No dialogue heard (or the scene has subtitles, which count instead).</small>"
    subs = [
        srt.Subtitle(k, timedelta(seconds=a), timedelta(seconds=b), text)
        for k, (a, b, text, _) in enumerate(profile.transcript, 1)
    ]
    data = base64.b64encode(srt.compose(subs).encode()).decode()
    name = html.escape(f"{Path(profile.path).stem}_heard.srt")
    rows = "".join(
        f"<tr><td>{a:.1f}-{b:.1f} s</td><td>{html.escape(text)}</td><td>{c:.2f}</td></tr>"
        for a, b, text, c in profile.transcript
    )
    return (
        "<details open><summary><b>The dialogue as heard</b> <small>(English; each line with the recogniser's "
        f"confidence; a rough transcript, weighed by it in the words cue)</small></summary><table>{rows}</table>"
        f'<a class="dramatune-transcript" download="{name}" href="data:application/x-subrip;base64,{data}" '
        'style="display:inline-block;padding:4px 12px;margin:4px 0;background:#455a64;color:white;'
        'border-radius:4px;text-decoration:none">Download it as subtitles (.srt)</a></details>'
    )


def sanitize_filename(name: str, default: str = "upload") -> str:
    """A safe file name: no folders, no control or shell characters, ASCII, at most 80 characters.

    Used by: :mod:`recommend_and_merge.session`
    """
    name = Path(name.replace("\\", "/")).name
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:72] or default
    ext = re.sub(r"[^A-Za-z0-9]", "", ext).lower()[:8]
    return f"{stem}.{ext}" if ext else stem


def sweep_sessions(root: Path) -> list[Path]:
    """Remove the private folders of tabs whose kernel has ended without removing its own (killed,
    or its machine stopped): a folder is named after its kernel's process id. Returns the folders
    removed.

    Used by: :func:`new_tab_folder`
    """
    gone = []
    for d in root.glob("dramatune-app-*-*"):
        try:
            pid = int(d.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(d, ignore_errors=True)
            gone.append(d)
    return gone


def new_tab_folder(root: Path) -> Path:
    """A new private folder for one tab inside ``root``, named after this kernel's process id and
    marked by :data:`config.SESSION_MARK`; the folders of tabs killed before they could remove
    their own are swept first (:func:`sweep_sessions`).

    Used by: :mod:`recommend_and_merge.session`
    """
    sweep_sessions(root)
    folder = Path(tempfile.mkdtemp(prefix=f"dramatune-app-{os.getpid()}-", dir=root))
    (folder / config.SESSION_MARK).write_text(
        "a DramaTune app tab's private folder: never indexed, removed when the tab closes\n"
    )
    return folder


def disk_used(folder: Path) -> int:
    """Bytes the files under ``folder`` hold (links not followed).

    Used by: :func:`check_space`
    """
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def check_space(folder: Path, what: str | Path, more: int) -> None:
    """Refuse, in one line naming ``what``, to write ``more`` bytes that would take a tab's
    ``folder`` past :data:`config.SESSION_DISK_MB`.

    Used by: :mod:`recommend_and_merge.session`
    """
    if disk_used(folder) + more > config.SESSION_DISK_MB * 1024 * 1024:
        raise DramaTuneError(
            f"{Path(what).name}: this would take the tab's files past the app's {config.SESSION_DISK_MB} MB "
            "per tab — trim the scene, or score it with the command line (dramatune score)"
        )


#: What a browser plays in a page (Chromium, Firefox, Safari alike): the containers, video codecs
#: and audio codecs of the HTML5 video element that all of them decode. Anything else (an AVI's
#: MPEG-4 part 2, a phone's HEVC, PCM sound in a .mov) gets an H.264 preview copy.
PLAYABLE = {
    "containers": (".mp4", ".m4v", ".mov", ".webm"),
    "video": ("h264", "vp8", "vp9", "av1"),
    "audio": ("", "aac", "mp3", "opus", "vorbis"),
}

#: The preview copy's height, pixels: enough to judge a scene beside the circumplex (the page
#: shows it 400 px wide), small enough to make in a few seconds.
PREVIEW_HEIGHT = 360


#: A video larger than this, MB, is previewed through a small copy too: the page's player gets
#: its file whole through the kernel and the websocket (ipywidgets' Video), so a 200 MB scene
#: would sit in both, whole (chosen by hand: a minute of phone video at 1080p is about 15 MB).
PREVIEW_MAX_MB = 16


def browser_plays(info) -> bool:
    """Whether a browser plays the file ``info`` (:class:`media.MediaInfo`) describes, as it is.

    Used by: :class:`Previews`
    """
    return (
        Path(info.path).suffix.lower() in PLAYABLE["containers"]
        and info.video_codec.split()[0].lower() in PLAYABLE["video"]
        and (info.audio_codec.split()[0].lower() if info.audio_codec else "") in PLAYABLE["audio"]
    )


def preview_copy(video: Path, folder: Path) -> Path:
    """A small H.264/AAC copy of ``video`` in ``folder`` for the page's player (the original stays
    what is analysed and downloaded), made by ffmpeg within its timeout.

    Used by: :class:`Previews`
    """
    folder.mkdir(exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"{video.stem}-", suffix=".preview.mp4", dir=folder)
    os.close(fd)
    scale = f"scale=-2:'min({PREVIEW_HEIGHT},ih)',format=yuv420p"
    codecs = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-c:a", "aac", "-b:a", "96k"]
    args = ["-i", media.ffmpeg_path(video), "-map", "0:v:0", "-map", "0:a:0?", "-vf", scale, *codecs]
    media.run_ffmpeg([*args, "-movflags", "+faststart", media.ffmpeg_path(name)], video)
    return Path(name)


class Previews:
    """What the page's player shows for each video of one tab (the scene, a merge's result): the
    file itself when a browser plays it, else a small H.264 copy (:func:`preview_copy`) made once
    into ``folder``; the original is still what is analysed and downloaded.

    Notebook: 05_recommend_and_merge.ipynb
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: dict[Path, Path] = {}

    def __call__(self, video: str | Path) -> tuple[Path, str]:
        """The file to play for ``video``, and a note for the page ("" when it is the original)."""
        video = Path(video)
        info = media.probe_scene(video)
        small = video.stat().st_size <= PREVIEW_MAX_MB * 2**20
        if browser_plays(info) and small:
            return video, ""
        for gone in [v for v in self.made if not v.exists()]:  # replaced uploads and merges
            self.made.pop(gone).unlink(missing_ok=True)
        if video not in self.made:
            self.made[video] = preview_copy(video, self.folder)
        codec = info.video_codec.split()[0] if info.video_codec else "this"
        why = (
            f"browsers cannot play {codec} video in {video.suffix}"
            if not browser_plays(info)
            else f"the file is {video.stat().st_size / 2**20:.0f} MB, over the page's {PREVIEW_MAX_MB} MB"
        )
        return self.made[video], f"Preview: a small H.264 copy ({why}); the analysis and the download use the original."


def download_links(
    result: ExportResult, label: str = "Download the scored scene", editor: str | Path | None = None
) -> str:
    """HTML for download buttons carrying the exported video (its cue sheet, and the ``editor``
    package when given) as data URIs.

    Used by: :mod:`recommend_and_merge.session`
    """

    def link(path: str, mime: str, text: str, cls: str, colour: str) -> str:
        p = Path(path)
        data = base64.b64encode(p.read_bytes()).decode()
        return (
            f'<a class="{cls}" download="{html.escape(p.name)}" href="data:{mime};base64,{data}" '
            f'style="display:inline-block;padding:6px 14px;margin-right:8px;background:{colour};'
            f'color:white;border-radius:4px;text-decoration:none">{html.escape(text)}</a>'
        )

    out = link(result.output, "video/mp4", label, "dramatune-download", "#2e7d32")
    if result.cue_sheet and Path(result.cue_sheet).exists():
        out += link(result.cue_sheet, "text/csv", "Cue sheet (CSV)", "dramatune-cuesheet", "#455a64")
    if editor:
        out += link(str(editor), "application/zip", "Download for your editor", "dramatune-editor", "#1565c0")
    return out


def guard(show_error: Callable[[str], None]) -> Callable:
    """Decorator for widget callbacks: any exception becomes a message in the page.

    A :class:`DramaTuneError` shows its own one-line message; anything else a plain sentence (the
    traceback goes to the server's log), so the kernel and the page stay alive.

    Notebook: 05_recommend_and_merge.ipynb
    """

    def wrap(fn: Callable) -> Callable:
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except DramaTuneError as e:
                show_error(str(e))
            except Exception:  # the app never dies
                traceback.print_exc()  # the details go to the server's log, not the page
                show_error(
                    "that step failed on this file — try another scene or track; if it happens again, "
                    "the server's log has the details"
                )

        return inner

    return wrap
