"""The app as a user meets it: Voila serving notebook 05, driven in headless Debian Chromium.

Playwright's own browser download does not work offline, so the system ``chromium`` is used
(``.ci/run`` installs it; ``DRAMATUNE_CHROMIUM`` may point at another build). Without a
browser these tests fail in CI and are skipped, with the reason shown, elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import video_stream_hash

from dramatune_lib.config import PROJECT_ROOT
from dramatune_lib.media import probe
from dramatune_lib.recommend_and_merge import new_token, voila_command

pytestmark = pytest.mark.browser
TIMEOUT_MS = 90_000
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("DRAMATUNE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        msg = "Debian chromium is not installed (apt-get install chromium) — the browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


def start_voila(log_path, **options):
    """Serve the app on a free loopback port behind a fresh token (``options`` go to
    voila_command); wait until it answers. Returns ``(process, url, log)``: the url carries the
    token, as the link ``make app`` prints does."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(log_path, "w")
    cmd = voila_command(port, token=new_token(), config_dir=log_path.parent, **options)
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    token = __import__("json").loads((log_path.parent / "voila.json").read_text())["Voila"]["token"]
    url = f"http://127.0.0.1:{port}/?token={token}"
    deadline = time.time() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()  # our own loopback server
            return proc, url, log
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f"Voila did not start: see {log.name}")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def app_server(demo, tmp_path_factory):
    proc, url, log = start_voila(tmp_path_factory.mktemp("voila") / "voila.log")
    yield proc, url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server[1]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    ctx = browser.new_context(accept_downloads=True, viewport={"width": 1500, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(app_url, timeout=TIMEOUT_MS)
    pg.get_by_role("button", name="Analyse scene").wait_for()
    yield pg
    ctx.close()


def upload(page, path, button: str = "Upload video") -> None:
    """Choose a file with an upload button, as a user does (ipywidgets builds its <input> off-page)."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))


def pick_point(page, rank: int):
    """The circumplex's point for pick ``rank`` (bqplot keeps each point's name beside it, hidden)."""
    return page.locator(
        ".bqplot .object_grp", has=page.locator("text.dot_text", has_text=re.compile(rf"^{rank}\. "))
    ).locator("path.dot")


def hover_pick(page, rank: int) -> str:
    """Hover a pick on the circumplex, as a user does; returns the tooltip's text."""
    page.mouse.move(0, 0)
    pick_point(page, rank).hover()
    tip = page.locator(".bqplot_mark_tooltip:visible .tooltiptext")
    tip.wait_for()
    return tip.inner_text()


_LABEL_OVERLAPS_JS = """() => {
  const boxes = [...document.querySelectorAll('.bqplot svg.svg-figure text')]
    .filter(t => t.getAttribute('display') !== 'none' && getComputedStyle(t).display !== 'none' && t.textContent)
    .map(t => [t.textContent, t.getBoundingClientRect()]);
  const hits = [];
  for (let i = 0; i < boxes.length; i++) for (let j = 0; j < i; j++) {
    const [a, r] = boxes[i], [b, q] = boxes[j];
    if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom) hits.push(a + '/' + b);
  }
  return [boxes.length, hits];
}"""


def test_circumplex_hover_tells_click_plays_labels_apart(page):
    """Issue #14: hover a point for the track and its reason, click it to hear it; the names on
    the plot, as the browser draws them, do not overlap."""
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    listed = page.locator(".widget-hbox .widget-html").filter(has_text=re.compile(r"^2\. ")).inner_text()
    title, reason = listed.split(" (score")[0], listed.split("\n")[-1]  # "2. Title (score …)\nreason"
    tip = hover_pick(page, 2)
    assert tip.startswith(title) and reason in tip
    count, overlaps = page.evaluate(_LABEL_OVERLAPS_JS)
    assert count >= 13 and overlaps == []  # ten emotion names, the cues, three numbers
    assert page.evaluate("""() => [...document.querySelectorAll('.bqplot path.line')].some(p =>
        getComputedStyle(p).fill === 'rgb(214, 39, 40)' && p.getBBox().width > 5)""")  # the scene's area
    pick_point(page, 2).click()
    page.get_by_text("(clicked on the circumplex)").wait_for()
    assert (
        title.split(". ", 1)[1]
        in page.locator(".widget-html").filter(has_text="clicked on the circumplex").inner_text()
    )
    page.wait_for_function("() => [...document.querySelectorAll('audio')].some(a => !a.paused)")


def test_demo_scene_to_downloaded_video(page, demo, tmp_path):
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    assert page.locator("audio:visible").count() == 3
    page.locator(".bqplot.figure").wait_for(state="visible", timeout=5000)  # the circumplex
    assert page.locator("img:visible").count() >= 1  # the timeline
    page.get_by_role("button", name="Merge").click()
    link = page.locator("a.dramatune-download")
    link.wait_for()
    assert page.locator("video").count() == 2  # the scene as chosen, and the scored scene
    with page.expect_download() as dl:
        link.click()
    out = tmp_path / dl.value.suggested_filename
    dl.value.save_as(out)
    assert out.name == "smile_scored.mp4"
    assert video_stream_hash(out) == video_stream_hash(demo.scenes["smile"])
    assert probe(out).has_audio
    # the temp score for an editing program: timelines, the stem and the cue sheets in one zip
    with page.expect_download() as dl:
        page.locator("a.dramatune-editor").click()
    package = tmp_path / dl.value.suggested_filename
    dl.value.save_as(package)
    import zipfile

    names = set(zipfile.ZipFile(package).namelist())
    assert {
        "smile_scored.otio",
        "smile_scored.xml",
        "smile_scored.edl",
        "smile_scored.music.wav",
        "smile_scored.cues.csv",
        "README.txt",
    } <= names


def test_more_like_this_reranks_and_the_new_picks_play(page):
    """'More like this' on a pick ranks the library again around that track's sound: three new
    picks, none shown before, each saying whom it sounds like; clicked on the circumplex, one plays.
    A pick's own player plays its moment: pressed, it plays a section (at most the index's 20 s,
    the scene being shorter) from where the reason says, not the whole track."""
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    first = page.locator(".widget-html b").filter(has_text=re.compile(r"^\d\. ")).all_inner_texts()
    assert len(first) == 3
    page.get_by_role("button", name="More like this").first.click()
    page.get_by_text("tracks that sound like").wait_for()
    again = page.locator(".widget-html b").filter(has_text=re.compile(r"^\d\. ")).all_inner_texts()
    liked = first[0].split(". ", 1)[1]
    assert len(again) == 3 and not {t.split(". ", 1)[1] for t in again} & {t.split(". ", 1)[1] for t in first}
    assert page.locator("i", has_text=f"sounds like {liked}").count() == 3
    pick_point(page, 1).click()
    page.get_by_text("(clicked on the circumplex)").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('audio')].some(a => !a.paused)")
    row = page.locator(".widget-hbox").filter(has=page.locator(":scope > .widget-html", has_text="plays that moment"))
    row = row.first
    assert re.search(r"from \d+:\d\d, ", row.inner_text())
    player = row.locator("audio")
    player.evaluate("a => { a.muted = true; return a.play(); }")
    page.wait_for_function("a => !a.paused && a.currentTime > 0.5", arg=player.element_handle())
    assert 1 < player.evaluate("a => a.duration") <= 20.1  # a section, not the whole track


def test_upload_analyse_alternatives_merge(page, media):
    upload(page, media / "scene.mp4")
    page.get_by_text("Scene: upload: scene.mp4").wait_for()
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    first = page.locator(".widget-hbox .widget-html b").all_inner_texts()
    assert hover_pick(page, 1).startswith(first[0])
    page.get_by_role("button", name="Show others").click()
    page.get_by_text("other tracks, numbered on the circumplex").wait_for()
    others = page.locator(".widget-hbox .widget-html b").all_inner_texts()
    assert len(others) == 3 and not set(first) & set(others)
    for rank in (1, 2, 3):  # the plot follows the picks: each number marks the track listed with it
        assert hover_pick(page, rank).startswith(others[rank - 1])
    page.get_by_role("button", name="Merge").click()
    page.locator("a.dramatune-download").wait_for()
    assert "scene_scored.mp4" in page.locator("a.dramatune-download").get_attribute("download")


def test_bad_upload_shows_a_readable_message(page, media):
    upload(page, media / "not_a_video.mp4")
    page.get_by_text("not_a_video.mp4: not a video or audio file").wait_for()
    # a refused upload leaves no scene: "Analyse" says what to do instead of analysing the demo
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("choose a demo scene or upload a video first").wait_for()
    # the app is still alive: a demo scene chosen again is analysed
    page.locator("select").first.select_option("night")
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()


def test_upload_larger_than_a_default_websocket_message(page, media):
    big = media / "large_upload.mp4"
    assert big.stat().st_size > 10 * 1024 * 1024
    upload(page, big)
    page.get_by_text("Scene: upload: large_upload.mp4").wait_for()


def test_an_upload_is_written_as_it_arrives_not_held_whole(page, app_server, media, tmp_path):
    """A 64 MB upload travels in slices of 1 MB, each written to disk before the page sends the
    next: the server and its kernels (memory sampled every 0.1 s) grow by a small part of the file,
    not by the file (ipywidgets' FileUpload held it whole, three or four times over)."""
    import threading

    proc, _ = app_server
    big = tmp_path / "long_take.mp4"
    big.write_bytes((media / "scene.mp4").read_bytes() + bytes(64 * 2**20))  # a scene, then padding
    upload(page, media / "scene.mp4")  # a first, small upload: the kernel loads what checking a video needs
    page.get_by_text("Scene: upload: scene.mp4").wait_for()
    peak, done = [0.0], threading.Event()

    def pythons_mb() -> float:  # the server and its kernels; ffmpeg making the preview copy is not them
        import psutil

        tree = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
        return sum(p.memory_info().rss for p in tree if p.is_running() and "python" in p.name()) / 2**20

    def watch():
        while not done.is_set():
            try:
                peak[0] = max(peak[0], pythons_mb())
            except Exception:  # a process ended while it was read
                pass
            time.sleep(0.1)

    before = pythons_mb()
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        upload(page, big)
        page.get_by_text(re.compile(r"Scene: upload: long_take\.mp4|⚠")).wait_for()
    finally:
        done.set()
        watcher.join()
    grew = peak[0] - before
    assert grew < 16, f"the server and kernels grew {grew:.0f} MB for a 64 MB upload"


def test_an_avi_upload_plays_in_the_page(page, media, tmp_path):
    """A browser cannot play an AVI's MPEG-4 part 2 video: the page shows a small H.264 copy, which
    the browser loads (a duration, a picture), and says so under the player."""
    from dramatune_lib.media import ffmpeg_exe

    avi = tmp_path / "phone.avi"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(media / "scene.mp4"), "-c:v", "mpeg4", "-c:a", "pcm_s16le", str(avi)],
        check=True,
    )
    upload(page, avi)
    page.get_by_text("Scene: upload: phone.avi").wait_for()
    page.get_by_text("a small H.264 copy (browsers cannot play mpeg4").wait_for()
    video = page.locator("video").first
    video.wait_for()
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 2.5 && v.videoWidth > 0", arg=video.element_handle())
    page.screenshot(path=str(tmp_path / "avi.png"))


def test_subtitles_upload(page, tmp_path):
    bad = tmp_path / "broken.srt"
    bad.write_text("1\n00:00:01 -> 00:00:02\nno\n")
    upload(page, bad, button="Subtitles")
    page.get_by_text("broken.srt: is not a valid .srt file").wait_for()
    good = tmp_path / "lines.srt"
    good.write_text("1\n00:00:01,000 --> 00:00:04,000\nI love you, this is wonderful!\n")
    upload(page, good, button="Subtitles")
    page.get_by_text("Subtitles: lines.srt").wait_for()
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()


def test_compose_an_original_cue_then_merge(page):
    page.locator("select").first.select_option(label="chase")
    page.get_by_text("Scene: demo: chase").wait_for()
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    page.get_by_role("button", name="Compose original").click()
    page.get_by_text("composed — listen").wait_for()
    assert page.locator("audio:visible").count() == 4  # the three picks and the original
    page.get_by_role("button", name="Merge").click()
    link = page.locator("a.dramatune-download")
    link.wait_for()
    assert "chase_scored.mp4" in link.get_attribute("download")


def test_plan_a_clip_scene_by_scene_then_merge(page):
    from dramatune_lib.recommend_and_merge import CLIP_NAME

    page.locator("select").first.select_option(label=CLIP_NAME)
    page.get_by_text(f"Scene: demo: {CLIP_NAME}").wait_for()
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    page.get_by_role("button", name="Plan scene by scene").click()
    page.get_by_text("3 scene(s), a track each").wait_for()  # the plan, drawn as a timeline, before any export
    page.get_by_role("button", name="Score scene by scene").click()
    link = page.locator("a.dramatune-download")
    link.wait_for()
    assert "clip_scored_per_scene.mp4" in link.get_attribute("download")


def test_index_your_own_music_folder(page, browser, app_url, small_library, tmp_path):
    """A student types their music folder, indexes it (progress, then what was skipped), and the
    picks come from it; their browser's next visit opens with it, another browser's does not."""
    import shutil

    mine = tmp_path / "My Music"
    mine.mkdir()
    for f in sorted(small_library.glob("*.ogg")):
        shutil.copy(f, mine / f.name)
    field = page.get_by_label("Music folder")
    field.fill(str(mine))
    page.get_by_role("button", name="Index folder").click()
    page.get_by_text("Music: 3 tracks from").wait_for()
    assert "1 skipped" in page.get_by_text("tracks in").inner_text()  # broken.ogg, with its reason
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    titles = page.locator("b").all_inner_texts()
    assert any("cue 0" in t or "cue 1" in t or "cue 2" in t for t in titles), titles
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("button", name="Analyse scene").wait_for()
    assert page.get_by_label("Music folder").input_value() == str(mine)
    other = browser.new_context()  # another browser (another student): its own folder, not this one's
    try:
        pg = other.new_page()
        pg.goto(app_url, timeout=TIMEOUT_MS)
        pg.get_by_role("button", name="Analyse scene").wait_for(timeout=TIMEOUT_MS)
        assert pg.get_by_label("Music folder").input_value() != str(mine)
    finally:
        other.close()


def _kernels(server_pid: int) -> list:
    """The server's kernel processes still running (one that has just exited, or is a zombie
    waiting to be reaped, is not)."""
    import psutil

    def is_kernel(p) -> bool:
        try:
            return p.status() != psutil.STATUS_ZOMBIE and any("ipykernel" in part for part in p.cmdline())
        except psutil.Error:
            return False

    return [p for p in psutil.Process(server_pid).children(recursive=True) if is_kernel(p)]


def _tree_mb(pid: int) -> float:
    """Resident memory of a process and its living children, MB."""
    import psutil

    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def test_closed_tabs_free_their_kernels(browser, demo, tmp_path):
    """Four page loads start four kernels; once the tabs close, the server shuts them down (here
    after 4 s idle; the app's own setting is recommend_and_merge.KERNEL_IDLE_CULL_S) and their memory is back."""

    proc, url, log = start_voila(tmp_path / "voila.log", cull_idle=4, cull_interval=2)
    try:
        pages = []
        for _ in range(4):
            pg = browser.new_page()
            pg.set_default_timeout(TIMEOUT_MS)
            pg.goto(url, timeout=TIMEOUT_MS)
            pg.get_by_role("button", name="Analyse scene").wait_for()
            pages.append(pg)
        held = _kernels(proc.pid)
        assert len(held) >= 4
        kernels_mb = sum(k.memory_info().rss for k in held) / 2**20
        serving_mb = _tree_mb(proc.pid)
        for pg in pages:
            pg.close()
        deadline = time.time() + 60
        while _kernels(proc.pid) and time.time() < deadline:
            time.sleep(1)
        left = _kernels(proc.pid)
        assert not left, f"{len(left)} kernels still running a minute after their tabs closed"
        # the server and what is left of its children gave back at least three quarters of what
        # the four kernels held
        assert _tree_mb(proc.pid) < serving_mb - 0.75 * kernels_mb
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


_CUT_OFF_JS = """() => [...document.querySelectorAll('.widget-label, button, .widget-toggle-button, label')]
  .filter(e => e.offsetParent !== null && e.innerText.trim() && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText.trim())"""
_BROKEN_JS = """() => [...document.querySelectorAll('img')]
  .filter(i => i.offsetParent !== null && !(i.complete && i.naturalWidth > 0)).length"""


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_first_view_has_no_cut_off_text_or_broken_images(browser, app_url, size, tmp_path):
    """The page as it opens and after an analysis, at a laptop's and a desktop's size: every label
    and button shows its whole text, no image is a broken placeholder. The screenshots land in
    $DRAMATUNE_SCREENSHOTS when set (``make screenshot`` writes the README's there)."""
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(app_url, timeout=TIMEOUT_MS)
        page.get_by_role("button", name="Analyse scene").wait_for()
        page.wait_for_timeout(500)
        assert page.evaluate(_CUT_OFF_JS) == []
        assert page.evaluate(_BROKEN_JS) == 0
        page.get_by_role("button", name="Analyse scene").click()
        page.get_by_text("done — listen").wait_for()
        page.wait_for_timeout(500)
        assert page.evaluate(_CUT_OFF_JS) == []
        assert page.evaluate(_BROKEN_JS) == 0
        folder = os.environ.get("DRAMATUNE_SCREENSHOTS")
        shot = (tmp_path if not folder else __import__("pathlib").Path(folder)) / f"app-{size[0]}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        ctx.close()


# --- safe to serve: what a page in another tab, or another machine, cannot do --------------------


def _split(url: str) -> tuple[str, str]:
    """The server's base URL and its token, from a link that carries it."""
    base, _, token = url.partition("?token=")
    return base, token


def test_a_visitor_without_the_token_is_sent_to_log_in_and_starts_no_kernel(app_server):
    """A request of the page without the token (a cross-site GET, say) gets the login form, not
    the app: no kernel starts, no notebook runs."""
    proc, url = app_server
    base, token = _split(url)
    before = len(_kernels(proc.pid))
    for _attempt in range(3):
        with urllib.request.urlopen(base, timeout=30) as r:  # our own loopback server
            assert "/login" in r.geturl() and "token" in r.read().decode().lower()
    time.sleep(2)
    assert len(_kernels(proc.pid)) <= before
    wrong = urllib.request.urlopen(f"{base}?token={token[::-1]}", timeout=30)
    assert "/login" in wrong.geturl()


def test_a_foreign_host_header_is_refused(app_server):
    """A page that rebinds its own domain to 127.0.0.1 sends that domain as the Host: refused
    (403), even with the token; this machine's own names pass."""
    import urllib.error

    _, url = app_server
    port = url.split(":")[2].split("/")[0]
    for host in (f"evil.example:{port}", "evil.example"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, headers={"Host": host}), timeout=30)
        assert refused.value.code == 403
    ok = urllib.request.urlopen(urllib.request.Request(url, headers={"Host": f"localhost:{port}"}), timeout=120)
    assert ok.status == 200


def _visit(url: str) -> tuple[str, str]:
    """Load the app's page as a browser does (its kernel starts and runs the notebook): the
    kernel's websocket address and the visitor's cookies."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(url, timeout=120).read().decode()
    kernel = re.search(r'"kernelId": "([0-9a-f-]{36})"', html).group(1)
    base, _ = _split(url)
    ws = base.replace("http://", "ws://").rstrip("/") + f"/api/kernels/{kernel}/channels"
    return ws, "; ".join(f"{c.name}={c.value}" for c in jar)


def _on_own_loop(coro):
    """Run ``coro`` on a thread of its own: the browser's driver holds this thread's event loop."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_a_websocket_from_another_origin_is_refused(app_server):
    """With the visitor's own cookie and a real kernel, a websocket opened from another site's
    page (its Origin) is refused; from the app's own origin it opens."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    _, url = app_server
    base, _ = _split(url)
    ws, cookie = _visit(url)

    async def connect(origin: str):
        conn = await websocket_connect(HTTPRequest(ws, headers={"Origin": origin, "Cookie": cookie}))
        conn.close()

    with pytest.raises(HTTPClientError) as refused:
        _on_own_loop(connect("http://evil.example"))
    assert refused.value.code == 403
    _on_own_loop(connect(base.rstrip("/")))


def test_an_upload_over_the_limit_is_refused_before_the_server_holds_it(app_server):
    """An upload travels to the kernel in slices of 1 MB, so the server takes no websocket
    message larger than a slice and its framing. A 220 MB message (sent here as a page could, from
    the app's origin with the visitor's cookie) is refused by the server at its length, before it
    holds the bytes: the server and its kernels never grow by its size (their
    memory sampled every 0.1 s), the socket is closed as "message too big" (1009) and the kernel
    lives on. The page says the limit beside the upload button."""
    import threading

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import WebSocketClosedError, websocket_connect

    from dramatune_lib.recommend_and_merge import MAX_UPLOAD_MB

    proc, url = app_server
    base, _ = _split(url)
    ws, cookie = _visit(url)
    kernel_id = ws.split("/api/kernels/")[1].split("/")[0]
    ours = [k for k in _kernels(proc.pid) if any(kernel_id in part for part in k.cmdline())]  # this visit's kernel
    assert len(ours) == 1
    size = (MAX_UPLOAD_MB + 20) * 2**20
    message = bytes(size)
    peak, done = [0.0], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_mb(proc.pid))
            time.sleep(0.1)

    async def send():
        conn = await websocket_connect(HTTPRequest(ws, headers={"Origin": base.rstrip("/"), "Cookie": cookie}))
        try:
            await conn.write_message(message, binary=True)
        except WebSocketClosedError:
            pass  # closed by the server while the message was still being written
        while await conn.read_message() is not None:
            pass
        return conn.close_code

    before = _tree_mb(proc.pid)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        code = _on_own_loop(send())
        time.sleep(2)
    finally:
        done.set()
        watcher.join()
    grew = peak[0] - before
    assert grew < 0.1 * size / 2**20, f"the server grew {grew:.0f} MB for a {size / 2**20:.0f} MB message"
    assert code in (1009, None)  # 1009, or the connection cut before the close frame was read
    assert ours[0].is_running() and ours[0] in _kernels(proc.pid)  # the visit's kernel did not die of it
    # (other tests' kernels may be culled meanwhile: their tabs are closed)


def test_the_dialogue_heard_is_shown_and_downloads_as_subtitles(page, spoken_scene, tmp_path):
    """A scene of recorded speech without subtitles, analysed with "Hear the dialogue" ticked:
    the page shows what was heard, line by line with the recogniser's confidence, and downloads
    it as an .srt an editor can import."""
    upload(page, spoken_scene)
    page.get_by_text("Scene: upload: said.mp4").wait_for()
    page.get_by_text("Hear the dialogue").click()
    page.get_by_role("button", name="Analyse scene").click()
    page.get_by_text("done — listen").wait_for()
    page.get_by_text("The dialogue as heard").wait_for()
    assert "thank you" in page.locator("details").first.inner_text()
    with page.expect_download() as dl:
        page.locator("a.dramatune-transcript").click()
    out = tmp_path / dl.value.suggested_filename
    dl.value.save_as(out)
    import srt

    subs = list(srt.parse(out.read_text()))
    assert (
        out.name == "said_heard.srt" and subs[0].content.startswith("thank you") and subs[0].start.total_seconds() < 1.5
    )
