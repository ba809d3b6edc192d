"""The API: visibility, pagination, ETags, CORS, errors, tokens and writes."""
import sqlalchemy as sa

from smartsociety.api import tokens
from smartsociety.models import ApiToken, Case, Comment, Follow, TokenScope, utcnow
from tests.factories import (
    CaseFactory,
    CommentFactory,
    PrincipleFactory,
    SolutionFactory,
    UserFactory,
    saved,
    verified_member,
)


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def make_token(user, scope=TokenScope.WRITE, days=30):
    return saved(tokens.create(user, "test", scope, days))[1]


def test_lists_and_details_leave_hidden_content_out(client, db):
    shown = CaseFactory(title="Zichtbare casus")
    hidden = CaseFactory(title="Verborgen casus", hidden_at=utcnow())
    CommentFactory(case=shown, body="Openbare reactie")
    CommentFactory(case=shown, body="Verborgen reactie", hidden_at=utcnow())
    CommentFactory(case=shown, body="Verwijderde reactie", deleted_at=utcnow())
    listing = client.get("/api/v1/cases").get_json()
    assert [c["title"] for c in listing["items"]] == ["Zichtbare casus"]
    assert client.get(f"/api/v1/cases/{hidden.id}").status_code == 404
    detail = client.get(f"/api/v1/cases/{shown.id}").get_json()
    assert [c["body"] for c in detail["comments"]] == ["Openbare reactie"]
    # The author sees their own hidden case with a token, as on the page.
    own = client.get(f"/api/v1/cases/{hidden.id}", headers=bearer(make_token(hidden.author)))
    assert own.status_code == 200 and own.get_json()["hidden"] is True


def test_session_cookie_does_not_count_in_the_api(app, db, login):
    hidden = CaseFactory(hidden_at=utcnow())
    client = login(hidden.author)
    assert client.get(f"/casussen/{hidden.id}").status_code == 200
    assert client.get(f"/api/v1/cases/{hidden.id}").status_code == 404


def test_cursor_pagination_walks_every_case_once(client, db):
    made = {CaseFactory().id for _ in range(7)}
    seen, cursor = [], None
    while True:
        url = "/api/v1/cases?limit=3&sort=discussed" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).get_json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(made)


def test_bad_input_gives_json_errors_not_500(client, db):
    for url, status in [("/api/v1/cases?cursor=rubbish", 400), ("/api/v1/cases?limit=0", 422),
                        ("/api/v1/cases?kind=alien", 422), ("/api/v1/cases/999", 404),
                        ("/api/v1/nothing", 404), ("/api/v1/organisations/nope", 404)]:
        response = client.get(url)
        assert response.status_code == status, url
        error = response.get_json()["error"]
        assert set(error) >= {"code", "message", "fields"} and error["code"] == status
    assert client.get("/api/v1/cases?kind=alien").get_json()["error"]["fields"] == {
        "kind": ["Must be one of: project, dilemma."]}
    # A cursor of another list is refused too.
    CaseFactory(), CaseFactory()
    cursor = client.get("/api/v1/cases?limit=1").get_json()["next_cursor"]
    assert client.get(f"/api/v1/solutions?cursor={cursor}").status_code == 400


def test_etag_and_conditional_get(client, db):
    CaseFactory()
    first = client.get("/api/v1/cases")
    assert first.headers["ETag"]
    again = client.get("/api/v1/cases", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    CaseFactory()
    changed = client.get("/api/v1/cases", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_cors_for_reads_only(client, db):
    read = client.get("/api/v1/cases", headers={"Origin": "https://elders.example"})
    assert read.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/cases", headers={
        "Origin": "https://elders.example", "Access-Control-Request-Method": "POST"})
    assert "POST" not in preflight.headers.get("Access-Control-Allow-Methods", "")


def test_rate_limit_per_address_and_per_token(app, db):
    app.config.update(API_LIMIT_PER_ADDRESS="3 per minute", API_LIMIT_PER_TOKEN="2 per minute")
    client = app.test_client()
    assert [client.get("/api/v1/organisations").status_code for _ in range(4)] == [200] * 3 + [429]
    assert client.get("/api/v1/organisations").get_json()["error"]["code"] == 429
    secret = make_token(UserFactory(), TokenScope.READ)
    other = app.test_client()
    codes = [other.get("/api/v1/organisations", headers=bearer(secret),
                       environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_token_lifecycle(app, db, login):
    user = verified_member()
    client = login(user)
    page = client.post("/instellingen/tokens", data={"name": "Script", "scope": "write",
                                                     "days": "30"})
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    secret = html.split('id="token-secret" type="text" readonly value="')[1].split('"')[0]
    token = db.session.scalar(sa.select(ApiToken))
    assert secret.startswith("ss_pat_") and secret not in token.token_hash and token.prefix in secret
    assert secret not in client.get("/instellingen/tokens").get_data(as_text=True)  # shown once
    api = app.test_client()
    assert api.get("/api/v1/cases", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.use_count == 1 and token.last_used_at is not None
    client.post(f"/instellingen/tokens/{token.id}/intrekken")
    assert api.get("/api/v1/cases", headers=bearer(secret)).status_code == 401
    assert api.get("/api/v1/cases", headers=bearer("ss_pat_unknown")).status_code == 401
    # Someone else cannot revoke a token that is not theirs.
    other = UserFactory()
    mine, _ = tokens.create(user, "x", TokenScope.READ, 1)
    assert login(other).post(f"/instellingen/tokens/{mine.id}/intrekken").status_code == 404
    # Expired tokens stop working.
    expired, expired_secret = tokens.create(user, "old", TokenScope.READ, 1)
    expired.expires_at = utcnow().replace(year=2000)
    db.session.commit()
    assert api.get("/api/v1/cases", headers=bearer(expired_secret)).status_code == 401


def test_token_form_refuses_bad_input(db, login):
    client = login(UserFactory())
    response = client.post("/instellingen/tokens", data={"name": "", "scope": "root",
                                                         "days": "9999"})
    assert response.status_code == 422 and db.session.scalar(sa.select(ApiToken)) is None


CASE = {"kind": "dilemma", "status": "open", "title": "Via de API", "body": "Tekst",
        "question": "Mag dit?", "themes": ["dienstverlening"], "tags": ["api"]}


def test_writes_need_a_write_token(client, db):
    user = verified_member()
    assert client.post("/api/v1/cases", json=CASE).status_code == 401
    read_only = make_token(user, TokenScope.READ)
    assert client.post("/api/v1/cases", json=CASE, headers=bearer(read_only)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_create_edit_comment_follow(client, db):
    user = verified_member()
    headers = bearer(make_token(user))
    created = client.post("/api/v1/cases", json=CASE, headers=headers)
    assert created.status_code == 201, created.get_json()
    case_id = created.get_json()["id"]
    assert created.get_json()["tags"] == ["api"]
    edited = client.patch(f"/api/v1/cases/{case_id}", json={"title": "Nieuwe titel"},
                          headers=headers)
    assert edited.status_code == 200 and edited.get_json()["title"] == "Nieuwe titel"
    assert edited.get_json()["question"] == "Mag dit?"
    comment = client.post(f"/api/v1/cases/{case_id}/comments", json={"body": "Eerste"},
                          headers=headers)
    assert comment.status_code == 201
    reply = client.post(f"/api/v1/cases/{case_id}/comments",
                        json={"body": "Antwoord", "parent_id": comment.get_json()["id"]},
                        headers=headers)
    assert reply.get_json()["parent_id"] == comment.get_json()["id"]
    follow = client.put(f"/api/v1/cases/{case_id}/follow", json={"following": False},
                        headers=headers)
    assert follow.get_json() == {"following": False}
    assert client.put(f"/api/v1/cases/{case_id}/follow", json={"following": True},
                      headers=headers).get_json() == {"following": True}
    assert db.session.scalar(sa.select(Follow).where(Follow.user_id == user.id)).active


def test_write_input_errors_store_nothing(client, db):
    user = verified_member()
    headers = bearer(make_token(user))
    cases = [
        ({**CASE, "status": "running"}, 422, "status"),      # a project status on a dilemma
        ({**CASE, "question": ""}, 422, "question"),
        ({**CASE, "unknown": 1}, 422, "unknown"),
        ({**CASE, "themes": "dienstverlening"}, 422, "themes"),
        ({**CASE, "title": 5}, 422, "title"),
    ]
    for body, status, field in cases:
        response = client.post("/api/v1/cases", json=body, headers=headers)
        assert response.status_code == status, body
        assert field in response.get_json()["error"]["fields"], response.get_json()
    malformed = client.post("/api/v1/cases", data="{not json", headers={
        **headers, "Content-Type": "application/json"})
    assert malformed.status_code in (400, 422)
    huge = client.post("/api/v1/cases", json={**CASE, "body": "x" * 300_000}, headers=headers)
    assert huge.status_code == 413
    other = CaseFactory()
    assert client.patch(f"/api/v1/cases/{other.id}", json={"title": "Van mij"},
                        headers=headers).status_code == 403
    assert client.post(f"/api/v1/cases/{other.id}/comments", json={"body": "x", "parent_id": 999},
                       headers=headers).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


def test_locked_and_suspended(client, db):
    from datetime import timedelta

    from smartsociety.moderation import services as moderation

    case = CaseFactory(locked_at=utcnow())
    user = verified_member()
    headers = bearer(make_token(user))
    assert client.post(f"/api/v1/cases/{case.id}/comments", json={"body": "x"},
                       headers=headers).status_code == 409
    moderation.suspend(UserFactory(role="moderator"), user, utcnow() + timedelta(days=1), "spam")
    assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 403


def test_solutions_organisations_principles_search(client, db):
    solution = SolutionFactory(name="Sensorregister")
    SolutionFactory(name="Ingetrokken", withdrawn_at=utcnow())
    principle = PrincipleFactory()
    names = [s["name"] for s in client.get("/api/v1/solutions").get_json()["items"]]
    assert names == ["Sensorregister"]
    detail = client.get(f"/api/v1/solutions/{solution.id}").get_json()
    assert detail["offers"] == [] and detail["reviews"] == []
    slug = solution.organisation.slug
    assert client.get(f"/api/v1/organisations/{slug}").get_json()["slug"] == slug
    data = client.get("/api/v1/principles").get_json()["items"]
    if principle.is_public:
        assert client.get(f"/api/v1/principles/{principle.slug}").status_code == 200
    assert isinstance(data, list)
    CaseFactory(title="Slimme lantaarnpalen in het park")
    found = client.get("/api/v1/search?q=lantaarnpalen").get_json()
    assert found["total"] == 1 and found["items"][0]["type"] == "case"
    assert "doc_type" in found["facets"]


def test_documentation_page_and_document(client, db):
    page = client.get("/ontwikkelaars/api")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0" and "/api/v1/cases/{case_id}/comments" in spec["paths"]


def test_a_theme_sent_twice_counts_once(client, db, login):
    """Found by the contract test: a repeated theme was a 500 (on the page form too)."""
    user = verified_member()
    headers = bearer(make_token(user))
    body = {**CASE, "themes": ["dienstverlening", "dienstverlening"]}
    response = client.post("/api/v1/cases", json=body, headers=headers)
    assert response.status_code == 201 and response.get_json()["themes"] == ["dienstverlening"]
    page = login(user).post("/casussen/nieuw", data={
        "kind": "project", "status": "idea", "title": "Twee keer", "language": "nl",
        "themes": ["dienstverlening", "dienstverlening"]})
    assert page.status_code == 302


def test_principles_show_public_versions_and_closed_results_only(client, db):
    from smartsociety.models import RuleVote, VersionStatus, VoteChoice
    from tests.factories import PrincipleVersionFactory

    adopted = PrincipleFactory(title="Openbaar")
    draft_only = PrincipleFactory(title="Concept", status=VersionStatus.DRAFT)
    consultation = PrincipleVersionFactory(principle=adopted, number=2,
                                           status=VersionStatus.CONSULTATION)
    from tests.factories import verified_member

    voter = verified_member()  # votes count for verified members of verified organisations
    first = adopted.versions[0]
    db.session.add_all([
        RuleVote(rule_id=first.rules[0].id, user_id=voter.id, choice=VoteChoice.AGREE),
        RuleVote(rule_id=consultation.rules[0].id, user_id=voter.id, choice=VoteChoice.AGREE)])
    db.session.commit()
    slugs = [p["slug"] for p in client.get("/api/v1/principles").get_json()["items"]]
    assert slugs == [adopted.slug]
    assert client.get(f"/api/v1/principles/{draft_only.slug}").status_code == 404
    versions = client.get(f"/api/v1/principles/{adopted.slug}").get_json()["versions"]
    assert [v["status"] for v in versions] == ["adopted", "consultation"]
    assert versions[0]["rules"][0]["results"]["total"]["agree"] == 1
    assert versions[0]["rules"][0]["results"]["by_group"]["municipalities"]["agree"] == 1
    assert versions[1]["rules"][0]["results"] is None  # still open: no results yet
    # A moderator's token also sees the draft, as on the page.
    moderator = UserFactory(role="moderator")
    seen = client.get(f"/api/v1/principles/{draft_only.slug}",
                      headers=bearer(make_token(moderator, TokenScope.READ)))
    assert seen.status_code == 200 and seen.get_json()["versions"][0]["status"] == "draft"


def test_solution_offers_on_hidden_cases_and_hidden_solutions_stay_out(client, db):
    from smartsociety.models import OrganisationKind, SolutionUse
    from tests.factories import OfferFactory

    solution = SolutionFactory()
    visible = OfferFactory(solution=solution, case=CaseFactory())
    OfferFactory(solution=solution, case=CaseFactory(hidden_at=utcnow()))
    from tests.factories import verified_member

    # A review counts while its author speaks for the gemeente (issue 15).
    author = verified_member(kind=OrganisationKind.GEMEENTE)
    db.session.add(SolutionUse(solution_id=solution.id, organisation_id=author.organisation_id,
                               author_id=author.id, rating=4, review="Werkt goed"))
    hidden = SolutionFactory(hidden_at=utcnow())
    db.session.commit()
    detail = client.get(f"/api/v1/solutions/{solution.id}").get_json()
    assert [o["id"] for o in detail["offers"]] == [visible.id]
    assert [(r["rating"], r["review"]) for r in detail["reviews"]] == [(4, "Werkt goed")]
    assert client.get(f"/api/v1/solutions/{hidden.id}").status_code == 404
    assert hidden.id not in [s["id"] for s in client.get("/api/v1/solutions").get_json()["items"]]
