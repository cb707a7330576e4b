"""The translation catalogs: extract wxdash's messages, merge them into each .po, compile the .mo.

After changing any user-facing text, run `python -m wxdash.catalogs` (babel comes with the
`test` and `dev` extras). It rewrites `wxdash/locale/wxdash.pot` and merges it into each
`.po`: new messages arrive untranslated, changed ones marked fuzzy with the old translation
as a start. Translate those in the `.po`, run it again to compile the `.mo`, and commit all
three: a clean clone needs no `msgfmt`. `--check` changes nothing and exits 1 if a catalog is
out of date or incomplete; the test suite checks the same.
"""

from __future__ import annotations

import argparse
import gettext
import io
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wxdash.i18n import DOMAIN, LOCALE_DIR

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog, Message

PACKAGE_DIR = Path(__file__).parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
# The catalogs wxdash ships, by gettext locale code.
LOCALES = ("zh_CN",)
# `N_plural(singular, plural)` marks a plural message that is translated later with ngettext.
KEYWORDS_EXTRA = {"N_plural": (1, 2)}
# Header lines that change on every run (or with babel's version): files differing only there
# hold the same catalog.
_DATE_LINE = re.compile(
    rb'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*\\n"\n', re.MULTILINE
)
# {name}, {n:g}, %(name)s, %s, %r: what a translation must keep, in any order.
_PLACEHOLDER = re.compile(
    r"\{[A-Za-z_][A-Za-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}|%\([a-z_]+\)[sdr]|%[sdr]"
)


_HEADER = {
    "project": "wxdash",
    "version": "",
    "header_comment": "# wxdash's messages. Regenerate with: python -m wxdash.catalogs",
    "msgid_bugs_address": "",
    "last_translator": "wxdash contributors",
    "language_team": "wxdash contributors",
}


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def template() -> Catalog:
    """Every message the source marks with `_`, `N_`, `ngettext`, `pgettext` or `N_plural`."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    catalog = Catalog(domain=DOMAIN, fuzzy=False, **_HEADER)
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS_EXTRA}
    found = extract_from_dir(
        PACKAGE_DIR,
        method_map=[("**.py", "python")],
        keywords=keywords,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        location = (f"{PACKAGE_DIR.name}/{Path(filename).as_posix()}", lineno)
        catalog.add(message, None, [location], auto_comments=comments, context=context)
    return catalog


def read(path: Path, locale: str | None = None) -> Catalog:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def merged(locale: str, source: Catalog) -> Catalog:
    """The locale's .po brought up to date with `source`, translations kept."""
    from babel.messages.catalog import Catalog

    path = po_path(locale)
    if path.exists():
        catalog = read(path, locale)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN, fuzzy=False, **_HEADER)
    catalog.update(source, update_creation_date=True)
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    # Sorted, without line numbers: the file changes only when a message does, so branches
    # that add strings merge without conflicts over shifted lines.
    write_po(buffer, catalog, sort_output=True, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def _strings(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def problems(catalog: Catalog, source: Catalog) -> list[str]:
    """What keeps `catalog` from covering `source`: untranslated, fuzzy, placeholders lost."""
    found: list[str] = []
    for message in source:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        label = _label(message)
        if entry is None:
            found.append(f"missing: {label}")
            continue
        translations = _strings(entry.string)
        if entry.fuzzy:
            found.append(f"fuzzy (check the translation, then remove the flag): {label}")
        if not translations or not all(t.strip() for t in translations):
            found.append(f"untranslated: {label}")
            continue
        wanted = placeholders(_strings(message.id)[-1])
        for text in translations:
            if placeholders(text) != wanted:
                found.append(f"placeholders differ: {label} -> {text!r}")
    known = {(m.id, m.context) for m in source if m.id}
    found.extend(
        f"no longer in the source: {_label(m)}"
        for m in catalog
        if m.id and (m.id, m.context) not in known
    )
    return found


def _label(message: Message) -> str:
    text = _strings(message.id)[0]
    return f"[{message.context}] {text!r}" if message.context else repr(text)


def _same(old: bytes | None, new: bytes) -> bool:
    return old is not None and _DATE_LINE.sub(b"", old) == _DATE_LINE.sub(b"", new)


def _existing(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def compiled_messages(data: bytes) -> dict[object, str]:
    """A .mo file's messages as gettext reads them, less the header (which holds dates), for
    comparing two compilations."""
    translations = gettext.GNUTranslations(io.BytesIO(data))
    messages = dict(translations._catalog)  # type: ignore[attr-defined]
    messages.pop("", None)
    return messages


def build(*, check: bool = False) -> int:
    """Update every catalog (or with `check`, only report); 0 if all are complete and current."""
    source = template()
    status = 0
    outputs: list[tuple[Path, bytes, bool]] = [(TEMPLATE, po_bytes(source), False)]
    for locale in LOCALES:
        catalog = merged(locale, source)
        for problem in problems(catalog, source):
            print(f"{po_path(locale).relative_to(PACKAGE_DIR.parent)}: {problem}", file=sys.stderr)
            status = 1
        outputs.append((po_path(locale), po_bytes(catalog), False))
        outputs.append((mo_path(locale), mo_bytes(catalog), True))
    for path, data, binary in outputs:
        old = _existing(path)
        current = (
            old is not None and compiled_messages(old) == compiled_messages(data)
            if binary
            else _same(old, data)
        )
        if current:
            continue
        name = path.relative_to(PACKAGE_DIR.parent)
        if check:
            print(f"{name}: out of date", file=sys.stderr)
            status = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {name}")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wxdash.catalogs",
        description="Extract wxdash's messages, update the .po files and compile the .mo files.",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a catalog needs work"
    )
    args = parser.parse_args(argv)
    return build(check=args.check)


if __name__ == "__main__":
    sys.exit(main())
