"""Where a proposal's history is read from: the services' stores, or the topics.

From the stores, each service's stored events of the proposal are translated with the
service's own relay translator (so they are exactly what it published, or would
publish); what it keeps to itself becomes an internal record. From Kafka, the same
integration events are read off the topics, for a city that holds only those.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from services.intake.domain import Proposal
from services.publication.domain import Case
from services.registry import SERVICES
from shared.audit.history import InternalRecord, ProposalHistory
from shared.audit.stores import StoredHistory
from shared.contract import Envelope
from shared.contract.envelope import MalformedMessage, from_kafka
from shared.contract.intake import ProposalSubmitted
from shared.contract.public import CaseCorrected, CasePublished, CaseRetracted
from shared.contract.topics import TOPICS
from shared.settings import CommonSettings
from shared.topics import read_to_end


class ProposalNotFound(LookupError):
    pass


def history_from_stores(proposal: UUID | str, settings: CommonSettings) -> ProposalHistory:
    stores = {name: StoredHistory(name, settings) for name in SERVICES}
    try:
        proposal_id = (
            proposal
            if isinstance(proposal, UUID)
            else _receipt_in_store(stores["intake"], proposal)
        )
        envelopes: list[Envelope] = []
        internal: list[InternalRecord] = []
        for service, store in stores.items():
            declaration = SERVICES[service]
            aggregates = (
                declaration.proposal_aggregate(proposal_id),
                *declaration.more_proposal_aggregates(proposal_id),
            )
            stored = [e for a in aggregates for e in store.recorder.select_events(a)]
            for stored_event in stored:
                domain_event: Any = store.mapper.to_domain_event(stored_event)
                envelope = declaration.to_envelope(domain_event)
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
                            actor_subject=meta.get("subject"),
                            actor_name=meta.get("name"),
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
    topics = [topic.name(settings) for topic in TOPICS]
    records = await read_to_end(settings.kafka_bootstrap_servers, topics, security=settings)
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
