// Stellwerk Cockpit: the little the pages need besides htmx: workflow graphs (cytoscape + dagre) whose order
// counts follow the live updates, "choose all" for order lists, and local times.
(function () {
  "use strict";

  function graphElements() {
    var data = document.getElementById("graph-data");
    return data ? JSON.parse(data.getAttribute("data-elements")) : null;
  }

  var graphs = [];

  function layout() {
    return { name: window.cytoscapeDagre ? "dagre" : "breadthfirst", rankDir: "TB", nodeSep: 30, rankSep: 35 };
  }

  function drawGraphs(root) {
    if (typeof window.cytoscape !== "function") return;
    if (window.cytoscapeDagre && !drawGraphs.registered) {
      window.cytoscape.use(window.cytoscapeDagre);
      drawGraphs.registered = true;
    }
    root.querySelectorAll("[data-graph]").forEach(function (container) {
      if (container.dataset.drawn) return;
      var elements = graphElements();
      if (!elements) return;
      container.dataset.drawn = "1";
      var highlight = container.getAttribute("data-highlight");
      var graph = window.cytoscape({
        container: container,
        elements: elements,
        userZoomingEnabled: true,
        boxSelectionEnabled: false,
        autoungrabify: true,
        style: [
          { selector: "node", style: {
            "label": "data(label)", "text-wrap": "wrap", "text-valign": "center", "font-size": 11,
            "shape": "round-rectangle", "width": 150, "height": 38, "background-color": "#e8eef7",
            "border-width": 1, "border-color": "#7a8ca8" } },
          { selector: "node[kind = 'End']", style: { "width": 16, "height": 16, "shape": "ellipse",
            "background-color": "#7a8ca8", "label": "data(label)", "text-valign": "bottom" } },
          { selector: "node[orders > 0]", style: { "background-color": "#ffe9a8", "border-color": "#b58900",
            "border-width": 2 } },
          { selector: "node.here", style: { "border-color": "#0b57d0", "border-width": 4 } },
          { selector: "edge", style: { "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 1.5,
            "line-color": "#9aa7b8", "target-arrow-color": "#9aa7b8", "label": "data(label)", "font-size": 9 } }
        ],
        layout: layout()
      });
      if (highlight) graph.$id(highlight).addClass("here");
      container.setAttribute("data-nodes", graph.nodes().length);
      graphs.push(graph);
    });
  }

  // A graph drawn from a draft (the Inventory editor's preview) is drawn anew when its data changes.
  function redraw() {
    var elements = graphElements();
    if (!elements) return;
    graphs.forEach(function (graph) {
      if (!graph.container() || !graph.container().hasAttribute("data-redraw")) return;
      graph.elements().remove();
      graph.add(elements);
      graph.layout(layout()).run();
      graph.container().setAttribute("data-nodes", graph.nodes().length);
    });
  }

  function relabel() {
    var elements = graphElements();
    if (!elements) return;
    graphs.forEach(function (graph) {
      elements.forEach(function (element) {
        if (element.data.source) return;
        var node = graph.$id(element.data.id);
        if (node.nonempty()) node.data({ label: element.data.label, orders: element.data.orders });
      });
    });
  }

  function localTimes(root) {
    root.querySelectorAll("time[data-epoch]").forEach(function (time) {
      var epoch = Number(time.getAttribute("data-epoch"));
      if (!epoch || time.dataset.shown) return;
      var date = new Date(epoch);
      time.setAttribute("datetime", date.toISOString());
      time.textContent = date.getFullYear() > 9000 ? "never" : date.toLocaleString();
      time.dataset.shown = "1";
    });
  }

  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.matches || !all.matches("[data-choose-all]")) return;
    var form = all.closest("form") || document;
    form.querySelectorAll("input[name=orderIds], input[name=orders]").forEach(function (box) { box.checked = all.checked; });
  });

  // A problem's "Line n" in the Inventory editor selects that line of the text.
  document.addEventListener("click", function (event) {
    var go = event.target.closest ? event.target.closest("[data-goto-line]") : null;
    var text = document.getElementById("text");
    if (!go || !text) return;
    var lines = text.value.split("\n");
    var line = Math.min(Number(go.getAttribute("data-goto-line")), lines.length) - 1;
    var start = lines.slice(0, line).join("\n").length + (line > 0 ? 1 : 0);
    text.focus();
    text.setSelectionRange(start, start + lines[line].length);
    text.scrollTop = Math.max(0, line - 3) * (parseFloat(getComputedStyle(text).lineHeight) || 16);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.elt || document.body;
    if (target.id === "graph-data") { redraw(); relabel(); }
    localTimes(document);
    drawGraphs(document);
  });

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    drawGraphs(document);
  });
})();
