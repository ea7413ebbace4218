# syntax=docker/dockerfile:1
# The service as an installed wheel (not an editable tree): the wheel carries the templates, the stylesheet, the
# API reference's assets and the migrations (checked by tests/test_packaging.py). Data lives in the volume /data
# (the SQLite file by default); for production use PostgreSQL (docker-compose.yml). Migrations run first
# (`gongkai db upgrade`), then the server starts without migrating.
#
# Production mode refuses to start without -e GONGKAI_SECRET_KEY=… (docs/security.md) and sends the session cookie
# over HTTPS only: put a TLS proxy in front and give its address in GONGKAI_FORWARDED_ALLOW_IPS (X-Forwarded-* from
# anyone else is ignored), or on a trusted network run with -e GONGKAI_ENVIRONMENT=development. The login page says
# so when reached over plain HTTP. The first run's administrator credentials are in /data/gongkai-first-run.txt
# (mode 0600): `docker exec <container> cat /data/gongkai-first-run.txt`, then delete the file.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY app ./app
COPY migrations ./migrations
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PATH=/opt/gongkai/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GONGKAI_ENVIRONMENT=production \
    GONGKAI_DATABASE_URL=sqlite:////data/gongkai.db
COPY --from=build /wheels /wheels
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/gongkai \
 && /opt/gongkai/bin/pip install --no-cache-dir -c /tmp/requirements.lock /wheels/*.whl \
 && rm -rf /wheels /tmp/requirements.lock \
 && useradd --system --uid 10001 --home-dir /data --create-home gongkai
USER gongkai
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "gongkai db upgrade && exec gongkai serve --no-migrate --host 0.0.0.0 --port 8000"]
