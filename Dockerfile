# riskdesk: one image for web, worker and beat.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    RISKDESK_VAR_DIR=/app/var \
    RISKDESK_MEDIA_ROOT=/app/media

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext curl gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv \
    && useradd --system --create-home --home-dir /home/riskdesk riskdesk

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# Static files and translations are built into the image; build-time settings need no real secrets.
RUN RISKDESK_ENV=production ALLOWED_HOSTS=build RISKDESK_ENCRYPTION_KEYS=build-only-placeholder \
        SECRET_KEY=build-only-placeholder-0123456789-abcdefghijklmnopqrstuvwxyz-XYZ \
        python manage.py collectstatic --no-input -v 0 \
    && python manage.py compilemessages --ignore=.venv -v 0 \
    && python -c "from monitoring.enrichment.compiled import build; build()" >/dev/null \
    && mkdir -p /app/var /app/media && chown -R riskdesk /app/var /app/media

USER riskdesk
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/login/ -o /dev/null || exit 1
CMD ["gunicorn", "riskdesk.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
