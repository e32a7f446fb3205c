"""The map's own JavaScript and CSS: plain Leaflet, no jQuery, Bootstrap or Font Awesome.

The script reads the map's data from one ``<script type="application/json">`` element and
draws every layer from it. Every text taken from the data is put into the page with
``textContent`` (never ``innerHTML``), so a village named ``<script>`` is shown, never run.

When the map is set up, the script records on ``<html>``: ``data-village-markers`` (the
village dots on the map), ``data-ready-ms`` (milliseconds from navigation start to the end
of setup) and ``data-paint-ms`` (to the first frame after it); any JavaScript error is
appended to ``data-js-errors``. Headless browser checks read these from the DOM.

``#v=<village id>`` at the end of the file's address opens the map on that village.
"""

from __future__ import annotations

from roadnet.maps.style import BACKGROUND, FONT_STACK

#: Runs first: records JavaScript errors on <html data-js-errors="...">.
ERROR_HOOK_JS = """
(function () {
  var root = document.documentElement, seen = [];
  function note(text) {
    seen.push(String(text));
    root.setAttribute("data-js-errors", seen.join(" | "));
  }
  window.addEventListener("error", function (e) {
    if (e && e.message) { note(e.message + " (line " + (e.lineno || 0) + ")"); }
  });
  window.addEventListener("unhandledrejection", function (e) {
    note("unhandled rejection: " + (e && e.reason));
  });
})();
"""

RUNTIME_JS = r"""
(function () {
  "use strict";
  var root = document.documentElement;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function decode(flat) {
    var out = new Array(flat.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < flat.length; i += 2, j++) {
      x += flat[i]; y += flat[i + 1];
      out[j] = [y / 1e5, x / 1e5];
    }
    return out;
  }
  function latlng(p) { return [p[1] / 1e5, p[0] / 1e5]; }
  function shape(kind, g) {
    if (kind === "polygons") { return g.map(function (poly) { return poly.map(decode); }); }
    if (kind === "lines") { return g.map(decode); }
    return latlng(g);
  }
  function cell(table, i) {
    // a dictionary-encoded popup table: {fields, strings, cols}
    var out = [];
    for (var k = 0; k < table.fields.length; k++) {
      out.push([table.fields[k], table.strings[table.cols[k][i]]]);
    }
    return out;
  }
  function popup(title, rows) {
    var box = el("div", "rn-popup");
    if (title) { box.appendChild(el("div", "rn-popup-title", title)); }
    if (rows.length) {
      var table = el("table");
      rows.forEach(function (row) {
        var tr = el("tr");
        tr.appendChild(el("th", null, row[0]));
        tr.appendChild(el("td", null, row[1]));
        table.appendChild(tr);
      });
      box.appendChild(table);
    }
    return box;
  }
  function narrow() {
    return window.matchMedia && window.matchMedia("(max-width: 640px)").matches;
  }

  window.RoadnetMap = function (map, data) {
    var rn = { map: map, data: data, markers: [], villageLayer: null };
    var b = data.bounds;
    if (data.paper) { map.getContainer().classList.add("rn-paper"); }
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [16, 16], animate: false });

    function pane(key, z) {
      var name = "rn-" + key;
      if (!map.getPane(name)) { map.createPane(name).style.zIndex = String(z); }
      return name;
    }
    function renderer(name, n) {
      // SVG keeps one DOM element per feature; above a few thousand, canvas is faster
      if (n > 3000) { return L.canvas({ pane: name, padding: 0.3, tolerance: 3 }); }
      return L.svg({ pane: name });
    }

    rn.layer = function (index) {
      var spec = data.layers[index];
      var name = pane(spec.key, spec.z);
      var draw = renderer(name, spec.g.length);
      var group = L.featureGroup();
      var titles = spec.t, table = spec.p;
      for (var i = 0; i < spec.g.length; i++) {
        if (!spec.g[i] || !spec.g[i].length) { continue; }
        var options = L.extend({}, spec.styles[spec.s[i]], {
          pane: name, renderer: draw, interactive: !!(titles && titles[i])
        });
        var layer;
        if (spec.kind === "polygons") { layer = L.polygon(shape("polygons", spec.g[i]), options); }
        else if (spec.kind === "lines") { layer = L.polyline(shape("lines", spec.g[i]), options); }
        else if (spec.kind === "circles") {
          layer = L.circle(latlng(spec.g[i]), L.extend(options, { radius: spec.radius }));
        } else { layer = L.circleMarker(latlng(spec.g[i]), options); }
        layer.rnIndex = i;
        group.addLayer(layer);
      }
      if (titles) {
        group.bindTooltip(function (layer) { return el("span", null, titles[layer.rnIndex]); },
                          { sticky: true });
        group.bindPopup(function (layer) {
          var i = layer.rnIndex;
          return popup(titles[i], table ? cell(table, i) : []);
        }, { maxWidth: 320 });
      }
      if (spec.l) {
        for (var j = 0; j < spec.l.length; j++) {
          if (!spec.l[j] || !spec.lp[j]) { continue; }
          group.addLayer(L.tooltip({
            permanent: true, direction: "center", className: "rn-label", interactive: false
          }).setLatLng(latlng(spec.lp[j])).setContent(el("span", null, spec.l[j])));
        }
      }
      return group;
    };

    rn.villages = function () {
      var V = data.villages, n = V.ids.length, name = pane("villages", 450);
      var draw = renderer(name, n);
      var group = L.featureGroup();
      // dense maps open with smaller dots, which grow back to full size when zooming in
      var size = map.getSize(), spacing = Math.sqrt(size.x * size.y / Math.max(n, 1));
      var shrink = Math.max(0.3, Math.min(1, spacing / 18)), zoom0 = map.getZoom();
      function scale() { return Math.min(1, shrink * Math.pow(2, (map.getZoom() - zoom0) * 0.75)); }
      var k = scale();
      for (var i = 0; i < n; i++) {
        var colour = V.classes[V.c[i]].colour, admin = V.a[i] === 1;
        var marker = L.circleMarker([V.y[i] / 1e5, V.x[i] / 1e5], {
          pane: name, renderer: draw, radius: Math.max(2, V.r[i] * k), className: "rn-village",
          color: admin ? "#ffffff" : colour, weight: admin ? 1 : 1.5, opacity: admin ? 1 : 0.85,
          fillColor: admin ? colour : "#ffffff", fillOpacity: admin ? 0.92 : 0.8
        });
        marker.rnIndex = i;
        group.addLayer(marker);
        rn.markers.push(marker);
      }
      map.on("zoomend", function () {
        var now = scale();
        if (now === k) { return; }
        k = now;
        rn.markers.forEach(function (m) { m.setRadius(Math.max(2, V.r[m.rnIndex] * k)); });
      });
      group.bindTooltip(function (layer) { return el("span", null, V.names[layer.rnIndex]); },
                        { direction: "top", offset: [0, -6] });
      group.bindPopup(function (layer) {
        var i = layer.rnIndex;
        return popup(V.names[i], cell(V.table, i));
      }, { maxWidth: 320 });
      rn.villageLayer = group;
      return group;
    };

    rn.focus = function (i) {
      var marker = rn.markers[i];
      if (!marker) { return; }
      if (!map.hasLayer(rn.villageLayer)) { map.addLayer(rn.villageLayer); }
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13), { animate: false });
      marker.fire("click", { latlng: marker.getLatLng() }, true);
      if (narrow()) {
        var panel = document.getElementById("rn-panel");
        if (panel) { panel.removeAttribute("open"); }
      }
    };

    function control(position, node) {
      if (!node) { return; }
      var Box = L.Control.extend({
        onAdd: function () {
          L.DomEvent.disableClickPropagation(node);
          L.DomEvent.disableScrollPropagation(node);
          return node;
        }
      });
      new Box({ position: position }).addTo(map);
    }

    function search(box) {
      var V = data.villages, lower = V.names.map(function (s) { return s.toLowerCase(); });
      var input = box.querySelector("input"), list = box.querySelector("ul");
      var hits = [];
      function run() {
        var q = input.value.trim().toLowerCase();
        list.textContent = "";
        hits = [];
        if (!q) { list.hidden = true; return; }
        var ranked = [];
        for (var i = 0; i < lower.length && ranked.length < 500; i++) {
          var at = lower[i].indexOf(q);
          if (at >= 0) { ranked.push([lower[i] === q ? 0 : (at === 0 ? 1 : 2), i]); }
          else if (V.ids[i] === input.value.trim()) { ranked.push([0, i]); }
        }
        ranked.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
        hits = ranked.slice(0, 12).map(function (r) { return r[1]; });
        if (!hits.length) { list.appendChild(el("li", "rn-empty", data.text.noMatch)); }
        hits.forEach(function (i) {
          var li = el("li");
          li.appendChild(el("b", null, V.names[i]));
          li.appendChild(el("span", "rn-sub", V.towns[V.town[i]]));
          li.addEventListener("click", function () { list.hidden = true; rn.focus(i); });
          list.appendChild(li);
        });
        list.hidden = false;
      }
      input.addEventListener("input", run);
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && hits.length) { list.hidden = true; rn.focus(hits[0]); }
        if (e.key === "Escape") { input.value = ""; run(); }
      });
    }

    rn.finish = function () {
      var title = document.getElementById("rn-title");
      var finder = document.getElementById("rn-search");
      var panel = document.getElementById("rn-panel");
      var legend = document.getElementById("rn-legend");
      var notes = document.getElementById("rn-notes");
      control("topleft", title);
      control("topleft", finder);
      L.control.zoom({ position: "topleft" }).addTo(map);
      control("topright", panel);
      control("bottomright", legend);
      control("bottomleft", notes);
      L.control.scale({ imperial: false, position: "bottomleft", maxWidth: 160 }).addTo(map);
      if (data.footer) { map.attributionControl.addAttribution(data.footer); }
      if (finder) { search(finder); }
      if (panel) {
        panel.addEventListener("click", function (e) {
          var li = e.target.closest ? e.target.closest("li[data-i]") : null;
          if (li) { rn.focus(parseInt(li.getAttribute("data-i"), 10)); }
        });
      }
      if (narrow()) {
        [title, legend, panel, notes].forEach(function (d) {
          if (d) { d.removeAttribute("open"); }
        });
      } else if (legend && map.getSize().x > 900) {
        // keep the county clear of the open legend on a desktop screen
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {
          paddingTopLeft: [16, 16], paddingBottomRight: [legend.offsetWidth + 16, 16],
          animate: false
        });
      }
      var hash = window.location.hash;
      if (hash.indexOf("#v=") === 0) {
        var wanted = decodeURIComponent(hash.slice(3));
        var at = data.villages.ids.indexOf(wanted);
        if (at >= 0) { rn.focus(at); }
      }
      var shown = 0;
      rn.markers.forEach(function (m) { if (map.hasLayer(m)) { shown++; } });
      root.setAttribute("data-village-markers", String(shown));
      root.setAttribute("data-ready-ms", String(Math.round(performance.now())));
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          root.setAttribute("data-paint-ms", String(Math.round(performance.now())));
        });
      });
    };
    return rn;
  };
})();
"""

RUNTIME_CSS = """
html, body { width: 100%; height: 100%; margin: 0; padding: 0; }
.folium-map.rn-paper { background: BACKGROUND; }
.leaflet-container { font-family: FONT_STACK; }
.rn-box {
  background: rgba(255, 255, 255, 0.95); border-radius: 6px; color: #222;
  box-shadow: 0 1px 5px rgba(0, 0, 0, 0.35); padding: 8px 10px;
  font: 13px/1.45 FONT_STACK; max-width: min(460px, calc(100vw - 80px));
}
.rn-box summary { cursor: pointer; font-weight: 600; outline: none; }
.rn-box summary::marker { color: #888; }
#rn-title summary { font-size: 18px; line-height: 1.3; }
#rn-title p { margin: 6px 0 0; font-size: 13px; color: #333; }
#rn-title .rn-source { font-size: 11px; color: #777; margin-top: 4px; }
.rn-legend-body { max-height: 60vh; overflow-y: auto; padding-right: 4px; }
.rn-sec { margin-top: 6px; }
.rn-sec-title { font-weight: 600; color: #444; font-size: 12px; margin-bottom: 2px; }
.rn-sec div { white-space: nowrap; font-size: 12px; }
.rn-sec svg { vertical-align: middle; margin-right: 6px; }
.rn-note { font-size: 11px; color: #666; }
.rn-two { display: grid; grid-template-columns: auto auto; column-gap: 10px; }
.rn-chips { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 2px 4px; }
.rn-chip { display: inline-flex; flex-direction: column; align-items: center; font-size: 11px; }
.rn-chip svg { margin: 0; }
#rn-search input {
  width: 210px; box-sizing: border-box; padding: 6px 8px; font-size: 14px;
  border: 1px solid #bbb; border-radius: 4px; font-family: inherit;
}
#rn-search ul {
  list-style: none; margin: 6px 0 0; padding: 0; max-height: 280px; overflow-y: auto;
}
#rn-search li { padding: 4px 6px; cursor: pointer; border-radius: 3px; }
#rn-search li:hover { background: #eef3fb; }
#rn-search li.rn-empty { color: #888; cursor: default; }
.rn-sub { color: #777; font-size: 12px; margin-left: 8px; }
#rn-panel ol { max-height: 45vh; overflow-y: auto; margin: 6px 0 0; padding-left: 26px; }
#rn-panel li { cursor: pointer; padding: 2px 0; }
#rn-panel li:hover b { text-decoration: underline; }
#rn-panel .rn-note { margin-top: 4px; }
#rn-notes { max-width: min(420px, calc(100vw - 80px)); }
#rn-notes summary { color: #a15c00; }
#rn-notes ul {
  margin: 4px 0 0; padding-left: 18px; max-height: 28vh; overflow-y: auto; font-size: 12px;
}
#rn-notes li { margin: 2px 0; }
.rn-popup-title { font-weight: 600; font-size: 15px; margin-bottom: 4px; }
.rn-popup table { border-collapse: collapse; font-size: 13px; }
.rn-popup th { text-align: left; color: #666; font-weight: normal; padding: 1px 10px 1px 0; }
.rn-popup td { padding: 1px 0; }
.leaflet-tooltip.rn-label {
  background: transparent; border: 0; box-shadow: none; padding: 0;
  color: #4a4a4a; font-weight: 600; font-size: 13px;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff;
}
.leaflet-tooltip.rn-label::before { display: none; }
@media (max-width: 640px) {
  .rn-box { font-size: 12px; padding: 6px 8px; max-width: calc(100vw - 70px); }
  #rn-title summary { font-size: 15px; }
  #rn-search input { width: 150px; }
}
""".replace("FONT_STACK", FONT_STACK).replace("BACKGROUND", BACKGROUND)
