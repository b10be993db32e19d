"""The project pages after adoption against the real services (in process, on the
embedded broker): each step's form taken, and refused beside the field implementation
names; the experiment's steps in their order; a department sees only its own projects;
the desk and the council read, and do not act. The whole walk runs in a browser in
tests/portal/test_projects_browser.py. Signed in by the sealed session cookie, as
tests/portal/test_consoles.py explains."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.brokers import Broker, embedded_broker_only
from tests.conftest import NAGASAKI_DEPARTMENT, NAGASAKI_DESK, STAFF_TOKENS, bearer, wait_until
from tests.factories import free_proposal_body, proposal_body
from tests.implementation.projects import AFTER_ADOPTION
from tests.portal.harness import PUBLIC_BASE, Html, intake_settings_maker, portal_app
from tests.portal.staff import NAGASAKI_COUNCIL, signed_in_cookie
from tests.running import serving
from tests.whole_desk import NAGASAKI, Desk, running_desk

pytestmark = [pytest.mark.integration, embedded_broker_only()]

EDUCATION = "nagasaki-education-token-" + "e" * 8
TOKENS = [
    *STAFF_TOKENS,
    {
        "token": EDUCATION,
        "role": "department",
        "municipality": "nagasaki",
        "department": "kyoiku",
        "name": "教育 太郎",  # the person the events name
    },
    NAGASAKI_COUNCIL,
]
COUNCIL = str(NAGASAKI_COUNCIL["token"])
HOME = "/staff/department/projects"
STATUS_TOKENS: dict[str, str] = {}  # the proposers' status links, by proposal
RECEIPTS: dict[str, str] = {}  # the receipt numbers, by proposal


@pytest.fixture(scope="module")
async def desk(broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Desk]:
    data = tmp_path_factory.mktemp("projects-desk")
    async with running_desk(
        AFTER_ADOPTION,
        data,
        broker,
        f"sqlite:///{data / 'intake.sqlite'}",
        intake_settings_maker(data),
        staff_tokens=TOKENS,
    ) as running:
        yield running


class Counted(httpx.AsyncBaseTransport):
    """A service's transport that keeps the paths the portal asked it for."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def portal(desk: Desk, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    transports: dict[str, httpx.AsyncBaseTransport] = {
        f"http://{name}.test": Counted(app) for name, app in desk.apps.items()
    }
    app = portal_app(desk.apps, tmp_path, desk.clock, transports)
    async with serving(app, PUBLIC_BASE) as client:
        yield client, app


def implementation_calls(portal: tuple[httpx.AsyncClient, Any]) -> list[str]:
    transport = portal[1].state.backend_mounts["http://implementation.test"]
    assert isinstance(transport, Counted)
    return transport.paths


def as_(portal: tuple[httpx.AsyncClient, Any], token: str, role: str | None = None) -> None:
    client, app = portal
    staff = next(t for t in TOKENS if t["token"] == token)
    name, value = signed_in_cookie(app, staff, role=role)
    client.cookies.set(name, value)


async def project_of(
    desk: Desk, body: dict[str, Any], adoption: dict[str, Any], department: str
) -> str:
    """A proposal taken on by `department` and adopted with `adoption`; its project open."""
    receipt = await desk.accepted_receipt(body)
    pid = str(receipt["proposal_id"])
    await desk.take_on(pid, "nagasaki", department)

    async def adopted() -> bool:
        response = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/adopt", json=adoption, headers=bearer(department)
        )
        return response.status_code == 200

    await wait_until(adopted, what="decision to hear the dialogue and adopt")

    async def opened() -> bool:
        response = await desk.clients["implementation"].get(
            f"{NAGASAKI}/projects/{pid}", headers=bearer(NAGASAKI_DESK)
        )
        return response.status_code == 200

    await wait_until(opened, what="implementation to open the project")
    STATUS_TOKENS[pid] = str(receipt["status_token"])
    RECEIPTS[pid] = str(receipt["receipt_number"])
    return pid


class Steps:
    """The department's project page as a person uses it: read it, send a step's form."""

    def __init__(self, client: httpx.AsyncClient, pid: str) -> None:
        self.client = client
        self.path = f"{HOME}/{pid}"

    async def page(self) -> Html:
        answer = await self.client.get(self.path)
        assert answer.status_code == 200, answer.text
        return Html(answer.text)

    async def send(self, step: str, status: int = 303, /, **fields: str) -> Html:
        token = (await self.page()).form_values()["csrf_token"]
        answer = await self.client.post(f"{self.path}/{step}", data={**fields, "csrf_token": token})
        assert answer.status_code == status, answer.text
        if status == 303:
            assert answer.headers["location"] == f"{PUBLIC_BASE}{self.path}?done={step}"
            return Html((await self.client.get(answer.headers["location"])).text)
        return Html(answer.text)

    @staticmethod
    def offers(page: Html) -> set[str]:
        return {
            form["action"].rsplit("/", 1)[-1]
            for form in page.elements("form")
            if "/projects/" in form.get("action", "")
        }


async def test_an_open_call_from_the_call_to_the_closed_project_with_refusals_beside_fields(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    pid = await project_of(
        desk,
        proposal_body(title="公園の夜間照明"),
        {"inputs": {"occupancy_days": 400}},
        NAGASAKI_DEPARTMENT,
    )
    as_(portal, NAGASAKI_DEPARTMENT)
    client, _ = portal
    record = Html((await client.get(f"/staff/department/proposals/{pid}")).text)
    assert f"{PUBLIC_BASE}{HOME}/{pid}" in record.links()  # from the adopted proposal
    listed = Html((await client.get(HOME)).text)
    assert "公園の夜間照明" in listed.text and "公募" in listed.text
    assert f"{PUBLIC_BASE}{HOME}/{pid}" in listed.links()
    steps = Steps(client, pid)
    page = await steps.page()
    assert "事業者の選定中" in page.text
    assert steps.offers(page) == {"call"}  # an open call: first the call, nothing else

    refused = await steps.send(
        "call", 422, opens_on="2026-05-31", closes_on="2026-05-01", announcement="公告第1号"
    )
    assert refused.by_id("call-closes-on")["aria-invalid"] == "true"
    # Implementation's rule, in the reader's words, naming the date it compares with.
    assert "募集終了日: 募集開始日（2026-05-31）より後の日付にしてください。" in refused.text
    assert refused.by_id("call-announcement") is not None
    assert "公告第1号" in refused.text  # the form comes back as it was sent
    page = await steps.send(
        "call", opens_on="2026-05-01", closes_on="2026-05-31", announcement="公告第1号"
    )
    assert "募集を公告しました。" in page.text
    assert steps.offers(page) == {"applicants", "selection"}

    refused = await steps.send("applicants", 422, applicant="株式会社A", applied_on="2026-06-15")
    assert "応募日: 2026-06-15 は募集期間（2026-05-01～2026-05-31）の外です。" in refused.text
    await steps.send("applicants", applicant="株式会社みなと観光", applied_on="2026-05-20")
    refused = await steps.send(
        "selection", 422, implementer="株式会社B", reasons="価格と実績", selected_on="2026-06-05"
    )
    assert refused.by_id("selection-implementer-error")
    assert "株式会社B は募集に応募していません（応募者: 株式会社みなと観光）。" in refused.text
    await client.get(f"{HOME}/{pid}?lang=en")  # the English switch words it in English
    english = await steps.send(
        "selection", 422, implementer="株式会社B", reasons="価格と実績", selected_on="2026-06-05"
    )
    assert "株式会社B did not apply to the call (applicants: 株式会社みなと観光)." in english.text
    await client.get(f"{HOME}/{pid}?lang=ja")
    page = await steps.send(
        "selection",
        implementer="株式会社みなと観光",
        reasons="価格と実績",
        selected_on="2026-06-05",
    )
    assert steps.offers(page) == {"agreement"}

    agreement = {
        "kind": "business_agreement",
        "parties": "長崎市\n株式会社みなと観光",
        "signed_on": "2026-06-10",
        "term_from": "2026-06-10",
        "fields": "まちづくり",
        "involvement": "co_organiser",
    }
    refused = await steps.send("agreement", 422, **agreement, term_until="2026-06-01")
    assert refused.by_id("agreement-term-until")["aria-invalid"] == "true"
    assert "長崎市\n株式会社みなと観光" in refused.source  # the parties kept, one a line
    page = await steps.send("agreement", **agreement, term_until="2027-03-31")
    assert "共催" in page.text and "事業連携協定" in page.text
    assert steps.offers(page) == {"start"}
    page = await steps.send("start", started_on="2026-07-01")
    assert {"milestones", "end", "logic-model", "kpis"} == steps.offers(page)

    await steps.send("milestones", milestone="照明の設置完了", reached_on="2026-08-01")
    refused = await steps.send(
        "logic-model",
        422,
        inputs="予算",
        activities="設置",
        outputs="照明20基",
        outcomes="夜間利用",
    )
    assert refused.by_id("logic-model-impact-error")
    assert "インパクトを入力してください。" in refused.text
    await steps.send(
        "logic-model",
        inputs="予算\n人員",
        activities="設置",
        outputs="照明20基",
        outcomes="夜間利用",
        impact="安全なまち",
    )
    refused = await steps.send("kpis", 422, name="夜間利用者数", baseline="100", target="300")
    assert refused.by_id("kpis-unit-error")
    assert "単位を入力してください。" in refused.text
    page = await steps.send("kpis", name="夜間利用者数", unit="人", baseline="100", target="300")
    assert "measurements" in steps.offers(page)
    page = await steps.send("end", ended_on="2026-12-31")
    assert steps.offers(page) == {"logic-model", "kpis", "measurements", "verdict"}
    assert "予算\n人員</textarea>" in page.source  # the logic model, ready to be changed

    # Past the verification's due date (90 days after the end, Nagasaki's rules), the
    # list flags it as the other deadlines are.
    desk.clock.advance(days=600)
    try:
        # What implementation's timer does: the overdue verification is raised, once.
        assert desk.application("implementation").check_verification_deadlines() == 1
        listed = Html((await client.get(HOME)).text)
    finally:
        desk.clock.advance(days=-600)
    assert "効果検証の期限を過ぎた事業が1件あります。" in listed.text
    row = next(r for r in listed.source.split("<tr>") if "公園の夜間照明" in r)
    assert "2027-03-31" in row and "効果検証の期限超過" in row

    verdict = {"verdict": "scale_up", "reasons": "目標を上回った", "verified_on": "2027-01-20"}
    refused = await steps.send("verdict", 409, **verdict)
    assert refused.by_id("verdict-verdict-error")
    assert "検証の結論には測定値が必要です。まだ測定値のないKPI: 夜間利用者数" in refused.text
    await steps.send("measurements", name="夜間利用者数", measured_on="2026-12-20", value="320")
    page = await steps.send("verdict", **verdict)
    assert "本格実施" in page.text and "320" in page.text
    assert steps.offers(page) == {"close"}
    page = await steps.send("close", closed_on="2027-02-01")
    assert "事業終了" in page.text and steps.offers(page) == set()
    assert "効果検証の結論" in page.text and "事業を終結" in page.text  # the history

    # The proposer's status page: still 事業調整中 (Nagasaki's three statuses), and where
    # the project stands, with its steps in the proposer's words, but no applicant's name.
    client.cookies.clear()
    opened = await client.get(f"/status/{pid}", params={"token": STATUS_TOKENS[pid]})
    assert opened.status_code == 303

    async def heard_by_intake() -> Html | None:
        shown = Html((await client.get(opened.headers["location"])).text)
        return shown if "事業終了" in shown.text else None

    status = await wait_until(heard_by_intake, what="intake to hear the project's close")
    assert "実施が決まりました" in status.text
    assert status.by_id("project-phase")
    assert "事業者の募集を公告しました（2026-05-01〜2026-05-31）" in status.text
    assert "株式会社みなと観光" in status.text  # the implementer selected, told the proposer
    assert "株式会社A" not in status.text
    # Signed: the agreement governs the project's end, the page offers no withdrawal.
    withdrawal = f"{PUBLIC_BASE}/status/{pid}/withdrawal"
    assert withdrawal not in status.links()
    assert status.by_id("bound-by-agreement")
    assert "協定・契約が締結されたため、ここでは提案を取り下げられません" in status.text
    form = await client.get(f"/status/{pid}/withdrawal")
    assert form.status_code == 303 and form.headers["location"].endswith(f"/status/{pid}#withdraw")


async def test_an_experiment_goes_through_aomoris_steps_in_order_with_the_city_present(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    experiment = {"city_roles": ["場所の提供"], "proposer_roles": ["機器の設置"]}
    pid = await project_of(
        desk,
        proposal_body(title="自動運転バスの実証実験"),
        {"inputs": {}, "experiment": experiment},
        NAGASAKI_DEPARTMENT,
    )
    as_(portal, NAGASAKI_DEPARTMENT)
    client, _ = portal
    steps = Steps(client, pid)
    page = await steps.page()
    # A partnership without selection goes straight to the agreement.
    assert steps.offers(page) == {"agreement"}
    assert "選定なし（協定へ）" in page.text
    agreement = {
        "kind": "memorandum",
        "parties": "長崎市\n株式会社みなと観光",
        "signed_on": "2026-04-01",
        "term_from": "2026-04-01",
        "term_until": "2027-03-31",
        "council_vote.matters": "bylaw",  # a by-law changes: the council votes
    }
    refused = await steps.send(
        "agreement", 422, **agreement, **{"council_vote.voted_on": "2026-04-01"}
    )
    assert refused.by_id("agreement-council-vote-voted-on")["aria-invalid"] == "true"
    assert (
        "議決日: 議会は4月には開かれません（定例会: 2～3月定例会、6月定例会、9月定例会、12月定例会）。"
        in refused.text
    )
    assert refused.by_id("agreement-council-vote-matters-bylaw").get("checked") is not None
    page = await steps.send("agreement", **agreement, **{"council_vote.voted_on": "2026-03-10"})
    assert "条例の改正 — 2026-03-10 (2～3月定例会)" in page.text
    refused = await steps.send("start", 422, started_on="2026-04-10", city_cost_share_yen="500000")
    assert refused.by_id("start-city-cost-share-yen")["aria-invalid"] == "true"
    assert (
        "2026-04-10 時点で経費負担の制度がありません。市の負担額は0円にしてください。"
        in refused.text
    )
    page = await steps.send("start", started_on="2026-04-10")
    assert steps.offers(page) == {"experiment-steps", "milestones", "logic-model", "kpis"}
    for day, name in (
        ("2026-04-12", "土地・施設管理者、地元関係者との調整"),
        ("2026-04-20", "使用許可申請等"),
        ("2026-05-01", "地域への周知"),
    ):
        assert f"実証実験の次の手順: {name}" in page.text
        page = await steps.send("experiment-steps", done_on=day)
    assert "実証実験の実施・立ち合い" in page.text
    refused = await steps.send("experiment-steps", 422, done_on="2026-05-10")
    assert refused.by_id("experiment-steps-city-present-error")
    assert "実証実験は市の立ち会いのもとで実施します。" in refused.text
    page = await steps.send("experiment-steps", done_on="2026-05-10", city_present="yes")
    page = await steps.send("experiment-steps", done_on="2026-06-01", note="報告書 第1版")
    assert "end" in steps.offers(page)  # the report received: the experiment may end
    assert "2026-06-01に完了" in page.text


async def test_a_department_sees_only_its_own_projects_and_the_desk_and_council_only_read(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    theirs = await project_of(
        desk, proposal_body(title="商店街の案内板"), {"inputs": {}}, NAGASAKI_DEPARTMENT
    )
    ours = await project_of(
        desk,
        free_proposal_body(),
        {"inputs": {"uniqueness_evidence": ["patent"], "other_capable_providers": False}},
        EDUCATION,
    )
    client, _ = portal
    as_(portal, EDUCATION)
    listed = Html((await client.get(HOME)).text)
    assert "通学路安全点検支援システム" in listed.text
    assert "商店街の案内板" not in listed.text
    assert (await client.get(f"{HOME}/{theirs}")).status_code == 404
    token = listed.form_values()["csrf_token"]
    posted = await client.post(
        f"{HOME}/{theirs}/close", data={"closed_on": "2026-01-01", "csrf_token": token}
    )
    assert posted.status_code == 404

    # A direct selection asks for the uniqueness that justifies it.
    steps = Steps(client, ours)
    selection = {
        "implementer": "株式会社みなと観光",
        "reasons": "特許",
        "selected_on": "2026-04-01",
    }
    refused = await steps.send("selection", 422, **selection)
    assert refused.by_id("selection-uniqueness-justification")["aria-invalid"] == "true"
    page = await steps.send("selection", **selection, uniqueness_justification="特許第1234567号")
    assert "特許第1234567号" in page.text

    as_(portal, NAGASAKI_DESK)
    listed = Html((await client.get("/staff/desk/projects")).text)
    assert "通学路安全点検支援システム" in listed.text and "商店街の案内板" in listed.text
    read = Html((await client.get(f"/staff/desk/projects/{ours}")).text)
    assert "特許第1234567号" in read.text  # the uniqueness, shown to the desk
    assert Steps.offers(read) == set()  # the desk reads; the department acts
    english = Html((await client.get(f"/staff/desk/projects/{ours}?lang=en")).text)
    assert "Selection of the implementer" in english.text
    assert "Direct selection of the proposer" in english.text
    await client.get(f"/staff/desk/projects/{ours}?lang=ja")  # back to Japanese
    assert (await client.get(f"{HOME}/{ours}")).status_code == 403  # not the desk's console

    # The auditor reads who did each step, the steps after adoption included.
    as_(portal, NAGASAKI_DESK, role="auditor")

    async def heard() -> Html | None:
        shown = Html((await client.get(f"/staff/audit/{ours}")).text)
        return shown if "implementation.implementer.selected" in shown.text else None

    audit = await wait_until(heard, what="intake to hear the selection")
    assert "事業者を選定 implementation.implementer.selected" in audit.text
    assert "教育 太郎" in audit.text and "特許第1234567号" in audit.text


async def test_the_council_reads_the_projects_it_adopted_and_cannot_act_on_them(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    departments = await project_of(
        desk, proposal_body(title="図書館の夜間開館"), {"inputs": {}}, NAGASAKI_DEPARTMENT
    )
    receipt = await desk.accepted_receipt(proposal_body(title="市電の全線バリアフリー化"))
    pid = str(receipt["proposal_id"])
    await desk.take_on(pid, "nagasaki", NAGASAKI_DEPARTMENT)

    async def escalated() -> bool:
        response = await desk.decision.post(
            f"{NAGASAKI}/decisions/{pid}/escalate",
            json={"reason": "複数部局にまたがるため"},
            headers=bearer(NAGASAKI_DEPARTMENT),
        )
        return response.status_code == 200

    await wait_until(escalated, what="decision to hear the dialogue and escalate")
    adopted = await desk.decision.post(
        f"{NAGASAKI}/decisions/{pid}/adopt", json={"inputs": {}}, headers=bearer(COUNCIL)
    )
    assert adopted.status_code == 200, adopted.text

    client, _ = portal
    as_(portal, COUNCIL)

    async def listed() -> Html | None:
        shown = Html((await client.get("/staff/council/projects")).text)
        return shown if "市電の全線バリアフリー化" in shown.text else None

    page = await wait_until(listed, what="implementation to open the council's project")
    assert str(receipt["receipt_number"]) in page.text
    assert "図書館の夜間開館" not in page.text  # a department's own decision: not the council's
    assert f"{PUBLIC_BASE}/staff/council/projects/{pid}" in page.links()
    assert (await client.get(f"/staff/council/projects/{departments}")).status_code == 404

    read = Html((await client.get(f"/staff/council/projects/{pid}")).text)
    assert "市電の全線バリアフリー化" in read.text and "協定" in read.text
    assert "選定なし（協定へ）" in read.text  # the route the assessment gave
    assert Steps.offers(read) == set() and not read.elements("textarea")
    token = read.form_values().get("csrf_token", "")
    for path in (f"/staff/council/projects/{pid}/agreement", f"{HOME}/{pid}/agreement"):
        posted = await client.post(path, data={"kind": "memorandum", "csrf_token": token})
        assert posted.status_code in (403, 404, 405), (path, posted.status_code)
    assert (await client.get(f"{HOME}/{pid}")).status_code == 403  # not the council's console
    answer = await desk.clients["implementation"].get(
        f"{NAGASAKI}/projects/{pid}", headers=bearer(NAGASAKI_DESK)
    )
    assert answer.json()["agreement"] is None  # nothing the council sent reached it

    # Adopted, no agreement yet: the proposer may still withdraw, and the page says until when.
    client.cookies.clear()
    opened = await client.get(f"/status/{pid}", params={"token": str(receipt["status_token"])})

    async def heard_adopted() -> Html | None:
        shown = Html((await client.get(opened.headers["location"])).text)
        return shown if "実施が決まりました" in shown.text else None

    status = await wait_until(heard_adopted, what="intake to hear the council's adoption")
    assert f"{PUBLIC_BASE}/status/{pid}/withdrawal" in status.links()
    assert "事業の協定・契約が締結されるまでは、提案を取り下げられます。" in status.text


async def test_the_projects_list_names_each_project_with_one_call_to_implementation(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    titles = {
        await project_of(desk, proposal_body(title=title), {"inputs": {}}, NAGASAKI_DEPARTMENT): (
            title
        )
        for title in ("港の案内サイン", "坂道の手すり")
    }
    as_(portal, NAGASAKI_DESK)
    client, _ = portal
    before = len(implementation_calls(portal))
    page = Html((await client.get("/staff/desk/projects")).text)
    for pid, title in titles.items():
        row = next(r for r in page.source.split("<tr>") if f"/{pid}" in r)
        assert f">{RECEIPTS[pid]}</a>" in row and title in row
    assert implementation_calls(portal)[before:] == [f"{NAGASAKI}/projects"]


async def test_a_project_withdrawn_by_the_proposer_shows_its_end_and_offers_no_form(
    portal: tuple[httpx.AsyncClient, Any], desk: Desk
) -> None:
    pid = await project_of(
        desk,
        free_proposal_body(),
        {"inputs": {"uniqueness_evidence": ["patent"], "other_capable_providers": False}},
        EDUCATION,
    )
    client, _ = portal
    as_(portal, EDUCATION)
    steps = Steps(client, pid)
    opened = await steps.page()  # the department opens the page before the withdrawal
    assert Steps.offers(opened) == {"selection"}
    token = opened.form_values()["csrf_token"]
    withdrawn = await desk.intake.post(
        f"/api/v1/proposer/proposals/{pid}/withdrawal",
        params={"token": STATUS_TOKENS[pid]},
        json={"reason": "社内で再検討します"},
    )
    assert withdrawn.status_code == 200, withdrawn.text

    async def ended() -> Html | None:
        page = await steps.page()
        return page if "取り下げにより終了" in page.text else None

    page = await wait_until(ended, what="implementation to hear the withdrawal")
    assert "提案者が協定・契約の締結前の" in page.text and "社内で再検討します" in page.text
    assert page.by_id("withdrawn-title")["id"] == "withdrawn-title"
    assert Steps.offers(page) == set()  # nothing left to do
    # A form sent from the page opened before: refused, in the reader's words.
    stale = await client.post(
        f"{HOME}/{pid}/selection",
        data={
            "implementer": "株式会社みなと観光",
            "reasons": "特許",
            "selected_on": "2026-04-01",
            "uniqueness_justification": "特許第1234567号",
            "csrf_token": token,
        },
    )
    assert stale.status_code == 409
    assert "提案者が提案を取り下げたため、事業は終了しています。" in Html(stale.text).text
    assert Steps.offers(Html(stale.text)) == set()
    listed = Html((await client.get(HOME)).text)
    row = next(r for r in listed.source.split("<tr>") if f"/{pid}" in r)
    assert "取り下げにより終了" in row
    english = Html((await client.get(f"{HOME}/{pid}?lang=en")).text)
    assert "Ended by withdrawal" in english.text
    assert "Ended: withdrawn by the proposer" in english.text
    await client.get(f"{HOME}/{pid}?lang=ja")  # back to Japanese
