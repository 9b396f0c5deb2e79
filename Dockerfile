# syntax=docker/dockerfile:1

# Legible: server-rendered, reader-themed news articles.
#
#   docker build -t legible .
#   docker run -p 8000:8000 -v legible-data:/data legible
#
# Stage 1 builds the wheel (which carries themes/ and widget/ as
# service/_data/...) and installs it with its dependencies into /opt/venv.
# Stage 2 is the runtime: the venv, a non-root user and a data volume; no
# compiler, no source tree, no pip cache.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY . .

# Build only our own wheel here (build deps such as hatchling come from
# pyproject's [build-system]); runtime deps are resolved when the wheel is
# installed into the venv below, with the postgresql extra (psycopg ships its
# own libpq), so one image serves LEGIBLE_DB as a file or a postgresql:// URL.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir "$(ls /wheels/*.whl)[postgresql]" \
    && /opt/venv/bin/python -c "import importlib.resources as r, service.cli, psycopg_pool; \
d = r.files('service') / '_data'; \
assert (d / 'themes').is_dir() and (d / 'widget').is_dir(), 'wheel lacks _data'"


FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="legible" \
      org.opencontainers.image.description="News articles rendered server-side in the reader's contrast theme and text size, plus an embeddable accessibility widget." \
      org.opencontainers.image.licenses="MIT"

ENV LEGIBLE_DB=/data/legible.db \
    LEGIBLE_HOST=0.0.0.0 \
    LEGIBLE_PORT=8000 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

# Fixed uid/gid so volume ownership is predictable across rebuilds and hosts.
RUN groupadd --system --gid 10001 legible \
    && useradd --system --uid 10001 --gid legible --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin legible \
    && mkdir -p /data \
    && chown legible:legible /data

COPY --from=build /opt/venv /opt/venv

WORKDIR /app

# Declared after the chown so a fresh named volume inherits legible:legible.
VOLUME /data

EXPOSE 8000

# No curl in slim images: probe with the interpreter that is already there.
# Follows LEGIBLE_PORT if an operator overrides it (default 8000).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('LEGIBLE_PORT', '8000'); r = urllib.request.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Numeric uid:gid (the "legible" user created above) so the runtime and
# Kubernetes' runAsNonRoot can verify non-root without reading /etc/passwd.
USER 10001:10001

ENTRYPOINT ["legible"]
CMD ["serve", "--host", "0.0.0.0"]
