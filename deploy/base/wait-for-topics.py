"""Wait until a service's Kafka topics exist (the init container of each service's Pod).

Kubernetes has no `depends_on`: the `kyoso-kafka-init` Job creates the topics, and each
service's Pod waits here for the ones it needs, so that no service creates a topic with
the wrong partitions or replication by being first. Runs in the kyoso-desk image.

    KYOSO_KAFKA_BOOTSTRAP_SERVERS, KYOSO_TOPIC_PREFIX   as the service reads them
    KYOSO_KAFKA_SECURITY_PROTOCOL, KYOSO_KAFKA_SASL_*  the service's own login: it sees
                                                       the topics its ACLs let it describe
    TOPICS                                             names without the prefix
    WAIT_SECONDS                                       give up after (default 600)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka_security import KafkaClientSettings, client_options, process_kafka_security
from shared.settings import ConfigError


async def existing_topics(bootstrap_servers: str, security: KafkaClientSettings) -> set[str]:
    admin = AIOKafkaAdminClient(
        **client_options(bootstrap_servers, security), request_timeout_ms=5000
    )
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


def main() -> int:
    servers = os.environ["KYOSO_KAFKA_BOOTSTRAP_SERVERS"]
    prefix = os.environ.get("KYOSO_TOPIC_PREFIX", "kyoso")
    wanted = {f"{prefix}.{name}" for name in os.environ["TOPICS"].split()}
    deadline = time.monotonic() + float(os.environ.get("WAIT_SECONDS", "600"))
    try:
        security = process_kafka_security()
    except ConfigError as problem:
        print(f"wait-for-topics: {problem}", file=sys.stderr)
        return 2
    while True:
        try:
            missing = sorted(wanted - asyncio.run(existing_topics(servers, security)))
        except Exception as problem:  # Kafka not up yet: keep waiting
            missing = sorted(wanted)
            print(f"wait-for-topics: Kafka at {servers}: {problem}", flush=True)
        if not missing:
            print(f"wait-for-topics: {', '.join(sorted(wanted))} exist", flush=True)
            return 0
        if time.monotonic() > deadline:
            print(f"wait-for-topics: still missing {', '.join(missing)}", file=sys.stderr)
            return 1
        print(f"wait-for-topics: waiting for {', '.join(missing)}", flush=True)
        time.sleep(2)


if __name__ == "__main__":
    sys.exit(main())
