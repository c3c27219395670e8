"""The admin's first page: the signed-in person's desk, made of panels the apps register.

The project knows no app. Each app registers its panels (`register_panel`) from its admin module,
with who may see them and how to build them; the admin index (`templates/admin/index.html`, through
the `{% desk_panels %}` tag) renders those the user may see, in order. A panel is a template and a
context: most are lists of `DeskSection`s, built by `desk_section` from a query, each item linking
to where it is acted on. No business rules here: what a panel shows is its app's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

# At most this many items of a section are shown; the rest are behind its "more" link.
SECTION_ITEMS = 10
SECTIONS_TEMPLATE = "admin/desk/sections.html"


def admin_url(name: str, *args, query: dict | None = None, fragment: str = "") -> str:
    """The admin URL `admin:<name>` with its args, then `query` and `fragment` when given."""
    url = reverse(f"admin:{name}", args=args)
    if query:
        url += "?" + urlencode(query)
    return url + (f"#{fragment}" if fragment else "")


@dataclass(frozen=True)
class DeskItem:
    """One thing to act on: a label linking to where it is acted on, and a line about it."""

    label: str
    url: str
    note: str = ""
    # (label, url) of other places to go from the item, shown after the note
    links: tuple[tuple[str, str], ...] = ()
    warn: bool = False  # drawn as needing attention (failed, sold out)


@dataclass(frozen=True)
class DeskSection:
    """A list of items under a title: `count` in all, the first `SECTION_ITEMS` shown."""

    title: str
    items: list[DeskItem]
    count: int
    empty: str  # the one line shown when there is nothing
    more_url: str = ""  # the filtered list holding all of them
    key: str = ""  # the section's id in the page (tests and links find it by this)

    @property
    def more(self) -> int:
        return max(self.count - len(self.items), 0)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    allowed: Callable[[Any], bool]
    build: Callable[[HttpRequest], dict]
    template: str = SECTIONS_TEMPLATE
    order: int = 100


PANELS: dict[str, Panel] = {}


def register_panel(
    key: str,
    *,
    title,
    allowed: Callable[[Any], bool],
    build: Callable[[HttpRequest], dict],
    template: str = SECTIONS_TEMPLATE,
    order: int = 100,
) -> Panel:
    """Register a desk panel and return it. `allowed(user)` says who sees it; `build(request)`
    returns its template's context (for the sections template: {"sections": [DeskSection]}).
    Registering the same key again replaces the panel (a module imported twice, a test)."""
    panel = Panel(
        key=key, title=title, allowed=allowed, build=build, template=template, order=order
    )
    PANELS[key] = panel
    return panel


def desk_panels_for(user) -> list[Panel]:
    """The registered panels `user` may see, in their order."""
    return sorted((p for p in PANELS.values() if p.allowed(user)), key=lambda p: (p.order, p.key))


def desk_render(request: HttpRequest) -> list[str]:
    """The HTML of each panel the signed-in user may see, in order."""
    rendered = []
    for panel in desk_panels_for(request.user):
        context = {"panel": panel, **panel.build(request)}
        rendered.append(render_to_string(panel.template, context, request=request))
    return rendered


def desk_section(
    *,
    title,
    rows: Iterable,
    count: Callable[[], int],
    empty,
    item: Callable[[Any], DeskItem] | None = None,
    items: Callable[[list], list[DeskItem]] | None = None,
    more_url: str = "",
    key: str = "",
    limit: int = SECTION_ITEMS,
) -> DeskSection:
    """A section of the first `limit` of `rows` (a queryset: sliced here, so one bounded query),
    made `DeskItem`s by `item` (one row) or `items` (the shown rows at once, for a lookup they
    share). `count()` is asked only when there are more rows than shown, so a short section
    costs one query."""
    fetched = list(rows[: limit + 1])
    shown = fetched[:limit]
    total = len(fetched) if len(fetched) <= limit else count()
    built = items(shown) if items is not None else [item(row) for row in shown]
    return DeskSection(
        title=title, items=built, count=total, empty=empty, more_url=more_url, key=key
    )
