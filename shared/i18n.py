"""A service's texts in gettext message catalogues (Babel), one .po file per language.

The catalogues live in the service's `locales/<language>/LC_MESSAGES/messages.po` and are
read when the service starts (no compiled .mo files to keep in step), so a city corrects a
wording, or adds a language, by editing or adding a .po file: no code changes. The
message ids are the English texts; a message a catalogue leaves untranslated shows its
id, so a missing translation is visible rather than blank.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a text for the catalogue where it is defined; it is translated where shown."""
    return message


class Catalogues:
    """The translations of one service, by language; the first language is the default."""

    def __init__(self, locales: Path, languages: Sequence[str]) -> None:
        if not languages:
            raise ValueError("at least one language")
        self.languages = tuple(languages)
        self.default = self.languages[0]
        self._translations = {language: _load(locales, language) for language in languages}

    def translations(self, language: str) -> Translations:
        return self._translations.get(language, self._translations[self.default])

    def gettext(self, language: str) -> Callable[[str], str]:
        return self.translations(language).gettext

    def language(self, *wishes: str | None) -> str:
        """The first wish that is one of the catalogues' languages, else the default."""
        return next((wish for wish in wishes if wish in self.languages), self.default)


def _load(locales: Path, language: str) -> Translations:
    path = locales / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)
