"""Where a proposal's history is read from: the services' stores, or the topics.

From the stores, each service's stored events of the proposal are translated with the
service's own relay translator (so they are exactly what it published, or would
publish); what it keeps to itself becomes an internal record. From Kafka, the same
integration events are read off the topics, for a city that holds only those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from services.decision.domain import Decision
from services.decision.integration import decision_topic
from services.decision.integration import to_envelope as decision_envelope
from services.intake.domain import Proposal
from services.intake.integration import proposals_topic
from services.intake.integration import to_envelope as intake_envelope
from services.publication.domain import Case
from services.publication.integration import public_topic
from services.publication.integration import to_envelope as publication_envelope
from services.routing.domain import Routing
from services.routing.integration import routing_topic
from services.routing.integration import to_envelope as routing_envelope
from shared.audit.history import InternalRecord, ProposalHistory
from shared.audit.stores import StoredHistory
from shared.contract import Envelope
from shared.contract.envelope import MalformedMessage, from_kafka
from shared.contract.intake import ProposalSubmitted
from shared.contract.public import CaseCorrected, CasePublished, CaseRetracted
from shared.settings import CommonSettings
from shared.topics import read_to_end


class ProposalNotFound(LookupError):
    pass


# Per service: the aggregates holding a proposal's own events, and the relay's translation.
AGGREGATES: dict[str, Callable[[UUID], UUID]] = {
    "intake": lambda proposal_id: proposal_id,
    "routing": Routing.create_id,
    "decision": Decision.create_id,
    "publication": Case.create_id,
}
TRANSLATORS: dict[str, Callable[[Any, int | None], Envelope | None]] = {
    "intake": intake_envelope,
    "routing": routing_envelope,
    "decision": decision_envelope,
    "publication": publication_envelope,
}


def history_from_stores(proposal: UUID | str, settings: CommonSettings) -> ProposalHistory:
    stores = {service: StoredHistory(service, settings) for service in AGGREGATES}
    try:
        proposal_id = (
            proposal
            if isinstance(proposal, UUID)
            else _receipt_in_store(stores["intake"], proposal)
        )
        envelopes: list[Envelope] = []
        internal: list[InternalRecord] = []
        for service, store in stores.items():
            stored = store.recorder.select_events(AGGREGATES[service](proposal_id))
            for stored_event in stored:
                domain_event: Any = store.mapper.to_domain_event(stored_event)
                envelope = TRANSLATORS[service](domain_event, None)
                if envelope is not None:
                    envelopes.append(envelope)
                else:
                    meta = getattr(domain_event, "meta", None) or {}
                    internal.append(
                        InternalRecord(
                            at=domain_event.timestamp,
                            service=service,
                            actor_role=meta.get("role"),
                            name=type(domain_event).__qualname__,
                        )
                    )
        if not envelopes:
            raise ProposalNotFound(f"proposal: no stored history of {proposal}")
        return ProposalHistory(proposal_id, envelopes, internal, source="stores")
    finally:
        for store in stores.values():
            store.close()


def _receipt_in_store(intake: StoredHistory, receipt_number: str) -> UUID:
    submitted_topics = [get_topic(Proposal.Submitted)]
    start = 1
    while page := intake.recorder.select_notifications(start, 1000, topics=submitted_topics):
        for notification in page:
            submitted: Any = intake.mapper.to_domain_event(notification)
            if submitted.receipt_number == receipt_number:
                return UUID(str(notification.originator_id))
        start = page[-1].id + 1
    raise ProposalNotFound(f"proposal: no proposal has the receipt number '{receipt_number}'")


async def history_from_kafka(proposal: UUID | str, settings: CommonSettings) -> ProposalHistory:
    topics = [
        proposals_topic(settings),
        routing_topic(settings),
        decision_topic(settings),
        public_topic(settings),
    ]
    records = await read_to_end(settings.kafka_bootstrap_servers, topics)
    envelopes = []
    for record in records:
        try:
            envelopes.append(from_kafka(record.headers, record.key, record.value or b""))
        except MalformedMessage:
            continue  # not ours to replay; the services' dead-letter topics tell why
    proposal_id = (
        proposal if isinstance(proposal, UUID) else _receipt_on_topics(envelopes, proposal)
    )
    case_id = Case.create_id(proposal_id)
    mine = [envelope for envelope in envelopes if _concerns(envelope, proposal_id, case_id)]
    if not mine:
        raise ProposalNotFound(f"proposal: nothing on {', '.join(topics)} about {proposal}")
    return ProposalHistory(proposal_id, mine, source="topics")


def _receipt_on_topics(envelopes: list[Envelope], receipt_number: str) -> UUID:
    for envelope in envelopes:
        event = envelope.event
        if isinstance(event, ProposalSubmitted) and event.receipt_number == receipt_number:
            return event.proposal_id
    raise ProposalNotFound(f"proposal: no proposal has the receipt number '{receipt_number}'")


def _concerns(envelope: Envelope, proposal_id: UUID, case_id: UUID) -> bool:
    event = envelope.event
    if isinstance(event, CasePublished | CaseCorrected):
        return event.case.case_id == case_id
    if isinstance(event, CaseRetracted):
        return event.case_id == case_id
    return getattr(event, "proposal_id", None) == proposal_id
