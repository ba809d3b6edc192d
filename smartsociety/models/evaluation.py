"""Self-evaluation: versioned questionnaires of maturity statements per theme, and a
gemeente's evaluation per round, answered by its verified members together."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smartsociety.models.base import Base, str_enum, utcnow

SCALE_LEVELS = (1, 2, 3, 4, 5)


class QuestionnaireStatus(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class EvaluationStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Questionnaire(Base):
    """A framework to evaluate against ("Digitale Agenda 2020"); its text lives in versions."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # Title of the latest version, for lists and links.
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["QuestionnaireVersion"]] = relationship(
        back_populates="questionnaire",
        order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def published_version(self) -> "QuestionnaireVersion | None":
        return next(
            (v for v in self.versions if v.status is QuestionnaireStatus.PUBLISHED), None
        )

    @property
    def draft_version(self) -> "QuestionnaireVersion | None":
        return next((v for v in self.versions if v.status is QuestionnaireStatus.DRAFT), None)

    @property
    def latest_version(self) -> "QuestionnaireVersion | None":
        return self.versions[-1] if self.versions else None


class QuestionnaireVersion(Base):
    __tablename__ = "questionnaire_version"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    status: Mapped[QuestionnaireStatus] = mapped_column(
        str_enum(QuestionnaireStatus), default=QuestionnaireStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    # What each level of the maturity scale means, one per level 1..5 (JSON list of strings).
    levels: Mapped[list] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    themes: Mapped[list["EvaluationTheme"]] = relationship(
        back_populates="version", order_by="EvaluationTheme.position",
        cascade="all, delete-orphan",
    )

    @property
    def statements(self) -> list["Statement"]:
        return [s for theme in self.themes for s in theme.statements]

    @property
    def is_draft(self) -> bool:
        return self.status is QuestionnaireStatus.DRAFT


class EvaluationTheme(Base):
    """A theme of a questionnaire version; `theme_key` names a site theme (Theme's value) when
    the questionnaire follows the Digitale Agenda's themes, for the help section."""

    __tablename__ = "evaluation_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    theme_key: Mapped[str | None] = mapped_column(sa.String(40))

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="themes")
    statements: Mapped[list["Statement"]] = relationship(
        back_populates="theme", order_by="Statement.position", cascade="all, delete-orphan"
    )


class Statement(Base):
    __tablename__ = "evaluation_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_theme.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(600))

    theme: Mapped[EvaluationTheme] = relationship(back_populates="statements")


class Evaluation(Base):
    """One gemeente's answers to one questionnaire version in one round (a year)."""

    __tablename__ = "evaluation"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "version_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questionnaire_version.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int]
    status: Mapped[EvaluationStatus] = mapped_column(
        str_enum(EvaluationStatus), default=EvaluationStatus.DRAFT
    )
    # Other gemeenten may see the scores (never the notes); off unless the gemeente chooses.
    shared_with_gemeenten: Mapped[bool] = mapped_column(default=False)
    # Gemeenten that are weak where this one is strong may be pointed to it.
    contactable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821
    version: Mapped[QuestionnaireVersion] = relationship()
    submitted_by: Mapped["User | None"] = relationship()  # noqa: F821
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status is EvaluationStatus.SUBMITTED

    def answer_for(self, statement_id: int) -> "Answer | None":
        return next((a for a in self.answers if a.statement_id == statement_id), None)


class Answer(Base):
    __tablename__ = "evaluation_answer"
    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "statement_id"),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name="level_on_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation.id", ondelete="CASCADE"), index=True
    )
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_statement.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    answered_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    evaluation: Mapped[Evaluation] = relationship(back_populates="answers")
    statement: Mapped[Statement] = relationship()
    answered_by: Mapped["User | None"] = relationship()  # noqa: F821
