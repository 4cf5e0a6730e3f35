"""The web studio in a real browser: Debian's Chromium driven by Playwright.

A real ``serve`` process (with the composer and the test models) on loopback, one browser
for the module and one browser context per test (its own localStorage, so its own key).
Set ``STUDIO_SCREENSHOTS=1`` to refresh the pictures in docs/images from this run.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.service.live import ROOT, LiveServer, create_key

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
CHROMIUM = os.environ.get("MUSICGEN_TEST_CHROMIUM") or shutil.which("chromium") or ""
if not CHROMIUM or not Path(CHROMIUM).exists():
    pytest.skip(
        "Chromium is not installed (apt-get install chromium, or set MUSICGEN_TEST_CHROMIUM)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.slow

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The tests start playback from script, not from a click on the native controls.
    "--autoplay-policy=no-user-gesture-required",
]
KEY_STORAGE = "musicgen.apiKey"
IMAGES = ROOT / "docs" / "images"
TIMEOUT_MS = 60_000

# Counts the pixels of each part colour (from the legend) in the piano-roll canvas.
ROLL_PIXELS = """() => {
  const canvas = document.getElementById("roll");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = {};
  for (const item of document.querySelectorAll("#legend span")) counts[item.dataset.color] = 0;
  for (let i = 0; i < data.length; i += 4) {
    const hex = "#" + [data[i], data[i + 1], data[i + 2]]
      .map((v) => v.toString(16).padStart(2, "0")).join("");
    if (hex in counts) counts[hex] += 1;
  }
  return counts;
}"""


def wait_until(page: Any, expression: str, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Poll a JavaScript expression until it is true (a guard, not a timing assertion).

    Playwright's wait_for_function evaluates strings inside the page, which the page's
    Content-Security-Policy forbids (no eval); page.evaluate is not subject to it.
    """
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:g} s: {expression}")
        page.wait_for_timeout(50)


class Page:
    """A studio page and what it logged."""

    def __init__(self, page: Any, server: LiveServer, key: str | None = None) -> None:
        self.page = page
        self.server = server
        self.key = key
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("websocket", lambda ws: self.urls.append(ws.url))
        page.set_default_timeout(TIMEOUT_MS)

    def open(self) -> Page:
        self.page.goto(f"{self.server.url}/")
        return self

    def generate(self, prompt: str, *, duration: float = 3, seed: int = 7, **extra: Any) -> None:
        page = self.page
        page.wait_for_selector("#model option:not([disabled])", state="attached")
        page.fill("#prompt", prompt)
        page.fill("#duration", str(duration))
        page.fill("#seed", str(seed))
        if "model" in extra:
            page.select_option("#model", extra["model"])
        page.click("#generate-button")

    def shot(self, name: str, target: Any | None = None, shots: Path | None = None) -> None:
        assert shots is not None
        (target or self.page).screenshot(path=str(shots / name))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("studio"), module="tests.service.with_test_engines")
    live.start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/images with STUDIO_SCREENSHOTS=1, else a temporary folder."""
    if os.environ.get("STUDIO_SCREENSHOTS") == "1":
        IMAGES.mkdir(parents=True, exist_ok=True)
        return IMAGES
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def open_page(browser: Any, server: LiveServer) -> Iterator[Callable[..., Page]]:
    """Opens the studio in a fresh browser context, with a key of its own unless told."""
    contexts: list[Any] = []

    def make(key: str | None = "new", width: int = 1200, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        if key == "new":
            key = create_key(server.env)
        if key:
            context.add_init_script(f"localStorage.setItem({KEY_STORAGE!r}, {key!r})")
        return Page(context.new_page(), server, key)

    yield make
    for context in contexts:
        context.close()


def _api(server: LiveServer, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


def test_first_visit_asks_for_the_key_once_and_never_puts_it_in_a_url(
    open_page: Callable[..., Page], server: LiveServer, shots: Path
) -> None:
    studio = open_page(key=None).open()
    page = studio.page
    page.wait_for_selector("#key-dialog[open]")
    studio.shot("studio-key.png", page.locator("#key-dialog"), shots)
    page.fill("#key-input", "not-a-key")
    page.click("#key-dialog button[type=submit]")
    assert "not an API key" in page.inner_text("#key-error")

    key = create_key(server.env)
    page.fill("#key-input", key)
    page.click("#key-dialog button[type=submit]")
    page.wait_for_selector("#key-dialog:not([open])", state="attached")
    page.wait_for_selector("#model option", state="attached")
    with _api(server, key) as api:
        models = api.get("/models").json()["models"]
    options = page.eval_on_selector_all(
        "#model option", "os => os.map(o => [o.value, o.disabled, o.textContent])"
    )
    assert [(name, disabled) for name, disabled, _ in options] == [
        (m["name"], not m["available"]) for m in models
    ]
    missing = next(text for name, _, text in options if name == "test-missing")
    assert "unavailable" in missing
    assert page.eval_on_selector("#model", "s => s.value") == "composer"

    # The key stays in the browser: a reload does not ask again.
    page.reload()
    page.wait_for_selector("#model option", state="attached")
    assert not page.eval_on_selector("#key-dialog", "d => d.open")
    assert not [url for url in studio.urls if key in url]
    assert studio.errors == []


def test_generate_plays_the_audio_and_draws_the_notes(
    open_page: Callable[..., Page], shots: Path
) -> None:
    studio = open_page().open()
    page = studio.page
    studio.generate("Upbeat jazz trio with walking bass and zorblax", duration=4, seed=7)
    page.wait_for_selector("#result:not([hidden])")
    page.wait_for_selector("#legend span")

    counts = page.evaluate(ROLL_PIXELS)
    assert len(counts) >= 2, counts
    assert all(n > 0 for n in counts.values()), counts
    plan = page.inner_text("#plan")
    assert "jazz" in plan
    assert "zorblax" in page.inner_text("#plan .words")
    assert page.eval_on_selector("#waveform", "c => c.width") > 0

    page.evaluate("document.getElementById('player').play()")
    wait_until(page, "document.getElementById('player').currentTime > 0.3")
    # One playhead, from the player's clock, moves over the waveform and the piano roll.
    wait_until(page, "window.studio.wave.lastShown > 0.3 && window.studio.roll.lastShown > 0.3")
    studio.shot("studio.png", shots=shots)
    page.evaluate("document.getElementById('player').pause()")
    assert studio.errors == []


def test_listen_while_it_is_made(open_page: Callable[..., Page]) -> None:
    studio = open_page().open()
    page = studio.page
    page.check("#listen-live")
    studio.generate("Calm piano melody", duration=3, seed=2)
    wait_until(
        page,
        "window.studio.state.streamedChunks > 0"
        " && window.studio.audioContext().state === 'running'",
    )
    start = page.evaluate("window.studio.audioContext().currentTime")
    wait_until(page, f"window.studio.audioContext().currentTime > {start} + 0.2")
    # The stored file replaces the stream in the player once the stream completes.
    wait_until(page, "document.getElementById('player').src.startsWith('blob:')")
    assert "Streamed 3.0 s" in page.inner_text("#live-status")
    # The streamed piece has its notes and plan too.
    page.wait_for_selector("#legend span")
    assert page.inner_text("#plan")
    assert not [url for url in studio.urls if str(studio.key) in url]
    assert studio.errors == []


def test_live_session_plays_and_follows_steers(open_page: Callable[..., Page], shots: Path) -> None:
    studio = open_page().open()
    page = studio.page
    page.wait_for_selector("#model option", state="attached")
    page.fill("#adaptive-prompt", "calm exploration music with piano")
    page.click("#adaptive-start")
    wait_until(
        page,
        "window.studio.live.played > 2 && window.studio.audioContext().state === 'running'",
    )
    start = page.evaluate("window.studio.audioContext().currentTime")
    wait_until(page, f"window.studio.audioContext().currentTime > {start} + 0.3")
    assert page.inner_text("#adaptive-plan [data-field=intensity]") == "0.30"
    assert page.inner_text("#adaptive-plan [data-field=genre]")

    # The slider with the keyboard: one change, one steer, shown when it takes effect.
    page.select_option("#adaptive-at", "beat")
    page.focus("#adaptive-intensity")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    wait_until(page, "window.studio.live.lastSteer?.plan.intensity > 0.79")
    answer = page.evaluate("window.studio.live.lastSteer")
    assert answer["plan"]["intensity"] == pytest.approx(0.8)
    assert answer["at"] == "beat"
    assert answer["effect_frame"] > answer["position_frame"]
    steer = page.locator("#adaptive-steers li").first
    effect_s = answer["effect_frame"] / 44100
    assert f"at {effect_s:.2f} s" in steer.inner_text()
    assert "intensity 0.80" in steer.inner_text()
    wait_until(
        page,
        "document.querySelector('#adaptive-plan [data-field=intensity]')?.textContent === '0.80'",
    )

    # A mood button steers to its prompt; a bad key is refused and the music plays on.
    page.click("#adaptive .mood:has-text('Tense')")
    newest = "document.querySelector('#adaptive-steers li').textContent"
    wait_until(page, f"{newest}.includes('tense') && {newest}.includes(' s after')")
    assert page.get_attribute("#adaptive .mood:has-text('Tense')", "aria-pressed") == "true"
    page.fill("#adaptive-key", "H minor")
    page.click("#adaptive-steer")
    page.wait_for_selector("#adaptive-error:not([hidden])")
    assert "H minor" in page.inner_text("#adaptive-error")
    assert "not changed" in page.inner_text("#adaptive-steers li.failed")
    played = page.evaluate("window.studio.live.played")
    wait_until(page, f"window.studio.live.played > {played}")
    studio.shot("studio-live.png", page.locator("#adaptive"), shots)

    page.click("#adaptive-end")
    page.wait_for_selector("#adaptive-status:has-text('Ended after')")
    page.wait_for_selector("#adaptive-start:not([disabled])")
    assert page.is_disabled("#adaptive-stop")
    assert not [url for url in studio.urls if str(studio.key) in url]
    assert studio.errors == []


def test_live_session_stop_now_and_a_refused_start(open_page: Callable[..., Page]) -> None:
    studio = open_page().open()
    page = studio.page
    page.wait_for_selector("#model option", state="attached")
    page.fill("#adaptive-prompt", "   ")
    page.click("#adaptive-start")
    page.wait_for_selector("#adaptive-error:not([hidden])")
    assert "prompt" in page.inner_text("#adaptive-error").lower()
    page.wait_for_selector("#adaptive-start:not([disabled])")

    page.fill("#adaptive-prompt", "tense battle music")
    page.keyboard.press("Enter")  # Enter in the prompt starts the session
    wait_until(page, "window.studio.live.played > 0")
    page.click("#adaptive-stop")
    page.wait_for_selector("#adaptive-status:has-text('Stopped')")
    # Nothing scheduled is left to play.
    wait_until(page, "window.studio.live.sources.size === 0")
    page.wait_for_selector("#adaptive-start:not([disabled])")
    assert studio.errors == []


def test_cancel(open_page: Callable[..., Page], server: LiveServer) -> None:
    studio = open_page().open()
    page = studio.page
    studio.generate("a slow one", duration=2, model="test-slow")
    page.wait_for_selector("#status:has-text('Generating')")
    page.click("#cancel-button")
    page.wait_for_selector("#status:has-text('Cancelled.')")
    assert page.is_disabled("#cancel-button")
    assert page.is_enabled("#generate-button")
    page.wait_for_selector("#history-list li .status-cancelled")

    # While listening: the stream stops and so does the sound.
    page.check("#listen-live")
    studio.generate("a long calm piano piece", duration=300, model="composer")
    wait_until(page, "window.studio.state.streamedChunks > 0")
    page.click("#cancel-button")
    page.wait_for_selector("#status:has-text('Cancelled.')")
    assert page.inner_text("#live-status") == "Stopped."
    assert studio.errors == []


def test_stem_mute_and_solo_change_the_mix(open_page: Callable[..., Page], shots: Path) -> None:
    studio = open_page().open()
    page = studio.page
    page.check("#use-stems")
    page.wait_for_selector("#mix-preset option[value=jazz_club]", state="attached")
    page.select_option("#mix-preset", "jazz_club")
    studio.generate("Swing jazz", duration=3, seed=4)
    page.wait_for_selector("#stems:not([hidden]) .stem")
    level = "Number(document.getElementById('stems-level').dataset.db)"
    wait_until(page, f"Number.isFinite({level})")
    full = page.evaluate(level)
    assert page.locator("#stem-rows .stem").count() == 3

    page.click("button[aria-label='Mute piano']")
    wait_until(page, f"{level} < {full} - 0.1")
    without_piano = page.evaluate(level)
    page.click("button[aria-label='Mute bass']")
    page.click("button[aria-label='Mute drums']")
    wait_until(page, f"{level} === -Infinity")
    assert "silent" in page.inner_text("#stems-level")

    for name in ("piano", "bass", "drums"):
        page.click(f"button[aria-label='Mute {name}']")
    page.click("button[aria-label='Solo drums']")
    wait_until(page, f"{level} < {full} - 0.1")
    assert page.evaluate(level) != without_piano

    # Live playback of the stems runs on the page's AudioContext.
    page.click("#stems-play")
    wait_until(page, "window.studio.mixer.time() > 0.2")
    assert page.evaluate("window.studio.audioContext().state") == "running"
    studio.shot("studio-stems.png", page.locator("#stems"), shots)
    page.click("#stems-stop")
    assert studio.errors == []


def test_history_shows_only_the_callers_tasks(
    open_page: Callable[..., Page], server: LiveServer, shots: Path
) -> None:
    mine, theirs = create_key(server.env), create_key(server.env)
    with _api(server, theirs) as api:
        their_id = api.post(
            "/generate", json={"prompt": "their private tune", "duration": 1, "model": "test-tone"}
        ).json()["task_id"]
    with _api(server, mine) as api:
        my_ids = [
            api.post(
                "/generate",
                json={"prompt": f"my tune {k}", "duration": 1, "model": "test-tone", "seed": k},
            ).json()["task_id"]
            for k in range(3)
        ]
    studio = open_page(key=mine).open()
    page = studio.page
    page.wait_for_selector("#history-list li")
    wait_until(page, "document.querySelectorAll('#history-list li').length === 3")
    listed = page.eval_on_selector_all("#history-list li", "ls => ls.map(l => l.dataset.taskId)")
    assert listed == list(reversed(my_ids))
    assert their_id not in listed
    assert "their private tune" not in page.content()
    studio.shot("studio-history.png", page.locator("#history"), shots)

    delete = page.locator(f"#history-list li[data-task-id='{my_ids[0]}'] button.danger")
    delete.click()
    delete.click()
    wait_until(page, "document.querySelectorAll('#history-list li').length === 2")
    with _api(server, mine) as api:
        assert api.get(f"/generate/{my_ids[0]}").status_code == 404
    assert studio.errors == []


def test_a_bad_prompt_shows_the_apis_message(
    open_page: Callable[..., Page], server: LiveServer
) -> None:
    studio = open_page().open()
    page = studio.page
    page.wait_for_selector("#model option:not([disabled])", state="attached")
    page.focus("#prompt")
    page.keyboard.type("   ")
    page.fill("#duration", "2")
    # Enter in a field submits the form: no mouse needed.
    page.focus("#duration")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error:not([hidden])")
    with _api(server, str(studio.key)) as api:
        answer = api.post("/generate", json={"prompt": "   ", "duration": 2})
    assert answer.status_code == 400
    assert page.inner_text("#error") == answer.json()["error"]["message"]
    # The browser reports the 400 answer itself; nothing else went wrong.
    assert [e for e in studio.errors if "status of 400" not in e] == []


def test_readable_at_360_px(open_page: Callable[..., Page], shots: Path) -> None:
    studio = open_page(width=360, height=740).open()
    page = studio.page
    page.wait_for_selector("#model option", state="attached")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Every control has a name a screen reader can read.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
          .filter(e => !e.closest('[hidden]') && !e.labels?.length
                  && !e.getAttribute('aria-label') && !e.textContent.trim())
          .map(e => e.outerHTML)"""
    )
    assert unnamed == []
    studio.shot("studio-mobile.png", shots=shots)
    assert studio.errors == []


def test_docs_and_redoc_render_offline(browser: Any, server: LiveServer, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/docs")
        page.wait_for_selector(".opblock-summary", timeout=TIMEOUT_MS)
        spec = httpx.get(f"{server.url}/api/v1/openapi.json").json()
        operations = sum(len(item) for item in spec["paths"].values())
        assert page.locator(".opblock-summary").count() == operations
        assert page.locator("text=The account's tasks, newest first").count() >= 1
        page.screenshot(path=str(shots / "docs-offline.png"))
        assert outside == []

        page.goto(f"{server.url}/redoc")
        heading = page.get_by_role("heading", name="The account's tasks, newest first")
        heading.wait_for(timeout=TIMEOUT_MS)
        # ReDoc's bundle asks for its own logo; unreachable, the logo hides itself.
        assert set(outside) <= {"https://cdn.redoc.ly/redoc/logo-mini.svg"}
    finally:
        context.close()


def test_local_mode_needs_no_key(browser: Any, tmp_path: Path) -> None:
    live = LiveServer(tmp_path, no_auth="true").start()
    try:
        context = browser.new_context()
        studio = Page(context.new_page(), live).open()
        page = studio.page
        page.wait_for_selector("#model option", state="attached")
        assert not page.eval_on_selector("#key-dialog", "d => d.open")
        assert "Local mode" in page.inner_text("#key-button")
        # The page may talk to its own origin only; the browser enforced that all along.
        policy = httpx.get(f"{live.url}/").headers["content-security-policy"]
        assert "default-src 'self'" in policy
        page.wait_for_selector("#history-empty:not([hidden])")
        assert studio.errors == []
        context.close()
    finally:
        live.stop()
