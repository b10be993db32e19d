"""The portal's texts are all in its message catalogues: every text the templates and the
code mark is translated in Japanese, placeholders survive translation, and no catalogue
keeps a text nothing uses any more (README, "The portal's texts")."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from services.portal.pages import CATALOGUES, LOCALES

PORTAL = Path(__file__).resolve().parents[2] / "services" / "portal"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def marked_in_sources() -> set[str]:
    with (PORTAL / "babel.cfg").open(encoding="utf-8") as config:
        # Babel's own reading of the map (it ships no type hints for it).
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(PORTAL, method_map, options_map)
    }


def catalogue(language: str) -> Catalog:
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def test_every_marked_text_is_translated_into_japanese_and_nothing_is_stale() -> None:
    marked = marked_in_sources()
    japanese = {m.id: m for m in catalogue("ja") if m.id}
    assert marked - set(japanese) == set(), "pybabel extract and update the catalogues"
    assert set(japanese) - marked == set(), "texts no template or module uses any more"
    untranslated = [i for i, m in japanese.items() if not m.string or m.fuzzy]
    assert untranslated == []
    assert set(japanese) == {m.id for m in catalogue("en") if m.id}


def test_translations_keep_every_placeholder() -> None:
    for language in CATALOGUES.languages:
        for message in catalogue(language):
            if message.id and message.string:
                assert set(PLACEHOLDER.findall(str(message.id))) == set(
                    PLACEHOLDER.findall(str(message.string))
                ), (language, message.id)


def test_japanese_is_the_default_and_english_the_msgid() -> None:
    assert CATALOGUES.language(None, None) == "ja"
    assert CATALOGUES.language("fr", "en") == "en"
    assert CATALOGUES.gettext("ja")("Register of proposals") == "提案受付状況"
    assert CATALOGUES.gettext("en")("Register of proposals") == "Register of proposals"
