"""The app the Flask image serves by itself, so its contract tests have something to run."""

from bbc_web import create_app

app = create_app("bbc-web")
