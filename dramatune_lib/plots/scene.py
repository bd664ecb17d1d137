"""Figures · a scene read: its frames, its timeline of cues, its pace and its faces (notebooks 01 and 02)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .. import feature_extraction, frames, media
from ..schema import SceneProfile


def timeline_figure(profile: SceneProfile, *, width: float = 7.0) -> Figure:
    """Valence and arousal over the scene, one point a second, with the cuts marked; each line is
    drawn as strongly as the cues support its axis (its confidence, under the plot): a valence that
    rests on one weak cue is a faint line, not a flat certainty.

    Notebook: 02_feature_extraction.ipynb, 05_recommend_and_merge.ipynb
    """
    fig = Figure(figsize=(width, 2.8))
    ax = fig.subplots()
    if profile.timeline:
        t = [r[0] + 0.5 for r in profile.timeline]
        for k, (name, colour, conf) in enumerate(
            zip(("valence", "arousal"), ("tab:orange", "tab:purple"), profile.axis_confidence()), start=1
        ):
            alpha = 0.3 + 0.7 * min(1.0, max(0.0, conf))  # never invisible
            ax.plot(t, [r[k] for r in profile.timeline], "-o", ms=3, label=name, color=colour, alpha=alpha)
    for c in profile.cut_times:
        ax.axvline(c, color="0.5", ls=":", lw=1)
    vc, ac = profile.axis_confidence()
    ax.set(xlim=(0, profile.duration), ylim=(-1.05, 1.05))
    ax.set_xlabel(
        f"time (s); dotted lines: cuts\nline strength: confidence, valence {vc:.2f}, arousal {ac:.2f}", fontsize=9
    )
    ax.set_title("Emotion over time", loc="left", fontsize=10)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncols=2)  # above the plot
    fig.tight_layout()
    return fig


def scene_frames_figure(scenes: dict, *, at: float = 0.5, width: float = 9.0) -> Figure:
    """One frame from the middle of each scene, side by side, with its name.

    Notebook: 01_dataset_prep.ipynb
    """
    fig = Figure(figsize=(width, width / (3 * 16 / 9) * len(scenes) / 3 + 0.5))
    axes = fig.subplots(1, len(scenes), squeeze=False)[0]
    for ax, (name, path) in zip(axes, scenes.items()):
        frame = frames.still_frame(path, at * media.probe(path).duration)
        if frame is not None:
            ax.imshow(frame)
        ax.set_title(name)
        ax.axis("off")
    fig.tight_layout()
    return fig


#: The least span of the sound-level axis, dB (chosen by hand: about the range between dialogue
#: and a loud effect, so a small change in level looks small).
SOUND_LEVEL_SPAN_DB = 20.0


def pace_figure(profile: SceneProfile, *, width: float = 7.0) -> Figure:
    """The scene's pace second by second: optical-flow motion (bars, frame widths a second), its
    own sound level (line, dBFS) and the cuts (dotted).

    Notebook: 02_feature_extraction.ipynb
    """
    fig = Figure(figsize=(width, 2.4))
    ax = fig.subplots()
    ax.bar(
        [i + 0.5 for i in range(len(profile.motion))],
        profile.motion,
        width=0.8,
        color="tab:blue",
        alpha=0.6,
        label="motion",
    )
    for c in profile.cut_times:
        ax.axvline(c, color="0.4", ls=":", lw=1)
    ax.set(
        xlim=(0, profile.duration),
        xlabel="time (s)",
        ylabel="frame widths / s",
        title="Motion, cuts (dotted) and the scene's own sound",
    )
    if profile.sound_level:
        ax2 = ax.twinx()
        ax2.plot(
            [i + 0.5 for i in range(len(profile.sound_level))],
            profile.sound_level,
            "-",
            color="tab:red",
            label="sound level",
        )
        ax2.set_ylabel("dBFS", color="tab:red")
        # at least SOUND_LEVEL_SPAN_DB of axis: a 2 dB wobble must not fill the figure like a 20 dB swing
        lo, hi = min(profile.sound_level), max(profile.sound_level)
        pad = max(0.0, SOUND_LEVEL_SPAN_DB - (hi - lo)) / 2
        ax2.set_ylim(lo - pad - 1, hi + pad + 1)
    fig.tight_layout()
    return fig


def faces_figure(track, *, width: float = 7.0) -> Figure:
    """fer's seven class probabilities on each sampled frame, stacked, from a scene's profile
    (which keeps them) or a :class:`PictureTrack`; frames without a face are left blank.

    Notebook: 02_feature_extraction.ipynb
    """
    if hasattr(track, "face_frames"):  # a SceneProfile: the readings of its analysis
        rows = np.asarray(track.face_frames, dtype=float).reshape(-1, 1 + len(feature_extraction.FER_CLASSES))
        t, probs = rows[:, 0], rows[:, 1:]
    else:
        t = np.asarray(track.sample_times)
        probs = (
            np.array([[f.probs.get(c, 0.0) for c in feature_extraction.FER_CLASSES] for f in track.faces])
            if track.faces
            else np.zeros((0, 7))
        )
    fig = Figure(figsize=(width, 2.6))
    ax = fig.subplots()
    if probs.size:
        ax.stackplot(t, probs.T, labels=feature_extraction.FER_CLASSES, alpha=0.85, step="post")
    ax.set(
        xlim=(0, float(t[-1]) + 0.5 if t.size else 1),
        ylim=(0, 1),
        xlabel="time (s)",
        ylabel="probability",
        title="fer's reading of the faces over time",
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig
