"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live_server.

Use them from any test marked `@pytest.mark.browser` (skipped when /usr/bin/chromium is missing):

    @pytest.mark.browser
    @pytest.mark.django_db(transaction=True)
    def test_something(page, live_server, admin_login):
        admin_login(page, "cs", "password")
        page.goto(live_server.url + "/admin/")
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def admin_login(live_server):
    """admin_login(page, username, password): sign in through the admin login form."""

    def login(page, username: str, password: str) -> None:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")

    return login


SHORT_WORD = 8  # a word of this many characters or fewer must never break across lines

# Every whitespace-separated word in a table cell whose characters land on more than one line.
_BROKEN_WORDS_JS = """(maxLen) => {
  const broken = [];
  for (const cell of document.querySelectorAll('table td, table th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.textContent))) {
        if (m[0].length > maxLen) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()]
          .filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def broken_words(page) -> list[str]:
    """The short words (≤ SHORT_WORD characters) in the page's table cells that wrap."""
    return page.evaluate(_BROKEN_WORDS_JS, SHORT_WORD)


@pytest.fixture
def shoot(settings):
    """shoot(page, name): keep a full-page screenshot at 1280 px wide in var/screenshots/<name>.png
    for review, and fail if a short word in any table cell of the page wraps."""
    from pathlib import Path

    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        size = page.viewport_size or {"height": 900}
        page.set_viewport_size({"width": 1280, "height": size["height"]})
        path = shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert broken_words(page) == [], f"{name}: short words wrap in table cells"
        return path

    return take
