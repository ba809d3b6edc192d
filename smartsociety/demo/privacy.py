"""Demo terms of use and privacy statement (version 1), accepted by the demo accounts."""
import sqlalchemy as sa

from smartsociety.extensions import db
from smartsociety.models import PolicyAcceptance, PolicyKind, PolicyVersion, User
from smartsociety.privacy.policies import render

TEXTS = {
    PolicyKind.TERMS: (
        "Eerste versie",
        "# Gebruiksvoorwaarden\n\nU deelt op Smart Society projecten en dilemma's namens uw "
        "organisatie. Wat u openbaar plaatst, valt onder de licentie CC BY 4.0 en komt in de "
        "open data en de API. Wees respectvol; moderatoren kunnen bijdragen verbergen.",
    ),
    PolicyKind.PRIVACY: (
        "Eerste versie",
        "# Privacyverklaring\n\nWij bewaren uw naam, e-mailadres, organisatie, profiel en wat u "
        "plaatst. Uw e-mailadres is nooit openbaar. Op de pagina Mijn gegevens downloadt u "
        "alles wat wij over u bewaren (AVG art. 15 en 20) en verwijdert u uw account "
        "(art. 17).",
    ),
}


def load() -> int:
    created = 0
    for kind, (summary, body) in TEXTS.items():
        if db.session.scalar(sa.select(PolicyVersion.id).where(PolicyVersion.kind == kind)):
            continue
        db.session.add(PolicyVersion(kind=kind, version=1, summary=summary, body=body,
                                     body_html=render(body)))
        for user_id in db.session.scalars(sa.select(User.id)):
            db.session.add(PolicyAcceptance(user_id=user_id, kind=kind, version=1))
        created += 1
    db.session.flush()
    return created
