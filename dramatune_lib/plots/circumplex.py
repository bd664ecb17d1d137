"""Figures · the circumplex: a scene as an area, tracks as points, labels that keep off each other."""

from __future__ import annotations

import io
import math

from matplotlib.figure import Figure
from matplotlib.patches import Circle

from .. import matching
from ..circumplex import LABEL_VA, MUSIC_VA
from ..schema import Recommendation, SceneProfile, TrackFeatures

#: The scene is drawn as an area, not a point: on each axis it spans this far either way times
#: (1 - the axis' confidence), so a reading from one weak cue is a wide ellipse (chosen by hand).
SCENE_AREA = 0.5


#: Size of a pick's marker on the circumplex (matplotlib's ``s``, points squared; chosen by hand).
PICK_MARKER_S = 70


def scene_area(valence_confidence: float, arousal_confidence: float) -> tuple[float, float]:
    """Half-width on the valence axis and half-height on the arousal axis of the area a reading
    with these confidences may lie in (a profile's: ``scene_area(*profile.axis_confidence())``).

    Used by: :mod:`plots.live`
    """
    return SCENE_AREA * (1 - valence_confidence), SCENE_AREA * (1 - arousal_confidence)


def _renderer(fig: Figure):
    """The figure's renderer (a bare Figure gets an Agg canvas, as it will when saved as PNG)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]  # the Agg canvas made above has one


def marker_boxes(ax, points: list[tuple[float, float]], radius_pt: float) -> list:
    """Display-space boxes around markers at ``points`` (data coordinates), ``radius_pt`` points
    from their centre: things a label must not sit on (:func:`declutter`'s ``avoid``).

    Used by: :func:`circumplex_figure`
    """
    from matplotlib.transforms import Bbox

    r = radius_pt * ax.figure.dpi / 72
    return [Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in ax.transData.transform(points)] if points else []


def declutter(
    fig: Figure,
    texts: list,
    *,
    step: float = 0.3,
    max_steps: int = 40,
    pad: tuple[float, float] = (1.04, 1.08),
    avoid: list | None = None,
) -> None:
    """Move text labels apart so no two boxes overlap: each label in turn, while it overlaps one
    placed before it or a box in ``avoid`` (markers, :func:`marker_boxes`), moves up or down (away
    from the first one it met; alternately when they sit on the same spot) by ``step`` of its
    height. ``pad`` widens and heightens each box first.

    Used by: :mod:`plots.fit`
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

    Used by: the tests; public for scripts
    """
    renderer = _renderer(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    return any(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i))


def _circumplex_axes(size: float, title: str, *, labels: bool = True, words: dict | None = None):
    """A square figure with the unit circle, the two axes and (optionally) the names of its
    regions: ``words`` (name -> point), the scene's emotions (:data:`circumplex.LABEL_VA`) by
    default."""
    fig = Figure(figsize=(size, size))
    ax = fig.subplots()
    ax.add_patch(Circle((0, 0), 1, fill=False, color="0.8"))
    ax.axhline(0, color="0.85", lw=0.8)
    ax.axvline(0, color="0.85", lw=0.8)
    if labels:
        for name, (v, a) in (words or LABEL_VA).items():
            ax.text(v, a, name, color="0.6", fontsize=8, ha="center", va="center", gid="emotion")
    ax.set(
        xlim=(-1.1, 1.1),
        ylim=(-1.1, 1.1),
        xlabel="valence (unpleasant → pleasant)",
        ylabel="arousal (calm → excited)",
        aspect="equal",
        title=title,
    )
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

    Notebook: 02_feature_extraction.ipynb, 04_evaluation.ipynb
    """
    # music is named in music's words (the Geneva Emotional Music Scale) where tracks are drawn
    fig, ax = _circumplex_axes(size, "Scene and music on the circumplex", words=MUSIC_VA if tracks else None)
    where = {t.path: matching.matched_position(t) for t in tracks or []}  # where the matcher sees each track
    if tracks:
        ax.scatter(
            [where[t.path][0] for t in tracks],
            [where[t.path][1] for t in tracks],
            s=12,
            color="0.75",
            label="library, where the matcher places it",  # half its own reading, half its rank in the folder
        )
    if profile is not None:
        for c in profile.cues:
            if c.confidence > 0:
                ax.annotate(
                    "",
                    (c.valence, c.arousal),
                    (profile.valence, profile.arousal),
                    arrowprops=dict(arrowstyle="-", color="tab:blue", alpha=0.3 + 0.7 * c.confidence),
                )
                ax.text(c.valence, c.arousal, c.name, fontsize=7, color="tab:blue", ha="center", va="center", gid="cue")
        from matplotlib.patches import Ellipse

        rv, ra = scene_area(*profile.axis_confidence())
        ax.add_patch(
            Ellipse(
                (profile.valence, profile.arousal),
                2 * rv,
                2 * ra,
                color="tab:red",
                alpha=0.12,
                zorder=1,
                label="where the scene may lie",
            )
        )
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
    declutter(
        fig,
        [t for t in ax.texts if t.get_gid() in ("emotion", "cue", "pick")],
        pad=label_pad,
        avoid=marker_boxes(ax, picks, PICK_MARKER_S**0.5 / 2),
    )  # no name hidden under a pick
    return fig


def fusion_path_figure(
    steps: list[tuple[str, float, float, float, float]], title: str = "", *, size: float = 4.0
) -> Figure:
    """Where the scene's point goes as each cue is added (``feature_extraction.fusion_steps``):
    a numbered path, each point's area as wide as its reading is unsure (:func:`scene_area`).

    Notebook: 02_feature_extraction.ipynb
    """
    from matplotlib.patches import Ellipse, Rectangle

    fig, ax = _circumplex_axes(size, title or "The scene's point as cues are added")
    xs, ys = [v for _, v, *_ in steps], [a for _, _, a, *_ in steps]
    ax.plot(xs, ys, color="tab:red", lw=1, alpha=0.6)
    # a cue that does not move the point (it found nothing) shares the label of the point before
    labels: list[list[str]] = []
    for k, (names, v, a, _, _) in enumerate(steps, 1):
        cue = f"{k}. +{names.split('+')[-1]}"
        if k > 1 and math.hypot(v - xs[k - 2], a - ys[k - 2]) < 1e-3:
            labels[-1].append(cue + " (no move)")
        else:
            labels.append([cue])
    drawn = 0
    for k, (_, v, a, cv, ca) in enumerate(steps, 1):
        rv, ra = scene_area(cv, ca)
        ax.add_patch(Ellipse((v, a), 2 * rv, 2 * ra, color="tab:red", alpha=0.06 + 0.06 * k / len(steps)))
        ax.scatter([v], [a], color="tab:red", s=30 + 20 * k, zorder=4)
        if k == 1 or math.hypot(v - xs[k - 2], a - ys[k - 2]) >= 1e-3:
            inward = v > 0.3  # labels toward the centre, so a point on the edge keeps its label inside
            ax.text(
                v + (-0.15 if inward else 0.06),
                a - 0.08,
                "\n".join(labels[drawn]),
                fontsize=8,
                color="tab:red",
                gid="step",
                ha="right" if inward else "left",
                va="top",
            )
            drawn += 1
    if any(math.hypot(v, a) > 1 + 1e-6 for v, a in zip(xs, ys)):
        # valence and arousal each run -1..1: a reading strong on both lies outside the circle
        ax.add_patch(Rectangle((-1, -1), 2, 2, fill=False, ls=":", lw=0.8, color="0.6"))
        fig.text(
            0.5,
            0.01,
            "each axis runs from -1 to 1 (dotted square): a reading strong on both lies outside the circle",
            ha="center",
            fontsize=6.5,
            color="0.35",
            wrap=True,
        )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    declutter(fig, [t for t in ax.texts if t.get_gid() in ("emotion", "step")])
    return fig


def figure_png(fig: Figure, dpi: int = 96) -> bytes:
    """PNG bytes of a figure, for an image widget in the app.

    Notebook: 05_recommend_and_merge.ipynb
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
