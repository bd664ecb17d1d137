"""Every figure DramaTune draws. Each function returns a matplotlib Figure, so the notebooks,
the app and the tests use the same drawing code. Figures are made without pyplot, so no global
figure state builds up and a notebook shows each figure once.
"""
from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.ticker import NullFormatter

from .circumplex import LABEL_VA
from .schema import Recommendation, SceneProfile, TrackFeatures


#: The scene is drawn as an area, not a point: on each axis it spans this far either way times
#: (1 - the axis' confidence), so a reading from one weak cue is a wide ellipse (chosen by hand).
SCENE_AREA = 0.5


#: Size of a pick's marker on the circumplex (matplotlib's ``s``, points squared; chosen by hand).
PICK_MARKER_S = 70


def scene_area(valence_confidence: float, arousal_confidence: float) -> tuple[float, float]:
    """Half-width on the valence axis and half-height on the arousal axis of the area a reading
    with these confidences may lie in (a profile's: ``scene_area(*profile.axis_confidence())``).

    Notebook: 05_recommend_and_merge.ipynb
    """
    return SCENE_AREA * (1 - valence_confidence), SCENE_AREA * (1 - arousal_confidence)


def _renderer(fig: Figure):
    """The figure's renderer (a bare Figure gets an Agg canvas, as it will when saved as PNG)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def marker_boxes(ax, points: list[tuple[float, float]], radius_pt: float) -> list:
    """Display-space boxes around markers at ``points`` (data coordinates), ``radius_pt`` points
    from their centre: things a label must not sit on (:func:`declutter`'s ``avoid``).

    Notebook: 05_recommend_and_merge.ipynb
    """
    from matplotlib.transforms import Bbox

    r = radius_pt * ax.figure.dpi / 72
    return [Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in ax.transData.transform(points)] if points else []


def declutter(fig: Figure, texts: list, *, step: float = 0.3, max_steps: int = 40,
              pad: tuple[float, float] = (1.04, 1.08), avoid: list | None = None) -> None:
    """Move text labels apart so no two boxes overlap: each label in turn, while it overlaps one
    placed before it or a box in ``avoid`` (markers, :func:`marker_boxes`), moves up or down (away
    from the first one it met; alternately when they sit on the same spot) by ``step`` of its
    height. ``pad`` widens and heightens each box first.

    Notebook: 05_recommend_and_merge.ipynb
    """
    fixed = list(avoid or [])
    if len(texts) < 2 and not fixed:
        return
    renderer = _renderer(fig)
    boxes = [t.get_window_extent(renderer).expanded(*pad) for t in texts]
    for i in range(len(texts)):
        direction = 0.0
        for _ in range(max_steps):
            others = boxes[:i] + fixed
            hit = next((b for b in others if boxes[i].overlaps(b)), None)
            if hit is None:
                break
            if not direction:
                gap = (boxes[i].y0 + boxes[i].y1) - (hit.y0 + hit.y1)
                direction = 1.0 if gap > 1e-6 else -1.0 if gap < -1e-6 else (1.0 if i % 2 else -1.0)
            ax = texts[i].axes
            x, y = ax.transData.transform(texts[i].get_position())
            texts[i].set_position(ax.transData.inverted().transform((x, y + direction * step * boxes[i].height)))
            boxes[i] = texts[i].get_window_extent(renderer).expanded(*pad)


def label_boxes_overlap(fig: Figure, texts: list) -> bool:
    """Whether any two of ``texts`` overlap as drawn (for the tests of every figure with labels).

    Notebook: 05_recommend_and_merge.ipynb
    """
    renderer = _renderer(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    return any(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i))


def _circumplex_axes(size: float, title: str, *, labels: bool = True):
    """A square figure with the unit circle, the two axes and (optionally) the emotion names."""
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.add_patch(Circle((0, 0), 1, fill=False, color="0.8"))
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    if labels:
        for name, (v, a) in LABEL_VA.items():
            ax.text(v, a, name, color="0.6", fontsize=8, ha="center", va="center", gid="emotion")
    ax.set(xlim=(-1.1, 1.1), ylim=(-1.1, 1.1), xlabel="valence (unpleasant → pleasant)",
           ylabel="arousal (calm → excited)", aspect="equal", title=title)
    return fig, ax


def circumplex_figure(
    profile: SceneProfile | None = None,
    recommendations: list[Recommendation] | None = None,
    tracks: list[TrackFeatures] | None = None,
    *,
    size: float = 4.5,
    axes_box: tuple[float, float, float, float] | None = None,
    label_pad: tuple[float, float] = (1.04, 1.08),
) -> Figure:
    """The valence–arousal plane with the scene, each cue's contribution and the picks.
    ``axes_box`` (left, bottom, width, height as shares of the figure) fixes the plot area instead
    of fitting it to the figure, and ``label_pad`` keeps labels further apart (the app's live
    circumplex lays out its labels this way, for a browser that draws text a little differently).

    Notebook: 05_recommend_and_merge.ipynb
    """
    from .matching import matched_position

    fig, ax = _circumplex_axes(size, "Scene and music on the circumplex")
    where = {t.path: matched_position(t) for t in tracks or []}  # where the matcher sees each track
    if tracks:
        ax.scatter([where[t.path][0] for t in tracks], [where[t.path][1] for t in tracks], s=12, color="0.75",
                   label="library")
    if profile is not None:
        for c in profile.cues:
            if c.confidence > 0:
                ax.annotate("", (c.valence, c.arousal), (profile.valence, profile.arousal),
                            arrowprops=dict(arrowstyle="-", color="tab:blue", alpha=0.3 + 0.7 * c.confidence))
                ax.text(c.valence, c.arousal, c.name, fontsize=7, color="tab:blue", ha="center", va="center",
                        gid="cue")
        from matplotlib.patches import Ellipse

        rv, ra = scene_area(*profile.axis_confidence())
        ax.add_patch(Ellipse((profile.valence, profile.arousal), 2 * rv, 2 * ra, color="tab:red", alpha=0.12,
                             zorder=1, label="where the scene may lie"))
        ax.scatter([profile.valence], [profile.arousal], s=160, marker="*", color="tab:red", zorder=5, label="scene")
    for r in recommendations or []:
        v, a = where.get(r.path, (r.valence, r.arousal))
        ax.scatter([v], [a], s=PICK_MARKER_S, color="tab:green", zorder=4)
        ax.text(v + 0.05, a + 0.05, str(r.rank), color="tab:green", fontsize=9, weight="bold", gid="pick")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    if axes_box is None:
        fig.tight_layout()
    else:
        ax.set_position(axes_box)
    picks = [where.get(r.path, (r.valence, r.arousal)) for r in recommendations or []]
    declutter(fig, [t for t in ax.texts if t.get_gid() in ("emotion", "cue", "pick")], pad=label_pad,
              avoid=marker_boxes(ax, picks, PICK_MARKER_S ** 0.5 / 2))  # no name hidden under a pick
    return fig


def fusion_path_figure(steps: list[tuple[str, float, float, float, float]], title: str = "", *,
                       size: float = 4.0) -> Figure:
    """Where the scene's point goes as each cue is added (``feature_extraction.fusion_steps``):
    a numbered path, each point's area as wide as its reading is unsure (:func:`scene_area`).

    Notebook: 02_feature_extraction.ipynb
    """
    from matplotlib.patches import Ellipse

    fig, ax = _circumplex_axes(size, title or "The scene's point as cues are added")
    xs, ys = [v for _, v, *_ in steps], [a for _, _, a, *_ in steps]
    ax.plot(xs, ys, color="tab:red", lw=1, alpha=0.6)
    texts = []
    for k, (names, v, a, cv, ca) in enumerate(steps, 1):
        rv, ra = scene_area(cv, ca)
        ax.add_patch(Ellipse((v, a), 2 * rv, 2 * ra, color="tab:red", alpha=0.06 + 0.06 * k / len(steps)))
        ax.scatter([v], [a], color="tab:red", s=30 + 20 * k, zorder=4)
        texts.append(ax.text(v + 0.04, a - 0.08, f"{k}. +{names.split('+')[-1]}", fontsize=8, color="tab:red",
                             gid="step"))
    fig.tight_layout()
    declutter(fig, [t for t in ax.texts if t.get_gid() in ("emotion", "step")])
    return fig


def timeline_figure(profile: SceneProfile, *, width: float = 7.0) -> Figure:
    """Valence and arousal over the scene, one point a second, with the cuts marked.

    Notebook: 05_recommend_and_merge.ipynb
    """
    fig = Figure(figsize=(width, 2.8))
    ax = fig.subplots()
    if profile.timeline:
        t = [r[0] + 0.5 for r in profile.timeline]
        ax.plot(t, [r[1] for r in profile.timeline], "-o", ms=3, label="valence", color="tab:orange")
        ax.plot(t, [r[2] for r in profile.timeline], "-o", ms=3, label="arousal", color="tab:purple")
    for c in profile.cut_times:
        ax.axvline(c, color="0.5", ls=":", lw=1)
    ax.set(xlim=(0, profile.duration), ylim=(-1.05, 1.05), xlabel="time (s); dotted lines: cuts")
    ax.set_title("Emotion over time", loc="left", fontsize=10)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncols=2)  # above the plot
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 96) -> bytes:
    """PNG bytes of a figure, for an image widget in the app.

    Notebook: 05_recommend_and_merge.ipynb
    """
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def scene_frames_figure(scenes: dict, *, at: float = 0.5, width: float = 9.0) -> Figure:
    """One frame from the middle of each scene, side by side, with its name.

    Notebook: 01_dataset_prep.ipynb
    """
    import cv2

    fig = Figure(figsize=(width, width / (3 * 16 / 9) * len(scenes) / 3 + 0.5))
    axes = fig.subplots(1, len(scenes), squeeze=False)[0]
    for ax, (name, path) in zip(axes, scenes.items()):
        cap = cv2.VideoCapture(str(path))
        n = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(n * at))
        ok, frame = cap.read()
        cap.release()
        if ok:
            ax.imshow(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        ax.set_title(name)
        ax.axis("off")
    fig.tight_layout()
    return fig


def cue_plan_figure(table, *, size: float = 4.5) -> Figure:
    """The demo cues where the composer meant them on the circumplex, sized by tempo.

    Notebook: 01_dataset_prep.ipynb
    """
    fig, ax = _circumplex_axes(size, "Demo cues as composed (size: tempo)", labels=False)
    colours = {"major": "tab:orange", "minor": "tab:blue"}
    for mode, grp in table.groupby(table["key"].str.split().str[-1]):
        ax.scatter(grp["valence"], grp["arousal"], s=grp["tempo"] / 2, color=colours.get(mode, "0.5"),
                   alpha=0.7, label=mode)
    ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def fitted_cue_figure(cue, *, cuts: list[float] | None = None, gain=None, width: float = 9.0) -> Figure:
    """The fitted cue's waveform with its bar lines, loop joins, the scene's cuts and, if given,
    the ducking gain.

    Notebook: 07_fit_and_export.ipynb
    """
    import numpy as np

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
    ax.set(xlim=(0, cue.duration), ylim=(-1.05, 1.05), xlabel="scene time (s)",
           title=f"Fitted cue: {cue.method}, tempo {100 * (cue.rate - 1):+.1f} %, {cue.loops} loop joins")
    ax.legend(loc="lower left", fontsize=7, frameon=False, ncols=5)
    fig.tight_layout()
    return fig


def confusion_figure(report, *, size: float = 3.6) -> Figure:
    """The sound classifier's confusion matrix on held-out recordings (rows: truth).

    Notebook: 03_training.ipynb
    """
    import numpy as np

    cm = np.array(report.confusion_real)
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.imshow(cm, cmap="Blues")
    for (i, j), v in np.ndenumerate(cm):
        ax.text(j, i, str(v), ha="center", va="center", color="white" if v > cm.max() / 2 else "black")
    ax.set(xticks=range(len(report.classes)), xticklabels=report.classes, yticks=range(len(report.classes)),
           yticklabels=report.classes, xlabel="predicted", ylabel="true",
           title="Held-out recordings (seconds)")
    fig.tight_layout()
    return fig


def benchmark_placement_figure(tracks, placed, methods=("priors", "sound model"), *, size: float = 4.0) -> Figure:
    """Where each method puts the benchmark's soundtracks, each game placed having learned from
    the others only: one panel a method, one colour a context group (red: combat and tension,
    green: peace, grey: ambient, blue: defeat, lament, lost endings and gloom, orange: victory
    and won endings).

    Notebook: 04_evaluation.ipynb
    """
    colours = {"combat": "tab:red", "tension": "tab:red", "peace": "tab:green", "ambient": "0.55",
               "defeat": "tab:blue", "lament": "tab:blue", "lose": "tab:blue", "gloom": "tab:blue",
               "victory": "tab:orange", "win": "tab:orange"}
    fig = Figure(figsize=(size * len(methods), size))
    axes = fig.subplots(1, len(methods), squeeze=False)[0]
    for ax, m in zip(axes, methods):
        ax.axhline(0, color="0.85", lw=0.8)
        ax.axvline(0, color="0.85", lw=0.8)
        for game, ts in placed[m].items():
            groups = [b.group for b in tracks if b.game == game]
            ax.scatter([t.valence for t in ts], [t.arousal for t in ts], c=[colours[g] for g in groups], s=14,
                       alpha=0.75, linewidths=0)
        ax.set(xlim=(-1.05, 1.05), ylim=(-1.05, 1.05), xlabel="valence", ylabel="arousal", aspect="equal", title=m)
    handles = [Line2D([], [], ls="", marker="o", color=c, label=lab) for lab, c in
               (("combat, tension", "tab:red"), ("peace", "tab:green"), ("ambient", "0.55"),
                ("defeat, lament, gloom", "tab:blue"), ("victory", "tab:orange"))]
    fig.legend(handles=handles, loc="lower center", ncol=5, frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def pace_figure(profile: SceneProfile, *, width: float = 7.0) -> Figure:
    """The scene's pace second by second: optical-flow motion (bars, frame widths a second), its
    own sound level (line, dBFS) and the cuts (dotted).

    Notebook: 02_feature_extraction.ipynb
    """
    fig = Figure(figsize=(width, 2.4))
    ax = fig.subplots()
    ax.bar([i + 0.5 for i in range(len(profile.motion))], profile.motion, width=0.8, color="tab:blue", alpha=0.6,
           label="motion")
    for c in profile.cut_times:
        ax.axvline(c, color="0.4", ls=":", lw=1)
    ax.set(xlim=(0, profile.duration), xlabel="time (s)", ylabel="frame widths / s",
           title="Motion, cuts (dotted) and the scene's own sound")
    if profile.sound_level:
        ax2 = ax.twinx()
        ax2.plot([i + 0.5 for i in range(len(profile.sound_level))], profile.sound_level, "-", color="tab:red",
                 label="sound level")
        ax2.set_ylabel("dBFS", color="tab:red")
    fig.tight_layout()
    return fig


def faces_figure(track, *, width: float = 7.0) -> Figure:
    """fer's seven class probabilities on each sampled frame (a :class:`PictureTrack`), stacked;
    frames without a face are left blank.

    Notebook: 02_feature_extraction.ipynb
    """
    import numpy as np

    classes = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    t = np.asarray(track.sample_times)
    probs = np.array([[f.probs.get(c, 0.0) for c in classes] for f in track.faces]) if track.faces else np.zeros((0, 7))
    fig = Figure(figsize=(width, 2.6))
    ax = fig.subplots()
    if probs.size:
        ax.stackplot(t, probs.T, labels=classes, alpha=0.85, step="post")
    ax.set(xlim=(0, float(t[-1]) + 0.5 if t.size else 1), ylim=(0, 1), xlabel="time (s)", ylabel="probability",
           title="fer's reading of the faces over time")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def tempogram_figure(track: TrackFeatures, *, width: float = 7.0) -> Figure:
    """An indexed track's tempogram (autocorrelation of its onset strength over time, librosa at
    hop 256, first minute) with the tempo the index measured.

    Notebook: 02_feature_extraction.ipynb
    """
    import librosa

    from .feature_extraction import HOP, SR
    from .media import load_audio

    y = load_audio(track.path, sr=SR, mono=True, max_seconds=60)
    oenv = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP)
    tg = librosa.feature.tempogram(onset_envelope=oenv, sr=SR, hop_length=HOP)
    bpm = librosa.tempo_frequencies(tg.shape[0], sr=SR, hop_length=HOP)
    keep = (bpm >= 30) & (bpm <= 300)
    fig = Figure(figsize=(width, 2.8))
    ax = fig.subplots()
    times = librosa.times_like(oenv, sr=SR, hop_length=HOP)
    ax.pcolormesh(times, bpm[keep], tg[keep], shading="auto", cmap="magma")
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
    import numpy as np

    from .feature_extraction.tracks import _KK_MAJOR, _KK_MINOR, _NOTES, SR
    from .media import load_audio

    y = load_audio(track.path, sr=SR, mono=True, max_seconds=60)
    chroma = librosa.feature.chroma_stft(y=y, sr=SR, hop_length=2048).mean(axis=1)
    prof = np.roll(_KK_MAJOR if track.mode == "major" else _KK_MINOR, _NOTES.index(track.key))
    fig = Figure(figsize=(width, 2.6))
    ax = fig.subplots()
    x = np.arange(12)
    ax.bar(x - 0.2, chroma / chroma.max(), width=0.4, label="the track's chroma")
    ax.bar(x + 0.2, prof / prof.max(), width=0.4, label=f"{track.key} {track.mode} profile", color="tab:orange")
    ax.set(xticks=x, xlabel="pitch class", ylabel="relative weight",
           title=f"{Path(track.path).name}: {track.key} {track.mode} (mode strength {track.mode_strength:.2f})")
    ax.set_xticklabels(_NOTES)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def piano_roll_figure(pm, *, seconds: float | None = None, cuts: list[float] | None = None,
                      width: float = 8.0) -> Figure:
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
    ax.set(xlim=(0, end), ylim=(min(pitches) - 2, max(pitches) + 2), xlabel="time (s)", ylabel="MIDI pitch",
           title="Piano roll")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    fig.tight_layout()
    return fig


def scene_plan_figure(profile: SceneProfile, plan, *, width: float = 8.0) -> Figure:
    """A clip's per-scene plan as a timeline: valence and arousal second by second, the cuts
    (dotted), each scene shaded with the track picked for it.

    Notebook: 06_compose.ipynb
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
        ax.text((part.start + part.end) / 2, -1.5, f"{part.emotion}\n{label}", ha="center", va="center", fontsize=7,
                gid="scene")
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
                ax.broken_barh([(start, dur)], (y - 0.36, 0.72), facecolors="none", edgecolors="0.2", hatch="////",
                               linewidth=0.6)
                continue
            colour = names.setdefault(item.name, palette[len(names) % len(palette)]) if track.kind == "Audio" else "0.55"
            ax.broken_barh([(start, dur)], (y - 0.3, 0.6), facecolors=colour, alpha=0.85 if track.enabled else 0.3,
                           edgecolors="white")
            label = item.name if len(item.name) <= 28 else item.name[:25] + "..."
            ax.text(start + 0.05 * dur, y, label, va="center", ha="left", fontsize=7, clip_on=True,
                    color="black" if track.enabled else "0.4")
            for m in item.markers:
                t = (r.start_time.value + m.marked_range.start_time.value - item.source_range.start_time.value) / rate
                scene_marker = m.name.startswith("scene")
                ax.plot([t, t], [y + 0.32, y + 0.5], color="tab:green" if scene_marker else "goldenrod", lw=1.5)
                if scene_marker:
                    ax.text(t, y + 0.52, m.name.split(": ", 1)[-1], fontsize=7, ha="left", va="bottom",
                            color="tab:green")
    ax.set_yticks(range(len(tracks)))
    ax.set_yticklabels([t.name + ("" if t.enabled else " (off)") for t in reversed(tracks)], fontsize=8)
    end = max((t.duration().value for t in tracks), default=0) / rate
    ax.set(xlim=(0, end), ylim=(-0.6, len(tracks) - 0.2), xlabel="time in the timeline (s)",
           title=f"{timeline.name}: the timeline an editor imports (hatched: fades and crossfades)")
    fig.tight_layout()
    return fig
