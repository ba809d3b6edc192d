"""Principles library: reading versions, the consultation, the lifecycle and links to cases."""
from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from smartsociety import concurrency
from smartsociety.diffs import diff_fields
from smartsociety.extensions import db
from smartsociety.ids import db_id
from smartsociety.models import (
    Amendment,
    Case,
    CasePrincipleLink,
    Principle,
    PrincipleVersion,
    Rule,
    RuleComment,
    User,
    VersionStatus,
    VoteChoice,
    VoterGroup,
)
from smartsociety.pagecache import cached_page
from smartsociety.pagescopes import PRINCIPLES
from smartsociety.permissions import (
    can_accept_amendment,
    can_link_case_principles,
    can_manage_principles,
    can_support_amendment,
    can_take_part_in_consultation,
    can_view_principle_version,
    can_vote_in_consultation,
    ensure,
)
from smartsociety.principles import services
from smartsociety.principles.forms import (
    AdoptForm,
    AmendmentForm,
    CommentForm,
    LinkForm,
    PrincipleForm,
    VoteForm,
)
from smartsociety.principles.sections import VERSION_PAGE
from smartsociety.ratelimits import consultation
from smartsociety.redirects import safe_next_url
from smartsociety.refusals import Refused

bp = Blueprint("principles", __name__, url_prefix="/principes")

_PERSON = (selectinload(User.organisation),)


def _principle(slug: str) -> Principle:
    principle = db.session.scalar(
        sa.select(Principle)
        .where(Principle.slug == slug)
        .options(selectinload(Principle.versions))
    )
    if principle is None or not (principle.is_public or can_manage_principles(current_user)):
        abort(404)
    return principle


def _version(principle: Principle, number: int) -> PrincipleVersion:
    version = next((v for v in principle.versions if v.number == number), None)
    if version is None or not can_view_principle_version(current_user, version):
        abort(404)
    return version


def _display_version(principle: Principle) -> PrincipleVersion:
    """What the principle page shows: the consultation, else the adopted text, else a draft."""
    for status in (VersionStatus.CONSULTATION, VersionStatus.ADOPTED):
        found = next((v for v in principle.versions if v.status is status), None)
        if found is not None:
            return found
    visible = [v for v in principle.versions if can_view_principle_version(current_user, v)]
    if not visible:
        abort(404)
    return visible[-1]


def _rule(rule_id: int) -> Rule:
    rule = db.session.get(Rule, rule_id)
    if rule is None or not can_view_principle_version(current_user, rule.version):
        abort(404)
    return rule


def _load_rules(version: PrincipleVersion) -> list[Rule]:
    """The version's rules with everything the page shows, without per-row queries."""
    return list(
        db.session.scalars(
            sa.select(Rule)
            .where(Rule.version_id == version.id)
            .order_by(Rule.number)
            .options(
                selectinload(Rule.credited_author),
                selectinload(Rule.amendments).selectinload(Amendment.author).options(*_PERSON),
                selectinload(Rule.comments).selectinload(RuleComment.author).options(*_PERSON),
            )
        )
    )


def _linked_cases(principle: Principle) -> list[tuple[Rule | None, list[CasePrincipleLink]]]:
    """Public cases linked to the principle, grouped by rule (the principle as a whole first)."""
    links = db.session.scalars(
        CasePrincipleLink.for_principle(principle.id)
        .join(Case, Case.id == CasePrincipleLink.case_id)
        .where(Case.public_clause())
        .options(
            selectinload(CasePrincipleLink.case),
            selectinload(CasePrincipleLink.rule).selectinload(Rule.version),
        )
    )
    groups: dict[tuple, tuple[Rule | None, list]] = {}
    for link in links:
        key = (link.rule.number, link.rule.version.number) if link.rule else (0, 0)
        groups.setdefault(key, (link.rule, []))[1].append(link)
    return [groups[key] for key in sorted(groups)]


def _render_version(version: PrincipleVersion, failed: dict | None = None, status: int = 200):
    """The version page; `failed` holds a rejected form by (kind, rule id) to show its errors."""
    failed = failed or {}
    rules = _load_rules(version)
    forms = {}
    participating = version.in_consultation and can_take_part_in_consultation(
        current_user, version
    )
    my_votes = services.my_votes(version, current_user)
    if participating:
        for rule in rules:
            forms[rule.id] = {
                "vote": failed.get(("vote", rule.id))
                or VoteForm(formdata=None, prefix=f"vote-{rule.id}", choice=my_votes.get(rule.id)),
                "comment": failed.get(("comment", rule.id))
                or CommentForm(formdata=None, prefix=f"comment-{rule.id}"),
                "amend": failed.get(("amend", rule.id))
                or AmendmentForm(formdata=None, prefix=f"amend-{rule.id}"),
            }
    principle = version.principle
    return (
        render_template(
            "principles/version.html",
            principle=principle,
            version=version,
            rules=rules,
            forms=forms,
            tallies=services.tallies(version),
            my_votes=my_votes,
            my_supports=services.my_supports(version, current_user),
            linked=_linked_cases(principle),
            VoteChoice=VoteChoice,
            VoterGroup=VoterGroup,
            **VERSION_PAGE.context(version, current_user),
        ),
        status,
    )


@bp.get("/")
@cached_page(scope=PRINCIPLES)
def index():
    """The principles library: every public principle with its current version."""
    select = Principle.by_number() if can_manage_principles(current_user) else Principle.public()
    principles = db.session.scalars(select.options(selectinload(Principle.versions))).all()
    return render_template("principles/index.html", principles=principles)


@bp.get("/afdrukken")
def print_view():
    """All principles on one printable page."""
    versions = db.session.scalars(
        PrincipleVersion.adopted().options(
            selectinload(PrincipleVersion.rules), selectinload(PrincipleVersion.principle)
        )
    ).all()
    return render_template("principles/print.html", versions=versions)


@bp.route("/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """A new principle (moderators): form and first draft."""
    ensure(can_manage_principles(current_user))
    form = PrincipleForm()
    if form.validate_on_submit():
        principle = services.create_principle(
            current_user,
            title=form.title.data,
            statement=form.statement.data,
            explanation=form.explanation.data or "",
            rules=form.rule_texts,
        )
        flash(_("The principle was created as a draft."), "success")
        return redirect(url_for(".detail", slug=principle.slug))
    status = 422 if form.is_submitted() else 200
    return render_template("principles/form.html", form=form, version=None), status


@bp.get("/<slug>")
@cached_page(scope=PRINCIPLES)
def detail(slug: str):
    """A principle's page, showing its current version."""
    principle = _principle(slug)
    return _render_version(_display_version(principle))


@bp.get("/<slug>/versie/<int:number>")
@cached_page(scope=PRINCIPLES)
def version(slug: str, number: int):
    """One version of a principle, with its rules, votes and amendments."""
    return _render_version(_version(_principle(slug), number))


@bp.get("/<slug>/vergelijken")
def compare(slug: str):
    """Two versions of a principle side by side, with what changed."""
    principle = _principle(slug)
    visible = [v for v in principle.versions if can_view_principle_version(current_user, v)]
    if not visible:
        abort(404)
    new = _version(principle, request.args.get("naar", visible[-1].number, type=db_id))
    default_old = next((v.number for v in reversed(visible) if v.number < new.number), new.number)
    old = _version(principle, request.args.get("van", default_old, type=db_id))
    labels = {
        "title": _("Title"),
        "statement": _("Statement"),
        "explanation": _("Explanation"),
        "rules": _("Rules"),
    }
    return render_template(
        "principles/diff.html",
        principle=principle,
        versions=visible,
        old=old,
        new=new,
        diffs=diff_fields(old.snapshot(), new.snapshot(), labels),
    )


@bp.route("/<slug>/versie/<int:number>/bewerken", methods=["GET", "POST"])
@login_required
def edit(slug: str, number: int):
    """Edit a draft version of a principle."""
    ensure(can_manage_principles(current_user))
    version = _version(_principle(slug), number)
    # Explicit data, never obj= as well: WTForms lets obj= win over keywords, which filled the
    # rules box with the Rule objects' reprs and saving that replaced every rule with one line.
    form = PrincipleForm(data={
        "title": version.title,
        "statement": version.statement,
        "explanation": version.explanation,
        "rules": "\n".join(rule.text for rule in version.rules),
    })
    if not form.is_submitted() and not version.is_draft:
        raise Refused(_("Only a draft can be edited; adopted text is frozen."))
    opened = concurrency.opened_version(version)
    if form.validate_on_submit():
        if not concurrency.claim(version, opened):
            return _draft_conflict(form, version)
        try:
            services.update_draft(
                version,
                title=form.title.data,
                statement=form.statement.data,
                explanation=form.explanation.data or "",
                rules=form.rule_texts,
                actor=current_user,
            )
        except Refused as error:
            # E.g. consultation was opened meanwhile: show the refusal with their text intact.
            return _form_conflict("principles/form.html", form, version, error)
        flash(_("The draft was saved."), "success")
        return redirect(url_for(".version", slug=slug, number=number))
    status = 422 if form.is_submitted() else 200
    return render_template("principles/form.html", form=form, version=version,
                           edit_version=opened), status


def _draft_conflict(form, version):
    """Someone saved the draft since this form was opened (concurrency.py)."""
    saved = [(_("Title"), version.title), (_("Statement"), version.statement),
             (_("Explanation"), version.explanation),
             (_("Rules"), "\n".join(rule.text for rule in version.rules))]
    return render_template("principles/form.html", form=form, version=version,
                           edit_version=version.edit_version,
                           edit_conflict=[f for f in saved if f[1]]), 409


def _form_conflict(template: str, form, version, error: Refused):
    return render_template(template, form=form, version=version, conflict=str(error)), 409


@bp.post("/<slug>/versie/<int:number>/verwijderen")
@login_required
def delete_draft(slug: str, number: int):
    """Discard a draft version (and the principle, if it was its only version)."""
    ensure(can_manage_principles(current_user))
    principle = services.delete_draft(_version(_principle(slug), number), actor=current_user)
    flash(_("The draft was deleted."), "success")
    if principle is None:
        return redirect(url_for(".index"))
    return redirect(url_for(".detail", slug=slug))


@bp.post("/<slug>/nieuwe-versie")
@login_required
def new_version(slug: str):
    """Start a new draft version as a copy of the latest one."""
    ensure(can_manage_principles(current_user))
    version = services.new_version(_principle(slug), current_user)
    flash(_("Version %(n)d was started as a draft copy.", n=version.number), "success")
    return redirect(url_for(".edit", slug=slug, number=version.number))


@bp.post("/<slug>/versie/<int:number>/consultatie")
@login_required
def open_consultation(slug: str, number: int):
    """Open a draft version for consultation."""
    ensure(can_manage_principles(current_user))
    version = _version(_principle(slug), number)
    services.open_consultation(version, actor=current_user)
    flash(_("The version is open for consultation."), "success")
    return redirect(url_for(".version", slug=slug, number=number))


@bp.route("/<slug>/versie/<int:number>/vaststellen", methods=["GET", "POST"])
@login_required
def adopt(slug: str, number: int):
    """Adopt a version that has been in consultation: decision and date."""
    ensure(can_manage_principles(current_user))
    version = _version(_principle(slug), number)
    form = AdoptForm(adopted_on=date.today())
    if not form.is_submitted() and not version.in_consultation:
        raise Refused(_("Only a version that has been in consultation can be adopted."))
    if form.validate_on_submit():
        try:
            services.adopt(
                version, decision=form.decision.data, adopted_on=form.adopted_on.data,
                actor=current_user,
            )
        except Refused as error:
            return _form_conflict("principles/adopt.html", form, version, error)
        flash(_("Version %(n)d was adopted.", n=version.number), "success")
        return redirect(url_for(".version", slug=slug, number=number))
    status = 422 if form.is_submitted() else 200
    return render_template("principles/adopt.html", form=form, version=version), status


def _participate(rule: Rule) -> None:
    ensure(can_take_part_in_consultation(current_user, rule.version))


def _back_to(rule: Rule, anchor: str):
    version = rule.version
    return redirect(
        url_for(".version", slug=version.principle.slug, number=version.number, _anchor=anchor)
    )


@bp.post("/regels/<int:rule_id>/stem")
@login_required
def vote(rule_id: int):
    """Vote on a rule during the consultation."""
    rule = _rule(rule_id)
    ensure(can_vote_in_consultation(current_user, rule.version))
    form = VoteForm(prefix=f"vote-{rule.id}")
    if not form.validate_on_submit():
        return _render_version(rule.version, {("vote", rule.id): form}, 422)
    services.vote(rule, current_user, VoteChoice(form.choice.data))
    flash(_("Your vote on rule %(n)d was saved.", n=rule.number), "success")
    return _back_to(rule, f"rule-{rule.number}")


@bp.post("/regels/<int:rule_id>/reactie")
@login_required
@consultation
def comment(rule_id: int):
    """Comment on a rule during the consultation."""
    rule = _rule(rule_id)
    _participate(rule)
    form = CommentForm(prefix=f"comment-{rule.id}")
    if not form.validate_on_submit():
        return _render_version(rule.version, {("comment", rule.id): form}, 422)
    item = services.comment(rule, current_user, form.body.data)
    return _back_to(rule, f"rule-comment-{item.id}")


@bp.post("/regels/<int:rule_id>/amendement")
@login_required
@consultation
def propose_amendment(rule_id: int):
    """Propose an amendment to a rule during the consultation."""
    rule = _rule(rule_id)
    _participate(rule)
    form = AmendmentForm(prefix=f"amend-{rule.id}")
    if not form.validate_on_submit():
        return _render_version(rule.version, {("amend", rule.id): form}, 422)
    amendment = services.propose_amendment(
        rule, current_user, text=" ".join(form.text.data.split()), reason=form.reason.data
    )
    flash(_("Your amendment was proposed."), "success")
    return _back_to(rule, f"amendment-{amendment.id}")


def _amendment(amendment_id: int) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or not can_view_principle_version(current_user, amendment.rule.version):
        abort(404)
    return amendment


@bp.post("/amendementen/<int:amendment_id>/steunen")
@login_required
def support_amendment(amendment_id: int):
    """Support an amendment during the consultation."""
    amendment = _amendment(amendment_id)
    ensure(can_support_amendment(current_user, amendment))
    services.support_amendment(amendment, current_user)
    flash(_("You support this amendment."), "success")
    return _back_to(amendment.rule, f"amendment-{amendment.id}")


@bp.post("/amendementen/<int:amendment_id>/overnemen")
@login_required
def accept_amendment(amendment_id: int):
    """Accept an amendment into its rule (moderators)."""
    amendment = _amendment(amendment_id)
    ensure(can_accept_amendment(current_user, amendment))
    rule = services.accept_amendment(amendment, actor=current_user)
    flash(_("The amendment was taken into rule %(n)d.", n=rule.number), "success")
    return _back_to(rule, f"rule-{rule.number}")


def _link_choices(form: LinkForm) -> None:
    principles = db.session.scalars(
        Principle.public().options(
            selectinload(Principle.versions).selectinload(PrincipleVersion.rules)
        )
    ).all()
    form.principle.choices = [SelectChoice(p.id, f"{p.number}. {p.title}") for p in principles]
    rule_choices = [SelectChoice("", _("The principle as a whole"))]
    for principle in principles:
        current = principle.adopted_version or next(
            (v for v in principle.versions if v.in_consultation), None
        )
        for rule in current.rules if current else []:
            text = rule.text if len(rule.text) <= 90 else rule.text[:87] + "…"
            rule_choices.append(SelectChoice(rule.id, f"{principle.number}.{rule.number} {text}"))
    form.rule.choices = rule_choices


@bp.route("/koppelen/<int:case_id>", methods=["GET", "POST"])
@login_required
def link_case(case_id: int):
    """Principles linked to a case: list and link another."""
    case = db.get_or_404(Case, case_id)
    ensure(can_link_case_principles(current_user, case))
    form = LinkForm()
    _link_choices(form)
    status = 200
    if form.validate_on_submit():
        principle = db.session.get(Principle, form.principle.data)
        rule = db.session.get(Rule, form.rule.data) if form.rule.data else None
        try:
            services.link_case(case, principle, rule, form.note.data or "", current_user)
        except Refused as error:
            form.rule.errors = [*form.rule.errors, str(error)]
        else:
            flash(_("The case was linked to the principle."), "success")
            return redirect(url_for(".link_case", case_id=case.id))
    if form.is_submitted():
        status = 422
    links = db.session.scalars(
        sa.select(CasePrincipleLink)
        .where(CasePrincipleLink.case_id == case.id)
        .order_by(CasePrincipleLink.id)
        .options(
            selectinload(CasePrincipleLink.principle),
            selectinload(CasePrincipleLink.rule).selectinload(Rule.version),
        )
    ).all()
    return render_template("principles/link.html", case=case, form=form, links=links), status


@bp.post("/koppelen/<int:case_id>/<int:link_id>/verwijderen")
@login_required
def unlink_case(case_id: int, link_id: int):
    """Remove a link between a case and a principle."""
    case = db.get_or_404(Case, case_id)
    ensure(can_link_case_principles(current_user, case))
    link = db.session.get(CasePrincipleLink, link_id)
    if link is None or link.case_id != case.id:
        abort(404)
    services.unlink_case(link)
    flash(_("The link was removed."), "success")
    return redirect(
        safe_next_url(request.form.get("next"), url_for(".link_case", case_id=case.id))
    )
