/* moneytrail explorer: draws the graph (Cytoscape), Sankey and timelines (ECharts) from the JSON API.
   Text from the case goes into the page only through textContent or chart labels, never innerHTML. */
(function () {
  "use strict";
  var state = window.mtExplorer = { expanded: {}, ready: false };

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(url + " answered " + r.status); }
      return r.json();
    });
  }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function money(v) { return Number(v || 0).toLocaleString("en", { maximumFractionDigits: 2 }); }
  function esc(s) { /* for ECharts tooltips, which take HTML */
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // -- graph -----------------------------------------------------------------------------------
  function graphParams(box) {
    var p = new URLSearchParams();
    [["date_from", "dateFrom"], ["date_to", "dateTo"], ["min_amount", "minAmount"], ["max_amount", "maxAmount"],
     ["fold", "fold"]].forEach(function (pair) {
      var v = box.dataset[pair[1]];
      if (v) { p.set(pair[0], v); }
    });
    return p;
  }
  function addElements(cy, data) {
    var added = [];
    data.nodes.forEach(function (n) {
      if (cy.getElementById(n.id).length === 0) {
        added.push({ group: "nodes", data: { id: n.id, label: n.label || n.id, kind: n.kind, raw: n } });
      }
    });
    data.edges.forEach(function (e) {
      var existing = cy.getElementById(e.id);
      if (existing.length === 0) {
        added.push({ group: "edges", data: { id: e.id, source: e.source, target: e.target, raw: e,
          label: money(e.amount) + " (" + e.count + ")", w: Math.log10(1 + e.amount) },
          classes: e.cited ? "cited" : "" });
      } else if (e.cited) { existing.addClass("cited"); }
    });
    cy.add(added);
    return added.length;
  }
  function showPanel(panel, node) {
    var raw = node.data("raw") || {};
    panel.replaceChildren();
    panel.appendChild(el("h3", node.data("label")));
    var id = node.id(), kind = id.split(":")[0], ident = id.slice(kind.length + 1);
    var href = kind === "entity" ? "/entities/" + encodeURIComponent(ident) : "/accounts/" + encodeURIComponent(ident);
    panel.appendChild(el("a", "open " + kind + " page", { href: href }));
    if (raw.accounts && raw.accounts.length) {
      panel.appendChild(el("p", raw.accounts.length + " account(s): " + raw.accounts.join(", "), { "class": "small muted" }));
    }
    var info = el("p", state.expanded[id] ? "expanded" : "click again to expand", { "class": "small muted" });
    panel.appendChild(info);
  }
  function expand(cy, box, id) {
    if (state.expanded[id]) { return Promise.resolve(0); }
    state.expanded[id] = true;
    var p = graphParams(box);
    p.set("node", id);
    return getJSON("/api/graph/neighbours?" + p.toString()).then(function (data) {
      var n = addElements(cy, data);
      layout(cy, id);
      cy.getElementById(id).addClass("expanded");
      return n;
    });
  }
  function layout(cy, centre) {
    /* the first ring around one node as a circle; once expanded further, a force layout seeded by it */
    if (Object.keys(state.expanded).length <= 1) {
      cy.layout({ name: "concentric", animate: false, minNodeSpacing: 40,
        concentric: function (n) { return n.id() === centre ? 2 : 1; }, levelWidth: function () { return 1; } }).run();
    } else {
      cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 12000, idealEdgeLength: 140,
        nodeOverlap: 20 }).run();
    }
  }
  function drawGraph(box) {
    var cy = cytoscape({
      container: box,
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 140,
          "background-color": "#4f7cac", width: 22, height: 22, "text-valign": "bottom", "text-margin-y": 3 } },
        { selector: "node[kind = 'account']", style: { shape: "round-rectangle", "background-color": "#9fb3c8" } },
        { selector: "node.expanded", style: { "border-width": 3, "border-color": "#102a43" } },
        { selector: "node:selected", style: { "background-color": "#f0b429" } },
        { selector: "edge", style: { width: "mapData(w, 0, 7, 1, 7)", "curve-style": "bezier", "target-arrow-shape": "triangle",
          "line-color": "#9fb3c8", "target-arrow-color": "#9fb3c8", "font-size": 9, color: "#243b53" } },
        { selector: "edge:selected", style: { label: "data(label)", "line-color": "#f0b429", "target-arrow-color": "#f0b429" } },
        { selector: "edge.cited", style: { "line-color": "#d64545", "target-arrow-color": "#d64545" } }
      ]
    });
    state.cy = cy;
    var panel = document.getElementById("graph-panel");
    cy.on("tap", "node", function (evt) {
      var node = evt.target;
      showPanel(panel, node);
      expand(cy, box, node.id()).then(function () { showPanel(panel, node); });
    });
    cy.on("tap", "edge", function (evt) {
      var e = evt.target.data("raw") || {};
      panel.replaceChildren(el("h3", cy.getElementById(e.source).data("label") + " → " + cy.getElementById(e.target).data("label")),
        el("p", money(e.amount) + " in " + e.count + " payment(s), " + e.first + " – " + e.last),
        el("p", e.cited ? "cited by the finding" : "", { "class": "small" }));
    });
    var start;
    if (box.dataset.finding) {
      var fp = new URLSearchParams({ fold: box.dataset.fold || "true" });
      start = getJSON("/api/graph/findings/" + encodeURIComponent(box.dataset.finding) + "?" + fp.toString()).then(function (data) {
        addElements(cy, data);
        cy.layout({ name: "breadthfirst", directed: true, spacingFactor: 1.1, animate: false }).run();
      });
    } else {
      start = expand(cy, box, box.dataset.node).then(function () {
        var centre = cy.getElementById(box.dataset.node);
        if (centre.length === 0) { centre = cy.nodes().first(); }
      });
    }
    start.then(function () { state.ready = true; box.setAttribute("data-ready", "true"); })
      .catch(function (err) { box.replaceChildren(el("p", String(err), { "class": "error" })); });
  }

  // -- charts ----------------------------------------------------------------------------------
  function drawSankey(box) {
    getJSON(box.dataset.api).then(function (d) {
      var s = d.sankey;
      var chart = echarts.init(box);
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          return p.dataType === "edge" ? esc(p.data.sourceLabel) + " → " + esc(p.data.targetLabel) + ": " + money(p.value)
            : esc(p.name); } },
        series: [{ type: "sankey", emphasis: { focus: "adjacency" }, nodeGap: 10,
          data: s.nodes.map(function (n) { return { name: n.id, label: { formatter: String(n.label).slice(0, 40) } }; }),
          links: s.links.map(function (l) {
            var lab = {}; s.nodes.forEach(function (n) { lab[n.id] = n.label; });
            return { source: l.source, target: l.target, value: l.amount, sourceLabel: lab[l.source], targetLabel: lab[l.target] };
          }),
          label: { fontSize: 10 } }]
      });
      box.setAttribute("data-ready", "true");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  var COLOURS = { payment: "#4f7cac", event: "#d64545", document: "#2f9e44", claim: "#f0b429" };
  function timelineChart(box, items) {
    var kinds = ["payment", "event", "document", "claim"];
    var chart = echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "item", formatter: function (p) { var i = p.data.item;
        return esc(i.ts) + "<br>" + esc(i.kind) + ": " + esc(i.title) + (i.amount !== null && i.amount !== undefined ? "<br>" + esc(money(i.amount)) : ""); } },
      grid: { left: 80, right: 20, top: 20, bottom: 60 },
      xAxis: { type: "time" }, yAxis: { type: "category", data: kinds },
      dataZoom: [{ type: "slider", bottom: 10 }, { type: "inside" }],
      series: kinds.map(function (k) {
        return { name: k, type: "scatter", itemStyle: { color: COLOURS[k] },
          symbolSize: function (v, p) { var a = p.data.item.amount; return k === "payment" ? Math.max(5, Math.min(24, Math.log10(1 + (a || 0)) * 3)) : 10; },
          data: items.filter(function (i) { return i.kind === k && i.ts; }).map(function (i) { return { value: [i.ts, k], item: i }; }) };
      })
    });
    chart.on("click", function (p) {
      var i = p.data && p.data.item;
      if (i && i.kind === "event") { window.location.href = "/events/" + encodeURIComponent(i.id); }
    });
    box.setAttribute("data-ready", "true");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawTimeline(box) {
    getJSON(box.dataset.api).then(function (d) { timelineChart(box, d.items); });
  }
  function drawFindingTimeline(box) {
    getJSON(box.dataset.api).then(function (d) {
      var t = d.timeline, items = [];
      t.events.forEach(function (e) { items.push({ kind: "event", ts: e.event_date, id: e.event_id, amount: e.fatalities,
        title: (e.event_type || "event") + " at " + (e.location || "?") }); });
      t.pairs.forEach(function (p) { items.push({ kind: "payment", ts: p.ts, id: p.txn_id, amount: p.amount,
        title: "payment " + p.lag_days + " days after " + p.event_id }); });
      timelineChart(box, items);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var g = document.getElementById("graph");
    if (g && window.cytoscape) { drawGraph(g); }
    var s = document.getElementById("sankey");
    if (s && window.echarts) { drawSankey(s); }
    var t = document.getElementById("timeline");
    if (t && window.echarts) { drawTimeline(t); }
    var ft = document.getElementById("finding-timeline");
    if (ft && window.echarts) { drawFindingTimeline(ft); }
  });
}());
