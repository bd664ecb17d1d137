"""Figures · a cue fitted to the cut, a clip planned scene by scene, and the editor's timeline (notebooks 06 and 07)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..schema import SceneProfile
from .circumplex import declutter
from .scene import timeline_figure


def fitted_cue_figure(cue, *, cuts: list[float] | None = None, gain=None, width: float = 9.0) -> Figure:
    """The fitted cue's waveform with its bar lines, loop joins, the scene's cuts and, if given,
    the ducking gain.

    Notebook: 05_recommend_and_merge.ipynb, 06_compose.ipynb, 07_fit_and_export.ipynb
    """
    fig = Figure(figsize=(width, 2.8))
    ax = fig.subplots()
    y = np.abs(cue.audio).max(axis=1)
    step = max(1, y.size // 2000)
    env = y[: y.size // step * step].reshape(-1, step).max(axis=1)
    t = np.arange(env.size) * step / cue.sr
    ax.fill_between(t, -env, env, color="tab:blue", alpha=0.6, lw=0, label="cue")
    for i, b in enumerate(cue.bars):
        ax.axvline(b, color="0.6", lw=0.6, label="bar lines" if i == 0 else None)
    for i, j in enumerate(cue.joins):
        ax.axvline(j / cue.sr, color="tab:orange", lw=1.5, ls="--", label="loop joins" if i == 0 else None)
    for i, c in enumerate(cuts or []):
        ax.axvline(c, color="tab:red", lw=1, ls=":", label="cuts" if i == 0 else None)
    if gain is not None:
        gt = np.arange(0, gain.size, step) / cue.sr
        ax.plot(gt, gain[::step], color="black", lw=1, label="ducking gain")
    ax.set(
        xlim=(0, cue.duration),
        ylim=(-1.05, 1.05),
        xlabel="scene time (s)",
        title=f"Fitted cue: {cue.method}, tempo {100 * (cue.rate - 1):+.1f} %, {cue.loops} loop joins",
    )
    ax.legend(loc="lower left", fontsize=7, frameon=False, ncols=5)
    fig.tight_layout()
    return fig


def scene_plan_figure(profile: SceneProfile, plan, *, width: float = 8.0) -> Figure:
    """A clip's per-scene plan as a timeline: valence and arousal second by second, the cuts
    (dotted), each scene shaded with the track picked for it.

    Notebook: 05_recommend_and_merge.ipynb, 06_compose.ipynb
    """
    fig = timeline_figure(profile, width=width)
    fig.set_figheight(3.4)
    ax = fig.axes[0]
    ax.set_ylim(-1.85, 1.05)  # a band below the curves holds each scene's name and track
    ax.axhline(-1.1, color="0.7", lw=0.8)
    for k, (part, pick) in enumerate(plan):
        ax.axvspan(part.start, part.end, color=f"C{k % 10}", alpha=0.12)
        label = pick.title if pick else "(nothing left)"
        label = label if len(label) <= 26 else label[:24] + "..."
        ax.text(
            (part.start + part.end) / 2,
            -1.5,
            f"{part.emotion}\n{label}",
            ha="center",
            va="center",
            fontsize=7,
            gid="scene",
        )
    ax.set_yticks([-1, -0.5, 0, 0.5, 1])
    ax.set_title("Scenes and their picks", loc="left", fontsize=10)
    fig.tight_layout()
    declutter(fig, [t for t in ax.texts if t.get_gid() == "scene"])
    return fig


def editor_timeline_figure(timeline, *, width: float = 9.0) -> Figure:
    """An editor's timeline (OpenTimelineIO) drawn as tracks and clips: one row a track (switched-off
    tracks greyed), each clip a bar with its file's name, transitions (fades and crossfades)
    hatched over the clips, markers as ticks on the track that holds them.

    Notebook: 07_fit_and_export.ipynb
    """
    tracks = list(timeline.tracks)
    fig = Figure(figsize=(width, 0.9 + 0.75 * len(tracks)))
    ax = fig.subplots()
    rate = tracks[0].duration().rate if tracks else 25.0
    palette = ("#5b8def", "#f29e4c", "#57b894", "#c678dd", "#e06c75")
    names: dict[str, str] = {}
    for row, track in enumerate(tracks):
        y = len(tracks) - 1 - row
        for item in track:
            kind = item.schema_name()
            if kind == "Gap":
                continue
            r = track.range_of_child(item) if kind == "Transition" else item.range_in_parent()
            start, dur = r.start_time.value / rate, r.duration.value / rate
            if kind == "Transition":
                dur = (item.in_offset.value + item.out_offset.value) / rate  # around the cut it sits on
                ax.broken_barh(
                    [(start, dur)], (y - 0.36, 0.72), facecolors="none", edgecolors="0.2", hatch="////", linewidth=0.6
                )
                continue
            colour = (
                names.setdefault(item.name, palette[len(names) % len(palette)]) if track.kind == "Audio" else "0.55"
            )
            ax.broken_barh(
                [(start, dur)],
                (y - 0.3, 0.6),
                facecolors=colour,
                alpha=0.85 if track.enabled else 0.3,
                edgecolors="white",
            )
            label = item.name if len(item.name) <= 28 else item.name[:25] + "..."
            ax.text(
                start + 0.05 * dur,
                y,
                label,
                va="center",
                ha="left",
                fontsize=7,
                clip_on=True,
                color="black" if track.enabled else "0.4",
            )
            for m in item.markers:
                t = (r.start_time.value + m.marked_range.start_time.value - item.source_range.start_time.value) / rate
                scene_marker = m.name.startswith("scene")
                ax.plot([t, t], [y + 0.32, y + 0.5], color="tab:green" if scene_marker else "goldenrod", lw=1.5)
                if scene_marker:
                    ax.text(
                        t, y + 0.52, m.name.split(": ", 1)[-1], fontsize=7, ha="left", va="bottom", color="tab:green"
                    )
    ax.set_yticks(range(len(tracks)))
    ax.set_yticklabels([t.name + ("" if t.enabled else " (off)") for t in reversed(tracks)], fontsize=8)
    end = max((t.duration().value for t in tracks), default=0) / rate
    ax.set(
        xlim=(0, end),
        ylim=(-0.6, len(tracks) - 0.2),
        xlabel="time in the timeline (s)",
        title=f"{timeline.name}: the timeline an editor imports (hatched: fades and crossfades)",
    )
    fig.tight_layout()
    return fig
