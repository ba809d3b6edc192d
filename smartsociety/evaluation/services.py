"""Filling in an evaluation: a gemeente's verified members answer together, one submits."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.models import (
    SCALE_LEVELS,
    Answer,
    Evaluation,
    EvaluationStatus,
    Organisation,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Statement,
    utcnow,
)
from smartsociety.permissions import can_fill_evaluation
from smartsociety.refusals import require
from smartsociety.transaction import savepoint

NOTE_MAX_LENGTH = 1000
FIRST_ROUND, LAST_ROUND = 2015, 2100


def _require_fillable(evaluation: Evaluation) -> None:
    require(not evaluation.is_submitted,
            _l("This evaluation has been submitted; its answers can no longer change."))
    require(evaluation.version.status is QuestionnaireStatus.PUBLISHED,
            _l("This questionnaire has been retired: your answers are kept and can be read, "
               "but no longer changed or submitted. Start a round with the current version."))


def start(organisation: Organisation, version: QuestionnaireVersion, round_: int,
          actor) -> Evaluation:
    """The gemeente's evaluation of `version` for `round_` (the existing one if it was begun)."""
    require(can_fill_evaluation(actor, organisation),
            _l("Only verified members of a gemeente can fill in its self-evaluation."), 403)
    require(FIRST_ROUND <= round_ <= LAST_ROUND, _l("Choose a year as the round."), 400)
    same = sa.select(Evaluation).where(
        Evaluation.organisation_id == organisation.id, Evaluation.version_id == version.id,
        Evaluation.round == round_,
    )
    existing = db.session.scalar(same)
    if existing is not None:
        return existing
    require(version.status is QuestionnaireStatus.PUBLISHED,
            _l("This questionnaire is not open for evaluations."))
    evaluation = Evaluation(organisation=organisation, version=version, round=round_)
    try:
        with savepoint():  # a colleague began the same round a moment ago: theirs is it
            db.session.add(evaluation)
    except sa.exc.IntegrityError:
        return db.session.scalar(same)
    return evaluation


def answer(evaluation: Evaluation, statement_id: int, level: int, note: str, actor) -> Answer:
    require(can_fill_evaluation(actor, evaluation.organisation),
            _l("Only verified members of this gemeente can answer for it."), 403)
    _require_fillable(evaluation)
    statement = db.session.get(Statement, statement_id)
    require(statement is not None and statement.theme.version_id == evaluation.version_id,
            _l("This statement is not part of this questionnaire."), 404)
    require(level in SCALE_LEVELS, _l("Choose a level from 1 to 5."), 400)
    require(len(note) <= NOTE_MAX_LENGTH,
            _l("A note can have at most %(max)s characters.", max=NOTE_MAX_LENGTH), 400)
    given = evaluation.answer_for(statement_id)
    if given is None:
        given = Answer(statement_id=statement_id)
        evaluation.answers.append(given)
    given.level, given.note = level, note
    given.answered_by_id, given.answered_at = actor.id, utcnow()
    db.session.flush()
    return given


def unanswered(evaluation: Evaluation) -> list[Statement]:
    answered = {a.statement_id for a in evaluation.answers}
    return [s for s in evaluation.version.statements if s.id not in answered]


def submit(evaluation: Evaluation, actor) -> None:
    require(can_fill_evaluation(actor, evaluation.organisation),
            _l("Only verified members of this gemeente can submit its evaluation."), 403)
    _require_fillable(evaluation)
    missing = len(unanswered(evaluation))
    require(missing == 0, _l("Answer every statement before submitting (%(n)s still open).",
                             n=missing))
    # Two members pressing "submit" at once: only one update finds the draft.
    changed = db.session.execute(
        sa.update(Evaluation)
        .where(Evaluation.id == evaluation.id, Evaluation.status == EvaluationStatus.DRAFT)
        .values(status=EvaluationStatus.SUBMITTED, submitted_at=utcnow(),
                submitted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    require(changed == 1, _l("This evaluation has already been submitted."))
    db.session.refresh(evaluation)


def set_sharing(evaluation: Evaluation, shared: bool, contactable: bool, actor) -> None:
    require(can_fill_evaluation(actor, evaluation.organisation),
            _l("Only verified members of this gemeente can change this."), 403)
    evaluation.shared_with_gemeenten = shared
    evaluation.contactable = contactable
    db.session.flush()


def of_organisation(organisation: Organisation) -> list[Evaluation]:
    return list(db.session.scalars(
        sa.select(Evaluation).where(Evaluation.organisation_id == organisation.id)
        .options(selectinload(Evaluation.version).selectinload(QuestionnaireVersion.questionnaire))
        .order_by(Evaluation.round.desc(), Evaluation.id.desc())
    ))


def load(evaluation_id: int) -> Evaluation | None:
    return db.session.scalar(
        sa.select(Evaluation).where(Evaluation.id == evaluation_id).options(
            selectinload(Evaluation.answers).selectinload(Answer.answered_by),
            selectinload(Evaluation.organisation),
        )
    )
