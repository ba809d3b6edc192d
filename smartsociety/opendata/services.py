"""Open-data dumps of all public content (CSV and JSON) with a DCAT-AP-DONL catalogue.

Each dataset is made with the API's schemas from what an anonymous reader may see, so the
dumps follow the same visibility rules as the pages and the API. The sensor register is a
dataset with a GeoJSON distribution too (RFC 7946, as /sensoren.geojson)."""
import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from smartsociety.api import schemas as s
from smartsociety.extensions import db
from smartsociety.models import Case, CaseFilter, Comment, Organisation, Principle, Solution, utcnow
from smartsociety.progress import QUIET

LICENCE = "http://creativecommons.org/licenses/by/4.0/deed.nl"
LICENCE_NAME = "Creative Commons Naamsvermelding 4.0 (CC BY 4.0)"
CATALOG = "catalogus.jsonld"
# DONL themes (standaarden.overheid.nl taxonomie beleidsagenda).
THEME_BASE = "http://standaarden.overheid.nl/owms/terms/"


@dataclass
class Dataset:
    name: str
    title: str
    description: str
    themes: list[str]
    rows: Callable[[], list[dict]]
    # For data with a place (sensors): GeoJSON features, written as <name>.geojson too.
    features: Callable[[], list[dict]] | None = None


def _cases() -> list[dict]:
    return s.CaseSummarySchema(many=True).dump(db.session.scalars(Case.filtered(CaseFilter())))


def _comments() -> list[dict]:
    rows = db.session.scalars(
        sa.select(Comment).join(Case, Case.id == Comment.case_id)
        .where(Comment.public_clause(), Case.public_clause())
        .options(selectinload(Comment.author)).order_by(Comment.id))
    data = []
    for comment in rows:
        item = s.CommentSchema().dump(comment)
        item["case_id"] = comment.case_id
        data.append(item)
    return data


def _solutions() -> list[dict]:
    return s.SolutionSummarySchema(many=True).dump(db.session.scalars(Solution.listed()))


def _organisations() -> list[dict]:
    return s.OrganisationSchema(many=True).dump(
        db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))


def _principles() -> list[dict]:
    rows = []
    for principle in db.session.scalars(Principle.public()):
        for version in principle.versions:
            if not version.is_public:
                continue
            rows.append({
                "principle": principle.number, "slug": principle.slug, "version": version.number,
                "status": version.status.value, "title": version.title,
                "statement": version.statement, "explanation": version.explanation,
                "rules": [f"{r.number}. {r.text}" for r in version.rules],
                "adopted_on": version.adopted_on.isoformat() if version.adopted_on else None,
            })
    return rows


def _sensors() -> list[dict]:
    """Every accepted registration (removed and expired ones too, with their status): what the
    register's pages show of each, with its geometry."""
    from smartsociety.sensors import queries

    return s.SensorSchema(many=True, exclude=("cases", "rules")).dump(
        db.session.scalars(queries.register(queries.SensorFilter(status="all"))))


def _sensor_features() -> list[dict]:
    from smartsociety.sensors import queries

    site = current_app.config["SITE_URL"].rstrip("/")
    features = json.loads(queries.geojson(queries.SensorFilter(status="all")))["features"]
    for feature in features:
        feature["properties"]["url"] = site + feature["properties"]["url"]
    return features


DATASETS = [
    Dataset("casussen", "Casussen", "Projecten en dilemma's die gemeenten, bedrijven en "
            "kennisinstellingen delen op Smart Society.", ["Bestuur", "Economie"], _cases),
    Dataset("reacties", "Reacties op casussen", "De openbare discussie bij elke casus.",
            ["Bestuur"], _comments),
    Dataset("oplossingen", "Oplossingen", "Oplossingen van bedrijven en kennisinstellingen "
            "in de marktplaats.", ["Economie"], _solutions),
    Dataset("organisaties", "Organisaties", "Organisaties in het netwerk.", ["Bestuur"],
            _organisations),
    Dataset("principes", "Smart-city-principes", "De principes, hun versies en regels.",
            ["Bestuur"], _principles),
    Dataset("sensoren", "Sensorregister", "Sensoren in de openbare ruimte die door de gemeente "
            "zijn geaccepteerd: wie meet wat, waar en waarom, met locatie (WGS84), doel, "
            "persoonsgegevens en einddatum. Ook als GeoJSON (RFC 7946).",
            ["Bestuur", "Ruimte_en_infrastructuur"], _sensors, features=_sensor_features),
]


def _flat(value):
    if isinstance(value, list):
        return "; ".join(str(_flat(v)) for v in value if not isinstance(v, dict))
    if isinstance(value, dict):
        # An organisation or person by name; anything else (a geometry) as JSON text.
        return value["name"] if "name" in value else json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def to_csv(rows: list[dict]) -> str:
    columns = [k for k in (rows[0] if rows else {})
               if not (isinstance(rows[0][k], list) and rows[0][k]
                       and isinstance(rows[0][k][0], dict))]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _flat(row.get(k)) for k in columns})
    return out.getvalue()


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def catalogue(base_url: str, files: dict[str, list[tuple[str, str, int]]], modified: str) -> dict:
    """DCAT-AP(-DONL) as JSON-LD: title, description, licence, publisher, themes, modified,
    distributions (one per file)."""
    publisher = {"@type": "foaf:Organization", "foaf:name": "Smart Society"}
    datasets = []
    for dataset in DATASETS:
        datasets.append({
            "@type": "dcat:Dataset",
            "@id": f"{base_url}#{dataset.name}",
            "dct:identifier": f"{base_url}#{dataset.name}",
            "dct:title": dataset.title,
            "dct:description": dataset.description,
            "dct:license": {"@id": LICENCE},
            "dct:publisher": publisher,
            "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/NLD"},
            "dcat:theme": [{"@id": THEME_BASE + t} for t in dataset.themes],
            "dct:modified": modified,
            "dct:accessRights": {"@id": "http://publications.europa.eu/resource/authority/"
                                        "access-right/PUBLIC"},
            "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": "Smart Society"},
            "dcat:distribution": [{
                "@type": "dcat:Distribution",
                "dct:title": f"{dataset.title} ({fmt})",
                "dcat:accessURL": {"@id": base_url},
                "dcat:downloadURL": {"@id": f"{base_url}/{filename}"},
                "dct:format": {"@id": "http://publications.europa.eu/resource/authority/"
                                      f"file-type/{fmt}"},
                "dcat:mediaType": media,
                "dcat:byteSize": size,
                "dct:license": {"@id": LICENCE},
            } for filename, fmt, size, media in files[dataset.name]],
        })
    return {
        "@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                     "foaf": "http://xmlns.com/foaf/0.1/",
                     "vcard": "http://www.w3.org/2006/vcard/ns#"},
        "@type": "dcat:Catalog",
        "dct:title": "Smart Society open data",
        "dct:description": "Alle openbare inhoud van Smart Society.",
        "dct:publisher": publisher,
        "dct:license": {"@id": LICENCE},
        "dct:modified": modified,
        "dcat:dataset": datasets,
    }


def export(directory: str | Path | None = None, progress=QUIET) -> Path:
    """Write every dataset and the catalogue; returns the directory."""
    target = Path(directory or current_app.config["OPENDATA_DIR"])
    target.mkdir(parents=True, exist_ok=True)
    base = current_app.config["SITE_URL"].rstrip("/") + "/open-data"
    files: dict[str, list] = {}
    with current_app.test_request_context(base_url=current_app.config["SITE_URL"]):
        progress.start(len(DATASETS))
        for dataset in progress.iterate(DATASETS):
            rows = dataset.rows()
            written = []
            for extension, fmt, media, text in (
                ("json", "JSON", "application/json",
                 json.dumps(rows, ensure_ascii=False, indent=1)),
                ("csv", "CSV", "text/csv", to_csv(rows)),
            ):
                filename = f"{dataset.name}.{extension}"
                _write(target / filename, text)
                written.append((filename, fmt, len(text.encode()), media))
            if dataset.features is not None:
                text = json.dumps({"type": "FeatureCollection", "features": dataset.features()},
                                  ensure_ascii=False)
                _write(target / f"{dataset.name}.geojson", text)
                written.append((f"{dataset.name}.geojson", "GEOJSON", len(text.encode()),
                                "application/geo+json"))
            files[dataset.name] = written
    modified = utcnow().isoformat(timespec="seconds")
    _write(target / CATALOG, json.dumps(catalogue(base, files, modified), ensure_ascii=False,
                                        indent=1))
    return target


def listing() -> dict | None:
    path = Path(current_app.config["OPENDATA_DIR"]) / CATALOG
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
