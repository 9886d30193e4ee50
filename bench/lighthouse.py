"""Lighthouse scores of the demo shop's main pages on a phone; writes them into
bench/RESULTS.md ("## Lighthouse (mobile)"). Not part of `make test`.

    make lighthouse                      # installs the pinned Lighthouse (npm ci), then this
    .venv/bin/python -m bench.lighthouse --runs 3 --keep

It loads the demo shop (`db upgrade`, `seed-demo`) into a temporary folder, serves it
with gunicorn as production would (page cache on, compression, fingerprinted assets;
the development profile otherwise, so no Redis or Stripe is needed), and runs
Lighthouse from bench/lighthouse/node_modules (the version package.json pins) with
Debian's Chromium (CHROME_PATH, default /usr/bin/chromium) on home, listing, product and
article pages with Lighthouse's default mobile emulation. Each page's score per category
is the median of `--runs` runs. The JSON reports go to bench/out/lighthouse/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "bench" / "out" / "lighthouse"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Lighthouse (mobile)"
PAGES = {
    "home": "/",
    "listing": "/shop",
    "product": "/products/probiotic-moisturiser",
    "article": "/journal/what-is-the-gut-skin-axis",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shop_environment(folder: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "SHOP_ENV": "development",
        "SECRET_KEY": "lighthouse-only-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{folder / 'shop.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "CACHE_DIR": str(folder / "cache"),
        "PAGE_CACHE_SECONDS": "300",
        "SHOP_BASE_URL": f"http://127.0.0.1:{port}",
    }


def load_demo_shop(env: dict[str, str]) -> None:
    flask = [sys.executable, "-m", "flask", "--app", "shop"]
    for command in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run(  # noqa: S603 - our own commands
            [*flask, *command], env=env, cwd=ROOT, check=True, capture_output=True
        )


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own server
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def run_lighthouse(url: str, report: Path, chrome: str) -> dict[str, int]:
    env = {**os.environ, "CHROME_PATH": chrome}
    subprocess.run(  # noqa: S603 - the pinned Lighthouse on our own server
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            "--only-categories=" + ",".join(CATEGORIES),
            "--output=json",
            f"--output-path={report}",
        ],
        env=env,
        check=True,
    )
    data = json.loads(report.read_text())
    return {name: round(100 * data["categories"][name]["score"]) for name in CATEGORIES}


def failing_audits(report: Path) -> list[str]:
    """The audits that cost points, for the console (what to look at next)."""
    data = json.loads(report.read_text())
    lines = []
    for category in CATEGORIES:
        for ref in data["categories"][category]["auditRefs"]:
            audit = data["audits"][ref["id"]]
            score = audit.get("score")
            if ref.get("weight", 0) and score is not None and score < 0.9:
                lines.append(f"  {category}: {audit['id']} ({score:.2f}) {audit['title']}")
    return lines


def write_results(scores: dict[str, dict[str, int]], runs: int, version: str) -> None:
    rows = [
        SECTION,
        "",
        f"Written by `make lighthouse` (bench/lighthouse.py): Lighthouse {version}, Debian's "
        f"Chromium, default mobile emulation (Moto G Power, slow 4G, 4x CPU slowdown), "
        f"median of {runs} run{'s' if runs != 1 else ''} per page, demo data, served by "
        "gunicorn from the page cache with compression and fingerprinted assets.",
        "",
        "| page | " + " | ".join(CATEGORIES) + " |",
        "| --- " * (len(CATEGORIES) + 1) + "|",
    ]
    for page, by_category in scores.items():
        rows.append(
            f"| {page} (`{PAGES[page]}`) | "
            + " | ".join(str(by_category[c]) for c in CATEGORIES)
            + " |"
        )
    section = "\n".join(rows) + "\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if SECTION in text:
        start = text.index(SECTION)
        following = text.find("\n## ", start + len(SECTION))
        rest = "" if following == -1 else text[following + 1 :]
        text = text[:start] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary shop folder")
    args = parser.parse_args(argv)

    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `make lighthouse` (npm ci in bench/lighthouse)")
        return 2
    if not Path(chrome).exists():
        print(f"No Chromium at {chrome}: install Debian's chromium or set CHROME_PATH")
        return 2
    version = subprocess.run(  # noqa: S603 - the pinned Lighthouse
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()

    folder = Path(tempfile.mkdtemp(prefix="shop-lighthouse-"))
    port = free_port()
    env = shop_environment(folder, port)
    print(f"Loading the demo shop into {folder} ...")
    load_demo_shop(env)
    server = subprocess.Popen(  # noqa: S603 - gunicorn serving the shop
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
    )
    OUT.mkdir(parents=True, exist_ok=True)
    scores: dict[str, dict[str, int]] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/healthz")
        for page, path in PAGES.items():
            urllib.request.urlopen(base + path, timeout=10).read()  # noqa: S310 - into the cache
            runs = []
            for number in range(1, args.runs + 1):
                report = OUT / f"{page}-{number}.json"
                runs.append(run_lighthouse(base + path, report, chrome))
            scores[page] = {c: round(statistics.median(r[c] for r in runs)) for c in CATEGORIES}
            print(f"{page:8} " + "  ".join(f"{c} {scores[page][c]}" for c in CATEGORIES))
            for line in failing_audits(OUT / f"{page}-{args.runs}.json"):
                print(line)
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if not args.no_results:
        write_results(scores, args.runs, version)
        print(f"Wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
