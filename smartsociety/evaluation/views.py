"""Self-evaluation pages: fill in together, see the results beside the anonymised averages."""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from smartsociety.errors import render_error
from smartsociety.evaluation import questionnaires, results, services
from smartsociety.evaluation.charts import bar_chart
from smartsociety.evaluation.forms import (
    DEFAULT_LEVELS,
    AnswerForm,
    QuestionnaireForm,
    SharingForm,
    StartForm,
)
from smartsociety.extensions import db
from smartsociety.models import (
    Questionnaire,
    QuestionnaireStatus,
    QuestionnaireVersion,
)
from smartsociety.permissions import (
    can_fill_evaluation,
    can_manage_questionnaires,
    can_view_evaluation,
    ensure,
    is_verified_member,
    verified_organisation,
)
from smartsociety.refusals import Refused

bp = Blueprint("evaluation", __name__, url_prefix="/zelfevaluatie")


def _published_versions() -> list[QuestionnaireVersion]:
    return [q.published_version for q in db.session.scalars(questionnaires.listed())
            if q.published_version is not None]


def _evaluation(evaluation_id: int):
    evaluation = services.load(evaluation_id)
    if evaluation is None or not can_view_evaluation(current_user, evaluation):
        abort(404)
    return evaluation


def _questionnaire(slug: str) -> Questionnaire:
    return db.first_or_404(questionnaires.listed().where(Questionnaire.slug == slug))


def _version(questionnaire: Questionnaire, number: int) -> QuestionnaireVersion:
    version = next((v for v in questionnaire.versions if v.number == number), None)
    if version is None or (version.is_draft and not can_manage_questionnaires(current_user)):
        abort(404)
    return version


@bp.get("")
def index():
    """The self-evaluation: what it is, the open questionnaires, and one's own gemeente's rounds."""
    organisation = verified_organisation(current_user)
    gemeente = organisation if organisation is not None and organisation.is_gemeente else None
    published = _published_versions()
    form = None
    if gemeente is not None and published and can_fill_evaluation(current_user, gemeente):
        form = StartForm()
        form.version.choices = [(v.id, v.title) for v in published]
    return render_template(
        "evaluation/index.html", published=published, gemeente=gemeente, form=form,
        evaluations=services.of_organisation(gemeente) if gemeente is not None else [],
    )


@bp.post("/starten")
@login_required
def start():
    """Begin (or reopen) the gemeente's round of a questionnaire."""
    organisation = verified_organisation(current_user)
    ensure(organisation is not None and can_fill_evaluation(current_user, organisation))
    form = StartForm()
    form.version.choices = [(v.id, v.title) for v in _published_versions()]
    if not form.validate():
        return render_error(400, " ".join(e for errors in form.errors.values() for e in errors))
    version = db.get_or_404(QuestionnaireVersion, form.version.data)
    evaluation = services.start(organisation, version, form.round.data, current_user)
    return redirect(url_for("evaluation.detail", evaluation_id=evaluation.id))


def _render_detail(evaluation, failed: dict | None = None, status: int = 200):
    """`failed` = {statement_id: form with errors}: that answer is shown as typed."""
    fillable = (not evaluation.is_submitted and can_fill_evaluation(current_user, evaluation.organisation)
                and evaluation.version.status is QuestionnaireStatus.PUBLISHED)
    forms = {}
    if fillable:
        for statement in evaluation.version.statements:
            if failed and statement.id in failed:
                forms[statement.id] = failed[statement.id]
                continue
            given = evaluation.answer_for(statement.id)
            forms[statement.id] = AnswerForm(
                prefix=f"s{statement.id}", formdata=None,
                data={"level": given.level, "note": given.note} if given else None,
            )
    sharing = None
    if can_fill_evaluation(current_user, evaluation.organisation):
        sharing = SharingForm(formdata=None, data={
            "shared": evaluation.shared_with_gemeenten, "contactable": evaluation.contactable,
        })
    return render_template(
        "evaluation/detail.html", evaluation=evaluation, forms=forms, fillable=fillable,
        sharing=sharing, open_count=len(services.unanswered(evaluation)),
        insider=is_verified_member(current_user, evaluation.organisation),
    ), status


@bp.get("/<int:evaluation_id>")
def detail(evaluation_id: int):
    """One gemeente's round: answer per statement, then submit."""
    return _render_detail(_evaluation(evaluation_id))


@bp.post("/<int:evaluation_id>/antwoord/<int:statement_id>")
@login_required
def answer(evaluation_id: int, statement_id: int):
    """Save one answer (level and note); the rest of the draft is untouched."""
    evaluation = _evaluation(evaluation_id)
    form = AnswerForm(prefix=f"s{statement_id}")
    if not form.validate():
        return _render_detail(evaluation, failed={statement_id: form}, status=400)
    services.answer(evaluation, statement_id, form.level.data, form.note.data or "",
                    current_user)
    flash(_("Your answer has been saved."), "success")
    return redirect(url_for("evaluation.detail", evaluation_id=evaluation.id)
                    + f"#statement-{statement_id}")


@bp.post("/<int:evaluation_id>/indienen")
@login_required
def submit(evaluation_id: int):
    """Submit the round for the gemeente: the answers are frozen and count in the averages."""
    evaluation = _evaluation(evaluation_id)
    services.submit(evaluation, current_user)
    flash(_("The self-evaluation has been submitted."), "success")
    return redirect(url_for("evaluation.results_page", evaluation_id=evaluation.id))


@bp.post("/<int:evaluation_id>/delen")
@login_required
def share(evaluation_id: int):
    """Whether other gemeenten see the scores and may be pointed to this gemeente."""
    evaluation = _evaluation(evaluation_id)
    form = SharingForm()
    if not form.validate():
        abort(400)
    services.set_sharing(evaluation, form.shared.data, form.contactable.data, current_user)
    flash(_("Your choices have been saved."), "success")
    return redirect(url_for("evaluation.detail", evaluation_id=evaluation.id))


@bp.get("/<int:evaluation_id>/resultaten")
def results_page(evaluation_id: int):
    """Scores per theme as a chart and a table, beside the anonymised averages."""
    evaluation = _evaluation(evaluation_id)
    comparison = results.compare(evaluation)
    themes = evaluation.version.themes
    chart = bar_chart(themes, [comparison.scores, comparison.peers.averages,
                               comparison.everyone.averages])
    insider = is_verified_member(current_user, evaluation.organisation)
    return render_template(
        "evaluation/results.html", evaluation=evaluation, comparison=comparison, chart=chart,
        themes=themes, min_group=results.min_group(), insider=insider,
        progress=results.progress(evaluation) if insider else [],
        help=results.weakest(evaluation, comparison.scores) if insider else [],
    )


def _network_round(version: QuestionnaireVersion) -> tuple[list[int], int]:
    rounds = results.rounds_of(version)
    requested = request.args.get("ronde", "")
    if requested:
        if not requested.isdigit() or int(requested) not in rounds:
            abort(404)
        return rounds, int(requested)
    return rounds, rounds[0] if rounds else date.today().year


@bp.get("/vragenlijsten/<slug>/versie/<int:number>/netwerk")
def network(slug: str, number: int):
    """The network's picture: per theme how many gemeenten scored in each band."""
    version = _version(_questionnaire(slug), number)
    rounds, round_ = _network_round(version)
    data = results.distribution(version, round_)
    return render_template("evaluation/network.html", version=version, rounds=rounds,
                           round=round_, data=data, min_group=results.min_group())


@bp.get("/vragenlijsten/<slug>/versie/<int:number>/netwerk.csv")
def network_csv(slug: str, number: int):
    """Open data: the distribution and averages per theme, no gemeente named."""
    version = _version(_questionnaire(slug), number)
    _, round_ = _network_round(version)
    data = results.distribution(version, round_)
    if data.counts is None:
        abort(404)
    return Response(
        results.distribution_csv(version, round_, data), mimetype="text/csv",
        headers={"Content-Disposition":
                 f'attachment; filename="zelfevaluatie-{slug}-{number}-{round_}.csv"'},
    )


# Questionnaires, kept by moderators


@bp.get("/vragenlijsten")
def questionnaire_index():
    """Every questionnaire with its versions (drafts for moderators only)."""
    return render_template("evaluation/questionnaires.html",
                           questionnaires=list(db.session.scalars(questionnaires.listed())))


@bp.get("/vragenlijsten/<slug>/versie/<int:number>")
def questionnaire_version(slug: str, number: int):
    """One version's themes, statements and scale."""
    version = _version(_questionnaire(slug), number)
    return render_template("evaluation/version.html", version=version)


def _render_form(form, version=None, status=200):
    return render_template("evaluation/questionnaire_form.html", form=form,
                           version=version), status


@bp.route("/vragenlijsten/nieuw", methods=["GET", "POST"])
@login_required
def questionnaire_new():
    """A new questionnaire, as a draft."""
    ensure(can_manage_questionnaires(current_user))
    if request.method == "GET":
        form = QuestionnaireForm(formdata=None, data={
            f"level_{n}": str(text) for n, text in enumerate(DEFAULT_LEVELS, start=1)
        })
        return _render_form(form)
    form = QuestionnaireForm()
    if not form.validate():
        return _render_form(form, status=422)
    questionnaire = questionnaires.create(form.title.data, form.introduction.data or "",
                                          form.levels, form.outline.data, current_user)
    flash(_("The draft questionnaire has been saved."), "success")
    return redirect(url_for("evaluation.questionnaire_version", slug=questionnaire.slug,
                            number=1))


@bp.route("/vragenlijsten/<slug>/versie/<int:number>/bewerken", methods=["GET", "POST"])
@login_required
def questionnaire_edit(slug: str, number: int):
    """Edit a draft version (published text is frozen)."""
    ensure(can_manage_questionnaires(current_user))
    version = _version(_questionnaire(slug), number)
    if not version.is_draft:
        raise Refused(_("Only a draft can be edited; published text is frozen."))
    if request.method == "GET":
        data = {"title": version.title, "introduction": version.introduction,
                "outline": questionnaires.outline_of(version)}
        data.update({f"level_{n}": text for n, text in enumerate(version.levels, start=1)})
        return _render_form(QuestionnaireForm(formdata=None, data=data), version)
    form = QuestionnaireForm()
    if not form.validate():
        return _render_form(form, version, status=422)
    questionnaires.save_draft(version, form.title.data, form.introduction.data or "",
                              form.levels, form.outline.data, current_user)
    flash(_("The draft has been saved."), "success")
    return redirect(url_for("evaluation.questionnaire_version", slug=slug, number=number))


def _lifecycle(slug: str, number: int, action):
    ensure(can_manage_questionnaires(current_user))
    version = _version(_questionnaire(slug), number)
    action(version, current_user)
    return version


@bp.post("/vragenlijsten/<slug>/versie/<int:number>/publiceren")
@login_required
def questionnaire_publish(slug: str, number: int):
    """Publish a draft; the previous published version is retired."""
    _lifecycle(slug, number, questionnaires.publish)
    flash(_("The questionnaire has been published."), "success")
    return redirect(url_for("evaluation.questionnaire_version", slug=slug, number=number))


@bp.post("/vragenlijsten/<slug>/versie/<int:number>/intrekken")
@login_required
def questionnaire_retire(slug: str, number: int):
    """Retire a published version: no new rounds; submitted rounds stay readable."""
    _lifecycle(slug, number, questionnaires.retire)
    flash(_("The questionnaire has been retired."), "info")
    return redirect(url_for("evaluation.questionnaire_version", slug=slug, number=number))


@bp.post("/vragenlijsten/<slug>/versie/<int:number>/verwijderen")
@login_required
def questionnaire_discard(slug: str, number: int):
    """Discard a draft version."""
    _lifecycle(slug, number, questionnaires.discard_draft)
    flash(_("The draft has been discarded."), "info")
    return redirect(url_for("evaluation.questionnaire_index"))


@bp.post("/vragenlijsten/<slug>/nieuwe-versie")
@login_required
def questionnaire_new_version(slug: str):
    """Start a new draft version from the latest text."""
    ensure(can_manage_questionnaires(current_user))
    version = questionnaires.new_version(_questionnaire(slug), current_user)
    return redirect(url_for("evaluation.questionnaire_edit", slug=slug, number=version.number))
