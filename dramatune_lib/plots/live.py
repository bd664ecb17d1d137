"""The app's live circumplex: a bqplot widget you can hover and click, not a re-rendered PNG.

It shows what :func:`plots.circumplex_figure` shows (the library, the scene, each cue's pull and
the numbered picks) and places its labels with the same rule (:func:`plots.declutter`, measured on
a matplotlib figure laid out with the same pixel size and margins), so no two labels overlap here
either. Hovering a point shows its track and reason; clicking a track calls back with its path.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..matching import matched_position
from ..schema import Recommendation, SceneProfile, TrackFeatures
from .circumplex import circumplex_figure, scene_area

SIZE_PX = 400  # the widget is square; 400 px sits beside the scene's player at 1280 px wide
# the plot area's margins in pixels: room for the axis names left and below (chosen by hand)
MARGIN_PX = {"top": 15, "bottom": 45, "left": 50, "right": 10}  # a square plot area
PT_TO_PX = 96 / 72  # matplotlib sizes fonts in points at 72 per inch; the page draws 96 px per inch
# label boxes grown by this much before they are moved apart: a browser's fonts and baselines
# differ a little from matplotlib's (measured: 1.04 x 1.08 left "fear" touching "angry" in chromium)
LABEL_PAD = (1.15, 1.5)
COLOURS = {"library": "#bfbfbf", "emotion": "#999999", "cue": "#1f77b4", "scene": "#d62728", "pick": "#2ca02c"}


def label_layout(
    profile: SceneProfile | None,
    recommendations: list[Recommendation] | None,
    tracks: list[TrackFeatures] | None,
    *,
    size_px: int = SIZE_PX,
) -> dict[str, list]:
    """Where each label goes, by kind ("emotion", "cue", "pick"): ``(text, valence, arousal,
    font size in px)`` after :func:`plots.declutter` on a figure with the widget's own pixel layout.

    Used by: :class:`CircumplexView`
    """
    m = MARGIN_PX
    fig = circumplex_figure(
        profile,
        recommendations,
        tracks,
        size=size_px / 96,
        axes_box=(
            m["left"] / size_px,
            m["bottom"] / size_px,
            1 - (m["left"] + m["right"]) / size_px,
            1 - (m["top"] + m["bottom"]) / size_px,
        ),
        label_pad=LABEL_PAD,
    )
    out: dict[str, list] = {"emotion": [], "cue": [], "pick": []}
    for t in fig.axes[0].texts:
        gid = t.get_gid()
        if gid in out:
            v, a = t.get_position()
            out[gid].append((t.get_text(), float(v), float(a), float(t.get_fontsize()) * PT_TO_PX))
    return out


class CircumplexView:
    """The valence–arousal plane as a bqplot figure that the app updates in place.

    ``on_click(path)`` is called when a library track or a pick is clicked.

    Notebook: 05_recommend_and_merge.ipynb
    """

    def __init__(self, on_click: Callable[[str], None] | None = None, *, size_px: int = SIZE_PX) -> None:
        import bqplot as bq

        self.size_px, self.on_click = size_px, on_click
        self.xs = bq.LinearScale(min=-1.1, max=1.1)
        self.ys = bq.LinearScale(min=-1.1, max=1.1)
        sc = {"x": self.xs, "y": self.ys}
        turn = np.linspace(0, 2 * np.pi, 121)
        circle = bq.Lines(x=np.cos(turn), y=np.sin(turn), scales=sc, colors=["#cccccc"], stroke_width=1)
        cross = bq.Lines(
            x=[[-1.1, 1.1], [0, 0]], y=[[0, 0], [-1.1, 1.1]], scales=sc, colors=["#d9d9d9"] * 2, stroke_width=1
        )
        self.area = bq.Lines(
            x=[],
            y=[],
            scales=sc,
            colors=[COLOURS["scene"]],
            fill="inside",
            fill_colors=[COLOURS["scene"]],
            fill_opacities=[0.12],
            stroke_width=0.5,
            close_path=True,
        )  # where the scene may lie (plots.scene_area)
        self.cue_lines = bq.Lines(
            x=[[0, 0]], y=[[0, 0]], scales=sc, colors=[COLOURS["cue"]], stroke_width=1, visible=False
        )
        tip = {
            "tooltip": bq.Tooltip(fields=["name"], show_labels=False),
            "tooltip_style": {"opacity": 0.95, "max-width": "380px", "white-space": "normal"},
        }
        live = {"interactions": {"click": "select", "hover": "tooltip"}, **tip}  # points you can hover and click
        self.library = bq.Scatter(
            x=[],
            y=[],
            names=[],
            display_names=False,
            scales=sc,
            default_size=24,
            colors=[COLOURS["library"]],
            **live,
            hovered_style={"stroke": "black", "stroke-width": 1},
        )
        self.scene = bq.Scatter(
            x=[],
            y=[],
            names=[],
            display_names=False,
            scales=sc,
            marker="diamond",
            default_size=160,
            colors=[COLOURS["scene"]],
            **tip,
        )
        self.picks = bq.Scatter(
            x=[],
            y=[],
            names=[],
            display_names=False,
            scales=sc,
            default_size=90,
            colors=[COLOURS["pick"]],
            **live,
            hovered_style={"stroke": "black", "stroke-width": 2},
        )
        # aligned as plots.circumplex_figure aligns them: names centred on their point, pick numbers after it
        self.labels = {
            kind: bq.Label(
                x=[],
                y=[],
                text=[],
                scales=sc,
                colors=[COLOURS[kind]],
                align="start" if kind == "pick" else "middle",
                font_weight="bold" if kind == "pick" else "normal",
                default_size=11,
            )
            for kind in ("emotion", "cue", "pick")
        }
        self._paths: dict[str, list[str]] = {"library": [], "picks": []}
        self.library.on_element_click(lambda _, content: self._clicked("library", content))
        self.picks.on_element_click(lambda _, content: self._clicked("picks", content))
        ticks = {"tick_values": [-1, -0.5, 0, 0.5, 1], "tick_format": ".1f", "grid_lines": "none"}
        axes = [
            bq.Axis(scale=self.xs, label="valence (unpleasant → pleasant)", **ticks),
            bq.Axis(
                scale=self.ys, orientation="vertical", label="arousal (calm → excited)", label_offset="35px", **ticks
            ),
        ]
        marks = [
            circle,
            cross,
            self.area,
            self.cue_lines,
            self.library,
            self.labels["emotion"],
            self.labels["cue"],
            self.scene,
            self.picks,
            self.labels["pick"],
        ]
        self.widget = bq.Figure(
            marks=marks,
            axes=axes,
            fig_margin=dict(MARGIN_PX),
            padding_x=0,
            padding_y=0,
            min_aspect_ratio=1,
            max_aspect_ratio=1,
            display_toolbar=False,
            layout={"width": f"{size_px}px", "height": f"{size_px}px"},
        )
        self.show(None, [], [])

    def _clicked(self, which: str, content: dict) -> None:
        i = content.get("data", {}).get("index")
        if self.on_click is not None and i is not None and 0 <= i < len(self._paths[which]):
            self.on_click(self._paths[which][i])

    def show(
        self,
        profile: SceneProfile | None,
        recommendations: list[Recommendation] | None,
        tracks: list[TrackFeatures] | None,
    ) -> None:
        """Draw the scene, its cues, the library and the numbered picks (all at once, so the
        numbers always match the picks listed beside it).

        Notebook: 05_recommend_and_merge.ipynb
        """
        recommendations, tracks = recommendations or [], tracks or []
        where = {t.path: matched_position(t) for t in tracks}
        with self.widget.hold_sync():
            self._paths["library"] = [t.path for t in tracks]
            self.library.x = [where[t.path][0] for t in tracks]
            self.library.y = [where[t.path][1] for t in tracks]
            self.library.names = [f"{t.title}: {t.emotion} (click to hear)" for t in tracks]
            self._paths["picks"] = [r.path for r in recommendations]
            spots = [where.get(r.path, (r.valence, r.arousal)) for r in recommendations]
            self.picks.x, self.picks.y = [v for v, _ in spots], [a for _, a in spots]
            self.picks.names = [f"{r.rank}. {r.title}: {r.reason} (click to hear)" for r in recommendations]
            cues = [c for c in profile.cues if c.confidence > 0] if profile is not None else []
            if profile is not None:
                rv, ra = scene_area(*profile.axis_confidence())
                turn = np.linspace(0, 2 * np.pi, 61)
                self.area.x, self.area.y = profile.valence + rv * np.cos(turn), profile.arousal + ra * np.sin(turn)
                self.scene.x, self.scene.y = [profile.valence], [profile.arousal]
                self.scene.names = [f"the scene: {profile.summary()}"]
            else:
                self.scene.x, self.scene.y, self.scene.names = [], [], []
                self.area.x, self.area.y = [], []
            self.cue_lines.visible = bool(cues)
            if cues and profile is not None:
                self.cue_lines.x = [[profile.valence, c.valence] for c in cues]
                self.cue_lines.y = [[profile.arousal, c.arousal] for c in cues]
                self.cue_lines.opacities = [0.3 + 0.7 * c.confidence for c in cues]
                self.cue_lines.colors = [COLOURS["cue"]] * len(cues)
            for kind, rows in label_layout(profile, recommendations, tracks, size_px=self.size_px).items():
                mark = self.labels[kind]
                mark.x = [v for _, v, _, _ in rows]
                mark.y = [a for _, _, a, _ in rows]
                mark.text = [t for t, _, _, _ in rows]
                mark.default_size = rows[0][3] if rows else 11
                if kind != "pick":  # centred on the point, as matplotlib's va="center"
                    mark.y_offset = int(round(mark.default_size / 3))
