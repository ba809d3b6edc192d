"""A WSGI app for the graceful-shutdown test: the real app plus one deliberately slow route."""
import os
import time

from smartsociety import create_app

app = create_app(
    {
        "CONFIG": "testing",
        "SQLALCHEMY_DATABASE_URI": os.environ["TEST_DATABASE_URL"],
        "SEARCH_INDEX_DIR": os.environ["TEST_INDEX_DIR"],
    }
)


@app.get("/_slow")
def slow():
    started = os.environ.get("SLOW_STARTED_FILE")
    if started:  # tells the test the request is in flight (no guessing with a sleep)
        open(started, "w").close()
    time.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
    return "finished"
