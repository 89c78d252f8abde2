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
  function showDetails(node, accounts) {
    var panel = document.getElementById("node-details");
    panel.replaceChildren();
    panel.appendChild(el("h3", node.label, "node-title"));
    var kind = node.kind === "entity" ? "party" : "account";
    panel.appendChild(el("p", kind + (node.flagged ? " · findings rest on it" : ""), "muted"));
    if ((accounts || []).length) {
      panel.appendChild(el("h4", "Accounts (" + accounts.length + ")"));
      var al = el("ul");
      accounts.forEach(function (a) { al.appendChild(el("li", a.label + (a.details && a.details.country ? " · " + a.details.country : ""))); });
      panel.appendChild(al);
    }
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
    var cy = window.mtLinkChart(data, showDetails);
    if (cy) window.mtReport.cy = cy;
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

  // -- timeline: one lane per actor ---------------------------------------------------------
  function drawTimeline() {
    var t = data.timeline;
    var box = document.getElementById("timeline");
    if (!box || !t.lanes.length) return;
    var narrow = box.clientWidth < 600;
    var laneH = 110, gap = 46, top = 56, sliderH = 30;
    box.style.height = (top + t.lanes.length * (laneH + gap) + sliderH + 20) + "px";
    var chart = echarts.init(box, null, { renderer: "canvas" });
    var grids = [], xAxes = [], yAxes = [], series = [], titles = [], meta = [];
    var side = narrow ? 44 : 70;
    t.lanes.forEach(function (lane, i) {
      var y = top + i * (laneH + gap);
      var heading = lane.actor + (lane.linked ? " — casualties (bars) and payments tied to it (dots, " + cur + ")"
                                              : " — comparison: casualties (bars), no payments tied to it");
      titles.push({ text: heading, top: y - 22, left: side, textStyle: { fontSize: 12, fontWeight: lane.linked ? "bold" : "normal",
                    color: lane.linked ? "#222" : "#666", width: Math.max(120, box.clientWidth - 2 * side), overflow: "truncate" } });
      grids.push({ top: y, height: laneH, left: side, right: side });
      xAxes.push({ type: "time", gridIndex: i, axisLabel: { show: i === t.lanes.length - 1, hideOverlap: true } });
      yAxes.push({ type: "value", gridIndex: i, minInterval: 1, splitNumber: 2 });
      yAxes.push({ type: "value", gridIndex: i, position: "right", splitNumber: 2, show: lane.payments.length > 0,
                   splitLine: { show: false } });
      var short = lane.actor.length > 40 ? lane.actor.slice(0, 38) + "…" : lane.actor;
      var kinds = t.with_wounded ? [["fatalities", "fatalities", "#b03a2e"], ["injuries", "wounded", "#e59866"]]
                                 : [["casualties (fatalities)", "fatalities", lane.linked ? "#b03a2e" : "#9aa0a6"]];
      kinds.forEach(function (k) {
        series.push({ name: short + ": " + k[0], type: "bar", xAxisIndex: i, yAxisIndex: 2 * i, stack: "ev" + i,
          barMaxWidth: 6, barMinHeight: 2, itemStyle: { color: k[2] },
          data: lane.events.map(function (e) { return { value: [e.event_date, e[k[1]] || 0], info: e, what: "event" }; }) });
        meta.push({ actor: lane.actor, kind: "events", linked: lane.linked });
      });
      if (lane.payments.length) {
        series.push({ name: short + ": payments", type: "scatter", xAxisIndex: i, yAxisIndex: 2 * i + 1, symbolSize: 9,
          itemStyle: { color: "#2d6aa0" },
          data: lane.payments.map(function (p) { return { value: [p.ts, p.amount], info: p, what: "payment" }; }) });
        meta.push({ actor: lane.actor, kind: "payments", linked: lane.linked });
      }
    });
    var all = xAxes.map(function (_x, i) { return i; });
    chart.setOption({
      animation: false, title: titles, grid: grids, xAxis: xAxes, yAxis: yAxes, series: series,
      legend: { type: "scroll", top: 0, left: side, right: side, textStyle: { fontSize: 11 } },
      tooltip: { trigger: "item", formatter: function (p) {
        var d = p.data.info || {};
        if (p.data.what === "payment") {
          return "payment " + esc(d.txn_id) + "<br>" + esc(d.ts) + ": " + esc(money(d.amount)) + " " + esc(cur) +
                 "<br>" + esc(d.lag_days) + " days after event " + esc(d.event_id) + " (" + esc(d.casualties) + " casualties)";
        }
        return "event " + esc(d.event_id) + " (" + esc(d.event_date) + ")<br>" + esc(d.event_type) + ", " + esc(d.location) +
               "<br>fatalities: " + esc(d.fatalities === null ? "not given" : d.fatalities) +
               (t.with_wounded ? "<br>injuries: " + esc(d.wounded === null ? "not given" : d.wounded) : "");
      } },
      dataZoom: [{ type: "inside", xAxisIndex: all }, { type: "slider", xAxisIndex: all, bottom: 8, height: 20 }]
    });
    window.mtReport.timeline = chart;
    window.mtReport.timelineSeries = meta;
  }

  // -- print: charts go to paper as images -------------------------------------------------
  function preparePrint() {
    var cy = window.mtReport.cy;
    var pairs = [["cy-print", cy ? function () { return cy.png({ full: true, bg: "#ffffff", scale: 2, maxWidth: 2400 }); } : null],
                 ["sankey-print", window.mtReport.sankey ? function () { return window.mtReport.sankey.getDataURL({ pixelRatio: 2, backgroundColor: "#fff" }); } : null],
                 ["timeline-print", window.mtReport.timeline ? function () { return window.mtReport.timeline.getDataURL({ pixelRatio: 2, backgroundColor: "#fff" }); } : null]];
    pairs.forEach(function (p) {
      var img = document.getElementById(p[0]);
      if (img && p[1]) img.src = p[1]();
    });
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  }
  window.mtReport.preparePrint = preparePrint;
  window.addEventListener("beforeprint", preparePrint);

  function onResize() {
    ["sankey", "timeline"].forEach(function (k) { if (window.mtReport[k]) window.mtReport[k].resize(); });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(onResize, 150); });

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
