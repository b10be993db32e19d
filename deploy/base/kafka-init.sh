#!/bin/sh
# Prepares Kyoso Desk's Kafka before the services start: its users, its topics and its
# ACLs. One script for both deployments: docker-compose.yml runs it in the `kafka-init`
# service, Kubernetes in the `kyoso-kafka-init` Job (deploy/base/kafka-init-job.yaml), both
# with the apache/kafka image.
#
#   BOOTSTRAP_SERVERS     Kafka to talk to, host:port
#   SECURITY_PROTOCOL     how this script logs in: SASL_PLAINTEXT or SASL_SSL as the admin
#                         (PLAINTEXT for a broker without logins)
#   ADMIN_USERNAME        the admin, the broker's super user (default kyoso-admin) ...
#   ADMIN_PASSWORD        ... its password ...
#   ADMIN_SASL_MECHANISM  ... and mechanism (default PLAIN, as the bundled broker has it)
#   SSL_CAFILE            with SASL_SSL: the CA of the brokers' certificates (PEM)
#   SCRAM_USERS           the users to make, `user=password` separated by spaces: one per
#                         service and one for subscribing cities (SCRAM-SHA-512)
#   TOPIC_PREFIX          the services' KYOSO_TOPIC_PREFIX
#   TOPICS                topic names without the prefix, separated by spaces
#   PARTITIONS            partitions of a new topic
#   REPLICATION_FACTOR    replicas of a new topic (at most the number of brokers)
#   ACLS                  the ACL table (deploy/base/kafka-acls.txt, written from the
#                         services' declarations by `python -m shared.kafka_acls`)
#   WAIT_SECONDS          how long to wait for Kafka to answer (default 180)
#   KAFKA_BIN             folder of kafka-topics.sh and the others (default /opt/kafka/bin)
#
# Running it again is harmless: users get the password given now (a password is changed
# by changing it here and in the service's settings), topics that exist are left as they
# are, and ACLs that exist are kept. Topics keep their records (retention.ms=-1): they
# anchor the stores' hash chains, and other cities and auditors read them from the start.
set -eu

fail() {
  echo "kafka-init: $*" >&2
  exit 1
}

: "${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS is not set}"
: "${SECURITY_PROTOCOL:?SECURITY_PROTOCOL is not set}"
: "${TOPIC_PREFIX:?TOPIC_PREFIX is not set}"
: "${TOPICS:?TOPICS is not set}"
: "${PARTITIONS:?PARTITIONS is not set}"
: "${REPLICATION_FACTOR:?REPLICATION_FACTOR is not set}"
kafka_bin="${KAFKA_BIN:-/opt/kafka/bin}"
wait_seconds="${WAIT_SECONDS:-180}"
case "$TOPIC_PREFIX" in
  "" | *[!A-Za-z0-9._-]*) fail "TOPIC_PREFIX may hold only letters, digits, '.', '_' and '-'" ;;
esac

# A password goes into Kafka's own configuration syntax (SCRAM-SHA-512=[password=…] and
# JAAS "…"): letters, digits, - and _ only; and it must be a real one, not the example's.
check_password() {
  password=$2
  case "$password" in
    *[!A-Za-z0-9_-]*) fail "the password of $1 may hold only letters, digits, - and _" ;;
  esac
  [ "${#password}" -ge 16 ] || fail "the password of $1 is shorter than 16 characters"
}

# The admin's client settings, in a file only this script reads.
umask 077
admin_config=$(mktemp)
trap 'rm -f "$admin_config"' EXIT
case "$SECURITY_PROTOCOL" in
  PLAINTEXT) : >"$admin_config" ;;
  SASL_PLAINTEXT | SASL_SSL)
    admin="${ADMIN_USERNAME:-kyoso-admin}"
    : "${ADMIN_PASSWORD:?ADMIN_PASSWORD is not set}"
    check_password "$admin" "$ADMIN_PASSWORD"
    mechanism="${ADMIN_SASL_MECHANISM:-PLAIN}"
    case "$mechanism" in
      PLAIN) module=org.apache.kafka.common.security.plain.PlainLoginModule ;;
      SCRAM-SHA-256 | SCRAM-SHA-512) module=org.apache.kafka.common.security.scram.ScramLoginModule ;;
      *) fail "ADMIN_SASL_MECHANISM must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512" ;;
    esac
    printf 'security.protocol=%s\nsasl.mechanism=%s\n' "$SECURITY_PROTOCOL" "$mechanism" >"$admin_config"
    printf 'sasl.jaas.config=%s required username="%s" password="%s";\n' \
      "$module" "$admin" "$ADMIN_PASSWORD" >>"$admin_config"
    if [ "$SECURITY_PROTOCOL" = SASL_SSL ] && [ -n "${SSL_CAFILE:-}" ]; then
      printf 'ssl.truststore.type=PEM\nssl.truststore.location=%s\n' "$SSL_CAFILE" >>"$admin_config"
    fi
    ;;
  *) fail "SECURITY_PROTOCOL must be PLAINTEXT, SASL_PLAINTEXT or SASL_SSL" ;;
esac

kafka() { # TOOL ARGS…: one of Kafka's tools, as the admin
  tool=$1
  shift
  "$kafka_bin/$tool" --bootstrap-server "$BOOTSTRAP_SERVERS" --command-config "$admin_config" "$@"
}

started=$(date +%s)
until kafka kafka-topics.sh --list >/dev/null 2>&1; do
  if [ $(($(date +%s) - started)) -ge "$wait_seconds" ]; then
    fail "Kafka at $BOOTSTRAP_SERVERS did not answer within ${wait_seconds}s (or refused the admin's login)"
  fi
  echo "kafka-init: waiting for Kafka at $BOOTSTRAP_SERVERS"
  sleep 2
done

# 1. The users: each service, and subscribing cities, log in as their own (SCRAM). The
#    password is an argument for the moment the tool runs, seen only inside this container:
#    kafka-configs.sh reads SCRAM credentials from no file.
for entry in ${SCRAM_USERS:-}; do
  user=${entry%%=*}
  [ "$user" != "$entry" ] || fail "SCRAM_USERS: $user has no =password"
  check_password "$user" "${entry#*=}"
  kafka kafka-configs.sh --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[iterations=8192,password=${entry#*=}]" >/dev/null
  echo "kafka-init: $user can log in (SCRAM-SHA-512)"
done

# 2. The topics.
for name in $TOPICS; do
  topic="$TOPIC_PREFIX.$name"
  kafka kafka-topics.sh --create --if-not-exists --topic "$topic" \
    --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR" \
    --config retention.ms=-1
  echo "kafka-init: $topic is there"
done

# 3. The ACLs, one kafka-acls.sh per line of the table: principal, pattern, operations
#    (comma separated), resources (type:name, {prefix} standing for TOPIC_PREFIX).
if [ -n "${ACLS:-}" ]; then
  [ -r "$ACLS" ] || fail "ACLS: cannot read $ACLS"
  grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$ACLS" | sed "s/{prefix}/$TOPIC_PREFIX/g" |
    while read -r principal pattern operations resources; do
      set -- --add --allow-principal "$principal"
      [ "$pattern" = literal ] || set -- "$@" --resource-pattern-type "$pattern"
      for operation in $(echo "$operations" | tr ',' ' '); do
        set -- "$@" --operation "$operation"
      done
      for resource in $resources; do
        case "$resource" in
          topic:*) set -- "$@" --topic "${resource#topic:}" ;;
          group:*) set -- "$@" --group "${resource#group:}" ;;
          cluster:*) set -- "$@" --cluster ;;
          *) fail "ACLS: unknown resource $resource" ;;
        esac
      done
      kafka kafka-acls.sh "$@" >/dev/null
      echo "kafka-init: $principal may $operations $pattern $resources"
    done
fi
echo "kafka-init: done"
