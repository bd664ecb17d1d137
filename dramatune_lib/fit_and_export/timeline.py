"""Stage 07 · the scored scene handed to the editor as a timeline (OpenTimelineIO, FCP 7 XML, CMX 3600 EDL)."""

from __future__ import annotations

import copy
import os
from pathlib import Path

from ..errors import DramaTuneError
from ..media import (
    audio_duration,
    probe,
    temp_beside,
)
from .fit import FittedCue, cue_sheet

#: The editing rates a scene's measured frame rate snaps to (NTSC rates exactly, as editors use them).
EDITOR_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0, 50.0, 60000 / 1001, 60.0)


#: Timeline formats DramaTune writes, each through OpenTimelineIO's adapter for it, and the file
#: ending it writes (``OUT.otio``, ``OUT.xml``...): OTIO's own JSON, Final Cut Pro 7 XML (which
#: Premiere Pro and DaVinci Resolve import), Final Cut Pro X XML, and a CMX 3600 EDL of the music.
TIMELINE_FORMATS = {
    "otio": ("otio_json", ".otio"),
    "fcp7": ("fcp_xml", ".xml"),
    "fcpx": ("fcpx_xml", ".fcpxml"),
    "edl": ("cmx_3600", ".edl"),
}


#: Where an editor's timeline starts: 01:00:00:00, the usual first frame of programme.
TIMELINE_START_TC = "01:00:00:00"


def editor_rate(fps: float) -> float:
    """The standard editing rate nearest ``fps`` (23.976, 25, 29.97...).

    Used by: :mod:`pipeline`, :mod:`recommend_and_merge.session`
    """
    return min(EDITOR_RATES, key=lambda r: abs(r - fps)) if fps > 0 else 25.0


def is_drop_frame(rate: float) -> bool:
    """Whether timecode at ``rate`` is counted drop-frame (29.97 and 59.94, as broadcast does).

    Used by: :func:`_edl_text`, :func:`editor_timeline`
    """
    return any(abs(rate - r) < 1e-6 for r in (30000 / 1001, 60000 / 1001))


def editor_timeline(
    scene: str | Path,
    cue: FittedCue,
    *,
    stem: str | Path | None = None,
    cuts: list[float] | tuple = (),
    scenes: list[tuple[float, float, str]] | tuple = (),
    name: str | None = None,
):
    """The scored scene as an OpenTimelineIO timeline, for an editing program.

    - ``V1``: the scene, whole, with a marker on each of its ``cuts`` and at the start of each of
      its ``scenes`` (``(start, end, emotion)``, from a per-scene plan) naming the emotion;
    - ``A1 music``: each stretch of each original track file at its source in and out (a loop
      pass is a clip of its own), fades in and out and the crossfade between scenes as
      transitions, a tempo change as a time warp and in the clip's metadata;
    - ``A2 mix stem``: the music stem as it sits in the mix (``stem``), switched off: an
      alternative to A1.

    Times are whole frames at the scene's editing rate (:func:`editor_rate`); the timeline starts
    at :data:`TIMELINE_START_TC`.

    Notebook: 07_fit_and_export.ipynb
    """
    import opentimelineio as otio

    scene = Path(scene)
    info = probe(scene)
    rate = editor_rate(info.fps)
    ot = otio.opentime
    lengths: dict[str, float] = {}

    def rt(seconds: float):
        return ot.RationalTime(round(seconds * rate), rate)

    def rng(a: float, b: float):
        return ot.TimeRange(rt(a), rt(b) - rt(a))

    tc = TIMELINE_START_TC[:-3] + (";" if is_drop_frame(rate) else ":") + TIMELINE_START_TC[-2:]
    tl = otio.schema.Timeline(name=name or scene.stem, global_start_time=ot.from_timecode(tc, rate))
    duration = cue.duration
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)

    def media(path: Path, seconds: float):
        return otio.schema.ExternalReference(target_url=path.resolve().as_uri(), available_range=rng(0, seconds))

    clip = otio.schema.Clip(name=scene.name, source_range=rng(0, duration), media_reference=media(scene, info.duration))
    for k, c in enumerate(cuts, 1):
        clip.markers.append(
            otio.schema.Marker(
                name=f"cut {k}",
                marked_range=ot.TimeRange(rt(c), ot.RationalTime(0, rate)),
                color=otio.schema.MarkerColor.YELLOW,
            )
        )
    for k, (start, _, emotion) in enumerate(scenes, 1):
        clip.markers.append(
            otio.schema.Marker(
                name=f"scene {k}: {emotion}",
                color=otio.schema.MarkerColor.GREEN,
                marked_range=ot.TimeRange(rt(start), ot.RationalTime(0, rate)),
                metadata={"dramatune": {"emotion": emotion}},
            )
        )
    video.append(clip)
    music = otio.schema.Track(name="A1 music", kind=otio.schema.TrackKind.Audio)
    rows = {r["cue"]: r for r in cue_sheet(cue)}
    segs = cue.segments or [(1, 0.0, duration, cue.track_in, cue.track_in + duration * cue.rate, cue.source)]
    numbers = sorted({s[0] for s in segs})
    # each cue owns the record time up to the middle of its crossfade with the next
    starts = {
        k: (rows[k]["scene_in"] + rows[k - 1]["scene_out"]) / 2
        if k > 1 and k in rows and k - 1 in rows
        else min(s[1] for s in segs if s[0] == k)
        for k in numbers
    }
    ends = {
        k: starts[numbers[i + 1]] if i + 1 < len(numbers) else max(s[2] for s in segs if s[0] == k)
        for i, k in enumerate(numbers)
    }
    position = 0.0
    for i, k in enumerate(numbers):
        if i and k in rows and numbers[i - 1] in rows:
            # the crossfade spans both cues' overlap, [this cue's in, the last cue's out], around the cut
            before, after = (
                rt(starts[k]) - rt(rows[k]["scene_in"]),
                rt(rows[numbers[i - 1]]["scene_out"]) - rt(starts[k]),
            )
            if before.value > 0 or after.value > 0:
                music.append(
                    otio.schema.Transition(
                        name="crossfade", transition_type="SMPTE_Dissolve", in_offset=before, out_offset=after
                    )
                )
        row = rows.get(k, {})
        speed = 1 + row.get("tempo_change_percent", 0.0) / 100
        for j, (_, a0, b0, s_in, _, path) in enumerate(s for s in segs if s[0] == k):
            if j == 0 and k in rows:  # the cue sheet's own numbers, so the two agree to the frame
                a0, s_in = rows[k]["scene_in"], rows[k]["track_in"]
            a, b = max(a0, starts[k]), min(b0, ends[k])
            if rt(b) <= rt(a):
                continue
            if rt(a) > rt(position):
                music.append(otio.schema.Gap(source_range=rng(position, a)))
            s_in += (a - a0) * speed  # the part of this stretch before the scene boundary stays a handle
            if path not in lengths:
                lengths[path] = audio_duration(path)
            item = otio.schema.Clip(
                name=Path(path).name,
                source_range=ot.TimeRange(rt(s_in), rt(b) - rt(a)),
                media_reference=media(Path(path), lengths[path]),
                metadata={
                    "dramatune": {
                        "cue": k,
                        "scene_in": round(a, 3),
                        "scene_out": round(b, 3),
                        "track_in": round(s_in, 3),
                        "tempo_change_percent": row.get("tempo_change_percent", 0.0),
                        "licence": row.get("licence", ""),
                    }
                },
            )
            if abs(speed - 1) > 1e-6:
                item.effects.append(otio.schema.LinearTimeWarp(name="tempo", time_scalar=speed))
            music.append(item)
            position = b
    fade_in = rows[numbers[0]].get("fade_in", cue.fade_in) if numbers[0] in rows else cue.fade_in
    fade_out = rows[numbers[-1]].get("fade_out", cue.fade_out) if numbers[-1] in rows else cue.fade_out
    if fade_in and len(music):
        music.insert(
            0,
            otio.schema.Transition(
                name="fade in",
                transition_type="SMPTE_Dissolve",
                in_offset=ot.RationalTime(0, rate),
                out_offset=rt(fade_in),
            ),
        )
    if fade_out and len(music):
        music.append(
            otio.schema.Transition(
                name="fade out",
                transition_type="SMPTE_Dissolve",
                in_offset=rt(fade_out),
                out_offset=ot.RationalTime(0, rate),
            )
        )
    tl.tracks.extend([video, music])
    if stem:
        alt = otio.schema.Track(name="A2 mix stem", kind=otio.schema.TrackKind.Audio)
        alt.append(
            otio.schema.Clip(
                name=Path(stem).name, source_range=rng(0, duration), media_reference=media(Path(stem), duration)
            )
        )
        alt.enabled = False  # an alternative to A1: switch it on instead
        tl.tracks.append(alt)
    return tl


def timeline_paths(output: str | Path, formats: list[str] | tuple[str, ...]) -> dict[str, Path]:
    """The file each timeline format is written to, beside the export (``OUT.otio``, ``OUT.xml``...).

    Used by: :mod:`pipeline`
    """
    output = Path(output)
    return {f: output.with_suffix(TIMELINE_FORMATS[f][1]) for f in formats}


def _edl_text(tl, rate: float) -> str:
    """A CMX 3600 EDL of the music track (OpenTimelineIO's writer), with its frame-code mode."""
    from otio_cmx3600_adapter.cmx_3600 import EDLWriter

    tracks = copy.deepcopy(tl.tracks)  # the writer edits what it is given
    music = next(i for i, t in enumerate(tracks) if t.name == "A1 music")
    for t in tracks:  # the EDL writer places fades itself; transitions at the ends confuse it
        while len(t) and t[0].schema_name() == "Transition":
            t.remove(t[0])
        while len(t) and t[-1].schema_name() == "Transition":
            t.remove(t[-1])
    text = EDLWriter(tracks=tracks, rate=rate, style="avid").get_content_for_track_at_index(music, title=tl.name)
    mode = "FCM: DROP FRAME" if is_drop_frame(rate) else "FCM: NON-DROP FRAME"
    head, _, rest = text.partition("\n")
    return f"{head}\n{mode}\n{rest}"


def timeline_problem(fmt: str, rate: float) -> str | None:
    """Why ``fmt`` cannot hold a timeline at ``rate``, in one line, or None. OpenTimelineIO's Final
    Cut Pro X adapter writes no frame duration for NTSC rates (23.976, 29.97), so FCP X XML is
    written at whole-number rates only.

    Used by: :mod:`pipeline`, :mod:`recommend_and_merge.session`
    """
    if fmt not in TIMELINE_FORMATS:
        return f"--timeline {fmt}: unknown — choose {', '.join(TIMELINE_FORMATS)}"
    if fmt == "fcpx" and abs(rate - round(rate)) > 1e-6:
        return (
            f"--timeline fcpx: OpenTimelineIO's Final Cut Pro X adapter cannot write a {rate:.3f} fps timeline "
            "— choose otio, fcp7 or edl for this scene"
        )
    return None


def write_timelines(timeline, output: str | Path, formats: list[str] | tuple[str, ...]) -> list[Path]:
    """Write ``timeline`` in each of ``formats`` (:data:`TIMELINE_FORMATS`) beside ``output``,
    each under a temporary name first. Returns the files written.

    Notebook: 07_fit_and_export.ipynb
    """
    import opentimelineio as otio

    rate = timeline.tracks[0].duration().rate
    for fmt in formats:
        problem = timeline_problem(fmt, rate)
        if problem:
            raise DramaTuneError(problem)
    written = []
    for fmt, path in timeline_paths(output, formats).items():
        adapter = TIMELINE_FORMATS[fmt][0]
        try:
            text = _edl_text(timeline, rate) if fmt == "edl" else otio.adapters.write_to_string(timeline, adapter)
        except Exception as e:  # an adapter that cannot hold this timeline: say which and why
            raise DramaTuneError(
                f"{path.name}: the {fmt} adapter cannot write this timeline ({type(e).__name__}: "
                f"{str(e).splitlines()[0] if str(e) else ''}) — choose another --timeline format"
            ) from None
        tmp = temp_beside(path)
        try:
            tmp.write_text(text)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        written.append(path)
    return written
