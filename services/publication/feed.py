"""The published cases of one municipality as a JSON Feed (https://jsonfeed.org/version/1.1),
for cities that follow the cases without Kafka."""

from __future__ import annotations

from typing import Any

from shared.contract import PublicCase
from shared.municipalities import Municipality


def json_feed(
    city: Municipality, cases: list[PublicCase], base_url: str, *, limit: int, offset: int = 0
) -> dict[str, Any]:
    """One page of the feed of `cases` (as published, latest first: `limit` items from
    `offset`), with links under `base_url`. A page that is not the last names the next in
    `next_url`, as JSON Feed 1.1 has it for paged feeds, so a reader follows it to the end."""
    feed_url = f"{base_url}/feeds/{city.code}.json"
    page = cases[offset : offset + limit]
    more = offset + limit < len(cases)
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{city.name_ja} 官民連携事例 / {city.name_en} co-creation cases",
        "home_page_url": f"{base_url}/register/{city.code}",
        "feed_url": feed_url,
        **({"next_url": f"{feed_url}?limit={limit}&offset={offset + limit}"} if more else {}),
        "language": "ja",
        "items": [
            {
                "id": str(c.case_id),
                "url": f"{base_url}/api/v1/municipalities/{city.code}/cases/{c.case_id}",
                "title": c.title,
                "summary": c.summary,
                "content_text": "\n\n".join(f"{s.heading}\n{s.text}" for s in c.sections)
                or c.summary,
                "date_published": f"{c.published_on.isoformat()}T00:00:00+09:00",
                "tags": [c.field],
                "_kyoso": {
                    "version": c.version,
                    "partner": c.partner,
                    "theme_number": c.theme_number,
                    # The effect verification's verdict and KPIs, once verified.
                    "outcome": None if c.outcome is None else c.outcome.model_dump(mode="json"),
                },
            }
            for c in page
        ],
    }
