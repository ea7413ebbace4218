"""Settings, read once from the environment (prefix ``GONGKAI_``) when the application or a command starts."""

from __future__ import annotations

from functools import cached_property
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app import keys

MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | test | production")
    database_url: str = Field(
        "sqlite:///gongkai.db", description="SQLAlchemy URL; postgresql+psycopg://… in production"
    )
    timezone: str = Field("Asia/Shanghai", description="The agencies' time zone: legal dates are days in this zone")
    default_page_size: int = 50
    max_page_size: int = 500
    sql_echo: bool = False
    max_body_bytes: int = Field(1024 * 1024, ge=1, description="Larger request bodies are refused with 413")
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Largest file of a case file (upload or letter)")
    max_case_file_bytes: int = Field(200 * 1024 * 1024, ge=1, description="Largest total size of one case's file")
    pdf_letters: bool = Field(True, description="Render each letter to PDF with LibreOffice when it is installed")
    pdf_conversions: int = Field(1, ge=1, le=8, description="LibreOffice conversions at once, per API process")
    pdf_timeout_seconds: int = Field(60, ge=5, le=600, description="A LibreOffice conversion is killed after this")
    cors_origins: str = Field("", description="Browser origins allowed to call the API, comma-separated; none if empty")
    session_idle_hours: int = Field(8, ge=1, description="A browser session ends after this many idle hours")
    db_connect_timeout: int = Field(
        5, ge=1, description="PostgreSQL: seconds to wait for a connection before answering 503 (libpq connect_timeout)"
    )
    db_statement_timeout: float = Field(
        30.0, ge=0, description="PostgreSQL: seconds one SQL statement may run before it is cancelled (0: no limit)"
    )
    workers: int = Field(
        1,
        ge=1,
        description="HTTP worker processes of `gongkai serve`; more than 1 only on PostgreSQL (SQLite: 1 writer)",
    )
    db_pool_size: int = Field(
        8, ge=1, description="Requests one process works on at once, each with its own database connection; others wait"
    )
    busy_timeout: float = Field(
        5.0, gt=0, description="Seconds a request waits for its turn, a connection or a lock before 503 + Retry-After"
    )

    secret_key: SecretStr | None = Field(
        None, description="Keys the audit chain and encrypts webhook secrets (app/keys.py); required in production"
    )
    secret_key_id: str = Field("k1", pattern=r"^[A-Za-z0-9_-]{1,16}$", description="The id of secret_key")
    old_secret_keys: SecretStr | None = Field(None, description="Earlier keys still needed, as id:key,id:key")
    webhook_allow_hosts: str = Field(
        "", description="Webhook hosts allowed although internal (an OA system on the intranet), comma-separated"
    )

    @model_validator(mode="after")
    def _production_has_a_secret_key(self) -> Settings:
        """No default secret outside development: production refuses to start without a real key."""
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if self.environment == "production" and len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"GONGKAI_ENVIRONMENT=production 时须将 GONGKAI_SECRET_KEY 设为至少 {MIN_SECRET_KEY_LENGTH} 个随机字符"
                "（例如 python -c 'import secrets; print(secrets.token_urlsafe(32))' 的输出）"
            )
        return self

    @model_validator(mode="after")
    def _one_process_on_sqlite(self) -> Settings:
        """SQLite has one writer: several processes would each queue their own writers and then wait on the file's
        lock, beyond ``busy_timeout`` and with no 503 (found by a probe: 9 s answers at 64 clients)."""
        if self.workers > 1 and self.is_sqlite:
            raise ValueError(
                f"SQLite 只能由一个进程写入：GONGKAI_WORKERS 应为 1（实为 {self.workers}）；多进程请使用 PostgreSQL"
            )
        return self

    @cached_property
    def keyring(self) -> keys.Keyring:
        return keys.keyring(
            self.secret_key.get_secret_value() if self.secret_key else None,
            self.secret_key_id,
            self.old_secret_keys.get_secret_value() if self.old_secret_keys else None,
        )

    @property
    def webhook_allow_host_list(self) -> list[str]:
        return [host.strip() for host in self.webhook_allow_hosts.split(",") if host.strip()]

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def secure_cookies(self) -> bool:
        """Cookies are sent over HTTPS only, except on a developer's or the tests' plain-HTTP server."""
        return self.environment not in ("development", "test")

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
