/* moneytrail case report: draws the link chart, Sankey and timeline from the embedded JSON.
   Every text taken from data goes through textContent or the escaping formatter below; nothing
   from the case is ever assigned to innerHTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("mt-data").textContent);
  var cur = data.currency || "";
  window.mtReport = { data: data };

  function esc(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function money(v) {
    return Number(v || 0).toLocaleString("en-US", { maximumFractionDigits: 2 });
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
  }

  // -- link chart -------------------------------------------------------------------------
  function showDetails(node) {
    var panel = document.getElementById("node-details");
    panel.replaceChildren();
    panel.appendChild(el("h3", node.label, "node-title"));
    panel.appendChild(el("p", node.kind + (node.flagged ? " — rests under findings" : ""), "muted"));
    var dl = el("dl");
    Object.keys(node.details || {}).forEach(function (k) {
      var v = node.details[k];
      if (v === null || v === undefined || v === "") return;
      dl.appendChild(el("dt", k));
      dl.appendChild(el("dd", v));
    });
    panel.appendChild(dl);
    panel.appendChild(el("h4", "Sources"));
    var ul = el("ul", null, "node-sources");
    (node.sources || []).forEach(function (s) {
      var info = data.sources[s.source_id] || {};
      var li = el("li", null, "node-source");
      var href = safeHref(info.url);
      var name = el(href ? "a" : "span", info.title || s.source_id);
      if (href) { name.href = href; name.rel = "noopener noreferrer"; }
      li.appendChild(name);
      var n = s.transactions !== undefined ? s.transactions + " transactions" : s.statements + " statements";
      li.appendChild(el("span", " [" + (info.grade || "ungraded") + "] " + s.source_id + " · " + n, "muted"));
      ul.appendChild(li);
    });
    if (!ul.children.length) ul.appendChild(el("li", "no source recorded", "muted"));
    panel.appendChild(ul);
    if ((node.findings || []).length) {
      panel.appendChild(el("h4", "Findings"));
      var fl = el("ul");
      node.findings.forEach(function (f) { fl.appendChild(el("li", f.title)); });
      panel.appendChild(fl);
    }
  }

  function drawGraph() {
    var g = data.graph;
    var box = document.getElementById("cy");
    if (!box || !g.nodes.length) return;
    var byId = {};
    var elements = g.nodes.map(function (n) {
      byId[n.id] = n;
      return { group: "nodes", data: { id: n.id, label: n.label, kind: n.kind },
               position: { x: n.x || 0, y: n.y || 0 },
               classes: n.kind + (n.flagged ? " flagged" : "") };
    });
    g.edges.forEach(function (e) {
      if (!byId[e.source] || !byId[e.target]) return;
      elements.push({ group: "edges", classes: e.kind,
        data: { id: e.id, source: e.source, target: e.target,
                w: e.amount ? Math.max(1, Math.min(10, Math.log10(e.amount + 1))) : 1 } });
    });
    var cy = cytoscape({
      container: box, elements: elements, pixelRatio: 1, hideEdgesOnViewport: g.nodes.length > 150,
      textureOnViewport: g.nodes.length > 150,
      layout: { name: "preset", fit: true, padding: 20 },
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 9, "text-wrap": "ellipsis",
                                     "text-max-width": 110, "min-zoomed-font-size": 7, "background-color": "#6b8fb5", width: 16, height: 16 } },
        { selector: "node.entity", style: { "background-color": "#c9a227", shape: "round-rectangle", width: 22 } },
        { selector: "node.flagged", style: { "border-width": 4, "border-color": "#c0392b" } },
        { selector: "node:selected", style: { "border-width": 5, "border-color": "#222" } },
        { selector: "edge", style: { width: "data(w)", "curve-style": "bezier", "line-color": "#aab",
                                     "target-arrow-shape": "triangle", "target-arrow-color": "#aab" } },
        { selector: "edge.holds", style: { "line-style": "dashed", "target-arrow-shape": "none", width: 1 } }
      ]
    });
    cy.on("tap", "node", function (evt) { showDetails(byId[evt.target.id()]); });
    window.mtReport.cy = cy;
  }

  // -- Sankey -----------------------------------------------------------------------------
  function drawSankey() {
    var s = data.sankey;
    var box = document.getElementById("sankey");
    if (!box || !s.links.length) return;
    var label = {};
    s.nodes.forEach(function (n) { label[n.id] = n.label; });
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.dataType === "edge") {
          return esc(label[p.data.source]) + " → " + esc(label[p.data.target]) + ": " + esc(money(p.data.value)) + " " + esc(cur);
        }
        return esc(p.data.label);
      } },
      series: [{ type: "sankey", emphasis: { focus: "adjacency" }, nodeGap: 12,
        data: s.nodes.map(function (n) { return { name: n.id, label: n.label }; }),
        links: s.links.map(function (l) { return { source: l.source, target: l.target, value: l.amount }; }),
        left: 10, right: 150, nodeWidth: 14,
        label: { formatter: function (p) { return String(p.data.label); }, width: 140, overflow: "truncate" },
        lineStyle: { color: "gradient", curveness: 0.5 } }]
    });
    window.mtReport.sankey = chart;
  }

  // -- timeline ---------------------------------------------------------------------------
  function drawTimeline() {
    var t = data.timeline;
    var box = document.getElementById("timeline");
    if (!box || (!t.pairs.length && !t.events.length)) return;
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      legend: { data: ["payments", "events"] },
      tooltip: { trigger: "item", formatter: function (p) {
        var d = p.data.info || {};
        if (p.seriesName === "payments") {
          return "payment " + esc(d.txn_id) + "<br>" + esc(d.ts) + ": " + esc(money(d.amount)) + " " + esc(cur) +
                 "<br>" + esc(d.lag_days) + " days before event " + esc(d.event_id);
        }
        return "event " + esc(d.event_id) + " (" + esc(d.event_date) + ")<br>" + esc(d.event_type) + ", " +
               esc(d.location) + "<br>fatalities: " + esc(d.fatalities);
      } },
      xAxis: { type: "time" },
      yAxis: [{ type: "value", name: "amount " + cur }, { type: "value", name: "fatalities", position: "right" }],
      dataZoom: [{ type: "inside" }, { type: "slider" }],
      series: [
        { name: "payments", type: "scatter", yAxisIndex: 0, symbolSize: 9,
          data: t.pairs.map(function (p) { return { value: [p.ts, p.amount], info: p }; }) },
        { name: "events", type: "scatter", yAxisIndex: 1, symbol: "diamond", symbolSize: 12,
          data: t.events.map(function (e) { return { value: [e.event_date, e.fatalities || 0], info: e }; }) }
      ]
    });
    window.mtReport.timeline = chart;
  }

  function run() {
    var failures = [];
    var timings = window.mtReport.timings = { start: performance.now() };
    [drawGraph, drawSankey, drawTimeline].forEach(function (draw) {
      try { draw(); } catch (err) { failures.push(draw.name + ": " + err); }
      timings[draw.name] = performance.now();
    });
    if (failures.length) {
      var note = document.getElementById("render-errors");
      note.textContent = "Some charts could not be drawn: " + failures.join("; ");
      note.hidden = false;
    }
    document.body.setAttribute("data-rendered", failures.length ? "partial" : "1");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run); else run();
})();
