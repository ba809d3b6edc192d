"""Membership benchmark: `python bench/memberships.py N` (run from the repository root).

Counting votes at read time (issue 15) adds an EXISTS over memberships, users and
organisations to the consultation tally. This makes N voters (one in five only claimed) in a
fresh SQLite database, each voting on the three rules of one principle version, and prints the
median time of `principles.services.tallies()` next to the same query without the membership
condition (what it cost before issue 15).
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402


def main(n: int) -> None:
    from smartsociety import create_app
    from smartsociety.extensions import db
    from smartsociety.models import (
        Membership,
        MembershipState,
        Organisation,
        OrganisationKind,
        Principle,
        PrincipleVersion,
        Rule,
        RuleVote,
        User,
        VersionStatus,
        VoteChoice,
        utcnow,
    )
    from smartsociety.principles import services

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"CONFIG": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/b.db",
                          "SEARCH_INDEX_DIR": f"{tmp}/idx"})
        with app.app_context():
            db.create_all()
            orgs = [Organisation(name=f"Org {i}", name_key=f"org {i}", slug=f"org-{i}",
                                 kind=list(OrganisationKind)[i % 5], verified_at=utcnow())
                    for i in range(50)]
            db.session.add_all(orgs)
            principle = Principle(number=1, slug="p", title="P")
            version = PrincipleVersion(principle=principle, number=1, title="P", statement="s",
                                       explanation="e", explanation_html="e",
                                       status=VersionStatus.CONSULTATION)
            version.rules = [Rule(number=k, text=f"Regel {k}") for k in (1, 2, 3)]
            db.session.add(version)
            db.session.flush()
            choices = list(VoteChoice)
            for i in range(n):
                org = orgs[i % len(orgs)]
                user = User(name=f"Lid {i}", email=f"lid{i}@example.org", password_hash="x",
                            organisation=org, email_verified_at=utcnow())
                db.session.add(user)
                db.session.add(Membership(
                    user=user, organisation=org,
                    state=MembershipState.CLAIMED if i % 5 == 0 else MembershipState.VERIFIED))
                for k, rule in enumerate(version.rules):
                    db.session.add(RuleVote(rule=rule, user=user, choice=choices[(i + k) % 3]))
            db.session.commit()

            def old_tallies():
                return db.session.execute(
                    sa.select(RuleVote.rule_id, RuleVote.choice, Organisation.kind,
                              sa.func.count())
                    .join(Rule, Rule.id == RuleVote.rule_id)
                    .join(User, User.id == RuleVote.user_id)
                    .outerjoin(Organisation, Organisation.id == User.organisation_id)
                    .where(Rule.version_id == version.id)
                    .group_by(RuleVote.rule_id, RuleVote.choice, Organisation.kind)
                ).all()

            def timed(*fns):
                """Median ms per function, runs interleaved so load on the machine hits all."""
                runs = [[] for _ in fns]
                for _ in range(15):
                    for fn, times in zip(fns, runs):
                        start = time.perf_counter()
                        fn()
                        times.append(time.perf_counter() - start)
                return [statistics.median(times) * 1000 for times in runs]

            counted = sum(t.count for t in services.tallies(version).values())
            new, old = timed(lambda: services.tallies(version), old_tallies)
            print(f"voters: {n}, votes: {3 * n}, counted (verified): {counted}")
            print(f"tallies() with read-time membership check: {new:.1f} ms")
            print(f"same query without the check (before):      {old:.1f} ms")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
