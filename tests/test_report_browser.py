"""The HTML report in a real headless browser, offline: formulas typeset, every image loads.

Chromium comes from Debian (``/usr/bin/chromium``; ``.ci/run`` installs it when missing) and
is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``): no driver
package, no browser download, no listening port. Every http(s) request the page makes is
recorded and failed (``Fetch`` interception, plus a host resolver that resolves nothing),
so a page that still needed a CDN would show raw LaTeX here and fail. The tests skip, with
the reason, only when no Chromium is installed and it cannot be installed (not root, or no
apt-get).
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from portfolio_lib import report

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
BASH = shutil.which("bash") or "/bin/bash"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1280,1600",
    "--remote-debugging-pipe",
]


def _ensure_chromium() -> Path:
    """Chromium's path, installing Debian's package as root when it is missing (as .ci/run does)."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or apt is None:
        pytest.skip(
            f"{CHROMIUM} is absent and cannot be installed here "
            f"({'not root' if os.geteuid() != 0 else 'no apt-get'}); "
            "install it with `apt-get install chromium` (.ci/run does)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(
                f"{CHROMIUM} is absent and `{' '.join(command)}` failed: {done.stderr[-300:]}"
            )
    return CHROMIUM


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe (one page)."""

    def __init__(self, executable: Path, profile: Path, timeout: float = 60.0) -> None:
        self.timeout = timeout
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4: bash puts them there.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        for fd in (to_browser_r, from_browser_w):
            os.close(fd)
        args = [str(executable), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self.proc = subprocess.Popen(
            [
                BASH,
                "-c",
                f'exec "$@" 3<&{high_r} 4>&{high_w} {high_r}<&- {high_w}>&-',
                "bash",
                *args,
            ],
            pass_fds=(high_r, high_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        os.close(high_r)
        os.close(high_w)
        self._out = to_browser_w
        self._in = from_browser_r
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None
        self.events: list[dict[str, Any]] = []
        self.blocked: list[str] = []

    # -- protocol -------------------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._in], [], [], left)
            if ready:
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    err = (
                        self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                    )
                    raise RuntimeError(f"Chromium closed the pipe: {err[-500:]}")
                self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def _handle_event(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        if message.get("method") == "Fetch.requestPaused":
            params = message["params"]
            self.blocked.append(params["request"]["url"])
            self._send(
                "Fetch.failRequest",
                {"requestId": params["requestId"], "errorReason": "InternetDisconnected"},
                message.get("sessionId"),
            )

    def call(self, method: str, params: dict | None = None, *, page: bool = True) -> dict:
        """Send a command (to the page session unless ``page=False``) and return its result."""
        wanted = self._send(method, params, self.session if page else None)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._read_message(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._handle_event(message)

    def wait_for_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        seen = next((e for e in self.events if e.get("method") == method), None)
        deadline = time.monotonic() + (timeout or self.timeout)
        while seen is None:
            message = self._read_message(deadline)
            if "method" in message:
                self._handle_event(message)
                if message["method"] == method:
                    seen = message
        return seen

    # -- page -----------------------------------------------------------------------------
    def open_page(self) -> None:
        """A fresh tab whose every http(s)/ws request is recorded and failed."""
        target = self.call("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = self.call(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, page=False
        )
        self.session = attached["sessionId"]
        patterns = [{"urlPattern": p} for p in ("http://*", "https://*", "ws://*", "wss://*")]
        self.call("Fetch.enable", {"patterns": patterns})
        self.call("Network.enable")
        self.call("Page.enable")

    def goto(self, url: str) -> None:
        self.events = []  # this page's events only (``blocked`` keeps every page's)
        self.call("Page.navigate", {"url": url})
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        import base64

        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def failed_loads(self) -> list[str]:
        """Files and http(s) URLs whose load failed on this page (missing files, blocked network)."""
        urls = {
            e["params"]["requestId"]: e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        }
        return [
            f"{urls.get(e['params']['requestId'], '?')}: {e['params'].get('errorText')}"
            for e in self.events
            if e.get("method") == "Network.loadingFailed"
            and urls.get(e["params"]["requestId"], "file:").startswith(("file:", "http", "ws"))
        ]

    def close(self) -> None:
        try:
            self._send("Browser.close")
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            for fd in (self._out, self._in):
                try:
                    os.close(fd)
                except OSError:
                    pass
            if self.proc.stderr:
                self.proc.stderr.close()


WAIT_FOR_MATHJAX = """
new Promise(resolve => {
  if (!window.MathJax || !window.MathJax.Hub) { resolve("no MathJax"); return; }
  setTimeout(() => resolve("timeout"), 45000);
  MathJax.Hub.Queue(() => resolve("typeset"));
})
"""

PAGE_FACTS = """
(() => {
  const rendered = Array.from(document.querySelectorAll('.jp-RenderedMarkdown'));
  const text = rendered.map(e => e.innerText).join('\\n');
  return {
    typeset: document.querySelectorAll('.MathJax, .MathJax_Display').length,
    sources: document.querySelectorAll('script[type^="math/tex"]').length,
    errors: document.querySelectorAll('.MathJax_Error, .merror, merror').length
      + (document.body.innerText.includes('Math Processing Error') ? 1 : 0),
    raw_display: (text.match(/\\$\\$/g) || []).length,
    raw_tex: (text.match(/\\\\(frac|sum|text|left|right|hat|cdot)\\b/g) || []).length,
    images: Array.from(document.images).map(i => ({
      src: (i.getAttribute('src') || '').slice(0, 60), complete: i.complete, width: i.naturalWidth})),
    nav: Array.from(document.querySelectorAll('nav.pl-chapter-nav a')).map(a => a.getAttribute('href')),
    kpis: Array.from(document.querySelectorAll('.kpi .label')).map(e => e.textContent),
  };
})()
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = _ensure_chromium()
    with tempfile.TemporaryDirectory(prefix="report-browser-") as profile:
        chromium = Browser(executable, Path(profile))
        try:
            chromium.open_page()
            yield chromium
        finally:
            chromium.close()


def look(browser: Browser, page: Path) -> dict[str, Any]:
    """Open a page from disk, let MathJax finish, and return what the DOM shows."""
    browser.goto(page.resolve().as_uri())
    state = browser.evaluate(WAIT_FOR_MATHJAX)
    facts = browser.evaluate(PAGE_FACTS)
    facts["mathjax"] = state
    return facts


def _assert_offline_page(browser: Browser, facts: dict[str, Any], page: Path) -> None:
    name = page.name
    assert not browser.blocked, f"{name} tried the network: {browser.blocked}"
    assert not browser.failed_loads(), f"{name}: files failed to load: {browser.failed_loads()}"
    assert facts["mathjax"] == "typeset", f"{name}: MathJax state {facts['mathjax']!r}"
    assert facts["errors"] == 0, f"{name}: MathJax reported {facts['errors']} error(s)"
    assert facts["raw_display"] == 0, f"{name}: raw $$ left in the rendered text"
    assert facts["raw_tex"] == 0, f"{name}: raw LaTeX commands left in the rendered text"
    broken = [i for i in facts["images"] if not (i["complete"] and i["width"] > 0)]
    assert not broken, f"{name}: images that did not load: {broken}"


def _tiny_chapter(path: Path, title: str) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'SEED = 42\nN_CUSTOMERS = 3000\nDATASET = "sample"\nMARGIN = 0.3'
    )
    params.metadata["tags"] = ["parameters"]
    figure = nbformat.v4.new_code_cell(
        "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
        "from IPython.display import Image, display\nimport io\n"
        "fig, ax = plt.subplots(figsize=(4, 3)); ax.plot([1, 3, 2]); buf = io.BytesIO()\n"
        "fig.savefig(buf, format='png'); display(Image(buf.getvalue()))"
    )
    figure.metadata["tags"] = ["headline"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"# {title}\n\nRetention $r = \\frac{{E - N}}{{S}}$ and\n\n"
            "$$\\text{CLV} = \\sum_{t=1}^{T} \\frac{m\\,r^t}{(1+d)^t}$$"
        ),
        params,
        figure,
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_every_chapter_page_typesets_formulas_and_loads_images_offline(
    browser: Browser, tmp_path: Path
):
    """The six stored chapters (with their outputs) as the report renders them."""
    notebooks = report.discover_notebooks(ROOT / "notebooks")
    report.bundle_mathjax(tmp_path)
    url = f"mathjax/MathJax.js?config={report.MATHJAX_CONFIG}"
    typeset = {}
    for path in notebooks:
        page = report.render_html(
            path,
            tmp_path / f"{path.stem}.html",
            mathjax_url=url,
            nav=[report.NavLink("index", "index.html", "index")],
        )
        facts = look(browser, page)
        _assert_offline_page(browser, facts, page)
        assert facts["nav"] == ["index.html", "index.html"], "navigation above and below"
        typeset[path.name] = facts["typeset"]
        if facts["sources"]:
            assert facts["typeset"] >= facts["sources"], f"{path.name}: formulas not all typeset"
    assert sum(typeset.values()) > 20, f"the chapters hold formulas: {typeset}"


@pytest.mark.notebook
def test_built_report_index_and_pages_work_offline(browser: Browser, tmp_path: Path):
    """build_report end to end (two tiny chapters, a small simulated company)."""
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    _tiny_chapter(nb_dir / "01_first.ipynb", "First chapter")
    _tiny_chapter(nb_dir / "02_second.ipynb", "Second chapter")
    out = tmp_path / "build"
    index = report.build_report(
        out,
        notebook_dir=nb_dir,
        progress=lambda _: None,
        progress_bar=False,
        parameters={"DATASET": "simulate", "N_CUSTOMERS": 300, "SEED": 7},
    )
    facts = look(browser, index)
    assert not browser.blocked, f"index tried the network: {browser.blocked}"
    assert not browser.failed_loads(), browser.failed_loads()
    assert len(facts["images"]) == 2, facts["images"]
    assert all(i["complete"] and i["width"] > 0 for i in facts["images"]), facts["images"]
    assert facts["kpis"][:3] == ["Customers", "Active share", "Retention"], facts["kpis"]
    first = look(browser, out / "01_first.html")
    _assert_offline_page(browser, first, out / "01_first.html")
    assert first["typeset"] >= 2
    assert first["nav"] == ["index.html", "02_second.html"] * 2
    second = look(browser, out / "02_second.html")
    assert second["nav"] == ["index.html", "01_first.html"] * 2
