"""The uncached case page's shortcuts (issue 23 item 3) keep what the page showed: a section or a
collection with nothing stored costs no query, and shows as soon as something is stored; the
flags are the case's own; translations stay per language; template imports see every global."""
from flask import render_template_string, url_for
from flask_babel import force_locale

from smartsociety.cases.thread import Reader
from smartsociety.models import CaseGemeente, CaseRequirement, OpenStandard, RequirementKind, Tag
from tests.factories import (
    CaseFactory,
    CasePrincipleLinkFactory,
    OfferFactory,
    verified_member,
)
from tests.querycount import count_queries
from tests.test_events import add_session, make_event


def page(client, case) -> str:
    response = client.get(f"/casussen/{case.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_empty_case_costs_two_queries_and_shows_no_empty_section(no_page_cache, client, db):
    case = CaseFactory()
    db.session.commit()
    url = f"/casussen/{case.id}"
    with count_queries(db.engine) as counted:
        html = client.get(url).get_data(as_text=True)
    # The case (with its author, organisations, themes and every section's flag), the comments.
    assert counted.count == 2, "\n".join(counted.statements)
    for absent in ("case-sessions", "case-sensors", 'id="requirements"', "case-principles",
                   'id="attachments-heading"', '<dt>Tags</dt>'):
        assert absent not in html


def test_a_section_appears_once_it_has_content_and_only_on_its_case(no_page_cache, client, db):
    case, other = CaseFactory(), CaseFactory()
    db.session.commit()
    assert "Licht en privacy" not in page(client, case)
    add_session(make_event(title="Lichtdag"), title="Licht en privacy", cases=[case])
    assert "Licht en privacy" in page(client, case)
    assert "case-sessions" not in page(client, other)


def test_requirements_show_when_stated_and_to_editors_when_empty(no_page_cache, client, login,
                                                                  db):
    author = verified_member()
    case = CaseFactory(author=author, organisation=author.organisation)
    db.session.commit()
    assert 'id="requirements"' not in page(client, case)
    # Empty, the section still offers its editors the link to state requirements.
    assert f"/casussen/{case.id}/eisen" in page(login(author), case)
    standard = OpenStandard(name="GIBIT", name_key=OpenStandard.key_for("GIBIT"))
    db.session.add(standard)
    db.session.flush()
    db.session.add(CaseRequirement(case_id=case.id, kind=RequirementKind.STANDARD,
                                   standard_id=standard.id))
    db.session.commit()
    anonymous = page(no_page_cache.test_client(), case)
    assert 'id="requirements"' in anonymous and "GIBIT" in anonymous


def test_offers_and_sharing_gemeenten_show_once_stored(no_page_cache, client, db):
    case = CaseFactory()
    db.session.commit()
    html = page(client, case)
    assert "offer-list" not in html and "has-it-too-list" not in html
    assert 'id="samenwerken"' in html  # the partners section is always shown
    offer = OfferFactory(case=case)
    gemeente = verified_member().organisation
    db.session.add(CaseGemeente(case=case, organisation=gemeente, has_it_too=True))
    db.session.commit()
    html = page(client, case)
    assert f'id="offer-{offer.id}"' in html and offer.solution.name in html
    assert "has-it-too-list" in html and gemeente.name in html


def test_tags_and_principle_links_show_once_stored(no_page_cache, client, db):
    case, other = CaseFactory(), CaseFactory()
    db.session.commit()
    assert "#slimme-verlichting" not in page(client, case)
    case.tags.append(Tag(slug="slimme-verlichting", name="slimme-verlichting"))
    link = CasePrincipleLinkFactory(case=case)
    db.session.commit()
    html = page(client, case)
    assert "#slimme-verlichting" in html and link.principle.title in html
    html = page(client, other)
    assert "#slimme-verlichting" not in html and "case-principles" not in html


def test_a_case_that_gains_an_editor_shows_it_to_that_editor(no_page_cache, login, db):
    from smartsociety.models import CaseEditor

    editor = verified_member()
    case = CaseFactory(organisation=editor.organisation)
    db.session.commit()
    edit_url = f'href="/casussen/{case.id}/bewerken"'
    assert edit_url not in page(login(editor), case)
    db.session.add(CaseEditor(case_id=case.id, user_id=editor.id))
    db.session.commit()
    assert edit_url in page(login(editor), case)


def test_template_texts_follow_the_language_in_force(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert render_template_string('{{ _("Reply") }}') == "Reageren"
        with force_locale("en"):  # e.g. a mail to an English reader during a Dutch request
            assert render_template_string('{{ _("Reply") }}') == "Reply"
        assert render_template_string('{{ _("Reply") }}') == "Reageren"
        assert render_template_string(
            '{{ ngettext("%(num)d view", "%(num)d views", 2) }}') == "2 keer bekeken"


def test_imported_macros_see_globals_added_after_loading(app):
    with app.test_request_context():
        source = '{% from "macros/people.html" import byline %}{{ late_global() }}'
        app.jinja_env.globals["late_global"] = lambda: "first"
        assert render_template_string(source) == "first"
        app.jinja_env.globals["late_global"] = lambda: "second"
        assert render_template_string(source) == "second"
        del app.jinja_env.globals["late_global"]


def test_report_links_are_the_routes_links(app):
    with app.test_request_context():
        reader = Reader(user=None, comment=False, accept=False, detail_url="", case_id=7)
        for comment_id in (1, 42, 987654321):
            assert reader.report_url(comment_id) == url_for(
                "moderation.report", target_type="comment", target_id=comment_id)
