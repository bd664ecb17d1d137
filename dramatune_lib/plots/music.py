"""Figures · music measured, learned, matched and composed (notebooks 01, 02, 03, 04 and 06)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import NullFormatter

from .. import feature_extraction, media
from ..feature_extraction.tracks import _KK_MAJOR, _KK_MINOR, _NOTES, SR
from ..matching import RELATIVE_WEIGHT, best_section, matched_position
from ..moments import section_places, section_table
from ..schema import SceneProfile, TrackFeatures
from .circumplex import _circumplex_axes


def cue_plan_figure(table, *, size: float = 4.5) -> Figure:
    """The demo cues where the composer meant them on the circumplex, sized by tempo.

    Notebook: 01_dataset_prep.ipynb
    """
    fig, ax = _circumplex_axes(size, "Demo cues as composed (size: tempo)", labels=False)
    colours = {"major": "tab:orange", "minor": "tab:blue"}
    for mode, grp in table.groupby(table["key"].str.split().str[-1]):
        ax.scatter(
            grp["valence"], grp["arousal"], s=grp["tempo"] / 2, color=colours.get(mode, "0.5"), alpha=0.7, label=mode
        )
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def confusion_figure(report, *, size: float = 3.6) -> Figure:
    """The sound classifier's confusion matrix on held-out recordings (rows: truth).

    Notebook: 03_training.ipynb
    """
    cm = np.array(report.confusion_real)
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(cm, cmap="Blues")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > cm.max() / 2 else "black")
    ax.set(
        xticks=range(len(report.classes)),
        xticklabels=report.classes,
        yticks=range(len(report.classes)),
        yticklabels=report.classes,
        xlabel="predicted",
        ylabel="true",
        title="Held-out recordings (seconds)",
    )
    fig.tight_layout()
    return fig


def benchmark_placement_figure(tracks, placed, methods=("priors", "sound model"), *, size: float = 4.0) -> Figure:
    """Where each method puts the benchmark's soundtracks, each game placed having learned from
    the others only: one panel a method, one colour a context group (red: combat and tension,
    green: peace, grey: ambient, blue: defeat, lament, lost endings and gloom, orange: victory
    and won endings); tracks their game does not label are left out.

    Notebook: 04_evaluation.ipynb
    """
    colours = {
        "combat": "tab:red",
        "tension": "tab:red",
        "peace": "tab:green",
        "ambient": "0.55",
        "defeat": "tab:blue",
        "lament": "tab:blue",
        "lose": "tab:blue",
        "gloom": "tab:blue",
        "victory": "tab:orange",
        "win": "tab:orange",
    }
    fig = Figure(figsize=(size * len(methods), size))
    axes = fig.subplots(1, len(methods), squeeze=False)[0]
    for ax, m in zip(axes, methods):
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0, color="0.85", lw=0.8)
        for game, ts in placed[m].items():
            labelled = [(t, b.group) for t, b in zip(ts, [b for b in tracks if b.game == game]) if b.group]
            ax.scatter(
                [t.valence for t, _ in labelled],
                [t.arousal for t, _ in labelled],
                c=[colours[g] for _, g in labelled],
                s=14,
                alpha=0.75,
                linewidths=0,
            )
        ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), xlabel="valence", ylabel="arousal", aspect="equal", title=m)
    handles = [
        Line2D([], [], ls="", marker="o", color=c, label=lab)
        for lab, c in (
            ("combat, tension", "tab:red"),
            ("peace", "tab:green"),
            ("ambient", "0.55"),
            ("defeat, lament, gloom", "tab:blue"),
            ("victory", "tab:orange"),
        )
    ]
    fig.legend(handles=handles, loc="lower center", ncol=5, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


#: The tempogram's window, onset frames (librosa's default: 384, 4.5 s at hop 256).
TEMPOGRAM_WINDOW = 384


def tempogram_figure(track: TrackFeatures, *, width: float = 7.0) -> Figure:
    """An indexed track's tempogram (autocorrelation of its onset strength over time, librosa at
    hop 256, first minute) with the tempo the index measured. Each frame's autocorrelation is
    normalised to its own peak (the colour bar). The last frames, whose window (librosa's 384
    frames, 4.5 s) runs past the end of the track, would show a bright block at every tempo: the
    figure stops where the last whole window is centred.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    y = media.load_audio(track.path, sr=feature_extraction.SR, mono=True, max_seconds=60)
    oenv = librosa.onset.onset_strength(y=y, sr=feature_extraction.SR, hop_length=feature_extraction.HOP)
    tg = librosa.feature.tempogram(
        onset_envelope=oenv, sr=feature_extraction.SR, hop_length=feature_extraction.HOP, win_length=TEMPOGRAM_WINDOW
    )
    bpm = librosa.tempo_frequencies(tg.shape[0], sr=feature_extraction.SR, hop_length=feature_extraction.HOP)
    keep = (bpm >= 30) & (bpm <= 300)
    fig = Figure(figsize=(width, 2.8))
    ax = fig.subplots()
    times = librosa.times_like(oenv, sr=feature_extraction.SR, hop_length=feature_extraction.HOP)
    end = max(1, oenv.size - TEMPOGRAM_WINDOW // 2)  # the last frame whose whole window lies in the track
    mesh = ax.pcolormesh(times[:end], bpm[keep], tg[keep][:, :end], shading="auto", cmap="magma")
    fig.colorbar(mesh, ax=ax, pad=0.01, label="autocorrelation\n(1 = the frame's peak)")
    ax.axhline(track.tempo, color="cyan", lw=1, ls="--", label=f"measured {track.tempo:.0f} BPM")
    ax.set(yscale="log", xlabel="time (s)", ylabel="BPM", title=f"Tempogram: {Path(track.path).name}")
    ax.set_yticks([60, 90, 120, 180, 240], labels=["60", "90", "120", "180", "240"])
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    return fig


def chroma_key_figure(track: TrackFeatures, *, width: float = 7.0) -> Figure:
    """An indexed track's mean chroma (how much of each pitch class it plays, first minute)
    beside the Krumhansl–Kessler profile of the key the index found, rotated onto it.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    y = media.load_audio(track.path, sr=SR, mono=True, max_seconds=60)
    chroma = librosa.feature.chroma_stft(y=y, sr=SR, hop_length=2048).mean(axis=1)
    prof = np.roll(_KK_MAJOR if track.mode == "major" else _KK_MINOR, _NOTES.index(track.key))
    fig = Figure(figsize=(width, 2.6))
    ax = fig.subplots()
    x = np.arange(12)
    ax.bar(x - 0.2, chroma / chroma.max(), width=0.4, label="the track's chroma")
    ax.bar(x + 0.2, prof / prof.max(), width=0.4, label=f"{track.key} {track.mode} profile", color="tab:orange")
    ax.set(
        xticks=x,
        xlabel="pitch class",
        ylabel="relative weight",
        title=f"{Path(track.path).name}: {track.key} {track.mode} (mode strength {track.mode_strength:.2f})",
    )
    ax.set_xticklabels(_NOTES)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def piano_roll_figure(
    pm, *, seconds: float | None = None, cuts: list[float] | None = None, width: float = 8.0
) -> Figure:
    """A MIDI cue as a piano roll: one bar per note, a colour per instrument, drums left out;
    the scene's ``cuts``, if given, dotted.

    Notebook: 06_compose.ipynb
    """
    fig = Figure(figsize=(width, 3.0))
    ax = fig.subplots()
    for k, inst in enumerate(i for i in pm.instruments if not i.is_drum):
        for n in inst.notes:
            ax.broken_barh([(n.start, n.end - n.start)], (n.pitch - 0.4, 0.8), color=f"C{k}", alpha=0.8)
        ax.plot([], [], color=f"C{k}", lw=6, label=inst.name or f"program {inst.program}")
    for c in cuts or []:
        ax.axvline(c, color="0.3", ls=":", lw=1)
    end = seconds or pm.get_end_time()
    pitches = [n.pitch for i in pm.instruments if not i.is_drum for n in i.notes] or [60]
    ax.set(
        xlim=(0, end),
        ylim=(min(pitches) - 2, max(pitches) + 2),
        xlabel="time (s)",
        ylabel="MIDI pitch",
        title="Piano roll",
    )
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def moment_figure(
    scene: SceneProfile,
    track: TrackFeatures,
    library: list[TrackFeatures],
    *,
    cut_at: float | None = None,
    size: tuple[float, float] = (7.5, 2.8),
) -> Figure:
    """A track's arousal curve (its sections, placed in its library as the matcher places them,
    :func:`moments.section_places`), the scene's own arousal curve laid from the moment the
    matcher chooses (:func:`matching.best_section`), and that moment shaded; ``cut_at`` marks
    where a clip used as the scene was cut.

    Notebook: 04_evaluation.ipynb
    """
    table = section_table(library)
    k = library.index(track)
    rows = np.flatnonzero(table.track == k)
    _, arousal = section_places(table, RELATIVE_WEIGHT)
    fig = Figure(figsize=size)
    ax = fig.add_subplot()
    centres = (table.start[rows] + table.end[rows]) / 2
    ax.plot(centres, arousal[rows], "o-", color="tab:blue", label="the track, section by section")
    ax.axhline(matched_position(track)[1], color="tab:blue", lw=0.8, ls=":", label="the whole track")
    moment = best_section(scene, track, library=library)
    if moment is not None:
        start = moment[0]
        ax.axvspan(
            start, start + scene.duration, color="tab:green", alpha=0.15, label=f"the moment chosen ({moment[2]})"
        )
        tl = np.array([r[:3] for r in scene.timeline], float).reshape(-1, 3)
        if len(tl):
            ax.plot(start + tl[:, 0], tl[:, 2], color="tab:red", lw=1.5, label="the scene, laid on the moment")
    if cut_at is not None:
        ax.axvline(cut_at, color="0.3", ls="--", lw=1, label="where the clip was cut")
    ax.set(xlabel="seconds into the track", ylabel="arousal (as matched)", title=track.title)
    ax.legend(fontsize=7, frameon=False, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig
