"""`kyoso rebuild NAME`: a service's read models rebuilt from its history.

Prints each read model's row counts and digest. With `--against URL` (a running
service, e.g. http://127.0.0.1:8002) it first asks the service for its live read models,
rebuilds up to the same positions, and exits 1 naming each read model that differs:
the running service then answers from something its history does not say.

Exit status: 0 rebuilt (and equal to the live service), 1 a read model differs,
2 the store or the service could not be used.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request

from pydantic import ValidationError

from services.registry import SERVICES
from shared.rebuild import (
    Difference,
    ReadModelsReport,
    differences,
    rebuild_service,
)
from shared.settings import ConfigError

READ_MODELS_PATH = "/audit/read-models"
TOKEN_VARIABLE = "KYOSO_DESK_TOKEN"


class LiveServiceUnavailable(RuntimeError):
    """The running service did not give its read models; the message says why."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rebuild = commands.add_parser(
        "rebuild",
        help="rebuild a service's read models from its history (and compare with the live ones)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rebuild.add_argument("name", choices=list(SERVICES))
    rebuild.add_argument("--json", action="store_true", help="print the result as JSON")
    rebuild.add_argument(
        "--against", metavar="URL", help="the running service to compare with (its base URL)"
    )
    rebuild.add_argument(
        "--token",
        default=os.environ.get(TOKEN_VARIABLE),
        help=f"a desk staff token for --against (default: ${TOKEN_VARIABLE})",
    )


def run(args: argparse.Namespace) -> int:
    name: str = args.name
    try:
        live = fetch_live(args.against, args.token) if args.against else None
        if live is not None and live.service != name:
            raise LiveServiceUnavailable(f"{args.against} is the {live.service} service")
        # Rebuilt up to where the live ones were, so events recorded in between do not
        # count as a difference, and for the city the live ones were reported for (a
        # desk's token gives its own city).
        rebuilt = rebuild_service(
            SERVICES[name],
            until=None if live is None else live.positions(),
            municipality=None if live is None else live.municipality,
        )
    except (ConfigError, LiveServiceUnavailable) as problem:
        print(f"kyoso rebuild: {problem}", file=sys.stderr)
        return 2
    found = [] if live is None else differences(rebuilt, live)
    if args.json:
        print(json.dumps(_as_json(rebuilt, live, found), ensure_ascii=False, indent=2))
    else:
        _print_table(rebuilt, live, found)
    for difference in found:
        print(
            f"kyoso rebuild: {name} {difference.read_model} differs: {difference.explanation}",
            file=sys.stderr,
        )
    return 1 if found else 0


def fetch_live(base_url: str, token: str | None) -> ReadModelsReport:
    if not token:
        raise LiveServiceUnavailable(f"--against needs a desk token (--token or ${TOKEN_VARIABLE})")
    url = base_url.rstrip("/")
    if not url.endswith(READ_MODELS_PATH):
        url += READ_MODELS_PATH
    request = urllib.request.Request(
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
    except urllib.error.HTTPError as refused:
        raise LiveServiceUnavailable(
            f"{url} answered {refused.code}: {_reason(refused.read())}"
        ) from None
    except (urllib.error.URLError, OSError) as problem:
        raise LiveServiceUnavailable(f"{url} could not be reached: {problem}") from None
    try:
        return ReadModelsReport.model_validate_json(body)
    except ValidationError:
        raise LiveServiceUnavailable(f"{url} did not answer with read models") from None


def _reason(body: bytes) -> str:
    """The service's own words from the common error shape, else the body as text."""
    try:
        detail = json.loads(body)["detail"]
        return "; ".join(str(item["msg"]) for item in detail)
    except (ValueError, KeyError, TypeError):
        return body.decode(errors="replace")[:200]


def _print_table(
    rebuilt: ReadModelsReport, live: ReadModelsReport | None, found: list[Difference]
) -> None:
    differing = {difference.read_model for difference in found}
    print(f"{rebuilt.service}: read models rebuilt from its history")
    for summary in rebuilt.read_models:
        counts = ", ".join(f"{table} {count}" for table, count in summary.counts.items())
        line = f"  {summary.name:<14} {counts:<40} position {summary.position:<8} {summary.digest}"
        if live is not None:
            line += "  DIFFERS from live" if summary.name in differing else "  = live"
        print(line)
    if all(summary.position == 0 for summary in rebuilt.read_models):
        # Opening a store that is not there creates an empty one: say so, in case the
        # variables point somewhere else than the service's.
        print(
            "  (the store holds no events: are KYOSO_DATABASE_URL and KYOSO_DATA_DIR the service's?)"
        )


def _as_json(
    rebuilt: ReadModelsReport, live: ReadModelsReport | None, found: list[Difference]
) -> dict[str, object]:
    result: dict[str, object] = {"rebuilt": rebuilt.model_dump(mode="json")}
    if live is not None:
        result["live"] = live.model_dump(mode="json")
        result["differences"] = [
            {"read_model": d.read_model, "explanation": d.explanation} for d in found
        ]
    return result
