"""After adoption the proposer is e-mailed the project's steps they wait for (the
implementer selected, the agreement signed, the implementation started and ended, the
verification's verdict), through a real SMTP server (tests/smtp.py), Japanese first, with
the status link, naming no member of staff and no applicant but the one selected; the
call, the applicants, milestones and KPIs stay on the status page."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.decision.fairness import assess, thresholds
from services.intake.application import IntakeApplication
from services.intake.proposer_mail import ProposerMail
from services.intake.settings import IntakeSettings
from shared.contract import (
    AgreementConcluded,
    AgreementKind,
    ApplicantRecorded,
    AssessmentInputs,
    CallPublished,
    ImplementationEnded,
    ImplementationStarted,
    ImplementerSelected,
    IntegrationEvent,
    Kpi,
    KpiDefined,
    Measurement,
    MilestoneReached,
    ProposalAdopted,
    SelectionRoute,
    Verdict,
    VerdictGiven,
)
from shared.mail import Mailer
from shared.outbox import Outbox
from tests.intake.test_dialogue import Routing, in_dialogue
from tests.smtp import body_of, smtp_server

PROPOSER = "hanako@minato-kanko.example.jp"
STATUS = "https://kyoso.city.nagasaki.example.jp/status/{pid}?token="
OFFICER = "教育 太郎"  # the member of staff each step names


def project_story(pid: UUID) -> list[tuple[str, IntegrationEvent]]:
    kpi = Kpi(
        name="夜間利用者数",
        unit="人",
        baseline=100,
        target=300,
        measurements=(Measurement(measured_on=date(2026, 12, 20), value=320),),
    )
    return [
        ("decision", adoption_of(pid)),
        (
            "implementation",
            CallPublished(
                proposal_id=pid,
                route=SelectionRoute.OPEN_CALL,
                opens_on=date(2026, 5, 1),
                closes_on=date(2026, 5, 31),
                announcement="公告第1号",
            ),
        ),
        (
            "implementation",
            ApplicantRecorded(
                proposal_id=pid, applicant="株式会社ライバル", applied_on=date(2026, 5, 9)
            ),
        ),
        (
            "implementation",
            ImplementerSelected(
                proposal_id=pid,
                route=SelectionRoute.OPEN_CALL,
                implementer="株式会社みなと観光",
                reasons="価格と実績",
                selected_on=date(2026, 6, 5),
            ),
        ),
        (
            "implementation",
            AgreementConcluded(
                proposal_id=pid,
                kind=AgreementKind.BUSINESS_AGREEMENT,
                parties=("長崎市", "株式会社みなと観光"),
                signed_on=date(2026, 6, 10),
                term_from=date(2026, 6, 10),
                term_until=date(2027, 3, 31),
                fields=("まちづくり",),
            ),
        ),
        (
            "implementation",
            ImplementationStarted(proposal_id=pid, started_on=date(2026, 7, 1), experiment=False),
        ),
        (
            "implementation",
            MilestoneReached(proposal_id=pid, milestone="設置完了", reached_on=date(2026, 8, 1)),
        ),
        (
            "implementation",
            KpiDefined(proposal_id=pid, name="夜間利用者数", unit="人", baseline=100, target=300),
        ),
        (
            "implementation",
            ImplementationEnded(
                proposal_id=pid,
                ended_on=date(2026, 12, 31),
                verification_due_on=date(2027, 3, 31),
            ),
        ),
        (
            "implementation",
            VerdictGiven(
                proposal_id=pid,
                verdict=Verdict.SCALE_UP,
                reasons="目標を上回った",
                verified_on=date(2027, 1, 20),
                kpis=(kpi,),
            ),
        ),
    ]


def adoption_of(pid: UUID) -> ProposalAdopted:
    return ProposalAdopted(
        proposal_id=pid,
        decided_by="kyoiku",
        assessment=assess(AssessmentInputs(occupancy_days=400), thresholds("nagasaki")),
    )


def test_the_projects_steps_the_proposer_waits_for_are_mailed_in_their_words() -> None:
    with smtp_server() as (inbox, port):
        settings = IntakeSettings(
            database_url="memory:",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            mail_from="長崎市 共創窓口 <kyoso@city.nagasaki.example.jp>",
            public_base_url="https://kyoso.city.nagasaki.example.jp",
        )
        intake = IntakeApplication(settings)
        outbox = Outbox(
            intake, "proposer-mail", ProposerMail(intake, settings, Mailer(settings)).send, 0.2
        )
        outbox.position()  # the outbox starts here, before the proposal is submitted
        pid, _ = in_dialogue(intake)
        services = {
            name: Routing(intake, pid, name, officer=("kyoiku-taro", OFFICER))
            for name in ("decision", "implementation")
        }
        for service, event in project_story(pid):
            services[service].says(event)
        while outbox.handle_pending():
            pass
        mails = inbox.to(PROPOSER)

    # The receipt, accepted, taken on, adopted; then five of the project's eight steps.
    subjects = [m["Subject"] for m in mails]
    assert len(subjects) == 9, subjects
    assert "状況が変わりました" in subjects[3]  # adopted: the status changed
    project = [body_of(m) for m in mails[4:]]
    assert all("事業の進み具合のお知らせ" in s for s in subjects[4:])
    latest = [next(line for line in body.splitlines() if "最新の経過" in line) for body in project]
    assert latest == [
        "  最新の経過: 事業者を選定しました: 株式会社みなと観光",
        "  最新の経過: 事業連携協定を締結しました（2026-06-10）",
        "  最新の経過: 事業を開始しました（2026-07-01）",
        "  最新の経過: 事業を終了しました。2027-03-31までに効果検証を行います",
        "  最新の経過: 効果検証の結論: 本格実施（目標を上回った）",
    ]
    assert "事業の段階: 協定・契約の準備中" in project[0]
    assert "事業の段階: 効果検証済み" in project[4]
    for body in project:
        assert body.index("事業の段階") < body.index("Stage of the project")  # Japanese first
        assert STATUS.format(pid=pid) in body
        assert "株式会社ライバル" not in body  # another applicant
        assert OFFICER not in body and "kyoiku-taro" not in body  # no member of staff
        assert "公告第1号" not in body and "設置完了" not in body
    assert "Latest step: The verification's verdict: Scale up" in project[4]
