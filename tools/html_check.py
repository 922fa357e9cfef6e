"""Open real HTML reports in headless Chromium, as a reader would: ``nox -s html`` runs this.

It writes three reports with ``--report html:PATH`` against the reference router on 127.0.0.1:
a faulty router (findings with evidence, clause and curl), a run of several models (the model ×
area table) and recorded exchanges judged offline (``conformance validate``). It opens each in
Chromium (``/usr/bin/chromium``, the system's package, driven by Playwright) and fails on any
console error or page error, any request but the file itself, a page wider than the window, or
folded content that printing would hide. It keeps, in the folder it prints (``reports/html-check``
unless given): a screenshot of the top of the page, the whole page on screen and as printed, the
PDF Chromium prints, and its first pages as PNG when ``pdftoppm`` is there.

Run: ``python tools/html_check.py [FOLDER]`` with the package and ``playwright`` installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request, Route, sync_playwright

from conformance.reference import serve_in_thread

CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags Chromium reaches out to Google's hosts on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The parts of a page kept as pictures of their own.
PARTS = {
    "matrix": "#summary",
    "models": "#models",
    "finding": "#findings article",
    "entries": "#entries table",
    "latency": "#latency",
}
KEY = "sk-html-check-not-a-real-key"
ROOT = Path(__file__).resolve().parents[1]


def _conformance(*args: str, env: dict[str, str] | None = None) -> None:
    """The command a user runs; exit 1 (not conformant) is what a faulty target gives."""
    result = subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1):
        sys.exit(f"conformance {' '.join(args)} exited {result.returncode}:\n{result.stderr}")


def write_reports(folder: Path) -> dict[str, Path]:
    """The reports to look at, by name: each written by the command line, as a user would."""
    paths = {name: folder / f"{name}.html" for name in ("faulty", "models", "validate")}
    env = {**os.environ, "HTML_CHECK_KEY": KEY}
    small = ["--seed", "1", "--max-examples", "3"]
    with serve_in_thread(faults=["no-done", "valid-500"], api_key=KEY) as url:
        _conformance(
            "run", "--base-url", url, "--api-key-env", "HTML_CHECK_KEY", *small,
            "--report", f"html:{paths['faulty']}", env=env,
        )  # fmt: skip
    with serve_in_thread(models={"broken-model": ("no-done",)}) as url:
        _conformance(
            "run", "--base-url", url, "--all-models", *small,
            "--report", f"html:{paths['models']}",
        )  # fmt: skip
    _conformance(
        "validate", str(ROOT / "fixtures" / "bad"), "--report", f"html:{paths['validate']}"
    )
    for path in paths.values():
        text = path.read_text(encoding="utf-8")
        if KEY in text:
            sys.exit(f"{path}: the API key is in the report")
    return paths


@contextmanager
def _watched(page: Page, allowed: str) -> Iterator[list[str]]:
    """Every problem the page shows while in the block: console errors, page errors, requests
    for anything but ``allowed`` (those are aborted, so nothing leaves the machine either)."""
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def request(request: Request) -> None:
        if request.url != allowed:
            problems.append(f"request for {request.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", request)

    def route(route: Route) -> None:
        if route.request.url == allowed:
            route.continue_()
        else:
            route.abort()  # nothing leaves the machine, whatever the page asks for

    page.route("**/*", route)
    yield problems


def look(page: Page, path: Path, folder: Path) -> list[str]:
    """Open one report, keep its pictures, and say what is wrong with it."""
    url = path.resolve().as_uri()
    name = path.stem
    with _watched(page, url) as problems:
        page.emulate_media(media="screen")
        page.goto(url, wait_until="load")
        page.screenshot(path=folder / f"{name}-screen-top.png")
        page.screenshot(path=folder / f"{name}-screen.png", full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            problems.append(f"the page is {wide} px wider than the window")
        # Pictures of the parts a reader looks at first, at their own size.
        for part, selector in PARTS.items():
            found = page.locator(selector)
            if found.count():
                found.first.screenshot(path=folder / f"{name}-{part}.png")
        # A reader may have folded a section: printing shows it all the same.
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = false; })")
        page.emulate_media(media="print")
        for table in page.locator("details table").all():
            if not table.is_visible():
                problems.append("a folded table is hidden when printed")
        page.screenshot(path=folder / f"{name}-print.png", full_page=True)
        page.pdf(path=folder / f"{name}.pdf", format="A4", print_background=False)
    return [f"{path.name}: {problem}" for problem in problems]


def pdf_pages(folder: Path, name: str) -> list[Path]:
    """The PDF's first pages as PNG, when poppler's ``pdftoppm`` is installed."""
    if shutil.which("pdftoppm") is None:
        print("pdftoppm is not installed: the PDF is not turned into pictures")
        return []
    prefix = folder / f"{name}-pdf"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "3", str(folder / f"{name}.pdf"), prefix],
        check=True,
    )
    return sorted(folder.glob(f"{name}-pdf-*.png"))


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/html-check").resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    reports = write_reports(folder)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for path in reports.values():
            problems += look(page, path, folder)
            size = path.stat().st_size
            print(f"{path.name}: {size:,} bytes; pictures in {folder}")
            pdf_pages(folder, path.stem)
        # A narrow window (a phone): the page reflows instead of running off the side.
        narrow = browser.new_page(viewport={"width": 420, "height": 900})
        with _watched(narrow, reports["faulty"].resolve().as_uri()) as seen:
            narrow.goto(reports["faulty"].resolve().as_uri())
            narrow.screenshot(path=folder / "faulty-narrow-top.png")
            wide = narrow.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wide > 0:
                seen.append(f"the page is {wide} px wider than a 420 px window")
            problems += [f"faulty.html (narrow): {problem}" for problem in seen]
        browser.close()
    print(f"screenshots and PDFs: {folder}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
