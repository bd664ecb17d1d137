"""Stage 05 · the logic behind the recommend-and-merge app (notebook 05, served by Voila).

The notebook only lays out widgets and wires callbacks; everything they do happens here, in an
:class:`AppSession`. Voila starts one kernel per browser tab, and each kernel makes its own
session with its own temporary folder, so tabs never see each other's files.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
import zipfile
from collections.abc import Callable
from pathlib import Path

from .. import compose as compose_stage  # `compose` is a method here
from .. import config, dataset_prep, feature_extraction, fit_and_export, pipeline
from ..dataset_prep import ensure_demo_data
from ..errors import BadInputError, DramaTuneError
from ..feature_extraction import LibraryIndex, face_detector, index_library, read_indexed
from ..matching import LIKE_WEIGHT
from ..media import check_complete, probe_scene, unique_path
from ..schema import ExportResult, Recommendation, SceneProfile
from .files import Previews, audio_format, check_space, download_links, new_tab_folder, sanitize_filename
from .files import moment_excerpt as _excerpt
from .upload import Upload

#: The demo entry that joins the three demo scenes into one clip (for scoring scene by scene).
CLIP_NAME = "clip (three scenes)"


#: Largest upload the app accepts. The server's websocket refuses a larger message before it
#: holds its bytes (:func:`serve.voila_command`).
MAX_UPLOAD_MB = 200


class AppSession:
    """One browser tab's state: its scene, analysis, recommendations and files.

    Notebook: 05_recommend_and_merge.ipynb
    """

    def __init__(self, library: str | Path | None = None) -> None:
        self.demo = ensure_demo_data()
        self.roots = config.library_roots()  # folders this app may read music from ([] = any)
        self.library_folder = self._start_library(library)
        self.workdir = new_tab_folder(config.sessions_dir())
        # removed when the session is dropped or the tab's kernel exits; a killed kernel's folder
        # is swept by the next tab (sweep_sessions) and the server's whole folder when it stops
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.workdir), True)
        self.scene: Path | None = None
        self.subtitles: Path | None = None
        self.scene_label = ""
        self.profile: SceneProfile | None = None
        self.recommendations: list[Recommendation] = []
        self.shown: set[str] = set()
        self.intensity = 0.7
        self._library: LibraryIndex | None = None
        self.last_cue = None  # the FittedCue of the last merge, for its plot and its timeline
        self.last_scenes: list[tuple[float, float, str]] = []  # the scenes of the last per-scene merge
        self.composed: Recommendation | None = None  # an original cue composed for the scene
        self.plan: list | None = None  # the per-scene plan of a clip: [(ScenePart, Recommendation)]
        self._seed = 0
        self._detector = None
        self.preview = Previews(self.workdir / "previews")  # what the page's player shows for a video

    # --- inputs ---------------------------------------------------------------------------
    def demo_scene_names(self) -> list[str]:
        """Names of the embedded demo scenes, and of the clip that joins them (three scenes)."""
        return [*self.demo.scenes, CLIP_NAME]

    def use_demo(self, name: str) -> Path:
        """Select an embedded demo scene (or the clip of all three)."""
        path = dataset_prep.demo_clip(self.demo) if name == CLIP_NAME else self.demo.scenes[name]
        self._set_scene(path, f"demo: {name}")
        return path

    def receive_upload(self, name: str, size: int) -> Upload:
        """Start receiving an uploaded video of ``size`` bytes into this session's folder, under a
        sanitised name; its name, size and the disk are checked before a byte arrives, and the
        finished file is probed, then selected (:class:`upload.ChunkedUpload` feeds it)."""
        safe = sanitize_filename(name)
        self._set_scene(None, "")  # a refused or unfinished upload leaves no scene selected
        if Path(safe).suffix.lower() not in config.VIDEO_EXTENSIONS:
            raise BadInputError(
                name,
                f"is not a video this app accepts ({', '.join(config.VIDEO_EXTENSIONS)}) — "
                "export the scene as one of these",
            )

        def accept(path: Path) -> Path:
            check_complete(path, probe_scene(path))
            self._set_scene(path, f"upload: {safe}")
            return path

        return self._receive(safe, size, accept)

    def save_upload(self, name: str, content: bytes) -> Path:
        """Store an uploaded video held in memory (:meth:`receive_upload`, in one slice)."""
        return self._whole(self.receive_upload(name, len(content)), content)

    def receive_subtitles(self, name: str, size: int) -> Upload:
        """Start receiving subtitles (.srt) or a script (.txt) for the selected scene; the
        finished file is read as subtitles before it replaces the scene's last ones."""
        safe = sanitize_filename(name, default="subtitles")
        if Path(safe).suffix.lower() not in (".srt", ".txt"):
            raise BadInputError(name, "is not subtitles — give an .srt file or a .txt script")

        def accept(path: Path) -> Path:
            feature_extraction.read_subtitles(path)
            self._drop(self.subtitles)
            self.subtitles = path
            self.profile, self.recommendations, self.shown = None, [], set()
            return path

        return self._receive(safe, size, accept)

    def save_subtitles(self, name: str, content: bytes) -> Path:
        """Store uploaded subtitles held in memory (:meth:`receive_subtitles`, in one slice)."""
        return self._whole(self.receive_subtitles(name, len(content)), content)

    @staticmethod
    def _whole(upload: Upload, content: bytes) -> Path:
        upload.write(0, content)
        return upload.finish()

    def _receive(self, safe: str, size: int, accept: Callable[[Path], Path]) -> Upload:
        """An :class:`Upload` into this session's folder under a free name, once its size and the
        tab's disk budget allow it."""
        if size > MAX_UPLOAD_MB * 1024 * 1024:
            raise BadInputError(safe, f"is larger than {MAX_UPLOAD_MB} MB — trim the scene first")
        if size <= 0:
            raise BadInputError(safe, "is empty (0 bytes) — the upload failed; choose the file again")
        check_space(self.workdir, safe, size)
        folder = self.workdir / "uploads"
        folder.mkdir(exist_ok=True)
        return Upload(unique_path(folder / safe), size, accept)

    def _drop(self, *paths: Path | None) -> None:
        """Delete files this session made (an upload, subtitles) once nothing uses them."""
        for p in paths:
            if p is not None and self.workdir in p.parents:
                p.unlink(missing_ok=True)

    def _set_scene(self, path: Path | None, label: str) -> None:
        self._drop(*(f for f in (self.scene, self.subtitles) if f != path))  # replaced: deleted now
        self.scene, self.scene_label, self.subtitles = path, label, None
        self.profile, self.recommendations, self.shown = None, [], set()
        self.composed, self.plan = None, None

    # --- the music library --------------------------------------------------------------------
    def _start_library(self, library: str | Path | None) -> Path:
        """The folder a session opens with: the one asked for, else the server's, else the demo
        library. (The folder this browser chose last is offered later, by :meth:`use_remembered`.)"""
        for candidate in (library, config.app_library()):
            if candidate:
                try:
                    return self.check_library(candidate)
                except DramaTuneError:
                    continue
        return self.demo.library

    def use_remembered(self, folder: str) -> Path | None:
        """Open with ``folder``, the music folder this browser chose on its last visit (kept in the
        browser's own storage, :class:`remember.BrowserMemory`, so each browser has its own and no
        file on the server is shared by visitors): checked as a typed folder is, and taken only
        while this tab has not indexed a folder yet. Returns the folder taken, or None."""
        if self._library is not None or not folder:
            return None
        try:
            self.library_folder = self.check_library(folder)
        except DramaTuneError:
            return None  # moved, deleted, or outside this server's roots: the default stays
        return self.library_folder

    def check_library(self, folder: str | Path) -> Path:
        """The music folder a user typed, resolved (no ``..``, links followed) and checked: it must
        be a folder on the server and, when the server was started with library roots, inside one
        of them. Raises :class:`BadInputError` naming the folder and what to do."""
        text = str(folder).strip()
        if not text:
            raise DramaTuneError("type the path of your music folder on this computer, e.g. /home/you/Music")
        path = Path(text).expanduser()
        try:
            real = path.resolve()
        except (OSError, RuntimeError):
            raise BadInputError(path, "cannot be followed (a link loop?) — give the folder itself") from None
        if self.roots:
            allowed = [r.resolve() for r in self.roots]
            if not any(real == r or r in real.parents for r in allowed):
                raise BadInputError(
                    path,
                    "is outside the folders this app may read ("
                    + ", ".join(str(r) for r in self.roots)
                    + ") — choose a folder inside them",
                )
        if not real.is_dir():
            raise BadInputError(path, "is not a folder on this computer — type the folder that holds your music")
        if any((d / config.SESSION_MARK).exists() for d in (real, *real.parents)):
            raise BadInputError(path, "is an app tab's private folder — choose the folder that holds your music")
        return real

    def choose_library(
        self, folder: str | Path, progress: Callable[[int, int, str], None] | None = None
    ) -> LibraryIndex:
        """Index the music folder ``folder`` (checked by :meth:`check_library`) and use it from now
        on; ``progress(done, total, file)`` follows the files measured. Picks shown so far are
        cleared. (The page remembers the folder in the browser, for :meth:`use_remembered`.)"""
        path = self.check_library(folder)
        lib = index_library(path, callback=progress)
        self.library_folder, self._library = path, lib
        self.recommendations, self.shown, self.plan = [], set(), None
        return lib

    # --- work -----------------------------------------------------------------------------
    @property
    def library(self) -> LibraryIndex:
        """The indexed music library (indexed once per session; the index is cached on disk)."""
        if self._library is None:
            self._library = index_library(self.library_folder)
        return self._library

    def analyze(self, progress: Callable[[float], None] | None = None, transcribe: bool = False) -> SceneProfile:
        """Analyse the selected scene (:func:`pipeline.analyze`, with this tab's subtitles).

        Args:
            progress: called with a fraction in [0, 1] as the picture is read (the page's bar).
            transcribe: without subtitles, hear the dialogue for the words cue (slower).
        Returns:
            The scene's profile, kept for the picks; the picks and plans before it are cleared.
        """
        if self.scene is None:
            raise DramaTuneError("choose a demo scene or upload a video first")
        if self._detector is None:
            self._detector = face_detector()
        self.profile = pipeline.analyze(
            self.scene, detector=self._detector, progress=progress, subtitles=self.subtitles, transcribe=transcribe
        )
        self.recommendations, self.shown, self.composed, self.plan = [], set(), None, None
        return self.profile

    def recommend(self, intensity: float | None = None, top: int = 3) -> list[Recommendation]:
        """The top tracks for the analysed scene (resets "show others").

        Args:
            intensity: the page's "Mood vs pace" slider (1: by mood only, 0: mostly by pace);
                None keeps the last.
            top: how many picks.
        """
        if self.profile is None:
            raise DramaTuneError("analyse the scene first")
        if intensity is not None:
            self.intensity = intensity
        self.shown = set()
        return self._next(top)

    def alternatives(self, top: int = 3) -> list[Recommendation]:
        """The next best tracks not shown yet ("show others"); starts over when all were shown."""
        if self.profile is None:
            raise DramaTuneError("analyse the scene first")
        if len(self.shown) >= len(self.library.tracks):
            self.shown = set()
        return self._next(top)

    def more_like(self, rank: int, like_weight: float = LIKE_WEIGHT, top: int = 3) -> list[Recommendation]:
        """Picks that also sound like pick ``rank`` ("more like this"), among the tracks not
        shown yet; ``like_weight`` (the page's slider) weighs sounding like it, 0..1, against
        fitting the scene (:func:`pipeline.rank`)."""
        pick = next((r for r in self.recommendations if r.rank == rank), None)
        track = next((t for t in self.library.tracks if pick is not None and t.path == pick.path), None)
        if track is None:
            raise DramaTuneError(f"there is no pick {rank} in the list shown — rank the music again")
        self.shown.add(track.path)
        if len(self.shown) >= len(self.library.tracks):
            self.shown = {track.path}
        return self._next(top, like=track, like_weight=like_weight)

    def _analysed(self) -> SceneProfile:
        """The analysed scene's profile, or the one-line error that says to analyse it."""
        if self.profile is None:
            raise DramaTuneError("analyse the scene first")
        return self.profile

    def _selected(self) -> Path:
        """The selected scene's file, or the one-line error that says to choose one."""
        if self.scene is None:
            raise DramaTuneError("choose a demo scene or upload a video first")
        return self.scene

    def _next(self, top: int, **like) -> list[Recommendation]:
        recs = pipeline.rank(
            self._analysed(), self.library.tracks, top=top, exclude=self.shown, mood_vs_pace=self.intensity, **like
        )
        self.shown |= {r.path for r in recs}
        self.recommendations = recs
        return recs

    def merge(
        self,
        rank: int,
        *,
        fade_in: float = 0.5,
        fade_out: float = 2.0,
        volume: float = 0.8,
        scene_gain: float = 1.0,
        duck_depth: float = 10.0,
        music_intensity: float | None = None,
        beats_on_cuts: bool = True,
        loudness: str = "web",
    ) -> ExportResult:
        """Fit a pick to the scene and export it into this session's folder.

        Args:
            rank: the pick's number as shown (1-based); 0: the composed cue.
            fade_in, fade_out: seconds.
            volume, scene_gain: the music's and the scene's own sound's gains.
            duck_depth: dB the music dips under speech.
            music_intensity: 0-1, a calm or an energetic section of the track; None: it follows
                the scene's arousal.
            beats_on_cuts: nudge the tempo (at most 8 %) so beats land on the cuts.
            loudness: "web" (-16 LUFS) or "broadcast" (-23 LUFS).

        Returns:
            The export: the scored video, its stem and cue sheets, and the loudness and true peak
            measured. The export before it is deleted (its download is in the page already).
        """
        if self.profile is not None and rank == 0 and self.composed is None:
            raise DramaTuneError("compose an original cue first")
        if self.profile is None or not (self.recommendations or self.composed):
            raise DramaTuneError("analyse the scene and get recommendations first")
        if not 0 <= rank <= len(self.recommendations):
            shown = len(self.recommendations)
            raise DramaTuneError(f"there is no pick number {rank} — choose one of the {shown} shown")
        rec = self.composed if rank == 0 else self.recommendations[rank - 1]
        if rec is None:  # checked above; this tells the type checker
            raise DramaTuneError("compose an original cue first")
        energy = (self.profile.arousal + 1) / 2 if music_intensity is None else music_intensity
        cue = pipeline.fit(
            rec,
            self.profile.duration,
            tracks=self.library.tracks if rank else (),
            fade_in=fade_in,
            fade_out=fade_out,
            volume=volume,
            intensity=energy,
            cuts=self.profile.cut_times if beats_on_cuts else None,
        )
        return self._export(cue, "scored", scene_gain=scene_gain, duck_depth=duck_depth, loudness=loudness)

    def _export(self, cue, suffix: str, **mix) -> ExportResult:
        """Export ``cue`` with the scene into this session's folder as ``<scene>_<suffix>.mp4``, in
        a folder of its own; once it is made, the exports before it are deleted (their downloads
        are already in the page)."""
        scene = self._selected()
        # the picture copied, the stem (2 channels of 24-bit samples at up to 48 kHz), and the
        # editor package's copy of the stem
        stem_bytes = 2 * 3 * 48000 * (self.profile.duration if self.profile else 0.0)
        check_space(self.workdir, scene, scene.stat().st_size + int(2 * stem_bytes))
        self.last_cue, self.last_scenes = cue, []
        exports = self.workdir / "exports"
        exports.mkdir(exist_ok=True)
        out = Path(tempfile.mkdtemp(prefix="take-", dir=exports))
        name = sanitize_filename(f"{scene.stem}_{suffix}.mp4")
        try:
            result = pipeline.export(scene, cue, out / name, **mix)[0]  # a new, empty folder: the name is free
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
        for old in exports.iterdir():
            if old != out:
                shutil.rmtree(old, ignore_errors=True)
        return result

    def compose(self, instrument: str = "strings", *, another: bool = False) -> Recommendation:
        """Compose an original cue for the analysed scene (chords on its cuts, its emotion followed,
        a cadence at its end) into this session's folder; ``another`` gives a different one."""
        if self.profile is None:
            raise DramaTuneError("analyse the scene first")
        self._seed = self._seed + 1 if another else self._seed
        y, pm, p, sections = compose_stage.compose_for_scene(self.profile, instrument=instrument, seed=self._seed)
        folder = self.workdir / "composed"
        folder.mkdir(exist_ok=True)
        path = dataset_prep.write_cue(
            unique_path(folder / sanitize_filename(f"{self._selected().stem}_{instrument}_{self._seed}.flac")), y, pm
        )
        for old in folder.iterdir():  # the takes before (audio and MIDI): deleted, only the latest can be merged
            if old.stem != path.stem:
                old.unlink(missing_ok=True)
        on_cuts = sum(s.on_cut for s in sections)
        reason = (
            f"composed for this scene: {p.key}, {p.tempo:g} BPM, {instrument}; {len(sections)} chords, "
            f"{on_cuts} of them on cuts; ends on a cadence"
        )
        self.composed = Recommendation(
            rank=0,
            path=str(path),
            title=f"original cue ({instrument}, take {self._seed + 1})",
            score=1.0,
            emotion_distance=0.0,
            tempo_fit=1.0,
            duration_fit=1.0,
            reason=reason,
            valence=self.profile.valence,
            arousal=self.profile.arousal,
            tempo=p.tempo,
        )
        return self.composed

    def plan_scenes(self):
        """Split the analysed clip into scenes by their emotion and pick a track for each: the plan,
        ``[(ScenePart, Recommendation)]``, to show before exporting it."""
        if self.profile is None:
            raise DramaTuneError("analyse the scene first")
        self.plan = pipeline.plan(self.profile, self.library.tracks)
        return self.plan

    def merge_per_scene(
        self,
        *,
        crossfade: float = 1.0,
        fade_in: float = 0.5,
        fade_out: float = 2.0,
        volume: float = 0.8,
        scene_gain: float = 1.0,
        duck_depth: float = 10.0,
        beats_on_cuts: bool = True,
        loudness: str = "web",
    ) -> ExportResult:
        """Export the clip scored scene by scene (the plan's tracks joined with crossfades)."""
        profile = self._analysed()
        plan = self.plan or self.plan_scenes()
        cue = pipeline.fit_plan(
            plan,
            profile.duration,
            crossfade=crossfade,
            fade_in=fade_in,
            fade_out=fade_out,
            volume=volume,
            cuts=profile.cut_times if beats_on_cuts else None,
            short=f"{self.library.folder}: too few tracks for {len(plan)} scenes — add music",
        )
        result = self._export(cue, "scored_per_scene", scene_gain=scene_gain, duck_depth=duck_depth, loudness=loudness)
        self.last_scenes = pipeline.scene_markers(plan)
        return result

    def editor_package(self, result: ExportResult) -> Path:
        """The last merge for an editing program, as one zip: its timeline as OpenTimelineIO, Final
        Cut Pro 7 XML (Premiere Pro, DaVinci Resolve), Final Cut Pro X XML (whole-number frame rates)
        and a CMX 3600 EDL of the music, the music stem, the cue sheets and a note on importing."""
        if self.last_cue is None or self.scene is None:
            raise DramaTuneError("merge the scene first")
        out = Path(result.output)
        tl = fit_and_export.editor_timeline(
            self.scene,
            self.last_cue,
            stem=result.stem,
            scenes=self.last_scenes,
            cuts=self.profile.cut_times if self.profile else [],
            name=out.stem,
        )
        rate = fit_and_export.editor_rate(probe_scene(self.scene).fps)
        formats = [f for f in fit_and_export.TIMELINE_FORMATS if fit_and_export.timeline_problem(f, rate) is None]
        files = fit_and_export.write_timelines(tl, out, formats)
        files += [Path(result.stem), Path(result.cue_sheet), Path(result.cue_sheet).with_suffix(".json")]
        note = (
            f"{out.stem}: the temp score for your editing program.\n\n"
            f"{out.with_suffix('.xml').name}: File > Import in Premiere Pro or DaVinci Resolve (Final Cut Pro 7 XML).\n"
            + (
                f"{out.with_suffix('.fcpxml').name}: File > Import > XML in Final Cut Pro X.\n"
                if "fcpx" in formats
                else ""
            )
            + f"{out.with_suffix('.edl').name}: a CMX 3600 EDL of the music.\n"
            f"{out.with_suffix('.otio').name}: OpenTimelineIO, for any program with an OTIO plug-in.\n\n"
            "Track A1 holds the original music files at their source in and out; point the program at "
            "them if it asks. A2, switched off, is the music stem as it sits in the mix. Markers show "
            "the cuts and, for a clip scored scene by scene, each scene's emotion.\n"
        )
        package = out.with_name(f"{out.stem}_for_your_editor.zip")
        with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                z.write(f, f.name)
            z.writestr("README.txt", note)
        return package

    # --- presentation helpers ----------------------------------------------------------------
    def audio_bytes(self, what: str | Path | Recommendation) -> tuple[bytes, str]:
        """What a player plays, with its format name: a pick's moment for the scene's length
        (:func:`files.moment_excerpt`), else the file as :meth:`track_to_hear` reads it."""
        pick = what if isinstance(what, Recommendation) else None
        _, data, fmt = self.track_to_hear(str(pick.path if pick else what))
        if pick is None or pick.section_start is None:
            return data, fmt
        key = (pick.path, pick.section_start, seconds := self.profile.duration if self.profile else 0.0)
        out = self.workdir / "moments" / f"{abs(hash(key))}.mp3"
        return _excerpt(data, pick.section_start, seconds, out, pick.path), "mpeg"

    def track_to_hear(self, path: str) -> tuple[str, bytes, str]:
        """A track clicked on the circumplex: its title, bytes and format name. Only the library's
        tracks and the picks shown can be heard (the path comes from the page), a library track
        only while its file is the one indexed (:func:`feature_extraction.read_indexed`), a cue
        composed here only from this session's own folder."""
        known = {t.path: t.title for t in self.library.tracks}
        known.update({r.path: r.title for r in [*self.recommendations, *([self.composed] if self.composed else [])]})
        if path not in known:
            raise DramaTuneError("that track is not in the music folder any more: index the folder again")
        if path in self.library.identities:
            data = read_indexed(self.library, path)
        elif self.workdir.resolve() in Path(path).resolve().parents:
            data = Path(path).read_bytes()
        else:
            raise DramaTuneError("that track is not in the music folder any more: index the folder again")
        return known[path], data, audio_format(path)

    download_link = staticmethod(download_links)  # the page's download buttons (files.download_links)

    def close(self) -> None:
        """Remove this session's temporary folder."""
        self._cleanup()
