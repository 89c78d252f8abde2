/* moneytrail case report: the link chart. Opens on the parties around the key findings with their
   accounts folded in; the reader expands a party's neighbours, unfolds accounts, filters by finding and
   exports PNG or SVG. Text from the case goes through textContent or the XML escaper below, never HTML. */
(function () {
  "use strict";

  function xml(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function money(v) { return Number(v || 0).toLocaleString("en-US", { maximumFractionDigits: 0 }); }
  function day(ts) { return String(ts || "").slice(0, 10); }
  var LABEL_PX = 12;  // labels keep this on-screen size whatever the zoom

  window.mtLinkChart = function (data, showDetails) {
    var g = data.graph;
    var box = document.getElementById("cy");
    if (!box || !g.nodes.length) return null;
    var byId = {}, members = {}, groupOf = {};
    g.nodes.forEach(function (n) {
      byId[n.id] = n;
      groupOf[n.id] = n.group || n.id;
      if (n.group && n.group !== n.id) (members[n.group] = members[n.group] || []).push(n.id);
    });
    var paid = g.edges.filter(function (e) { return e.kind === "paid" && byId[e.source] && byId[e.target]; });
    var adjacency = {};
    paid.forEach(function (e) {
      var s = groupOf[e.source], t = groupOf[e.target];
      if (s === t) return;
      (adjacency[s] = adjacency[s] || {})[t] = 1;
      (adjacency[t] = adjacency[t] || {})[s] = 1;
    });
    var zoomNow = 1;
    var state = { visible: {}, unfolded: {}, allUnfolded: false, filter: null, selected: null };
    function resetVisible() {
      state.visible = {};
      (g.initial && g.initial.length ? g.initial : Object.keys(adjacency)).forEach(function (id) { state.visible[id] = 1; });
      if (!Object.keys(state.visible).length) g.nodes.forEach(function (n) { state.visible[groupOf[n.id]] = 1; });
    }
    resetVisible();

    function isUnfolded(gid) { return (state.allUnfolded || state.unfolded[gid]) && members[gid]; }
    function rep(nodeId) {  // the drawn node standing for an account or party, or null when hidden
      var gid = groupOf[nodeId];
      if (!state.visible[gid]) return null;
      return isUnfolded(gid) ? nodeId : gid;
    }
    function nodeLabel(n) {
      var k = (members[n.id] || []).length;
      return n.kind === "entity" && k > 1 && !isUnfolded(n.id) ? n.label + " (" + k + " acct" + (k > 1 ? "s" : "") + ")" : n.label;
    }
    function elements() {
      var els = [];
      Object.keys(state.visible).sort().forEach(function (gid) {
        var n = byId[gid];
        if (!n) return;
        var flagged = (n.all_findings || []).length > 0;
        els.push({ group: "nodes", data: { id: gid, label: nodeLabel(n), kind: n.kind },
                   position: { x: n.x || 0, y: n.y || 0 }, classes: n.kind + (flagged ? " flagged" : "") });
        if (isUnfolded(gid)) {
          var ms = members[gid];
          ms.forEach(function (mid, i) {
            var m = byId[mid], angle = 2 * Math.PI * i / ms.length;
            els.push({ group: "nodes", data: { id: mid, label: m.label, kind: m.kind },
                       position: { x: (n.x || 0) + 45 * Math.cos(angle), y: (n.y || 0) + 45 * Math.sin(angle) },
                       classes: m.kind + ((m.findings || []).length ? " flagged" : "") });
            els.push({ group: "edges", classes: "holds", data: { id: "h:" + gid + ">" + mid, source: gid, target: mid } });
          });
        }
      });
      var agg = {};
      paid.forEach(function (e) {
        var s = rep(e.source), t = rep(e.target);
        if (!s || !t || s === t) return;
        var k = s + ">" + t, a = agg[k];
        if (!a) a = agg[k] = { id: "p:" + k, source: s, target: t, amount: 0, count: 0, first: e.first, last: e.last };
        a.amount += Number(e.amount || 0);
        a.count += Number(e.count || 0);
        if (e.first < a.first) a.first = e.first;
        if (e.last > a.last) a.last = e.last;
      });
      var list = Object.keys(agg).map(function (k) { return agg[k]; });
      var max = list.reduce(function (m, a) { return Math.max(m, a.amount); }, 1);
      list.forEach(function (a) {
        a.w = 1 + 9 * Math.log(1 + a.amount) / Math.log(1 + max);
        a.hover = money(a.amount) + " " + (data.currency || "") + " · " + a.count + " payment" + (a.count === 1 ? "" : "s") +
                  " · " + day(a.first) + (day(a.first) === day(a.last) ? "" : " – " + day(a.last));
        els.push({ group: "edges", classes: "paid", data: a });
      });
      return els;
    }

    var cy = cytoscape({
      container: box, elements: [], pixelRatio: 1, minZoom: 0.05, maxZoom: 6,
      style: [
        { selector: "node", style: { label: "data(label)", "font-size": function () { return LABEL_PX / zoomNow; },
            "text-wrap": "ellipsis", "text-max-width": function () { return 160 / zoomNow; }, "min-zoomed-font-size": 0, "text-valign": "bottom", "text-margin-y": 3,
            "text-background-color": "#fff", "text-background-opacity": 0.7, "text-background-padding": 1,
            "background-color": "#6b8fb5", width: 16, height: 16, color: "#222" } },
        { selector: "node.entity", style: { "background-color": "#c9a227", shape: "round-rectangle", width: 24, height: 18 } },
        { selector: "node.flagged", style: { "border-width": 3, "border-color": "#c0392b" } },
        { selector: "node:selected", style: { "border-width": 5, "border-color": "#222" } },
        { selector: "node.dim, edge.dim", style: { opacity: 0.12 } },
        { selector: "edge", style: { width: "data(w)", "curve-style": "bezier", "line-color": "#8a93a6", opacity: 0.8,
            "target-arrow-shape": "triangle", "target-arrow-color": "#8a93a6", "arrow-scale": 0.8 } },
        { selector: "edge.holds", style: { "line-style": "dashed", "target-arrow-shape": "none", width: 1 } },
        { selector: "edge.hover", style: { label: "data(hover)", "font-size": function () { return LABEL_PX / zoomNow; }, "text-background-color": "#fff",
            "text-background-opacity": 0.9, "line-color": "#2d5f8f", "target-arrow-color": "#2d5f8f", "z-index": 999 } }
      ]
    });
    var pending = false;
    function keepLabels() {  // constant on-screen label size at any zoom
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; zoomNow = cy.zoom(); cy.style().update(); });
    }
    function applyFilter() {
      cy.elements().removeClass("dim");
      if (state.filter === null) return;
      var want = {};
      (g.key[state.filter].finding_ids || []).forEach(function (f) { want[f] = 1; });
      var keep = cy.nodes().filter(function (node) {
        var n = byId[node.id()];
        var fs = node.id() === n.group || !n.group ? (n.all_findings || []) : (n.findings || []).map(function (f) { return f.finding_id; });
        return fs.some(function (f) { return want[f]; });
      });
      cy.elements().not(keep.union(keep.edgesWith(keep))).addClass("dim");
    }
    function remember() {  // keep the current positions of parties, so redraws and folds keep the picture
      cy.nodes().forEach(function (node) {
        var n = byId[node.id()];
        if (n && (n.group || n.id) === n.id) { var p = node.position(); n.x = p.x; n.y = p.y; }
      });
    }
    function spread() {  // cose from the given positions: deterministic, and it pulls labels apart
      cy.layout({ name: "cose", randomize: false, animate: false, fit: false, nodeRepulsion: function () { return 400000; },
                  idealEdgeLength: function () { return 120; }, nodeOverlap: 60, numIter: 800, gravity: 0.15,
                  componentSpacing: 60 }).run();
      remember();
    }
    function redraw(fit, relayout) {
      cy.batch(function () { cy.elements().remove(); cy.add(elements()); });
      if (relayout) spread();
      applyFilter();
      if (fit) cy.fit(cy.nodes(), 30);
      zoomNow = cy.zoom();
      cy.style().update();
      window.mtReport.linkState = { nodes: cy.nodes().length, edges: cy.edges().length };
    }
    cy.on("zoom", keepLabels);
    cy.on("mouseover", "edge.paid", function (evt) { evt.target.addClass("hover"); });
    cy.on("mouseout", "edge.paid", function (evt) { evt.target.removeClass("hover"); });
    var expandBtn = document.getElementById("cy-expand");
    cy.on("tap", "node", function (evt) {
      state.selected = evt.target.id();
      showDetails(byId[state.selected], members[state.selected] ? members[state.selected].map(function (m) { return byId[m]; }) : []);
      if (expandBtn) expandBtn.disabled = false;
    });

    cy.on("dbltap", "node", function (evt) {  // fold or unfold one party's accounts
      var gid = groupOf[evt.target.id()];
      if (!members[gid]) return;
      remember();
      state.unfolded[gid] = !state.unfolded[gid];
      redraw(false);
    });

    function expand(nodeId) {
      var gid = groupOf[nodeId] || nodeId, fresh = [];
      remember();
      Object.keys(adjacency[gid] || {}).sort().forEach(function (nb) { if (!state.visible[nb]) { state.visible[nb] = 1; fresh.push(nb); } });
      var centre = byId[gid];
      fresh.forEach(function (nb, i) {  // new neighbours start on a ring around the expanded party
        var angle = 2 * Math.PI * i / fresh.length;
        byId[nb].x = centre.x + 140 * Math.cos(angle);
        byId[nb].y = centre.y + 140 * Math.sin(angle);
      });
      redraw(true, fresh.length > 0);
      var added = fresh.length;
      var node = cy.getElementById(nodeId).length ? cy.getElementById(nodeId) : cy.getElementById(gid);
      node.select();
      return added;
    }
    function on(id, handler) { var b = document.getElementById(id); if (b) b.addEventListener(id === "cy-filter" ? "change" : "click", handler); }
    on("cy-expand", function () { if (state.selected) expand(state.selected); });
    on("cy-fold", function (evt) {
      state.allUnfolded = !state.allUnfolded;
      evt.target.setAttribute("aria-pressed", state.allUnfolded ? "false" : "true");
      evt.target.textContent = state.allUnfolded ? "Fold accounts" : "Show accounts";
      remember();
      redraw(false);
    });
    on("cy-filter", function (evt) { state.filter = evt.target.value === "" ? null : Number(evt.target.value); applyFilter(); });
    var home = {};
    g.nodes.forEach(function (n) { home[n.id] = [n.x, n.y]; });
    on("cy-reset", function () {
      resetVisible(); state.unfolded = {}; state.allUnfolded = false;
      g.nodes.forEach(function (n) { n.x = home[n.id][0]; n.y = home[n.id][1]; });
      redraw(true, true);
    });
    on("cy-png", function () { download(cy.png({ output: "blob", bg: "#ffffff", full: true, scale: 2 }), "link-chart.png"); });
    on("cy-svg", function () { download(new Blob([svg()], { type: "image/svg+xml" }), "link-chart.svg"); });

    function download(blob, name) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    }
    function svg() {  // the drawn chart as SVG, from the laid-out positions (what is shown, filter included)
      var bb = cy.elements().boundingBox({ includeLabels: true }), pad = 20;
      var out = ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="' + [bb.x1 - pad, bb.y1 - pad, bb.w + 2 * pad, bb.h + 2 * pad].join(" ") +
                 '" width="' + Math.round(bb.w + 2 * pad) + '" height="' + Math.round(bb.h + 2 * pad) + '" font-family="sans-serif">',
                 '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">' +
                 '<path d="M0,0 L10,5 L0,10 z" fill="#8a93a6"/></marker></defs>',
                 '<rect x="' + (bb.x1 - pad) + '" y="' + (bb.y1 - pad) + '" width="' + (bb.w + 2 * pad) + '" height="' + (bb.h + 2 * pad) + '" fill="#fff"/>'];
      cy.edges().forEach(function (e) {
        var s = e.source().position(), t = e.target().position(), paidEdge = e.hasClass("paid");
        out.push('<line x1="' + s.x + '" y1="' + s.y + '" x2="' + t.x + '" y2="' + t.y + '" stroke="#8a93a6" stroke-width="' +
                 (paidEdge ? e.data("w") : 1) + '"' + (paidEdge ? ' marker-end="url(#arrow)"' : ' stroke-dasharray="4 3"') +
                 (e.hasClass("dim") ? ' opacity="0.12"' : "") + "><title>" + xml(e.data("hover") || "holds") + "</title></line>");
      });
      cy.nodes().forEach(function (node) {
        var p = node.position(), ent = node.hasClass("entity"), flag = node.hasClass("flagged");
        var stroke = flag ? ' stroke="#c0392b" stroke-width="3"' : "", op = node.hasClass("dim") ? ' opacity="0.12"' : "";
        out.push(ent ? '<rect x="' + (p.x - 12) + '" y="' + (p.y - 9) + '" width="24" height="18" rx="3" fill="#c9a227"' + stroke + op + "/>"
                     : '<circle cx="' + p.x + '" cy="' + p.y + '" r="8" fill="#6b8fb5"' + stroke + op + "/>");
        out.push('<text x="' + p.x + '" y="' + (p.y + 24) + '" font-size="12" text-anchor="middle"' + op + ">" + xml(node.data("label")) + "</text>");
      });
      out.push("</svg>");
      return out.join("\n");
    }
    redraw(true, true);
    window.mtReport.link = { expand: expand, svg: svg, state: state, redraw: redraw };
    return cy;
  };
})();
