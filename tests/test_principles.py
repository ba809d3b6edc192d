"""Principles: lifecycle of versions, consultation, amendments, diffs, case links, permissions."""
import datetime
import re

import pytest
import sqlalchemy as sa
from flask import render_template_string

from smartsociety.models import (
    Amendment,
    AmendmentSupport,
    Case,
    CasePrincipleLink,
    OrganisationKind,
    Principle,
    PrincipleVersion,
    Role,
    RuleComment,
    RuleVote,
    VersionStatus,
    VoteChoice,
    VoterGroup,
)
from smartsociety.principles import services
from smartsociety.refusals import Refused
from tests.factories import (
    AmendmentFactory,
    CaseFactory,
    CasePrincipleLinkFactory,
    PrincipleFactory,
    PrincipleVersionFactory,
    UserFactory,
    claimed_member,
    verified_member,
)


@pytest.fixture
def moderator(db):
    return verified_member(role=Role.MODERATOR)


@pytest.fixture
def member(db):
    return verified_member()


def version_of(principle_id, number=1) -> PrincipleVersion:
    from smartsociety.extensions import db

    return db.session.scalar(
        sa.select(PrincipleVersion).where(
            PrincipleVersion.principle_id == principle_id, PrincipleVersion.number == number
        )
    )


def in_consultation():
    return PrincipleFactory(status=VersionStatus.CONSULTATION)


def url(principle, suffix=""):
    return f"/principes/{principle.slug}{suffix}"


# --- Reading ---------------------------------------------------------------------------------


def test_index_lists_public_principles_and_hides_drafts(client, login, moderator):
    adopted = PrincipleFactory(title="Openheid")
    draft = PrincipleFactory(title="Geheim concept", status=VersionStatus.DRAFT)
    response = client.get("/principes/")
    assert response.status_code == 200
    assert b"Openheid" in response.data and b"Geheim concept" not in response.data
    assert client.get(url(adopted)).status_code == 200
    assert client.get(url(draft)).status_code == 404
    moderated = login(moderator)
    assert b"Geheim concept" in moderated.get("/principes/").data
    assert moderated.get(url(draft)).status_code == 200


def test_principle_page_shows_statement_explanation_and_rules(client):
    principle = PrincipleFactory()
    html = client.get(url(principle)).get_data(as_text=True)
    assert "Een zin die het principe samenvat." in html
    assert "<strong>nadruk</strong>" in html
    assert html.count('class="rule"') == 3
    assert 'id="rule-2"' in html


def test_printable_page_lists_adopted_principles_only(client):
    PrincipleFactory(title="Vastgesteld principe")
    PrincipleFactory(title="Nog in consultatie", status=VersionStatus.CONSULTATION)
    response = client.get("/principes/afdrukken")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vastgesteld principe" in html and "Nog in consultatie" not in html
    assert "ALV 2019-11-29, agendapunt 7" in html
    assert "printed-principle" in html


def test_pages_have_no_inline_styles(client, login, member):
    principle = in_consultation()
    rule = version_of(principle.id).rules[0]
    services.vote(rule, member, VoteChoice.AGREE)
    for path in ("/principes/", url(principle), "/principes/afdrukken"):
        html = login(member).get(path).get_data(as_text=True)
        assert "style=" not in html and "<script>" not in html


# --- Lifecycle -------------------------------------------------------------------------------


def test_moderator_creates_a_principle_as_draft(login, moderator, db):
    client = login(moderator)
    response = client.post(
        "/principes/nieuw",
        data={
            "title": "Inclusie",
            "statement": "Iedereen doet mee.",
            "explanation": "Ook *mensen* zonder smartphone.",
            "rules": "Eerste regel.\n\n  Tweede   regel.  \n",
        },
    )
    assert response.status_code == 302
    principle = db.session.scalar(sa.select(Principle).where(Principle.slug == "inclusie"))
    version = principle.versions[0]
    assert version.status is VersionStatus.DRAFT
    assert [r.text for r in version.rules] == ["Eerste regel.", "Tweede regel."]
    assert "<em>mensen</em>" in version.explanation_html


def test_failed_moderator_form_keeps_input(login, moderator):
    client = login(moderator)
    response = client.post(
        "/principes/nieuw",
        data={"title": "T" * 201, "statement": "Mijn zorgvuldige zin.", "rules": "Regel A"},
    )
    assert response.status_code == 422
    assert b"Mijn zorgvuldige zin." in response.data and b"Regel A" in response.data


def test_edit_draft_keeps_input_on_error_and_saves_when_valid(login, moderator, db):
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    client = login(moderator)
    path = url(principle, "/versie/1/bewerken")
    assert client.get(path).status_code == 200
    bad = client.post(path, data={"title": "Nieuw", "statement": "", "rules": "Mijn regel"})
    assert bad.status_code == 422 and b"Mijn regel" in bad.data
    good = client.post(path, data={"title": "Nieuw", "statement": "Zin.", "rules": "Een\nTwee"})
    assert good.status_code == 302
    version = version_of(principle.id)
    assert version.title == "Nieuw" and [r.text for r in version.rules] == ["Een", "Twee"]


def test_full_lifecycle_draft_consultation_adopted_superseded(login, moderator, db):
    principle = PrincipleFactory()  # version 1 adopted
    client = login(moderator)
    assert client.post(url(principle, "/nieuwe-versie")).status_code == 302
    v2 = version_of(principle.id, 2)
    assert v2.status is VersionStatus.DRAFT
    assert [r.text for r in v2.rules] == [r.text for r in version_of(principle.id).rules]

    assert client.post(url(principle, "/versie/2/consultatie")).status_code == 302
    assert version_of(principle.id, 2).status is VersionStatus.CONSULTATION

    assert client.get(url(principle, "/versie/2/vaststellen")).status_code == 200
    response = client.post(
        url(principle, "/versie/2/vaststellen"),
        data={"decision": "ALV 2026-11-24, agendapunt 3", "adopted_on": "2026-11-24"},
    )
    assert response.status_code == 302
    v1, v2 = version_of(principle.id, 1), version_of(principle.id, 2)
    assert v2.status is VersionStatus.ADOPTED and v2.decision == "ALV 2026-11-24, agendapunt 3"
    assert str(v2.adopted_on) == "2026-11-24"
    assert v1.status is VersionStatus.SUPERSEDED and v1.superseded_at is not None
    # Every version stays readable.
    assert client.get(url(principle, "/versie/1")).status_code == 200


@pytest.mark.parametrize(
    "status, action, data",
    [
        (VersionStatus.CONSULTATION, "/versie/1/consultatie", {}),
        (VersionStatus.ADOPTED, "/versie/1/consultatie", {}),
        (VersionStatus.DRAFT, "/versie/1/vaststellen",
         {"decision": "ALV", "adopted_on": "2026-01-01"}),
        (VersionStatus.ADOPTED, "/versie/1/vaststellen",
         {"decision": "ALV", "adopted_on": "2026-01-01"}),
        (VersionStatus.ADOPTED, "/versie/1/bewerken",
         {"title": "Anders", "statement": "Anders.", "rules": "Anders"}),
        (VersionStatus.CONSULTATION, "/versie/1/bewerken",
         {"title": "Anders", "statement": "Anders.", "rules": "Anders"}),
        (VersionStatus.DRAFT, "/nieuwe-versie", {}),
        (VersionStatus.CONSULTATION, "/nieuwe-versie", {}),
    ],
)
def test_lifecycle_refusals_are_409(login, moderator, status, action, data):
    principle = PrincipleFactory(status=status)
    response = login(moderator).post(url(principle, action), data=data)
    assert response.status_code == 409
    version = version_of(principle.id)
    assert version.status is status and version.title == principle.title
    assert version_of(principle.id, 2) is None


def test_refused_edit_keeps_the_moderators_input(login, moderator):
    principle = in_consultation()
    response = login(moderator).post(url(principle, "/versie/1/bewerken"), data={
        "title": "Mijn nieuwe titel", "statement": "Zin.", "rules": "Mijn nieuwe regel"})
    assert response.status_code == 409
    assert b"Mijn nieuwe titel" in response.data and b"Mijn nieuwe regel" in response.data
    assert version_of(principle.id).title == principle.title


def test_adopted_text_is_frozen_for_the_service_too(db):
    version = version_of(PrincipleFactory().id)
    with pytest.raises(Refused):
        services.update_draft(version, title="X", statement="X", explanation="", rules=["X"])


def test_adopt_form_errors_are_422(login, moderator):
    principle = in_consultation()
    response = login(moderator).post(
        url(principle, "/versie/1/vaststellen"), data={"decision": "", "adopted_on": "gisteren"}
    )
    assert response.status_code == 422
    assert version_of(principle.id).status is VersionStatus.CONSULTATION


# --- Permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["/versie/1/consultatie", "/versie/1/bewerken", "/nieuwe-versie"]
)
def test_members_cannot_move_versions_and_anonymous_must_log_in(client, login, member, action):
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    # A draft is invisible to members: they may not even learn it exists, but the role check
    # comes first, so they get 403.
    assert login(member).post(url(principle, action)).status_code == 403
    response = client.post(url(principle, action))
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert version_of(principle.id).status is VersionStatus.DRAFT


def test_member_cannot_create_principle_or_accept_amendment(login, member):
    client = login(member)
    assert client.get("/principes/nieuw").status_code == 403
    principle = in_consultation()
    amendment = AmendmentFactory(rule=version_of(principle.id).rules[0])
    assert client.post(f"/principes/amendementen/{amendment.id}/overnemen").status_code == 403


def test_anonymous_cannot_vote(client):
    rule = version_of(in_consultation().id).rules[0]
    response = client.post(
        f"/principes/regels/{rule.id}/stem", data={f"vote-{rule.id}-choice": "agree"}
    )
    assert response.status_code == 302


# --- Voting ----------------------------------------------------------------------------------


def test_member_votes_and_voting_again_replaces_the_vote(login, member, db):
    rule = version_of(in_consultation().id).rules[0]
    client = login(member)
    field = f"vote-{rule.id}-choice"
    path = f"/principes/regels/{rule.id}/stem"
    assert client.post(path, data={field: "agree"}).status_code == 302
    assert client.post(path, data={field: "disagree"}).status_code == 302
    votes = db.session.scalars(sa.select(RuleVote)).all()
    assert [(v.user_id, v.choice) for v in votes] == [(member.id, VoteChoice.DISAGREE)]


def test_one_vote_per_member_per_rule_is_a_database_rule(db, member):
    rule = version_of(in_consultation().id).rules[0]
    db.session.add_all([RuleVote(rule=rule, user=member, choice=VoteChoice.AGREE),
                        RuleVote(rule=rule, user=member, choice=VoteChoice.DISAGREE)])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_invalid_vote_is_422(login, member):
    rule = version_of(in_consultation().id).rules[0]
    response = login(member).post(
        f"/principes/regels/{rule.id}/stem", data={f"vote-{rule.id}-choice": "maybe"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("status", [VersionStatus.DRAFT, VersionStatus.ADOPTED])
def test_votes_amendments_comments_only_during_consultation(login, member, moderator, status):
    principle = PrincipleFactory(status=status)
    rule = version_of(principle.id).rules[0]
    # A moderator can see drafts, so the refusal is about the state (409), not visibility.
    client = login(moderator)
    base = f"/principes/regels/{rule.id}"
    assert client.post(f"{base}/stem", data={f"vote-{rule.id}-choice": "agree"}).status_code == 409
    assert client.post(f"{base}/amendement", data={
        f"amend-{rule.id}-text": "Beter", f"amend-{rule.id}-reason": "Omdat"}).status_code == 409
    assert client.post(f"{base}/reactie", data={f"comment-{rule.id}-body": "Hm"}).status_code == 409


def test_vote_counts_split_by_organisation_kind(client, login, db):
    principle = in_consultation()
    rule = version_of(principle.id).rules[0]
    voters = [
        (OrganisationKind.GEMEENTE, VoteChoice.AGREE),
        (OrganisationKind.GEMEENTE, VoteChoice.AGREE),
        (OrganisationKind.BEDRIJF, VoteChoice.DISAGREE),
        (OrganisationKind.KENNISINSTELLING, VoteChoice.NO_OPINION),
        (OrganisationKind.MAATSCHAPPELIJK, VoteChoice.AGREE),
    ]
    for kind, choice in voters:
        user = verified_member(kind=kind)
        services.vote(rule, user, choice)
    # Votes count by the kind of organisation the voter speaks for: without a verified
    # membership (none, or only a claim) a vote is not counted (issue 15).
    services.vote(rule, UserFactory(organisation=None), VoteChoice.DISAGREE)
    services.vote(rule, claimed_member(), VoteChoice.DISAGREE)

    tally = services.tallies(version_of(principle.id))[rule.id]
    assert tally.count == 5
    assert tally.total == {VoteChoice.AGREE: 3, VoteChoice.DISAGREE: 1, VoteChoice.NO_OPINION: 1}
    assert tally.by_group[VoterGroup.MUNICIPALITIES][VoteChoice.AGREE] == 2
    assert tally.by_group[VoterGroup.COMPANIES][VoteChoice.DISAGREE] == 1
    assert tally.by_group[VoterGroup.RESEARCHERS][VoteChoice.NO_OPINION] == 1
    assert tally.by_group[VoterGroup.OTHERS] == {
        VoteChoice.AGREE: 1, VoteChoice.DISAGREE: 0, VoteChoice.NO_OPINION: 0}

    html = client.get(url(principle)).get_data(as_text=True)
    assert '<meter min="0" max="5" value="3"' in html
    row = re.search(r'<tr class="group-municipalities">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["2", "0", "0"]


# --- Comments and amendments -----------------------------------------------------------------


def test_comment_markdown_is_rendered_once_and_sanitised(login, member, db):
    rule = version_of(in_consultation().id).rules[0]
    body = "**Eens**, maar <script>alert(1)</script> [x](javascript:alert(1))"
    response = login(member).post(
        f"/principes/regels/{rule.id}/reactie", data={f"comment-{rule.id}-body": body}
    )
    assert response.status_code == 302
    item = db.session.scalar(sa.select(RuleComment))
    assert item.body == body and "<strong>Eens</strong>" in item.body_html
    assert "<script" not in item.body_html and "javascript:" not in item.body_html


def test_empty_comment_is_422(login, member):
    rule = version_of(in_consultation().id).rules[0]
    response = login(member).post(
        f"/principes/regels/{rule.id}/reactie", data={f"comment-{rule.id}-body": "  "}
    )
    assert response.status_code == 422


def test_amendment_support_once_and_not_by_its_author(login, member, db):
    rule = version_of(in_consultation().id).rules[0]
    author_client = login(member)
    response = author_client.post(f"/principes/regels/{rule.id}/amendement", data={
        f"amend-{rule.id}-text": "Nieuwe   formulering.", f"amend-{rule.id}-reason": "Helderder."})
    assert response.status_code == 302
    amendment = db.session.scalar(sa.select(Amendment))
    assert amendment.text == "Nieuwe formulering." and amendment.author_id == member.id
    path = f"/principes/amendementen/{amendment.id}/steunen"
    assert author_client.post(path).status_code == 403
    supporter = login(UserFactory())
    assert supporter.post(path).status_code == 302
    assert supporter.post(path).status_code == 409
    db.session.refresh(amendment)
    assert amendment.support_count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AmendmentSupport)) == 1


def test_moderator_accepts_amendment_with_credit(client, login, moderator, db):
    principle = in_consultation()
    rule = version_of(principle.id).rules[1]
    original = rule.text
    author = UserFactory(name="Fatima el Amrani")
    amendment = AmendmentFactory(rule=rule, author=author, text="Gegevens zijn van de inwoner.")
    response = login(moderator).post(f"/principes/amendementen/{amendment.id}/overnemen")
    assert response.status_code == 302
    rule = version_of(principle.id).rules[1]
    assert rule.text == "Gegevens zijn van de inwoner."
    assert rule.credited_author_id == author.id and rule.credited_name == "Fatima el Amrani"
    db.session.refresh(amendment)
    assert amendment.is_accepted and amendment.replaced_text == original
    html = client.get(url(principle)).get_data(as_text=True)
    assert "Fatima el Amrani" in html and 'class="meta credit"' in html
    # Accepting twice is a conflict; so is accepting after adoption.
    assert login(moderator).post(
        f"/principes/amendementen/{amendment.id}/overnemen").status_code == 409
    services.adopt(version_of(principle.id), decision="ALV", adopted_on=datetime.date.today())
    other = AmendmentFactory(rule=version_of(principle.id).rules[0])
    assert login(moderator).post(f"/principes/amendementen/{other.id}/overnemen").status_code == 409
    # The credit travels with the wording into the next version.
    new = services.new_version(version_of(principle.id).principle, moderator)
    assert new.rules[1].credited_name == "Fatima el Amrani"


def test_editing_a_credited_rule_drops_the_credit(db, moderator):
    principle = PrincipleFactory(status=VersionStatus.DRAFT)
    version = version_of(principle.id)
    version.rules[0].credited_name = "Iemand"
    db.session.commit()
    texts = [r.text for r in version.rules]
    services.update_draft(version, title="T", statement="S", explanation="",
                          rules=[texts[0], "Anders", texts[2]])
    assert version.rules[0].credited_name == "Iemand"
    assert [r.text for r in version.rules][1] == "Anders"


# --- Diff ------------------------------------------------------------------------------------


def test_diff_between_versions(client, db):
    principle = PrincipleFactory()
    PrincipleVersionFactory(principle=principle, number=2, status=VersionStatus.CONSULTATION,
                            rules=["Regel een.", "Regel twee gewijzigd."])
    response = client.get(url(principle, "/vergelijken?van=1&naar=2"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<ins>gewijzigd.</ins>" in html or "<ins>" in html
    assert "<del>" in html
    assert client.get(url(principle, "/vergelijken?van=1&naar=9")).status_code == 404


def test_drafts_are_not_diffable_by_anonymous(client):
    principle = PrincipleFactory()
    PrincipleVersionFactory(principle=principle, number=2, status=VersionStatus.DRAFT)
    assert client.get(url(principle, "/vergelijken?van=1&naar=2")).status_code == 404
    assert client.get(url(principle, "/versie/2")).status_code == 404


# --- Case links ------------------------------------------------------------------------------


def test_case_author_links_case_and_principle_page_lists_it(client, login, db):
    principle = PrincipleFactory(title="Data")
    rule = version_of(principle.id).rules[2]
    case = CaseFactory(title="Slimme lantaarnpalen")
    author = login(case.author)
    assert author.get(f"/principes/koppelen/{case.id}").status_code == 200
    response = author.post(f"/principes/koppelen/{case.id}", data={
        "principle": principle.id, "rule": rule.id, "note": "Sensoren meten voorbijgangers."})
    assert response.status_code == 302
    link = db.session.scalar(sa.select(CasePrincipleLink))
    assert (link.case_id, link.principle_id, link.rule_id) == (case.id, principle.id, rule.id)

    html = client.get(url(principle)).get_data(as_text=True)
    section = html[html.index('class="linked-cases"'):]
    assert "Slimme lantaarnpalen" in section and "Sensoren meten voorbijgangers." in section
    assert re.search(r"<h3>[^<]*3", section)  # grouped under rule 3

    # The same link again is refused with a form error, nothing duplicated.
    again = author.post(f"/principes/koppelen/{case.id}", data={
        "principle": principle.id, "rule": rule.id, "note": ""})
    assert again.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CasePrincipleLink)) == 1


def test_hidden_case_is_not_listed_on_principle_page(client, db):
    link = CasePrincipleLinkFactory(case=CaseFactory(title="Verborgen casus"))
    link.case.hidden_at = link.created_at
    db.session.commit()
    assert b"Verborgen casus" not in client.get(url(link.principle)).data


def test_rule_of_another_principle_is_refused(login, db):
    principle, other = PrincipleFactory(), PrincipleFactory()
    case = CaseFactory()
    response = login(case.author).post(f"/principes/koppelen/{case.id}", data={
        "principle": principle.id, "rule": version_of(other.id).rules[0].id})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CasePrincipleLink)) == 0


def test_link_permissions(client, login, moderator, member):
    principle = PrincipleFactory()
    case = CaseFactory()
    data = {"principle": principle.id, "rule": "", "note": ""}
    path = f"/principes/koppelen/{case.id}"
    assert client.get(path).status_code == 302
    assert login(member).post(path, data=data).status_code == 403
    assert login(moderator).post(path, data=data).status_code == 302
    assert client.get("/principes/koppelen/999999").status_code == 302
    assert login(moderator).get("/principes/koppelen/999999").status_code == 404


def test_remove_link(login, db):
    link = CasePrincipleLinkFactory()
    other = CasePrincipleLinkFactory()
    link_id, case_id, other_id = link.id, link.case_id, other.id
    client = login(link.case.author)
    # A link of another case cannot be removed through this case.
    assert client.post(f"/principes/koppelen/{case_id}/{other_id}/verwijderen").status_code == 404
    response = client.post(f"/principes/koppelen/{case_id}/{link_id}/verwijderen")
    assert response.status_code == 302
    assert db.session.get(CasePrincipleLink, link_id) is None
    assert db.session.get(CasePrincipleLink, other_id) is not None


def test_case_partial_renders_the_case_principles(app, db):
    principle = PrincipleFactory(title="Technologie")
    rule = version_of(principle.id).rules[0]
    link = CasePrincipleLinkFactory(principle=principle, rule=rule, note="Camera's")
    case = db.session.get(Case, link.case_id)
    with app.test_request_context("/"):
        html = render_template_string('{% include "principles/_case_principles.html" %}',
                                      case=case)
    assert "Technologie" in html and "Camera&#39;s" in html
    assert f"/principes/{principle.slug}/versie/1#rule-1" in html


def test_case_list_filters_by_principle(client, db):
    link = CasePrincipleLinkFactory(case=CaseFactory(title="Gekoppelde casus"))
    CaseFactory(title="Niet gekoppeld")
    html = client.get(f"/casussen?principle={link.principle.slug}").get_data(as_text=True)
    assert "Gekoppelde casus" in html and "Niet gekoppeld" not in html
    assert f'selected value="{link.principle.slug}"' in html
    everything = client.get("/casussen").get_data(as_text=True)
    assert "Gekoppelde casus" in everything and "Niet gekoppeld" in everything


def test_case_page_shows_its_principles(client, login, db):
    link = CasePrincipleLinkFactory(note="Raakt aan open data.")
    page = client.get(f"/casussen/{link.case_id}").get_data(as_text=True)
    assert link.principle.title in page and "Raakt aan open data." in page
    assert f"/principes/koppelen/{link.case_id}" not in page  # anonymous readers cannot link
    author_page = login(link.case.author).get(f"/casussen/{link.case_id}").get_data(as_text=True)
    assert f"/principes/koppelen/{link.case_id}" in author_page


# --- Demo data -------------------------------------------------------------------------------


def test_demo_principles_load_idempotently(db):
    from smartsociety.demo import principles as demo

    assert demo.load() == 4
    db.session.commit()
    assert demo.load() == 0
    versions = db.session.scalars(PrincipleVersion.adopted()).all()
    assert [v.principle.slug for v in versions] == ["infrastructuur", "rollen", "technologie",
                                                    "data"]
    assert all(v.number == 1 and 3 <= len(v.rules) <= 4 for v in versions)
    assert all(v.decision == "ALV 2019-11-29, agendapunt 7" for v in versions)


# --- Search ----------------------------------------------------------------------------------


def test_adopted_principle_and_its_rules_are_searchable(client, db):
    principle = PrincipleFactory(title="Openheid")
    version = version_of(principle.id)
    version.rules[1].text = "Sensoren in de openbare ruimte staan in een openbaar register."
    db.session.commit()
    html = client.get("/zoeken?q=openbaar+register").get_data(as_text=True)
    assert f"/principes/{principle.slug}/versie/1" in html
    # Stemmed like every Dutch document: "sensor" finds "Sensoren".
    assert f"/principes/{principle.slug}/versie/1" in client.get("/zoeken?q=sensor").get_data(
        as_text=True
    )


def test_draft_principles_are_not_searchable_until_consultation(client, db, moderator):
    principle = PrincipleFactory(title="Geheimhouding", status=VersionStatus.DRAFT)
    assert f"/principes/{principle.slug}" not in client.get("/zoeken?q=geheimhouding").get_data(
        as_text=True
    )
    services.open_consultation(version_of(principle.id))
    db.session.commit()
    assert f"/principes/{principle.slug}/versie/1" in client.get(
        "/zoeken?q=geheimhouding"
    ).get_data(as_text=True)
