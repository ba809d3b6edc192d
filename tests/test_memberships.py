"""Memberships (issue 15): a claim until verified by e-mail domain, organisation administrator
or moderator; the rights that speak for an organisation need a verified membership."""
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from smartsociety.memberships import services
from smartsociety.models import (
    AuditEntry,
    Membership,
    MembershipState,
    Offer,
    OrganisationKind,
    Role,
    RuleVote,
    SolutionUse,
    User,
    VerificationMethod,
    VersionStatus,
    VoteChoice,
)
from smartsociety.permissions import is_verified_member, verified_organisation
from smartsociety.principles import services as principle_services
from smartsociety.signals import email_verified
from smartsociety.solutions import services as solution_services
from tests.factories import (
    CaseFactory,
    CommentFactory,
    OrganisationFactory,
    PrincipleFactory,
    SolutionFactory,
    UserFactory,
    claimed_member,
    verified_member,
)


def now():
    return datetime.now(UTC)


def verified_org(**kwargs):
    return OrganisationFactory(verified_at=now(), **kwargs)


def membership_of(user) -> Membership | None:
    from smartsociety.extensions import db

    return db.session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id)
        .order_by(Membership.id.desc())
    )


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def org_admin(organisation):
    admin = UserFactory(organisation=organisation)
    membership = membership_of(admin)
    membership.is_admin = True
    from smartsociety.extensions import db

    db.session.commit()
    return admin


def decide(client, organisation, membership, decision):
    return client.post(
        f"/organisaties/{organisation.slug}/leden/{membership.id}", data={"decision": decision}
    )


# The predicate


def test_verified_organisation_needs_address_membership_and_organisation(db):
    member = verified_member()
    assert verified_organisation(member) == member.organisation
    assert verified_organisation(claimed_member()) is None
    assert verified_organisation(UserFactory()) is None  # organisation not verified
    unverified_address = verified_member(email_verified_at=None)
    assert verified_organisation(unverified_address) is None
    assert not is_verified_member(member, OrganisationFactory())


# Registration makes a claim


def test_registration_choice_is_a_claim(client, db):
    organisation = verified_org(name="Gemeente Turfbrug")
    response = client.post("/registreren", data={
        "name": "Vreemde Eend", "email": "eend@example.org", "password": "een-heel-lang-wachtwoord",
        "password_confirm": "een-heel-lang-wachtwoord", "confirm": "een-heel-lang-wachtwoord",
        "organisation": str(organisation.id), "accept": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    user = db.session.scalar(User.by_email("eend@example.org"))
    assert user.organisation_id == organisation.id
    assert membership_of(user).state is MembershipState.CLAIMED
    user.email_verified_at = now()
    db.session.commit()
    assert verified_organisation(user) is None


# Ways to verify


def test_domain_verifies_when_the_address_is_verified(db):
    organisation = verified_org()
    services.add_domain(organisation, "turfbrug.nl", actor=UserFactory(role=Role.MODERATOR))
    db.session.commit()
    member = claimed_member(organisation=organisation, email="p.jansen@gemeente.turfbrug.nl",
                            email_verified_at=None)
    assert not services.verify_by_domain(member)  # the address is not yet verified
    member.email_verified_at = now()
    email_verified.send(member)
    membership = membership_of(member)
    assert membership.state is MembershipState.VERIFIED
    assert membership.method is VerificationMethod.DOMAIN and membership.decided_by_id is None
    assert "membership_verify_domain" in actions(db)
    assert verified_organisation(db.session.get(User, member.id)) == organisation


def test_domain_of_another_organisation_does_not_verify(db):
    other = verified_org()
    services.add_domain(other, "elders.nl", actor=None)
    db.session.commit()
    member = claimed_member(email="iemand@elders.nl")
    email_verified.send(member)
    assert membership_of(member).state is MembershipState.CLAIMED


def test_claim_with_a_verified_address_on_a_domain_is_verified_at_once(db, login):
    organisation = verified_org()
    services.add_domain(organisation, "dijkhaven.nl", actor=None)
    db.session.commit()
    member = verified_member(email="f.elamrani@dijkhaven.nl")
    old = member.organisation
    response = login(member).post("/lidmaatschap/overstappen",
                                  data={"organisation": str(organisation.id)})
    assert response.status_code == 302
    member = db.session.get(User, member.id)
    assert member.organisation_id == organisation.id and member.membership.is_verified
    history = {m.organisation_id: m.state for m in services.history(member)}
    assert history == {old.id: MembershipState.ENDED, organisation.id: MembershipState.VERIFIED}


def test_adding_a_domain_verifies_pending_claims_it_covers(db, login):
    organisation = verified_org()
    admin = org_admin(organisation)
    covered = claimed_member(organisation=organisation, email="a@turfbrug.nl")
    other = claimed_member(organisation=organisation, email="b@gmail.com")
    response = login(admin).post(f"/organisaties/{organisation.slug}/domeinen",
                                 data={"domain": " @TurfBrug.NL "})
    assert response.status_code == 302
    assert membership_of(covered).is_verified and membership_of(other).is_claimed
    assert "organisation_domain_add" in actions(db)


@pytest.mark.parametrize("domain", ["gmail.com", "not a domain", "turfbrug", "", "x" * 300])
def test_bad_or_public_domains_are_refused(db, login, domain):
    organisation = verified_org()
    moderator = UserFactory(role=Role.MODERATOR)
    response = login(moderator).post(f"/organisaties/{organisation.slug}/domeinen",
                                     data={"domain": domain})
    assert response.status_code == 422
    assert services.domains(organisation) == []


def test_domain_of_another_organisation_is_refused_and_foreign_domain_ids_404(db, login):
    first, second = verified_org(), verified_org()
    services.add_domain(first, "eerste.nl", actor=None)
    db.session.commit()
    moderator = UserFactory(role=Role.MODERATOR)
    response = login(moderator).post(f"/organisaties/{second.slug}/domeinen",
                                     data={"domain": "eerste.nl"})
    assert response.status_code == 422 and first.name.encode() in response.data
    entry = services.domains(first)[0]
    assert login(moderator).post(
        f"/organisaties/{second.slug}/domeinen/{entry.id}/verwijderen").status_code == 404
    assert login(UserFactory(organisation=first)).post(
        f"/organisaties/{first.slug}/domeinen/{entry.id}/verwijderen").status_code == 403
    assert login(moderator).post(
        f"/organisaties/{first.slug}/domeinen/{entry.id}/verwijderen").status_code == 302
    assert services.domains(first) == []


def test_moderator_appoints_admin_who_approves_refuses_and_removes(db, login):
    organisation = verified_org()
    moderator = UserFactory(role=Role.MODERATOR)
    future_admin = UserFactory(organisation=organisation)
    assert decide(login(moderator), organisation, membership_of(future_admin),
                  "appoint").status_code == 302
    assert membership_of(future_admin).is_admin
    admin = login(future_admin)

    claim, stranger = claimed_member(organisation=organisation), claimed_member(
        organisation=organisation)
    page = admin.get(f"/organisaties/{organisation.slug}").get_data(as_text=True)
    assert "Wacht op bevestiging" in page
    assert claim.name in page and stranger.name in page

    assert decide(admin, organisation, membership_of(claim), "approve").status_code == 302
    approved = membership_of(claim)
    assert approved.is_verified and approved.method is VerificationMethod.ORGANISATION_ADMIN
    assert approved.decided_by_id == future_admin.id and approved.decided_at is not None
    assert decide(admin, organisation, membership_of(stranger), "refuse").status_code == 302
    assert membership_of(stranger).state is MembershipState.REFUSED
    assert db.session.get(User, stranger.id).organisation_id is None

    assert decide(admin, organisation, approved, "remove").status_code == 302
    removed = membership_of(claim)
    assert removed.state is MembershipState.ENDED and removed.ended_by_id == future_admin.id
    assert db.session.get(User, claim.id).organisation_id is None
    assert actions(db) == [
        "membership_admin_appoint", "membership_verify_organisation_admin",
        "membership_refuse", "membership_remove",
    ]
    # A decision on a membership that is no longer open conflicts.
    assert decide(admin, organisation, removed, "approve").status_code == 409


def test_moderator_approves_a_claim(db, login):
    claim = claimed_member()
    moderator = UserFactory(role=Role.MODERATOR)
    assert decide(login(moderator), claim.organisation, membership_of(claim),
                  "approve").status_code == 302
    assert membership_of(claim).method is VerificationMethod.MODERATOR
    assert "membership_verify_moderator" in actions(db)


def test_bad_decisions_are_refused(db, login):
    organisation, elsewhere = verified_org(), verified_org()
    admin = org_admin(organisation)
    foreign = claimed_member(organisation=elsewhere)
    ours = claimed_member(organisation=organisation)
    client = login(admin)
    # Approving in another organisation: not its administrator.
    assert decide(client, elsewhere, membership_of(foreign), "approve").status_code == 403
    # A foreign id under our own organisation's address.
    assert decide(client, organisation, membership_of(foreign), "approve").status_code == 404
    assert client.post(f"/organisaties/{organisation.slug}/leden/99999",
                       data={"decision": "approve"}).status_code == 404
    assert decide(client, organisation, membership_of(ours), "promote").status_code == 400
    assert client.post("/organisaties/nergens/leden/1",
                       data={"decision": "approve"}).status_code == 404
    # Plain members, claimed members and anonymous readers may not decide.
    for outsider in (UserFactory(organisation=organisation), claimed_member()):
        assert decide(login(outsider), organisation, membership_of(ours),
                      "approve").status_code == 403
    anonymous = decide(client.application.test_client(), organisation, membership_of(ours),
                       "approve")
    assert anonymous.status_code == 302 and "/inloggen" in anonymous.location
    assert membership_of(foreign).is_claimed and membership_of(ours).is_claimed


def test_admin_of_an_unverified_organisation_has_no_rights(db, login):
    organisation = OrganisationFactory()
    admin = org_admin(organisation)
    claim = claimed_member(organisation=organisation)
    assert decide(login(admin), organisation, membership_of(claim), "approve").status_code == 403


# Leaving and moving


def test_member_leaves_and_moves(db, login):
    member = verified_member()
    first = member.organisation
    client = login(member)
    page = client.get("/lidmaatschap")
    assert page.status_code == 200 and first.name.encode() in page.data
    assert client.post("/lidmaatschap/verlaten").status_code == 302
    member = db.session.get(User, member.id)
    assert member.organisation_id is None and membership_of(member).state is MembershipState.ENDED
    assert client.post("/lidmaatschap/verlaten").status_code == 403
    second = verified_org()
    assert client.post("/lidmaatschap/overstappen",
                       data={"organisation": str(second.id)}).status_code == 302
    member = db.session.get(User, member.id)
    assert member.organisation_id == second.id and member.membership.is_claimed
    assert verified_organisation(member) is None
    assert [m.state for m in services.history(member)] == [
        MembershipState.CLAIMED, MembershipState.ENDED]


@pytest.mark.parametrize("choice", ["", "99999", "abc", "-1"])
def test_move_to_a_missing_organisation_is_422(db, login, choice):
    member = verified_member()
    response = login(member).post("/lidmaatschap/overstappen", data={"organisation": choice})
    assert response.status_code == 422
    assert db.session.get(User, member.id).membership.is_verified


# What a claimed member cannot do


def test_claimed_member_cannot_vote_review_offer_or_read_the_inbox(db, login):
    principle = PrincipleFactory(status=VersionStatus.CONSULTATION)
    rule = principle.versions[0].rules[0]
    gemeente_claim = claimed_member()
    client = login(gemeente_claim)
    assert client.post(f"/principes/regels/{rule.id}/stem",
                       data={f"vote-{rule.id}-choice": "agree"}).status_code == 403
    solution = SolutionFactory()
    assert client.post(f"/oplossingen/{solution.id}/gebruik",
                       data={"rating": "5", "review": "Top"}).status_code == 403
    company_claim = claimed_member(organisation=solution.organisation)
    case = CaseFactory(author=verified_member())
    company = login(company_claim)
    assert company.post(f"/casussen/{case.id}/aanbod", data={
        "solution_id": solution.id, "explanation": "Wij helpen."}).status_code == 403
    assert company.get(f"/organisaties/{solution.organisation.slug}/berichten").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(RuleVote.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(SolutionUse.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Offer.id))) == 0
    # The verified colleague may.
    colleague = login(verified_member(organisation=solution.organisation))
    assert colleague.get(f"/organisaties/{solution.organisation.slug}/berichten").status_code == 200


def bylines(page: str) -> dict[str, str]:
    """Member name -> the HTML of their byline."""
    # Both bylines here end with a badge, so with two closing spans.
    found = re.findall(r'<span class="byline"><a href="/leden/\d+">([^<]+)</a>(.*?)</span></span>',
                       page, re.S)
    return {name: rest for name, rest in found}


def test_claimed_member_shows_no_badge_and_says_membership_is_not_confirmed(db, client):
    case = CaseFactory(author=verified_member(name="Bevestigde Bea"))
    CommentFactory(case=case, author=claimed_member(name="Claimende Kees"), body="Hallo")
    found = bylines(client.get(f"/casussen/{case.id}").get_data(as_text=True))
    assert "badge-verified" in found["Bevestigde Bea"]
    assert "badge-unconfirmed" not in found["Bevestigde Bea"]
    assert "badge-verified" not in found["Claimende Kees"]
    assert "lidmaatschap niet bevestigd" in found["Claimende Kees"]


def test_organisation_page_lists_only_confirmed_members(db, client):
    organisation = verified_org()
    UserFactory(name="Bevestigd Lid", organisation=organisation)
    claimed_member(name="Geclaimd Lid", organisation=organisation)
    page = client.get(f"/organisaties/{organisation.slug}").get_data(as_text=True)
    assert "Bevestigd Lid" in page and "Geclaimd Lid" not in page


# Counting at read time


def test_votes_and_reviews_count_once_the_membership_is_verified(db):
    principle = PrincipleFactory(status=VersionStatus.CONSULTATION)
    version = principle.versions[0]
    rule = version.rules[0]
    voter = claimed_member()
    principle_services.vote(rule, voter, VoteChoice.AGREE)  # cast before the rules were strict
    solution = SolutionFactory()
    db.session.add(SolutionUse(solution=solution, organisation_id=voter.organisation_id,
                               author=voter, rating=2, review="Matig"))
    db.session.commit()
    assert principle_services.tallies(version)[rule.id].count == 0
    assert solution_services.rating_summary(solution) == (None, 0)
    assert solution_services.uses_of(solution) == []

    services.verify(membership_of(voter), None, VerificationMethod.MODERATOR)
    db.session.commit()
    assert principle_services.tallies(version)[rule.id].count == 1
    assert solution_services.rating_summary(solution) == (2.0, 1)
    assert len(solution_services.uses_of(solution)) == 1

    services.remove(membership_of(voter), None)
    db.session.commit()
    assert principle_services.tallies(version)[rule.id].count == 0


# Editing the organisation


def test_organisation_admin_edits_the_profile_not_the_identity(db, login):
    organisation = verified_org(name="Gemeente Profiel", kind=OrganisationKind.GEMEENTE,
                                cbs_code="GM0001")
    admin = login(org_admin(organisation))
    url = f"/organisaties/{organisation.slug}/bewerken"
    form = admin.get(url).get_data(as_text=True)
    assert 'name="description"' in form and 'name="kind"' not in form
    response = admin.post(url, data={
        "name": "Gekaapt", "kind": "bedrijf", "cbs_code": "", "website": "https://profiel.nl",
        "description": "Nieuw verhaal."})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.description == "Nieuw verhaal." and organisation.website == "https://profiel.nl"
    assert organisation.name == "Gemeente Profiel" and organisation.kind is OrganisationKind.GEMEENTE
    assert organisation.cbs_code == "GM0001"
    assert login(UserFactory(organisation=organisation)).get(url).status_code == 403
    assert login(claimed_member(organisation=organisation)).get(url).status_code == 403


# The migration


def test_migration_makes_memberships_for_existing_accounts(tmp_path, postgres):
    """Members of verified organisations become verified memberships, others claims; members
    without an organisation get none; downgrading drops the tables and keeps the accounts."""
    from flask_migrate import downgrade, upgrade

    from smartsociety import create_app
    from smartsociety.extensions import db as _db
    from tests.conftest import make_config
    from tests.test_migrations import fresh_database_url

    url = fresh_database_url(tmp_path, postgres)
    app = create_app(make_config(tmp_path, None, SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        upgrade(revision="0011")
        with _db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO organisation (id, name, name_key, slug, kind, description, "
                "verified_at, created_at) VALUES "
                "(1, 'Gemeente A', 'gemeente a', 'gemeente-a', 'gemeente', '', :t, :t), "
                "(2, 'Bedrijf B', 'bedrijf b', 'bedrijf-b', 'bedrijf', '', NULL, :t)"
            ), {"t": now()})
            for user_id, organisation_id in ((1, 1), (2, 2), (3, None)):
                conn.execute(sa.text(
                    'INSERT INTO "user" (id, name, email, password_hash, role, organisation_id, '
                    "job_title, bio, session_token, created_at) VALUES "
                    "(:id, :name, :email, 'x', 'member', :org, '', '', :token, :t)"
                ), {"id": user_id, "name": f"Lid {user_id}", "email": f"lid{user_id}@example.org",
                    "org": organisation_id, "token": f"token-{user_id}", "t": now()})
        upgrade(revision="0013")
        with _db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT user_id, organisation_id, state, method, is_admin, decided_at IS NOT NULL "
                "FROM membership ORDER BY user_id"
            )).all()
        assert [tuple(row) for row in rows] == [
            (1, 1, "verified", "migration", False, True),
            (2, 2, "claimed", None, False, False),
        ]
        downgrade(revision="0011")
        with _db.engine.connect() as conn:
            assert conn.execute(sa.text('SELECT count(*) FROM "user"')).scalar() == 3
        assert "membership" not in sa.inspect(_db.engine).get_table_names()
        _db.engine.dispose()


def test_case_of_a_claimed_member_is_not_the_organisations(db, login):
    from smartsociety.models import Case
    from tests.test_cases import case_data

    author = claimed_member()
    assert login(author).post("/casussen/nieuw", data=case_data()).status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.author_id == author.id and case.organisation_id is None


def test_organisation_feed_leaves_out_claimed_members_comments(db, client):
    organisation = verified_org()
    case = CaseFactory(author=verified_member(organisation=organisation))
    CommentFactory(case=case, author=UserFactory(organisation=organisation), body="Bevestigd")
    CommentFactory(case=case, author=claimed_member(organisation=organisation), body="Claim")
    feed = client.get(f"/feeds/organisaties/{organisation.slug}.atom").get_data(as_text=True)
    assert feed.count("<entry>") == 2  # the case and the confirmed member's comment


def test_organisation_page_does_not_query_per_member(db, login):
    """Members, claims and bylines' membership state come with the rows that show them."""
    from tests.querycount import count_queries

    organisation = verified_org()
    moderator = login(UserFactory(role=Role.MODERATOR))
    UserFactory(organisation=organisation)
    claimed_member(organisation=organisation)
    with count_queries(db.engine) as few:
        assert moderator.get(f"/organisaties/{organisation.slug}").status_code == 200
    for _ in range(8):
        UserFactory(organisation=organisation)
        claimed_member(organisation=organisation)
    with count_queries(db.engine) as many:
        assert moderator.get(f"/organisaties/{organisation.slug}").status_code == 200
    assert many.count == few.count, many.statements
