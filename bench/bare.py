"""The baseline of the API benchmark: a bare FastAPI application with one endpoint that INSERTs one row and one that
SELECTs one row by key, on the same database as the service, served by the same uvicorn, hit by the same client.

It is deliberately plain (``create_engine`` with its defaults, a ``def`` endpoint, one short transaction): what a
framework tutorial would write, and what the real endpoints are measured against.

    GONGKAI_DATABASE_URL=... uvicorn --factory bench.bare:create_app
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

metadata = MetaData()
bare_row = Table(
    "bench_bare_row",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agency", String(32), nullable=False),
    Column("applicant_name", String(200), nullable=False),
    Column("description", String(2000), nullable=False),
)


def create_app() -> FastAPI:
    engine = create_engine(os.environ["GONGKAI_DATABASE_URL"])
    metadata.create_all(engine)
    app = FastAPI()

    @app.post("/bare", status_code=201)
    def create(body: dict[str, Any]) -> dict[str, int]:
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(bare_row)
                .values(
                    agency=body.get("agency", ""),
                    applicant_name=body.get("applicant", {}).get("name", ""),
                    description=body.get("request", {}).get("description", ""),
                )
                .returning(bare_row.c.id)
            ).scalar_one()
        return {"id": new_id}

    @app.get("/bare/{row_id}")
    def get(row_id: int) -> dict[str, Any]:
        with engine.connect() as conn:
            row = conn.execute(select(bare_row).where(bare_row.c.id == row_id)).one()
        return dict(row._mapping)

    return app
