"""Lists a page at a time: `?limit=&offset=`, the answer still a JSON list, the whole
count in the `X-Total-Count` header. A desk with thousands of proposals gets its inbox
in pages instead of one answer of every line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Response

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_LIMIT = 100
MOST_LINES = 500
TOTAL_HEADER = "X-Total-Count"


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def window(self, items: Sequence[T]) -> list[T]:
        return list(items[self.offset : self.offset + self.limit])


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MOST_LINES, description=f"Lines per page (at most {MOST_LINES})")
    ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="Lines to skip from the start")] = 0,
) -> PageRequest:
    return PageRequest(limit, offset)


Paging = Annotated[PageRequest, Depends(page_request)]

# For the route decorator: the header, in the OpenAPI of the list it answers.
PAGED: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            TOTAL_HEADER: {
                "description": "How many lines there are in all pages together",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    }
}


def paged(
    items: Sequence[T], page: PageRequest, response: Response, view: Callable[[T], U]
) -> list[U]:
    """The page of `items` the request asked for, each shown by `view`; the total in the
    response's header. Only the lines on the page are shown."""
    response.headers[TOTAL_HEADER] = str(len(items))
    return [view(item) for item in page.window(items)]
