"""What the sensor register adds to other features: the search document type of sensors and
the case page's section of the sensors a case discusses."""
from flask import Flask

from smartsociety.cases.sections import CASE_PAGE
from smartsociety.organisations.sections import ORGANISATION_PAGE
from smartsociety.sections import Section
from smartsociety.sensors import documents


def register(app: Flask) -> None:
    documents.register()
    CASE_PAGE.register(Section("sensors", "sensors/_case_sensors.html", 40))
    ORGANISATION_PAGE.register(Section("sensors", "sensors/_organisation_sensors.html", 30))
