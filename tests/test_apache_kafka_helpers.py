"""The helper that starts Apache Kafka for the tests must never fail at random."""

import base64

from tests.apache_kafka import new_cluster_id


def test_no_cluster_id_is_read_by_kafka_storage_as_an_option() -> None:
    # One in 64 plain draws starts with "-"; 5,000 draws would meet one almost surely.
    cluster_ids = [new_cluster_id() for _ in range(5_000)]
    assert not [cluster_id for cluster_id in cluster_ids if cluster_id.startswith("-")]
    assert {len(base64.urlsafe_b64decode(cluster_id + "==")) for cluster_id in cluster_ids} == {16}
