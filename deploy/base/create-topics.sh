#!/bin/sh
# Creates Kyoso Desk's Kafka topics before the services start. One script for both
# deployments: docker-compose.yml runs it in the `kafka-init` service, Kubernetes in the
# `kyoso-topics` Job (deploy/base/topics-job.yaml), both with the apache/kafka image.
#
#   BOOTSTRAP_SERVERS   Kafka to talk to, host:port
#   TOPIC_PREFIX        the services' KYOSO_TOPIC_PREFIX
#   TOPICS              topic names without the prefix, separated by spaces
#   PARTITIONS          partitions of a new topic
#   REPLICATION_FACTOR  replicas of a new topic (at most the number of brokers)
#   WAIT_SECONDS        how long to wait for Kafka to answer (default 180)
#   KAFKA_BIN           folder of kafka-topics.sh (default /opt/kafka/bin)
#
# Topics that exist already are left as they are, so running it again is harmless.
# They keep their records (retention.ms=-1): they anchor the stores' hash chains, and
# other cities and auditors read them from the beginning.
set -eu

: "${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS is not set}"
: "${TOPIC_PREFIX:?TOPIC_PREFIX is not set}"
: "${TOPICS:?TOPICS is not set}"
: "${PARTITIONS:?PARTITIONS is not set}"
: "${REPLICATION_FACTOR:?REPLICATION_FACTOR is not set}"
kafka_topics="${KAFKA_BIN:-/opt/kafka/bin}/kafka-topics.sh"
wait_seconds="${WAIT_SECONDS:-180}"

started=$(date +%s)
until "$kafka_topics" --bootstrap-server "$BOOTSTRAP_SERVERS" --list >/dev/null 2>&1; do
  if [ $(( $(date +%s) - started )) -ge "$wait_seconds" ]; then
    echo "create-topics: Kafka at $BOOTSTRAP_SERVERS did not answer within ${wait_seconds}s" >&2
    exit 1
  fi
  echo "create-topics: waiting for Kafka at $BOOTSTRAP_SERVERS"
  sleep 2
done

for name in $TOPICS; do
  topic="$TOPIC_PREFIX.$name"
  "$kafka_topics" --bootstrap-server "$BOOTSTRAP_SERVERS" --create --if-not-exists \
    --topic "$topic" --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR" \
    --config retention.ms=-1
  echo "create-topics: $topic is there"
done
