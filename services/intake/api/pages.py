"""The portal pages people open in a browser: Japanese first, English second."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from services.intake.api.dependencies import Intake, ProposerAccess, Today
from services.intake.api.views import ProposerView, ThemeView
from shared.municipalities import municipalities

router = APIRouter(include_in_schema=False)

_STYLE = """
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
.en{color:#666;font-size:.9em}.closed{color:#999}.status{font-size:1.3rem;font-weight:bold}
"""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f'<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


@router.get("/")
def portal(intake: Intake, today: Today) -> HTMLResponse:
    sections = []
    for code, city in municipalities().items():
        themes = [ThemeView.of(t, today) for t in intake.themes(code)]
        if themes:
            rows = "".join(
                f'<tr class="{"" if t.open else "closed"}"><td>{t.number:02d}</td>'
                f"<td>{escape(t.title)}</td><td>{escape(t.field)}</td>"
                f'<td>{escape(t.status_ja)} <span class="en">{escape(t.status_en)}</span></td></tr>'
                for t in themes
            )
            table = (
                "<table><tr><th>番号 No.</th><th>テーマ Theme</th><th>分野 Field</th>"
                f"<th>募集 Call</th></tr>{rows}</table>"
            )
        else:
            table = (
                '<p>公開中のテーマはありません。<span class="en">No published themes.</span></p>'
            )
        sections.append(
            f"<h2>{escape(city.name_ja)} {escape(city.desk_ja)} "
            f'<span class="en">{escape(city.name_en)} — {escape(city.desk_en)}</span></h2>{table}'
            f"<p>提案の受付: <code>POST /api/v1/municipalities/{code}/proposals</code> "
            f'<span class="en">Submit a proposal</span></p>'
        )
    return _page(
        "Kyoso Desk 共創窓口",
        "<h1>共創窓口 Kyoso Desk</h1>"
        "<p>市の課題を解決する提案を、24時間いつでも受け付けています。"
        '<br><span class="en">Proposals that solve city problems are welcome, 24/7.</span></p>'
        '<p><a href="/docs">API（提案・受付審査）/ API documentation</a></p>' + "".join(sections),
    )


@router.get("/status/{proposal_id}")
def status_page(proposal_id: ProposerAccess, intake: Intake) -> HTMLResponse:
    view = ProposerView.of_state(intake.state(proposal_id))
    steps = "".join(
        f'<tr><td>{s.at:%Y-%m-%d %H:%M}</td><td>{escape(s.ja)}<br><span class="en">{escape(s.en)}</span></td></tr>'
        for s in view.steps
    )
    reasons = "".join(
        f'<li>{escape(r.ja)} <span class="en">{escape(r.en)}</span></li>' for r in view.reasons
    )
    return _page(
        f"{view.receipt_number} 提案の状況",
        f"<h1>提案の状況 <span class='en'>Proposal status</span></h1>"
        f"<p>受付番号 Receipt: <b>{escape(view.receipt_number)}</b> — {escape(view.title)}</p>"
        f'<p class="status">{escape(view.status_ja)}<br><span class="en">{escape(view.status_en)}</span></p>'
        + (f"<h2>理由 Reasons</h2><ul>{reasons}</ul>" if reasons else "")
        + f"<h2>経過 History</h2><table>{steps}</table>",
    )
