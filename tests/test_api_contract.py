"""The API contract: schemathesis generates requests from the served OpenAPI document and
checks that nothing answers 5xx and every response matches its documented schema.
Examples are limited so the run takes about a minute."""
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from smartsociety.api import tokens
from smartsociety.models import OrganisationKind, TokenScope, utcnow
from tests.factories import (
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    SolutionFactory,
    verified_member,
)
from tests.test_sensors import make_sensor


@pytest.fixture
def app_config(app_config):
    # Generated requests come fast: the limits themselves are tested in test_api.py.
    return {**app_config, "API_LIMIT_PER_ADDRESS": "100000 per minute",
            "API_LIMIT_PER_TOKEN": "100000 per minute", "POSTING_LIMIT": "100000 per hour",
            "POSTING_LIMIT_NEW_ACCOUNT": "100000 per hour"}


@pytest.fixture
def api_schema(app, db):
    case = CaseFactory()
    CommentFactory(case=case)
    SolutionFactory()
    user = verified_member()
    # The sensor register: an accepted registration and one awaiting review.
    gemeente = OrganisationFactory(kind=OrganisationKind.GEMEENTE, verified_at=utcnow())
    make_sensor(user, gemeente, name="Camera Markt")
    make_sensor(user, gemeente, name="Wacht op beoordeling", accepted=False)
    app.config["CONTRACT_TOKEN"] = tokens.create(user, "contract", TokenScope.WRITE, 1)[1]
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_api_contract(api_schema, app):
    """Every operation of the served document, with and without a write token."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12
    auth = {"Authorization": f"Bearer {app.config['CONTRACT_TOKEN']}"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # Hypothesis seeds the global `random` the same way for every example; Whoosh
            # names its segments with it, so two examples that write the index would make
            # the same segment name. Reseed from the OS for the request itself.
            random.seed()
            if operation.method.upper() != "GET":  # noqa: B023 (called in this iteration)
                case.headers = {**(case.headers or {}), **auth}
            # The test client does not decompress; what is checked is the API, not Flask-Compress.
            case.headers = {**(case.headers or {}), "Accept-Encoding": "identity"}
            case.call_and_validate(checks=CHECKS)

        check()
