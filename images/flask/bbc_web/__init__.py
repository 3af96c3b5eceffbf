"""What every BBC web app shares: `create_app()` with a health endpoint, and `secret()`."""

from flask import Flask

from bbc_web.secrets import secret

__all__ = ["create_app", "secret"]


def create_app(name: str) -> Flask:
    app = Flask(name)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
