# syntax=docker/dockerfile:1
# The service from this source tree. Migrations run as their own step (`gongkai db upgrade`, e.g. in an init
# container or a release job); the server then starts without migrating.
FROM python:3.11-slim
ENV PATH=/opt/gongkai/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GONGKAI_ENVIRONMENT=production \
    GONGKAI_DATABASE_URL=sqlite:////data/gongkai.db
WORKDIR /srv/gongkai
COPY pyproject.toml requirements.lock README.md ./
COPY app ./app
COPY migrations ./migrations
# Editable install: app/migrate.py finds migrations/ beside app/ in this tree.
RUN python -m venv /opt/gongkai \
 && /opt/gongkai/bin/pip install --no-cache-dir -c requirements.lock -e . \
 && useradd --system --uid 10001 --home-dir /data --create-home gongkai
USER gongkai
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "gongkai db upgrade && exec gongkai serve --no-migrate --host 0.0.0.0 --port 8000"]
