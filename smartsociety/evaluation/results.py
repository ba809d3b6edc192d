"""Scores per theme, anonymised group averages (shown from MIN_GROUP gemeenten up), progress
over rounds, help for the weakest themes and the network's distribution."""
import csv
import io
from dataclasses import dataclass
from statistics import mean

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from smartsociety.extensions import db
from smartsociety.models import (
    Answer,
    Case,
    CasePrincipleLink,
    CaseTheme,
    Evaluation,
    EvaluationStatus,
    Organisation,
    PrincipleVersion,
    QuestionnaireVersion,
    Rule,
    SizeClass,
    Solution,
    Theme,
    VersionStatus,
)

STRONG = 4.0
HELP_ITEMS = 5
WEAKEST = 2


def min_group() -> int:
    """k-anonymity: a group average needs at least this many gemeenten (five by default)."""
    return current_app.config.get("EVALUATION_MIN_GROUP", 5)


def theme_scores(evaluation: Evaluation) -> dict[int, float | None]:
    """Theme id -> mean level of its answered statements (None while none is answered)."""
    levels = {a.statement_id: a.level for a in evaluation.answers}
    scores = {}
    for theme in evaluation.version.themes:
        given = [levels[s.id] for s in theme.statements if s.id in levels]
        scores[theme.id] = round(mean(given), 2) if given else None
    return scores


def submitted(version: QuestionnaireVersion, round_: int) -> list[Evaluation]:
    return list(db.session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.version_id == version.id, Evaluation.round == round_,
               Evaluation.status == EvaluationStatus.SUBMITTED)
        .options(selectinload(Evaluation.answers), selectinload(Evaluation.organisation))
    ))


@dataclass
class Group:
    """An average over gemeenten; `averages` is None when the group is too small to show."""

    size: int
    averages: dict[int, float] | None


def _group(evaluations: list[Evaluation], themes) -> Group:
    if len(evaluations) < min_group():
        return Group(len(evaluations), None)
    per_theme = {theme.id: [] for theme in themes}
    for evaluation in evaluations:
        for theme_id, score in theme_scores(evaluation).items():
            if score is not None:
                per_theme[theme_id].append(score)
    averages = {tid: round(mean(v), 2) for tid, v in per_theme.items() if v}
    return Group(len(evaluations), averages)


@dataclass
class Comparison:
    scores: dict[int, float | None]
    everyone: Group
    peers: Group
    size_class: SizeClass | None


def compare(evaluation: Evaluation) -> Comparison:
    others = submitted(evaluation.version, evaluation.round)
    themes = evaluation.version.themes
    size_class = evaluation.organisation.size_class
    peers = [e for e in others if size_class is not None
             and e.organisation.size_class is size_class]
    return Comparison(
        scores=theme_scores(evaluation),
        everyone=_group(others, themes),
        peers=_group(peers, themes) if size_class is not None else Group(0, None),
        size_class=size_class,
    )


def progress(evaluation: Evaluation) -> list[tuple[int, dict[str, float | None]]]:
    """The gemeente's submitted rounds of this questionnaire (any version), oldest first, as
    (round, theme title -> score): versions may reorder themes, titles stay."""
    rounds = db.session.scalars(
        sa.select(Evaluation)
        .join(Evaluation.version)
        .where(Evaluation.organisation_id == evaluation.organisation_id,
               QuestionnaireVersion.questionnaire_id == evaluation.version.questionnaire_id,
               Evaluation.status == EvaluationStatus.SUBMITTED)
        .options(selectinload(Evaluation.answers))
        .order_by(Evaluation.round, Evaluation.id)
    )
    rows = []
    for other in rounds:
        scores = theme_scores(other)
        rows.append((other.round, {t.title: scores[t.id] for t in other.version.themes}))
    return rows


@dataclass
class Help:
    theme: object
    score: float
    cases: list
    solutions: list
    rules: list
    gemeenten: list


def weakest(evaluation: Evaluation, scores: dict[int, float | None]) -> list[Help]:
    """For the lowest-scoring themes below 'strong': what on the site helps there, and
    gemeenten that are strong there and chose to be contactable."""
    scored = [(s, t) for t in evaluation.version.themes
              if (s := scores.get(t.id)) is not None and s < STRONG]
    scored.sort(key=lambda pair: (pair[0], pair[1].position))
    strong = _strong_gemeenten(evaluation)
    result = []
    for score, theme in scored[:WEAKEST]:
        site_theme = Theme(theme.theme_key) if theme.theme_key else None
        result.append(Help(
            theme=theme, score=score,
            cases=_cases(site_theme) if site_theme else [],
            solutions=_solutions(site_theme) if site_theme else [],
            rules=_rules(site_theme) if site_theme else [],
            gemeenten=strong.get(theme.id, []),
        ))
    return result


def _strong_gemeenten(evaluation: Evaluation) -> dict[int, list[Organisation]]:
    found: dict[int, list[Organisation]] = {}
    for other in submitted(evaluation.version, evaluation.round):
        if other.organisation_id == evaluation.organisation_id or not other.contactable:
            continue
        for theme_id, score in theme_scores(other).items():
            if score is not None and score >= STRONG:
                found.setdefault(theme_id, []).append(other.organisation)
    return found


def _cases(theme: Theme) -> list[Case]:
    return list(db.session.scalars(
        Case.public().where(Case.id.in_(sa.select(CaseTheme.case_id).where(
            CaseTheme.theme == theme)))
        .order_by(Case.created_at.desc()).limit(HELP_ITEMS)
    ))


def _solutions(theme: Theme) -> list[Solution]:
    return list(db.session.scalars(Solution.listed(theme=theme).limit(HELP_ITEMS)))


def _rules(theme: Theme) -> list[Rule]:
    """Adopted rules that cases of this theme were linked to (principles carry no theme)."""
    return list(db.session.scalars(
        sa.select(Rule)
        .join(Rule.version)
        .join(CasePrincipleLink, CasePrincipleLink.rule_id == Rule.id)
        .join(Case, Case.id == CasePrincipleLink.case_id)
        .where(PrincipleVersion.status == VersionStatus.ADOPTED, Case.public_clause(),
               Case.id.in_(sa.select(CaseTheme.case_id).where(CaseTheme.theme == theme)))
        .options(selectinload(Rule.version).selectinload(PrincipleVersion.principle))
        .distinct().limit(HELP_ITEMS)
    ))


@dataclass
class Distribution:
    """How many gemeenten scored in each band (1–1.9, 2–2.9, ... 5) per theme; `counts` is
    None while fewer than MIN_GROUP gemeenten submitted."""

    size: int
    counts: dict[int, list[int]] | None
    averages: dict[int, float] | None


def distribution(version: QuestionnaireVersion, round_: int) -> Distribution:
    evaluations = submitted(version, round_)
    if len(evaluations) < min_group():
        return Distribution(len(evaluations), None, None)
    counts = {theme.id: [0] * 5 for theme in version.themes}
    for evaluation in evaluations:
        for theme_id, score in theme_scores(evaluation).items():
            if score is not None:
                counts[theme_id][min(int(score), 5) - 1] += 1
    group = _group(evaluations, version.themes)
    return Distribution(len(evaluations), counts, group.averages)


def rounds_of(version: QuestionnaireVersion) -> list[int]:
    return list(db.session.scalars(
        sa.select(Evaluation.round).where(Evaluation.version_id == version.id,
                                          Evaluation.status == EvaluationStatus.SUBMITTED)
        .distinct().order_by(Evaluation.round.desc())
    ))


def distribution_csv(version: QuestionnaireVersion, round_: int, data: Distribution) -> str:
    """Open data: the aggregate only (no gemeente is named), one row per theme."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["questionnaire", "version", "round", "theme", "gemeenten", "average",
                     "band_1", "band_2", "band_3", "band_4", "band_5"])
    for theme in version.themes:
        counts = data.counts[theme.id]
        writer.writerow([version.questionnaire.slug, version.number, round_, theme.title,
                         data.size, data.averages.get(theme.id, ""), *counts])
    return out.getvalue()


def answered_count(evaluation: Evaluation) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Answer.id)).where(Answer.evaluation_id == evaluation.id)
    )
