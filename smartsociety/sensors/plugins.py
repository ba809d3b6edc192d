"""What the sensor register adds to other features: the search document type of sensors and
the case page's section of the sensors a case discusses."""
from flask import Flask

from smartsociety.cases.sections import CaseSection
from smartsociety.cases.sections import register as register_case_section
from smartsociety.sensors import documents


def register(app: Flask) -> None:
    documents.register()
    register_case_section(CaseSection("sensors", "sensors/_case_sensors.html", 40))
