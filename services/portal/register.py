"""The public register as the portal shows it: filtered, counted and downloaded.

Publication keeps the register (Nagasaki's columns, its three statuses); the portal only
selects lines by what they show (status, channel, field, fiscal year), counts them, and
writes them as CSV. Nothing here decides a line's status.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.portal.forms import CHANNEL_NAMES
from services.portal.views import RegisterRow
from shared.i18n import N_


@dataclass(frozen=True)
class Filters:
    status: str = ""  # the register's Japanese status, as publication writes it
    channel: str = ""
    field: str = ""
    year: str = ""  # fiscal year, April to March

    def keep(self, row: RegisterRow) -> bool:
        return (
            (not self.status or row.status_ja == self.status)
            and (not self.channel or row.channel == self.channel)
            and (not self.field or row.field == self.field)
            and (not self.year or str(row.fiscal_year) == self.year)
        )

    def query(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


@dataclass(frozen=True)
class Choices:
    """The values each filter can take, from the lines themselves."""

    statuses: list[tuple[str, str]]  # (Japanese status, as the page's language shows it)
    channels: list[str]
    fields: list[str]
    years: list[int]

    @classmethod
    def of(cls, rows: list[RegisterRow], language: str) -> Choices:
        statuses = {row.status_ja: row.status_text(language) for row in rows}
        return cls(
            statuses=sorted(statuses.items()),
            channels=[c for c in CHANNEL_NAMES if any(row.channel == c for row in rows)],
            fields=sorted({row.field for row in rows}),
            years=sorted({row.fiscal_year for row in rows}, reverse=True),
        )


def selected(rows: Iterable[RegisterRow], filters: Filters) -> list[RegisterRow]:
    return [row for row in rows if filters.keep(row)]


# The CSV's columns: Nagasaki's register (received date, theme number, theme title,
# field, summary, status), with the title of a free proposal and the channel.
CSV_COLUMNS: tuple[str, ...] = (
    N_("Received"),
    N_("Channel"),
    N_("Theme number"),
    N_("Theme title"),
    N_("Title"),
    N_("Field"),
    N_("Summary"),
    N_("Status"),
)


def as_csv(rows: list[RegisterRow], language: str, gettext: Callable[[str], str]) -> str:
    """The lines as CSV, headed in the page's language. The caller adds a byte-order mark,
    so that spreadsheet programs in Japan read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([gettext(column) for column in CSV_COLUMNS])
    for row in rows:
        writer.writerow(
            [
                row.received_on.isoformat(),
                row.channel,
                "" if row.theme_number is None else row.theme_number,
                row.theme_title or "",
                row.title or "",
                row.field,
                row.summary,
                row.status_text(language),
            ]
        )
    return out.getvalue()


@dataclass(frozen=True)
class Statistics:
    """How many lines of the register one fiscal year has, by status, channel and field."""

    year: int | None
    total: int
    by_status: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_field: list[tuple[str, int]]

    @classmethod
    def of(cls, rows: list[RegisterRow], year: int | None, language: str) -> Statistics:
        lines = [row for row in rows if year is None or row.fiscal_year == year]
        return cls(
            year=year,
            total=len(lines),
            by_status=_counted(row.status_text(language) for row in lines),
            by_channel=_counted(row.channel for row in lines),
            by_field=_counted(row.field for row in lines),
        )


def _counted(values: Iterable[str]) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))
