# syntax=docker/dockerfile:1

# `legible audit` with its Chromium: Debian's chromium package, the same browser the
# project's own tests drive, run by a non-root user. Build from the repository root:
#
#   docker build -f docker/audit.Dockerfile -t legible-audit .
#   docker run --rm --shm-size=1g -v "$PWD:/work" --user "$(id -u):$(id -g)" \
#     legible-audit https://staging.example/ --sarif audit.sarif --junit audit.xml
#
# Reports land in the mounted folder (/work). --shm-size: Chromium needs more shared
# memory than Docker's 64 MB default. No Docker engine runs in this project's CI, so
# the image is linted (tests/test_dockerfile.py, tests/test_audit_dockerfile.py), not
# built there.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY . .

# The wheel with the audit extra (Playwright and axe); Playwright's own browser
# download is not used: Debian's chromium below is.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir "$(ls /wheels/*.whl)[audit]" \
    && /opt/venv/bin/python -c "import legible_audit.runner, axe_playwright_python"


FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="legible-audit" \
      org.opencontainers.image.description="legible audit: WCAG checks in every theme, text size and viewport, with Chromium inside." \
      org.opencontainers.image.licenses="MIT"

# Chromium and fonts for Latin (Vietnamese included) and most other scripts; tini
# reaps the renderer processes Chromium leaves. Versions follow Debian's security
# updates (a browser must), so they are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       chromium fonts-dejavu-core fonts-liberation2 fonts-noto-core tini \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 audit \
    && useradd --system --uid 10001 --gid audit --no-create-home --home-dir /tmp \
       --shell /usr/sbin/nologin audit \
    && mkdir -p /work \
    && chown audit:audit /work

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    LEGIBLE_CHROMIUM=/usr/bin/chromium \
    HOME=/tmp \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /work

# Numeric uid:gid, so runAsNonRoot can verify it; `docker run --user` may pick the
# caller's own ids so the reports in the mounted folder are theirs (HOME is /tmp).
USER 10001:10001

ENTRYPOINT ["tini", "--", "legible", "audit"]
CMD ["--help"]
