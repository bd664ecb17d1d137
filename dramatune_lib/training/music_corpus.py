"""Stage 03 · the music-emotion corpus: Debian game soundtracks labelled by where each game plays each piece."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import feature_extraction
from .debian import fetch_debian

#: Where a game plays a piece (its context group), and the circumplex side that place implies:
#: (valence sign, arousal sign), 0 where the place says nothing of that axis. A battle or boss
#: fight is tense (unpleasant, aroused); a victory or a hero's arrival bright and aroused; a
#: blessing, a town or a safe room, or the peace-time music of a strategy game, calm and pleasant;
#: background and exploration music calm, its valence unknown; a dungeon or a cave gloomy; a
#: defeat or lament sad; a game's ending music (won or lost) says only the valence.
CONTEXT_VA: dict[str, tuple[int, int]] = {
    "combat": (-1, 1),
    "tension": (-1, 1),
    "victory": (1, 1),
    "peace": (1, -1),
    "ambient": (0, -1),
    "gloom": (-1, -1),
    "lament": (-1, -1),
    "defeat": (-1, -1),
    "win": (1, 0),
    "lose": (-1, 0),
}


#: Where a label is only a sign (a game context), the target is this far out on its axis.
SIGN_TARGET = 0.6


def _lordsawar_contexts(root: Path) -> dict[str, str]:
    # music/music.xml names each piece by the game event that plays it; back1 is the one marked
    # <d_background>true</d_background>; intro (the title screen) says nothing of mood
    return {
        "battle": "combat",
        "defeat": "defeat",
        "victory": "victory",
        "hero": "victory",
        "bless": "peace",
        "back1": "ambient",
    }


def _flare_contexts(root: Path) -> dict[str, str]:
    # the file names are the places the game's maps play them; title, overworld and magical say
    # nothing of mood
    return {
        "battle_theme": "combat",
        "boss_theme": "combat",
        "unrest_theme": "tension",
        "town_theme": "peace",
        "safe_room_theme": "peace",
        "forest_theme": "ambient",
        "wind_ambient": "ambient",
        "dungeon_theme": "gloom",
        "cave_theme": "gloom",
    }


def _singularity_contexts(root: Path) -> dict[str, str]:
    # the game plays music/win/ when the player wins and music/lose/ when they lose
    music = root / "usr/share/games/singularity/music"
    return {
        **{f.stem: "win" for f in (music / "win").glob("*.ogg")},
        **{f.stem: "lose" for f in (music / "lose").glob("*.ogg")},
    }


def _hedgewars_contexts(root: Path) -> dict[str, str]:
    # the engine's default sudden-death music (Music/credits.txt: sdmusic.ogg, "Hitman [sheepluva
    # edit]") and each theme's own `sd-music` (Data/Themes/*/theme.cfg): the tenser variant a
    # match switches to when its time runs out. hell.ogg is a theme's music in some themes and
    # sudden death in others: it stays unlabelled, as does every theme's ordinary music
    data = root / "usr/share/games/hedgewars/Data"
    music: set[str] = set()
    sudden = {"sdmusic"}
    for cfg in (data / "Themes").glob("*/theme.cfg"):
        for line in cfg.read_text(errors="replace").splitlines():
            key, _, value = (x.strip() for x in line.partition("="))
            if key in ("music", "sd-music") and value:
                (sudden if key == "sd-music" else music).add(Path(value).stem)
    return {k: "tension" for k in sudden - music}


def _lua_lists(text: str, name: str) -> set[str]:
    """Every string in every ``name = { ... }`` table of a Lua file (nested tables included)."""
    out: set[str] = set()
    for m in re.finditer(r"(?<![\w.])" + name + r"\s*=\s*\{", text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out |= set(re.findall(r'"([^"]+)"', text[m.end() : i]))
    return out


def _naev_contexts(root: Path) -> dict[str, str]:
    # dat/snd/music.lua: the combat lists (a hostile ship on screen) against the ambient lists
    # (flying in peace), neutral and per faction; faction names in the tables are not files
    text = (root / "usr/share/naev/dat/snd/music.lua").read_text()
    files = {f.stem for f in (root / "usr/share/naev/dat/snd/music").glob("*.ogg")}
    combat = (_lua_lists(text, "combat") | _lua_lists(text, "factional_combat")) & files
    ambient = (
        _lua_lists(text, "ambient") | _lua_lists(text, "ambient_neutral") | _lua_lists(text, "factional")
    ) & files
    return {**{k: "ambient" for k in ambient - combat}, **{k: "combat" for k in combat - ambient}}


def _0ad_contexts(root: Path) -> dict[str, str]:
    # gui/common/music.js (the default playlists) and simulation/data/civs/*.json (each
    # civilisation's peace music) inside public.zip; every piece of its audio/music/ (the labelled
    # ones and the rest, for the whole-soundtrack benchmark) is unpacked beside it

    zpath = root / "usr/share/games/0ad/mods/public/public.zip"
    out_dir = root / "music"
    with zipfile.ZipFile(zpath) as z:
        text = z.read("gui/common/music.js").decode()
        found: dict[str, str] = {}
        for kind, group in (("PEACE", "peace"), ("BATTLE", "combat"), ("VICTORY", "victory"), ("DEFEAT", "defeat")):
            m = re.search(rf"DEFAULT_{kind}_TRACKS\s*=\s*\[(.*?)\]", text, re.S)
            for f in re.findall(r'"([^"]+\.ogg)"', m.group(1)) if m else []:
                found[f] = group
        for name in z.namelist():
            if name.startswith("simulation/data/civs/") and name.endswith(".json"):
                for music in json.loads(z.read(name)).get("Music", []):
                    context = {"peace": "peace", "battle": "combat", "victory": "victory", "defeat": "defeat"}.get(
                        music.get("Type", "")
                    )
                    if context and music.get("File"):
                        found.setdefault(music["File"], context)
        out_dir.mkdir(exist_ok=True)
        for name in z.namelist():
            target = out_dir / Path(name).name
            if name.startswith("audio/music/") and name.endswith(".ogg") and not target.exists():
                tmp = target.with_suffix(".part")
                tmp.write_bytes(z.read(name))
                tmp.replace(target)
    return {Path(f).stem: g for f, g in found.items() if (out_dir / f).exists()}


@dataclass(frozen=True)
class Soundtrack:
    """A Debian game soundtrack whose game says where each piece plays."""

    package: str
    music: str  # glob of the music files inside the unpacked package
    licence: str
    labels_from: str  # the game file the context labels are read from
    contexts: Callable[[Path], dict[str, str]]  # unpacked root -> {file stem: context group}
    full_only: bool = False  # too large to fetch in fast mode (CI)


#: Every Debian soundtrack with honest context labels (see ``data/README.md``). Not used, ever:
#: ``wesnoth-*-music`` and ``ufoai-music``, kept aside as an independent check of this work.
SOUNDTRACKS: tuple[Soundtrack, ...] = (
    Soundtrack(
        "lordsawar-data",
        "usr/share/games/lordsawar/music/*.ogg",
        "GPL-3+",
        "music/music.xml (the event that plays each piece)",
        _lordsawar_contexts,
    ),
    Soundtrack(
        "flare-game",
        "usr/share/games/flare/mods/fantasycore/music/*.ogg",
        "CC-BY-SA-3.0",
        "the music file names the game's maps play",
        _flare_contexts,
    ),
    Soundtrack(
        "singularity-music",
        "usr/share/games/singularity/music/**/*.ogg",
        "CC-BY-SA-3.0",
        "the win/ and lose/ folders",
        _singularity_contexts,
    ),
    Soundtrack(
        "naev-data",
        "usr/share/naev/dat/snd/music/*.ogg",
        "GPL-2+ / CC-BY(-SA), per file",
        "dat/snd/music.lua (combat and ambient lists)",
        _naev_contexts,
    ),
    Soundtrack(
        "hedgewars-data",
        "usr/share/games/hedgewars/Data/Music/*.ogg",
        "GPL-2 (music: per file, Data/Music/credits.txt)",
        "Data/Themes/*/theme.cfg (sd-music) and the engine's default sudden-death music",
        _hedgewars_contexts,
        full_only=True,
    ),
    Soundtrack(
        "0ad-data",
        "music/*.ogg",
        "CC-BY-SA-3.0",
        "gui/common/music.js and simulation/data/civs/*.json in public.zip",
        _0ad_contexts,
        full_only=True,
    ),
)


@dataclass
class MusicClip:
    """One labelled music file; ``arousal`` is None where the label says nothing of it."""

    path: str
    valence: float | None
    arousal: float | None
    kind: str  # "recording" | "render" | "composed"
    source: str
    licence: str
    group: str = ""  # a recording's context group (:data:`CONTEXT_VA`)
    title: str = ""


def soundtrack_clips(full: bool = False, *, whole: bool = False) -> list[MusicClip]:
    """The Debian soundtracks of :data:`SOUNDTRACKS` with their game-context labels
    (the large ones only when ``full``). ``source`` is the package, the benchmark's "game".
    ``whole`` adds every other music file each package ships, unlabelled (``group`` ""): a whole
    soundtrack as a user's library holds it, for the matcher's benchmark.

    Notebook: 03_training.ipynb
    """
    clips = []
    for st in SOUNDTRACKS:
        if st.full_only and not full:
            continue
        root = fetch_debian(st.package)
        if root is None:
            continue
        groups = st.contexts(root)
        for f in sorted(root.glob(st.music)):
            group = groups.get(f.stem)
            if not group and whole:
                clips.append(MusicClip(str(f), None, None, "recording", st.package, st.licence, title=f.stem))
            elif group:
                sv, sa = CONTEXT_VA[group]
                clips.append(
                    MusicClip(
                        str(f),
                        SIGN_TARGET * sv if sv else None,
                        SIGN_TARGET * sa if sa else None,
                        "recording",
                        st.package,
                        st.licence,
                        group=group,
                        title=f.stem,
                    )
                )
    return clips


def soundtrack_features(clips: list[MusicClip], n_jobs: int = -1, progress: bool = False):
    """Each clip's :class:`TrackFeatures` (measured once, then cached by path, size and time); a clip
    that cannot be analysed is dropped with its reason printed. Returns ``(clips, features)``.

    Used by: :mod:`evaluation.real_music`, :mod:`solutions.s03_training`, :mod:`training.music_model`
    """
    feats = feature_extraction.cached_track_features([c.path for c in clips], n_jobs=n_jobs, progress=progress)
    kept = [(c, f) for c, f in zip(clips, feats) if f is not None]
    return [c for c, _ in kept], [f for _, f in kept]
