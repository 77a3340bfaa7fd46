"""Server-rendered web console (Jinja2, English and 简体中文)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from promodesk.web import AppState


def mount(app: FastAPI, st: AppState) -> None:
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return "<!doctype html><meta charset='utf-8'><title>promodesk</title><h1>promodesk</h1>"
