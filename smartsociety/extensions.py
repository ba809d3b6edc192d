"""Unbound Flask extensions; the app factory binds them with init_app."""
from flask_babel import Babel
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from smartsociety.fixedcost import (
    AnonymousFirstLoginManager,
    ExemptFirstLimiter,
    KeptPolicyTalisman,
)
from smartsociety.migrating import Migrate
from smartsociety.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = AnonymousFirstLoginManager()  # an empty session is answered at once
csrf = CSRFProtect()
babel = Babel()
limiter = ExemptFirstLimiter(key_func=get_remote_address)  # exempt reads go at once
talisman = KeptPolicyTalisman()  # the policy's text made once per policy
