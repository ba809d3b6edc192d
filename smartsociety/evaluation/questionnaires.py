"""Writing questionnaires: drafts in a plain text outline, published and retired like principles.

The outline a moderator edits is one theme per `## Title` line (optionally `{theme-key}` to tie
it to one of the site's themes) followed by its statements as `- ` lines."""
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from smartsociety.extensions import db
from smartsociety.models import (
    EvaluationTheme,
    Questionnaire,
    QuestionnaireStatus,
    QuestionnaireVersion,
    Statement,
    Theme,
    utcnow,
)
from smartsociety.moderation.audit import record
from smartsociety.refusals import require
from smartsociety.text import slugify

_HEADING = re.compile(r"^##\s*(?P<title>.+?)\s*(\{(?P<key>[a-z0-9-]+)\})?\s*$")
THEME_KEYS = {theme.value for theme in Theme}
MAX_THEMES = 12
MAX_STATEMENTS = 15
STATEMENT_MAX_LENGTH = 600


@dataclass
class OutlineTheme:
    title: str
    key: str | None
    statements: list[str] = field(default_factory=list)


class OutlineError(ValueError):
    """The outline cannot be read; str(error) says which line and why."""


def parse_outline(text: str) -> list[OutlineTheme]:
    themes: list[OutlineTheme] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        heading = _HEADING.match(line)
        if heading:
            key = heading.group("key")
            if key is not None and key not in THEME_KEYS:
                raise OutlineError(_l("Line %(n)s: %(key)s is not one of the site's themes.",
                                      n=number, key=key))
            themes.append(OutlineTheme(heading.group("title")[:200], key))
        elif line.startswith(("-", "*")):
            if not themes:
                raise OutlineError(_l("Line %(n)s: a statement needs a theme (a line starting "
                                      "with ##) above it.", n=number))
            statement = line[1:].strip()
            if not statement:
                continue
            if len(statement) > STATEMENT_MAX_LENGTH:
                raise OutlineError(_l("Line %(n)s: a statement can have at most %(max)s "
                                      "characters.", n=number, max=STATEMENT_MAX_LENGTH))
            themes[-1].statements.append(statement)
        else:
            raise OutlineError(_l("Line %(n)s: start a theme with ## and a statement with -.",
                                  n=number))
    if not themes:
        raise OutlineError(_l("Add at least one theme (## Title) with a statement (- ...)."))
    if len(themes) > MAX_THEMES:
        raise OutlineError(_l("A questionnaire can have at most %(max)s themes.", max=MAX_THEMES))
    for theme in themes:
        if not theme.statements:
            raise OutlineError(_l("The theme %(title)s has no statements.", title=theme.title))
        if len(theme.statements) > MAX_STATEMENTS:
            raise OutlineError(_l("The theme %(title)s has more than %(max)s statements.",
                                  title=theme.title, max=MAX_STATEMENTS))
    return themes


def outline_of(version: QuestionnaireVersion) -> str:
    lines = []
    for theme in version.themes:
        key = f" {{{theme.theme_key}}}" if theme.theme_key else ""
        lines.append(f"## {theme.title}{key}")
        lines.extend(f"- {statement.text}" for statement in theme.statements)
        lines.append("")
    return "\n".join(lines).strip() + "\n"


def _fill(version: QuestionnaireVersion, outline: list[OutlineTheme]) -> None:
    version.themes.clear()
    db.session.flush()
    for position, item in enumerate(outline, start=1):
        version.themes.append(EvaluationTheme(
            position=position, title=item.title, theme_key=item.key,
            statements=[Statement(position=n, text=text)
                        for n, text in enumerate(item.statements, start=1)],
        ))


def create(title: str, introduction: str, levels: list[str], outline: str,
           actor) -> Questionnaire:
    themes = parse_outline(outline)
    slug = base = slugify(title, 100)
    counter = 2
    while db.session.scalar(sa.select(Questionnaire.id).where(Questionnaire.slug == slug)):
        slug, counter = f"{base}-{counter}", counter + 1
    questionnaire = Questionnaire(slug=slug, title=title)
    version = QuestionnaireVersion(number=1, title=title, introduction=introduction,
                                   levels=list(levels))
    questionnaire.versions.append(version)
    db.session.add(questionnaire)
    _fill(version, themes)
    db.session.flush()
    record(actor, "questionnaire_create", target_type="questionnaire", target_id=questionnaire.id,
           label=title)
    return questionnaire


def save_draft(version: QuestionnaireVersion, title: str, introduction: str,
               levels: list[str], outline: str, actor) -> None:
    require(version.is_draft, _l("Only a draft can be edited; published text is frozen."))
    themes = parse_outline(outline)
    version.title, version.introduction, version.levels = title, introduction, list(levels)
    _fill(version, themes)
    version.questionnaire.title = title
    db.session.flush()


def publish(version: QuestionnaireVersion, actor) -> None:
    """The draft becomes the version gemeenten fill in; the one before it is retired (its
    submitted evaluations stay readable)."""
    require(version.is_draft, _l("Only a draft can be published."))
    require(bool(version.statements), _l("A questionnaire needs statements to be published."))
    current = version.questionnaire.published_version
    if current is not None:
        retire(current, actor)
    version.status = QuestionnaireStatus.PUBLISHED
    version.published_at = utcnow()
    record(actor, "questionnaire_publish", target_type="questionnaire",
           target_id=version.questionnaire_id, label=f"{version.title} ({version.number})")


def retire(version: QuestionnaireVersion, actor) -> None:
    require(version.status is QuestionnaireStatus.PUBLISHED,
            _l("Only a published questionnaire can be retired."))
    version.status = QuestionnaireStatus.RETIRED
    version.retired_at = utcnow()
    record(actor, "questionnaire_retire", target_type="questionnaire",
           target_id=version.questionnaire_id, label=f"{version.title} ({version.number})")


def new_version(questionnaire: Questionnaire, actor) -> QuestionnaireVersion:
    require(questionnaire.draft_version is None,
            _l("This questionnaire already has a draft; edit that one."))
    latest = questionnaire.latest_version
    version = QuestionnaireVersion(
        number=latest.number + 1, title=latest.title, introduction=latest.introduction,
        levels=list(latest.levels),
    )
    questionnaire.versions.append(version)
    _fill(version, parse_outline(outline_of(latest)))
    db.session.flush()
    return version


def discard_draft(version: QuestionnaireVersion, actor) -> None:
    require(version.is_draft, _l("Only a draft can be discarded."))
    questionnaire = version.questionnaire
    if len(questionnaire.versions) == 1:
        db.session.delete(questionnaire)  # its only version goes with it
    else:
        questionnaire.versions.remove(version)  # delete-orphan removes the row
    db.session.flush()
    record(actor, "questionnaire_discard", target_type="questionnaire",
           target_id=questionnaire.id, label=f"{version.title} ({version.number})")


def listed() -> sa.Select:
    return sa.select(Questionnaire).order_by(Questionnaire.title)
