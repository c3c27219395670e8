"""Both catalogs are complete (issue 15): no entry of ours is untranslated in English, or in Korean
where its msgid is not already Korean; every msgid our code and templates ask for is in the
English catalog; and the .mo files are compiled from the .po files as they are.

The .po files are read by hand (no polib in the project), the source by Debian's `xgettext` for
Python when it is installed, with an AST reading of the same calls as the fallback, and by a
scan of the template tags (`{% translate %}`, `{% blocktranslate %}`) that Django's own
makemessages would turn into gettext calls."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGS = {lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("en", "ko")}
# what is ours: the project's packages and templates (not .venv, not tests)
SOURCE_DIRS = ("backoffice", "coupons", "marketplaces", "bench")
TEMPLATE_DIRS = ("templates", "coupons/templates", "marketplaces/templates", "backoffice/templates")
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
GETTEXT_NAMES = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}


@dataclass
class Entry:
    msgid: str = ""
    context: str | None = None
    plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    fuzzy: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid

    @property
    def translated(self) -> bool:
        return not self.fuzzy and bool(self.msgstr) and all(self.msgstr)


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header and obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None

    def flush():
        nonlocal current
        if current.msgid or current.msgstr:
            entries.append(current)
        current = Entry()

    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if target and target[0] == "msgstr":
                flush()
                target = None
            if line.startswith("#,") and "fuzzy" in line:
                current.fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            assert target, f"{path}:{n}: a continuation line without a keyword"
            kind, index = target
            value = _unquote(line)
            if kind == "msgid":
                current.msgid += value
            elif kind == "msgctxt":
                current.context = (current.context or "") + value
            elif kind == "msgid_plural":
                current.plural = (current.plural or "") + value
            else:
                current.msgstr[index] += value
            continue
        if keyword in ("msgctxt", "msgid") and target and target[0] == "msgstr":
            flush()
        if keyword == "msgctxt":
            current.context, target = _unquote(rest), ("msgctxt", 0)
            current.line = current.line or n
        elif keyword == "msgid":
            current.msgid, target = _unquote(rest), ("msgid", 0)
            current.line = current.line or n
        elif keyword == "msgid_plural":
            current.plural, target = _unquote(rest), ("msgid_plural", 0)
        elif keyword == "msgstr":
            current.msgstr, target = [_unquote(rest)], ("msgstr", 0)
        elif keyword.startswith("msgstr["):
            index = int(keyword[7:-1])
            while len(current.msgstr) <= index:
                current.msgstr.append("")
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{path}:{n}: cannot read {raw!r}")
    flush()
    return [e for e in entries if e.msgid]  # the header has an empty msgid


def catalog(lang: str) -> dict[tuple[str | None, str], Entry]:
    return {e.key: e for e in read_po(CATALOGS[lang])}


# -- what the source asks for ---------------------------------------------------------------------
def _python_files() -> list[Path]:
    return sorted(
        p
        for d in SOURCE_DIRS
        for p in (ROOT / d).rglob("*.py")
        if "migrations" not in p.parts and "__pycache__" not in p.parts
    )


def _template_files() -> list[Path]:
    return sorted({p for d in TEMPLATE_DIRS for p in (ROOT / d).rglob("*.html")})


def python_msgids_ast() -> set[tuple[str | None, str]]:
    """The literal msgids of gettext calls in our Python code, read from its syntax tree."""
    found: set[tuple[str | None, str]] = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            roles = GETTEXT_NAMES.get(name)
            if not roles or len(node.args) < len(roles):
                continue
            values = {}
            for role, arg in zip(roles, node.args, strict=False):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    values[role] = arg.value
            if "msgid" in values and (values.get("context") is not None or "context" not in roles):
                found.add((values.get("context"), values["msgid"]))
    return found


def python_msgids_xgettext() -> set[tuple[str | None, str]]:
    """The same, read by Debian's xgettext (as makemessages does)."""
    keywords = []
    for name, roles in GETTEXT_NAMES.items():
        spec = ",".join(f"{i}c" if role == "context" else str(i) for i, role in enumerate(roles, 1))
        keywords.append(f"--keyword={name}:{spec}")
    tmp = ROOT / "var" / "xgettext-python.pot"
    tmp.parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            "xgettext",
            "--language=Python",
            "--from-code=UTF-8",
            "--no-wrap",
            f"--output={tmp}",
            *keywords,
            *[str(p) for p in _python_files()],
        ],
        capture_output=True,
        check=True,
        env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
    )
    return {e.key for e in read_po(tmp)}


_TRANS_TAG = re.compile(
    r"""\{%\s*(?:trans|translate)\s+(?P<q>["'])(?P<msgid>.*?)(?P=q)"""
    r"""(?P<rest>[^%]*?)%\}""",
    re.S,
)
_BLOCK_TAG = re.compile(
    r"\{%\s*(?:blocktrans|blocktranslate)(?P<args>[^%]*?)%\}(?P<body>.*?)"
    r"\{%\s*(?:endblocktrans|endblocktranslate)\s*%\}",
    re.S,
)
_CONTEXT = re.compile(r"""\bcontext\s+(?P<q>["'])(?P<ctx>.*?)(?P=q)""")
_VAR = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")


def _block_msgid(body: str) -> str:
    return _VAR.sub(lambda m: "%(" + m.group(1) + ")s", body.replace("%", "%%"))


def template_msgids() -> set[tuple[str | None, str]]:
    """The msgids of `{% translate %}` and `{% blocktranslate %}` in our templates, as Django's
    makemessages writes them (`{{ n }}` as `%(n)s`, a `%` as `%%`)."""
    found: set[tuple[str | None, str]] = set()
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for m in _TRANS_TAG.finditer(text):
            ctx = _CONTEXT.search(m.group("rest"))
            found.add((ctx.group("ctx") if ctx else None, m.group("msgid")))
        for m in _BLOCK_TAG.finditer(text):
            args, body = m.group("args"), m.group("body")
            if "trimmed" in args.split():
                body = " ".join(line.strip() for line in body.splitlines() if line.strip())
            ctx = _CONTEXT.search(args)
            singular = re.split(r"\{%\s*plural\s*%\}", body)[0]
            found.add((ctx.group("ctx") if ctx else None, _block_msgid(singular)))
    return found


def source_msgids() -> set[tuple[str | None, str]]:
    # both readings: xgettext as makemessages reads, the syntax tree for what it cannot see
    # (a gettext call inside an f-string's braces)
    python = python_msgids_ast()
    if shutil.which("xgettext"):
        python |= python_msgids_xgettext()
    return python | template_msgids()


# -- the tests --------------------------------------------------------------------------------------
def test_the_reader_reads_what_msgfmt_reads():
    """The hand-written reader agrees with GNU msgfmt on how many messages each catalog holds."""
    if not shutil.which("msgfmt"):
        pytest.skip("Debian's gettext (msgfmt) is not installed")
    for lang, path in CATALOGS.items():
        result = subprocess.run(
            ["msgfmt", "--statistics", "--check-format", "-o", "/dev/null", str(path)],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        counts = {
            kind: int(n)
            for n, kind in re.findall(
                r"(\d+) (translated|fuzzy translation|untranslated)", result.stderr
            )
        }
        entries = read_po(path)
        assert sum(counts.values()) == len(entries), (lang, result.stderr)
        assert counts.get("translated", 0) == sum(e.translated for e in entries), lang


def test_every_english_entry_is_translated():
    missing = [f"line {e.line}: {e.msgid!r}" for e in catalog("en").values() if not e.translated]
    assert missing == [], "untranslated in locale/en:\n" + "\n".join(missing)


def test_every_korean_entry_whose_msgid_is_not_korean_is_translated():
    missing = [
        f"line {e.line}: {e.msgid!r}"
        for e in catalog("ko").values()
        if not HANGUL.search(e.msgid) and not e.translated
    ]
    assert missing == [], "untranslated in locale/ko:\n" + "\n".join(missing)


def test_no_english_translation_of_ours_is_still_korean():
    still = [
        f"line {e.line}: {e.msgid!r} -> {e.msgstr!r}"
        for e in catalog("en").values()
        if any(HANGUL.search(s) for s in e.msgstr)
    ]
    assert still == [], "Korean left in locale/en:\n" + "\n".join(still)


def test_every_msgid_of_the_source_is_in_the_english_catalog():
    en = catalog("en")
    # Django's own msgids our templates repeat (Home, Language...) are translated by Django;
    # the project's own are Korean.
    ours = {key for key in source_msgids() if HANGUL.search(key[1])}
    missing = sorted(ours - set(en), key=lambda k: (k[0] or "", k[1]))
    assert missing == [], "msgids missing from locale/en (%d):\n%s" % (
        len(missing),
        "\n".join(f"{ctx + ' | ' if ctx else ''}{msgid!r}" for ctx, msgid in missing),
    )


def test_the_source_scan_finds_known_msgids():
    """The scan is not vacuous: msgids from Python (lazy and plain), contexts, and both template
    tags are found."""
    found = source_msgids()
    assert (None, "프로모션 백오피스") in found  # gettext_lazy in coupons/admin/__init__.py
    assert (None, "%(n)d장을 회수했습니다.") in found  # gettext in the member-coupon admin
    assert ("report", "회수") in found  # {% translate ... context "report" %}
    assert (None, "%(name)s님의 업무") in found  # {% blocktranslate with name=... %}
    assert (None, "취소") in found  # gettext inside an f-string (the syntax tree sees it)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_compiled_catalog_is_the_po_as_it_is(lang, tmp_path):
    """The .mo beside each .po is what msgfmt makes of it now (nobody forgot compilemessages)."""
    if not shutil.which("msgfmt"):
        pytest.skip("Debian's gettext (msgfmt) is not installed")
    import gettext

    po = CATALOGS[lang]
    fresh = tmp_path / "fresh.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as a, po.with_suffix(".mo").open("rb") as b:
        now, kept = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert now._catalog == kept._catalog
