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
