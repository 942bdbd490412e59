# renewal-sync: a small image that runs the daemon as a non-root user.
# Build: docker build -t renewal-sync .   Run: docker run --env-file prod.env renewal-sync
# Pure Python: the build stage only turns the sources into a wheel, so both stages are slim.
# The image installs the service without the `sandbox` extra (no emulators' Werkzeug).
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY contract_rules ./contract_rules
COPY mappings ./mappings
COPY sync ./sync
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
# The variable below names a directory of mounted secret files; it holds no secret itself.
# hadolint ignore=DL3064
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////var/lib/renewal-sync/state.db \
    RENEWAL_SYNC_SECRETS_DIR=/run/secrets
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels \
 && groupadd --system --gid 10001 renewal \
 && useradd --system --uid 10001 --gid renewal --home-dir /var/lib/renewal-sync renewal \
 && mkdir -p /var/lib/renewal-sync && chown 10001:10001 /var/lib/renewal-sync
USER 10001:10001
WORKDIR /var/lib/renewal-sync
VOLUME ["/var/lib/renewal-sync"]
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=3 \
  CMD ["renewal-sync", "health", "--check"]
ENTRYPOINT ["renewal-sync"]
CMD ["run"]
