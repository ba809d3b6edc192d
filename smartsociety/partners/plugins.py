"""What samen organiseren adds to other features: sharing gemeenten in the case document type
(registered after the cases' plug-in) and the case page's partners section."""
from flask import Flask

from smartsociety.cases.sections import CaseSection
from smartsociety.cases.sections import register as register_case_section
from smartsociety.partners import documents


def register(app: Flask) -> None:
    documents.register()
    register_case_section(CaseSection("partners", "partners/_case_section.html", 60))
