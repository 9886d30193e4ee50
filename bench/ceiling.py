"""The ceiling: the smallest Flask page, served by the same gunicorn settings as the shop."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "<!doctype html><title>Ceiling</title><p>Hello from a minimal Flask page.</p>"
