"""What a consumer checks in a record before it believes it (issue 18): anyone who can
reach the broker can write to it, so a record is an event of the desk only when

- it is no larger than `KYOSO_KAFKA_MAX_RECORD_BYTES` (measured before it is read),
- it is a valid CloudEvent of the contract (shared.contract.envelope),
- its Kafka key is its subject, and a proposal's event is about the proposal it names,
- it is signed by a trusted key of the service it claims to come from
  (shared.contract.verifiability, shared.event_keys),
- its type travels on the topic it came on, and that topic is written by that service
  (shared.contract.topics),
- it says which of its subject's events came before it (`previoussequence`), so the
  consumer can apply a subject's events only in order (shared.consumer).

A record that fails is refused with the reason; the consumer dead-letters it and
changes nothing. `kyoso subscribe` makes the same checks for another city.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aiokafka.record.default_records import DefaultRecordBatchBuilder

from shared.contract.envelope import Envelope, from_kafka
from shared.contract.topics import TOPICS, HasTopicPrefix, Topic
from shared.contract.verifiability import Unverified, verify
from shared.event_keys import TrustedKeys
from shared.settings import ENV_PREFIX, CommonSettings

MAX_RECORD_SETTING = f"{ENV_PREFIX}KAFKA_MAX_RECORD_BYTES"


class Refused(ValueError):
    """A record the desk does not believe; says why."""


class TooLarge(Refused):
    """A record above the size limit: refused before it is read, and not kept whole."""


def record_size(
    key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
) -> int:
    """A record's size as the producer counts it against `max_request_size`, so what a
    relay may send and what a consumer takes are measured alike."""
    size: int = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, list(headers))
    return size


def topics_by_name(settings: HasTopicPrefix, topics: Iterable[Topic] = TOPICS) -> dict[str, Topic]:
    return {topic.name(settings): topic for topic in topics}


@dataclass(frozen=True)
class RecordChecks:
    trusted: TrustedKeys
    topics: Mapping[str, Topic]  # by full name: the topics records may come on
    max_record_bytes: int

    @classmethod
    def for_settings(
        cls, settings: CommonSettings, topics: Iterable[Topic] = TOPICS
    ) -> RecordChecks:
        return cls(
            trusted=TrustedKeys.from_settings(settings),
            topics=topics_by_name(settings, topics),
            max_record_bytes=settings.kafka_max_record_bytes,
        )

    def envelope_of(
        self,
        topic: str,
        key: bytes | None,
        headers: Iterable[tuple[str, bytes]],
        value: bytes | None,
    ) -> Envelope:
        """The record's event, believed; raise Refused (or MalformedMessage) saying why not."""
        headers = list(headers)
        size = record_size(key, value, headers)
        if size > self.max_record_bytes:
            raise TooLarge(
                f"refused: a record of {size:,} bytes, above the limit of "
                f"{self.max_record_bytes:,} ({MAX_RECORD_SETTING})"
            )
        value = value or b""
        envelope = from_kafka(headers, key, value)  # MalformedMessage: not an event at all
        meta = envelope.meta
        if key != meta.subject.encode():
            shown = "none" if key is None else repr(key.decode(errors="replace"))
            raise Refused(f"refused: its Kafka key {shown} differs from its subject {meta.subject}")
        proposal_id = envelope.proposal_id
        if proposal_id is not None and str(proposal_id) != meta.subject:
            raise Refused(
                f"refused: an event about proposal {proposal_id} with the subject {meta.subject}"
            )
        try:
            signature = verify(headers, value, self.trusted)
        except Unverified as problem:
            raise Refused(f"refused: {problem}") from None
        signer = self.trusted.service_of(signature.key_id)
        if signer != meta.service:
            raise Refused(
                f"refused: signed with a key of {signer}, but it says it comes from {meta.service}"
            )
        self._travels_on(topic, envelope)
        if meta.previous_sequence is None or not 0 <= meta.previous_sequence < meta.sequence:
            raise Refused(
                f"refused: previoussequence {meta.previous_sequence} does not come before "
                f"sequence {meta.sequence}"
            )
        return envelope

    def _travels_on(self, topic: str, envelope: Envelope) -> None:
        """The contract says which events travel on which topic, and who writes it."""
        expected = self.topics.get(topic)
        event_type = envelope.event.event_type
        if expected is None:
            raise Refused(f"refused: {topic} is not a topic this consumer reads")
        if type(envelope.event) not in expected.events:
            raise Refused(f"refused: {event_type} does not travel on {topic}")
        if expected.owner != envelope.meta.service:
            raise Refused(
                f"refused: {topic} is written by {expected.owner}, not {envelope.meta.service}"
            )
