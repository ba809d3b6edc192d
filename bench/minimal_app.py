"""The yardstick for bench/pages.py: a minimal Flask app serving a static 10 KB page."""
from flask import Flask

app = Flask(__name__)
PAGE = "<!doctype html><title>x</title><p>" + "x" * 10_200 + "</p>"


@app.get("/")
def page():
    return PAGE
