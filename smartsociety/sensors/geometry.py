"""Where a sensor is: typed or picked coordinates checked with shapely, kept as GeoJSON (WGS84)."""
import math
import re

from flask_babel import lazy_gettext as _l

# shapely (and numpy's shapely parts, GEOS) is imported by the functions that use it, when a
# sensor is saved: 5 MB that every web worker would otherwise hold.

# The Netherlands' bounding box (European part, with its coastal waters), lon/lat WGS84.
NL_BBOX = (3.2, 50.7, 7.3, 53.7)
MAX_VERTICES = 200
# An area for mobile sensors: at most this many square kilometres (a large gemeente's size).
MAX_AREA_KM2 = 500.0
# Smaller than this is a slip of the mouse, not an area (square metres).
MIN_AREA_M2 = 10.0
_NUMBER = r"[-+]?\d{1,3}(?:[.,]\d+)?"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*[,; ]\s*({_NUMBER})\s*$")


class GeometryError(ValueError):
    """The message says what to change, in the reader's language."""


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def inside_netherlands(lon: float, lat: float) -> bool:
    west, south, east, north = NL_BBOX
    return west <= lon <= east and south <= lat <= north


def point(lat: float | None, lon: float | None) -> dict:
    if lat is None or lon is None:
        raise GeometryError(_l("Give the latitude and the longitude, or pick the point on the map."))
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise GeometryError(_l("These are not coordinates."))
    if not inside_netherlands(lon, lat):
        raise GeometryError(_l("This point is not in the Netherlands. Give the latitude (about "
                               "50.7 to 53.7) first, then the longitude (about 3.2 to 7.3)."))
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def parse_pairs(text: str) -> list[tuple[float, float]]:
    """"lat, lon" one pair a line -> [(lon, lat), ...]."""
    pairs = []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        if not line.strip():
            continue
        match = _PAIR.match(line)
        if match is None:
            raise GeometryError(_l("Line %(n)d is not a pair of coordinates like "
                                   "“52.0907, 5.1214”.", n=number))
        lat, lon = _number(match.group(1)), _number(match.group(2))
        pairs.append((lon, lat))
    return pairs


def area(text: str) -> dict:
    """A polygon from typed corners: in the Netherlands, valid (not self-intersecting), at most
    MAX_VERTICES corners and MAX_AREA_KM2 square kilometres."""
    if len(text) > 20_000:
        raise GeometryError(_l("The area has too many corners (at most %(n)d).", n=MAX_VERTICES))
    pairs = parse_pairs(text or "")
    if pairs and pairs[0] == pairs[-1]:
        pairs = pairs[:-1]
    if len(pairs) < 3:
        raise GeometryError(_l("An area needs at least three corners."))
    if len(pairs) > MAX_VERTICES:
        raise GeometryError(_l("The area has too many corners (at most %(n)d).", n=MAX_VERTICES))
    if not all(inside_netherlands(lon, lat) for lon, lat in pairs):
        raise GeometryError(_l("A corner of the area is not in the Netherlands."))
    from shapely import geometry as shp
    from shapely.validation import explain_validity

    polygon = shp.Polygon(pairs)
    if not polygon.is_valid:
        if "Self-intersection" in explain_validity(polygon):
            raise GeometryError(_l("The edges of the area cross each other. Give the corners "
                                   "in order around the area."))
        raise GeometryError(_l("These corners do not make a valid area."))
    size = square_metres(polygon)
    if size < MIN_AREA_M2:
        raise GeometryError(_l("The area is too small: for one place, register a point."))
    if size > MAX_AREA_KM2 * 1e6:
        raise GeometryError(_l("The area is too large (at most %(n)d km²).", n=int(MAX_AREA_KM2)))
    polygon = shp.polygon.orient(polygon, sign=1.0)  # RFC 7946: exterior ring counterclockwise
    ring = [[round(x, 6), round(y, 6)] for x, y in polygon.exterior.coords]
    return {"type": "Polygon", "coordinates": [ring]}


def square_metres(polygon) -> float:
    """Area on a local equirectangular projection: within a tenth of a percent at this size."""
    from shapely import geometry as shp

    lat0 = math.radians(polygon.centroid.y)
    scaled = shp.Polygon([(x * 111_320 * math.cos(lat0), y * 110_574)
                          for x, y in polygon.exterior.coords])
    return scaled.area


def anchor(geometry: dict) -> tuple[float, float, tuple[float, float, float, float]]:
    """(lon, lat) of the marker (a point inside the area) and the bounding box."""
    from shapely import geometry as shp

    shape = shp.shape(geometry)
    inner = shape if geometry["type"] == "Point" else shape.representative_point()
    return round(inner.x, 6), round(inner.y, 6), tuple(round(v, 6) for v in shape.bounds)


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """"west,south,east,north" (as in GeoJSON and OGC APIs) or None when malformed."""
    parts = (text or "").split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        return None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None
    return west, south, east, north
