/* The sensor register's maps (Leaflet + markercluster from static/vendor). Every page works
   without this: the table lists the same sensors and coordinates can be typed. */
(function () {
  "use strict";
  var NL_CENTRE = [52.15, 5.3];

  function show(element) {
    element.hidden = false;
    document.querySelectorAll(".map-note").forEach(function (note) { note.hidden = false; });
  }

  function baseMap(element) {
    show(element);
    var map = L.map(element, { scrollWheelZoom: false }).setView(NL_CENTRE, 7);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 19, attribution: element.dataset.attribution || ""
      }).addTo(map);
    }
    return map;
  }

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function popup(properties) {
    var box = document.createElement("div");
    var heading = document.createElement("strong");
    var link = text("a", properties.name);
    link.href = properties.url;
    heading.appendChild(link);
    box.appendChild(heading);
    box.appendChild(text("p", properties.type_label + " · " + properties.owner, "popup-meta"));
    box.appendChild(text("p", properties.gemeente, "popup-meta"));
    return box;
  }

  function registerMap(element) {
    var map = baseMap(element);
    var cluster = L.markerClusterGroup({ chunkedLoading: true });
    var areas = L.layerGroup();
    fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var markers = [];
        data.features.forEach(function (feature) {
          var latlng;
          if (feature.geometry.type === "Point") {
            latlng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
          } else {
            var shape = L.geoJSON(feature, { style: { weight: 2, fillOpacity: 0.1 } });
            shape.addTo(areas);
            latlng = shape.getBounds().getCenter();
          }
          var marker = L.marker(latlng, { title: feature.properties.name, alt: feature.properties.name });
          marker.bindPopup(popup(feature.properties));
          markers.push(marker);
        });
        cluster.addLayers(markers);
        map.addLayer(areas);
        map.addLayer(cluster);
        if (markers.length) {
          // Not animated: the clusters are rebuilt when the zoom ends, and a click on a marker
          // during the animation would land on an element that is then replaced.
          map.fitBounds(cluster.getBounds(), { maxZoom: 16, padding: [20, 20], animate: false });
        }
        element.dataset.loaded = String(markers.length);
      });
    var field = document.getElementById(element.dataset.bboxField || "");
    if (field && field.form) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = element.dataset.bboxLabel || (document.documentElement.lang === "en"
        ? "Only this map area" : "Alleen dit kaartgebied");
      button.addEventListener("click", function () {
        var b = map.getBounds();
        field.value = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
          .map(function (v) { return v.toFixed(5); }).join(",");
        field.form.submit();
      });
      var holder = document.createElement("p");
      holder.appendChild(button);
      element.parentNode.insertBefore(holder, element.nextSibling);
    }
  }

  function featureMap(element) {
    var map = baseMap(element);
    var shape = L.geoJSON(JSON.parse(element.dataset.feature)).addTo(map);
    map.fitBounds(shape.getBounds(), { maxZoom: 17 });
  }

  function parsePairs(textValue) {
    return textValue.split("\n").map(function (line) {
      var parts = line.trim().split(/\s*[,; ]\s*/);
      return parts.length === 2 ? [parseFloat(parts[0]), parseFloat(parts[1])] : null;
    }).filter(function (pair) { return pair && isFinite(pair[0]) && isFinite(pair[1]); });
  }

  function picker(element) {
    var map = baseMap(element);
    var lat = document.getElementById(element.dataset.lat);
    var lon = document.getElementById(element.dataset.lon);
    var area = element.dataset.area ? document.getElementById(element.dataset.area) : null;
    var kindName = element.dataset.kind;
    var marker = null;
    var polygon = L.polygon([], { weight: 2 }).addTo(map);

    function kind() {
      if (!kindName) { return "point"; }
      var checked = document.querySelector('input[name="' + kindName + '"]:checked');
      return checked ? checked.value : "point";
    }
    function number(input) { return parseFloat((input.value || "").replace(",", ".")); }
    function drawPoint() {
      var a = number(lat), b = number(lon);
      if (isFinite(a) && isFinite(b)) {
        if (marker) { marker.setLatLng([a, b]); } else { marker = L.marker([a, b]).addTo(map); }
        return L.latLng(a, b);
      }
      return null;
    }
    function drawArea() {
      if (!area) { return null; }
      var pairs = parsePairs(area.value);
      polygon.setLatLngs(pairs);
      return pairs.length ? polygon.getBounds() : null;
    }
    map.on("click", function (event) {
      var a = event.latlng.lat.toFixed(6), b = event.latlng.lng.toFixed(6);
      if (kind() === "area" && area) {
        area.value = (area.value.trim() ? area.value.trim() + "\n" : "") + a + ", " + b;
        drawArea();
      } else {
        lat.value = a;
        lon.value = b;
        drawPoint();
      }
    });
    [lat, lon].forEach(function (input) { input.addEventListener("change", drawPoint); });
    if (area) { area.addEventListener("change", drawArea); }
    var clear = document.getElementById("sensor-picker-clear");
    if (clear && area) {
      clear.addEventListener("click", function () { area.value = ""; drawArea(); });
    }
    var start = drawPoint();
    var bounds = drawArea();
    if (bounds) { map.fitBounds(bounds, { maxZoom: 17 }); } else if (start) { map.setView(start, 16); }
    element.dataset.ready = "1";
  }

  function init() {
    if (typeof L === "undefined") { return; }
    var map = document.getElementById("sensor-map");
    if (map && map.dataset.geojson) { registerMap(map); }
    if (map && map.dataset.feature) { featureMap(map); }
    var pick = document.getElementById("sensor-picker");
    if (pick) { picker(pick); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
