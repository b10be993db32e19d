"""What each caller sees of a proposal, beyond the matrix's statuses: what a department
reads of one routed to it, that one not routed to it is answered exactly like one that
does not exist, the council's escalations, another city's ids, the per-city audit of
the read models, and decision's answers right after a take-on and after a withdrawal."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from services.intake.commands import ProposalSubmission
from shared.acting import Acting
from shared.contract import ActorRole, ProposalWithdrawn
from shared.rebuild import rebuilt_report
from tests.authorisation.test_matrix import MATRIX, _body
from tests.authorisation.world import (
    OTHER,
    OTHER_CITY_ROLES,
    OWN,
    after_now,
    as_acting,
    bearer,
    escalated_by_kyoiku,
    routed_to_kyoiku,
    service_app,
    world,
)
from tests.factories import envelope, free_proposal_body, taken_on

PROPOSAL = "/api/v1/municipalities/{municipality}/proposals/{proposal_id}"


def _without(answer: dict[str, Any], proposal_id: str) -> str:
    return str(answer).replace(proposal_id, "<id>")


async def test_a_department_reads_the_whole_proposal_routed_to_it_and_nothing_else() -> None:
    async with world("intake") as running:
        url = running.path(PROPOSAL)
        mine = await running.client.get(url, headers=bearer(OWN, "own_department"))
        assert mine.status_code == 200
        whole = mine.json()
        assert whole["content"].startswith("観光客が安心して")
        assert whole["contact"] == {
            "contact_person": "出島 花子",
            "email": "hanako@minato-kanko.example.jp",
            "phone": "095-000-0000",
        }
        assert whole["protected"] == "協力店舗の一覧と交渉ノウハウ"

        # Another department of the same city: the very answer a made-up id gets.
        theirs = await running.client.get(url, headers=bearer(OWN, "other_department"))
        made_up = str(uuid4())
        nothing = await running.client.get(
            running.path(PROPOSAL).replace(running.ids["proposal_id"], made_up),
            headers=bearer(OWN, "other_department"),
        )
        assert theirs.status_code == nothing.status_code == 404
        assert _without(theirs.json(), running.ids["proposal_id"]) == _without(
            nothing.json(), made_up
        )

        # The council: only once the department escalated it.
        council = await running.client.get(url, headers=bearer(OWN, "council"))
        assert council.status_code == 404
        intake = running.application
        [escalated] = after_now([escalated_by_kyoiku(intake.proposal(whole["proposal_id"]).id)])
        assert intake.process(escalated)
        council = await running.client.get(url, headers=bearer(OWN, "council"))
        assert council.status_code == 200
        assert council.json()["protected"] == "協力店舗の一覧と交渉ノウハウ"


async def test_a_department_sees_a_proposal_once_it_is_routed_to_it() -> None:
    async with world("intake") as running:
        intake = running.application
        submission = ProposalSubmission.model_validate(free_proposal_body(title="別の提案"))
        fresh = intake.submit(
            OWN, submission, as_acting(ActorRole.PROPOSER), today=running.app.state.clock().date()
        ).proposal
        url = PROPOSAL.format(municipality=OWN, proposal_id=fresh.id)
        before = await running.client.get(url, headers=bearer(OWN, "own_department"))
        assert before.status_code == 404
        desk = await running.client.get(url, headers=bearer(OWN, "desk"))
        assert desk.status_code == 200
        routed, _ = after_now(routed_to_kyoiku(fresh.id))
        assert intake.process(routed)
        after = await running.client.get(url, headers=bearer(OWN, "own_department"))
        assert after.status_code == 200
        assert after.json()["title"] == "別の提案"
        other = await running.client.get(url, headers=bearer(OWN, "other_department"))
        assert other.status_code == 404


ID_ROUTES = [
    pytest.param(service, method, path, id=f"{service} {method} {path}")
    for service, rows in MATRIX.items()
    for method, path in rows
    if "{proposal_id}" in path or "{case_id}" in path
]


@pytest.mark.parametrize(("service", "method", "path"), ID_ROUTES)
async def test_another_citys_staff_on_their_own_path_find_nothing(
    service: str, method: str, path: str
) -> None:
    """Aomori's staff, asking under Aomori's path for Nagasaki's proposal or case: the
    role may be refused (403), else the proposal is not there (404); never more."""
    _, body = MATRIX[service][(method, path)]
    async with world(service) as running:
        url = running.path(path, city=OTHER)
        got = {
            role: (
                await running.client.request(
                    method, url, json=_body(body, running.ids), headers=bearer(OTHER, role)
                )
            ).status_code
            for role in OTHER_CITY_ROLES
        }
    assert set(got.values()) <= {403, 404}, got
    assert 404 in got.values(), got  # at least one role was let in, and found nothing


@pytest.mark.parametrize("service", list(MATRIX))
async def test_the_read_models_audit_covers_the_callers_city(service: str) -> None:
    async with world(service) as running:
        if service == "decision":  # its read model holds what waits for the council
            escalated = uuid4()
            assert all(running.application.process(e) for e in taken_on(escalated, "kyoiku"))
            running.application.escalate(
                escalated, "kyoiku", "部局横断の判断が必要", as_acting(ActorRole.DEPARTMENT)
            )
        own = (await running.client.get("/audit/read-models", headers=bearer(OWN, "desk"))).json()
        other = (
            await running.client.get("/audit/read-models", headers=bearer(OTHER, "auditor"))
        ).json()
        positions = {summary["name"]: summary["position"] for summary in own["read_models"]}
        rebuilt = rebuilt_report(service, running.application, positions, OWN)
    assert (own["municipality"], other["municipality"]) == (OWN, OTHER)
    assert any(sum(summary["counts"].values()) for summary in own["read_models"])
    assert all(sum(summary["counts"].values()) == 0 for summary in other["read_models"])
    # kyoso rebuild --against compares the same city's rows: equal when nothing was missed.
    assert [s.digest for s in rebuilt.read_models] == [s["digest"] for s in own["read_models"]]


async def test_right_after_take_on_adopt_says_retry_with_retry_after() -> None:
    async with world("decision") as running:
        decision = running.application
        proposal_id = uuid4()
        *before_take_on, took_on = taken_on(proposal_id, "kyoiku")
        assert all(decision.process(e) for e in before_take_on)
        url = f"/api/v1/municipalities/{OWN}/decisions/{proposal_id}/adopt"
        early = await running.client.post(
            url, json={"inputs": {}}, headers=bearer(OWN, "own_department")
        )
        assert early.status_code == 409
        assert early.headers["Retry-After"] == "1"
        [problem] = early.json()["detail"]
        assert "not yet heard that kyoiku took it on" in problem["msg"]
        assert "none yet" not in problem["msg"]
        assert decision.process(took_on)
        adopted = await running.client.post(
            url, json={"inputs": {}}, headers=bearer(OWN, "own_department")
        )
        assert adopted.status_code == 200
        assert adopted.json()["outcome"] == "adopted"


async def test_a_withdrawn_proposals_adopt_says_it_was_withdrawn() -> None:
    async with world("decision") as running:
        decision = running.application
        proposal_id = uuid4()
        withdrawn = ProposalWithdrawn(proposal_id=proposal_id)
        story = [
            *taken_on(proposal_id, "kyoiku"),
            envelope("intake", proposal_id, 3, withdrawn, minute=9),
        ]
        assert all(decision.process(e) for e in story)
        refused = await running.client.post(
            f"/api/v1/municipalities/{OWN}/decisions/{proposal_id}/adopt",
            json={"inputs": {}},
            headers=bearer(OWN, "own_department"),
        )
        assert refused.status_code == 409
        assert "Retry-After" not in refused.headers
        [problem] = refused.json()["detail"]
        assert problem["msg"] == "NGS-2025-0001 was withdrawn by the proposer: nothing to decide"


async def test_what_another_department_writes_never_reaches_the_proposer() -> None:
    """The status line and the milestones are what the proposer reads on its status page;
    a department the proposal is not routed to cannot set them (404), and nothing of it
    is recorded."""
    async with world("routing") as running:
        url = running.path("/api/v1/municipalities/{municipality}/routings/{proposal_id}")
        line = {"ja": "環境部と協議中", "en": "In talks with the Environment Department"}
        for path, body in (("status-line", line), ("milestones", {"milestone": "started"})):
            refused = await running.client.post(
                f"{url}/{path}", json=body, headers=bearer(OWN, "other_department")
            )
            assert refused.status_code == 404
        record = (await running.client.get(url, headers=bearer(OWN, "desk"))).json()
        assert [step["event"] for step in record["history"]] == ["routing.proposal.routed"]
        assert record["milestones"] == []


async def test_the_council_reads_and_decides_what_was_escalated_to_it() -> None:
    async with world("decision") as running:
        decision = running.application
        escalated = uuid4()
        assert all(decision.process(e) for e in taken_on(escalated, "kyoiku"))
        decision.escalate(
            escalated, "kyoiku", "部局横断の判断が必要", as_acting(ActorRole.DEPARTMENT)
        )
        url = f"/api/v1/municipalities/{OWN}/decisions/{escalated}"
        reads = {
            role: (await running.client.get(url, headers=bearer(OWN, role))).status_code
            for role in ("council", "own_department", "other_department", "desk", "auditor")
        }
        assert reads == {
            "council": 200,
            "own_department": 200,
            "other_department": 404,
            "desk": 200,
            "auditor": 200,
        }
        inbox = await running.client.get(
            f"/api/v1/municipalities/{OWN}/council/inbox", headers=bearer(OWN, "council")
        )
        assert [line["proposal_id"] for line in inbox.json()] == [str(escalated)]
        adopted = await running.client.post(
            f"{url}/adopt", json={"inputs": {}}, headers=bearer(OWN, "council")
        )
        assert adopted.status_code == 200
        assert adopted.json()["decided_by"] == "council"


async def test_the_council_reads_the_routing_and_dialogue_once_escalated() -> None:
    """Before the escalation the council finds no routing (404, as for none); after it,
    the routing and the dialogue log, each entry naming the person who wrote it."""
    async with world("routing") as running:
        routing = running.application
        pid = running.ids["proposal_id"]
        url = running.path("/api/v1/municipalities/{municipality}/routings/{proposal_id}")
        officer = Acting.new(ActorRole.DEPARTMENT, OWN, "c-2", subject="u-7", name="教育 花子")
        routing.take_on(UUID(pid), "kyoiku", officer)
        routing.write_note(UUID(pid), "kyoiku", "部局横断の判断が要る", officer)
        for path in ("", "/dialogue"):
            before = await running.client.get(url + path, headers=bearer(OWN, "council"))
            assert before.status_code == 404
        assert routing.process(escalated_by_kyoiku(UUID(pid)))
        record = await running.client.get(url, headers=bearer(OWN, "council"))
        assert record.status_code == 200 and record.json()["stage"] == "in_dialogue"
        log = await running.client.get(f"{url}/dialogue", headers=bearer(OWN, "council"))
        assert log.status_code == 200
        [note] = log.json()["entries"]
        assert (note["department"], note["actor_name"], note["text"]) == (
            "kyoiku",
            "教育 花子",
            "部局横断の判断が要る",
        )
        # Reading is all: the council writes nothing in the log.
        refused = await running.client.post(
            f"{url}/notes", json={"text": "本部会議の所感"}, headers=bearer(OWN, "council")
        )
        assert refused.status_code == 403


def test_the_openapi_tells_a_department_to_expect_retry_after() -> None:
    paths = service_app("decision").openapi()["paths"]
    for act in ("adopt", "reject", "escalate"):
        conflict = paths[
            f"/api/v1/municipalities/{{municipality}}/decisions/{{proposal_id}}/{act}"
        ]["post"]["responses"]["409"]
        assert "Retry-After" in conflict["headers"], act
        assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("ErrorAnswer")


async def test_a_department_that_declines_is_not_told_where_the_proposal_went() -> None:
    async with world("routing") as running:
        url = running.path("/api/v1/municipalities/{municipality}/routings/{proposal_id}")
        declined = await running.client.post(
            f"{url}/decline", json={"reason": "所管外のため"}, headers=bearer(OWN, "own_department")
        )
        assert declined.status_code == 200
        left = declined.json()
        assert (left["stage"], left["departments"], left["lead_department"]) == (
            "declined",
            [],
            None,
        )
        assert left["declined_by"] == ["kyoiku"]
        assert [hop["event"] for hop in left["history"]] == [
            "routing.proposal.routed",
            "routing.proposal.declined",
        ]
        again = await running.client.get(url, headers=bearer(OWN, "own_department"))
        assert again.status_code == 404
        desk = (await running.client.get(url, headers=bearer(OWN, "desk"))).json()
        assert desk["hop"] == 2  # the desk sees it routed on
