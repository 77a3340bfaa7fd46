// promodesk console: time charts drawn by plotly.js (served by the app from the installed
// plotly package). A chart is <div data-plot="ID"> beside <script type="application/json"
// id="ID"> holding {x: [...], series: [{name, y: [...], kind: "bar"|"line", axis: "y"|"y2"}],
// markers: [{x, label}], y_title, y2_title}. plotly.js is loaded only on pages with a chart.
(function () {
  "use strict";

  function spec(box) {
    var source = document.getElementById(box.getAttribute("data-plot"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function draw(box) {
    var s = spec(box);
    if (!s || !s.x || !s.x.length) { return; }
    var traces = (s.series || []).map(function (t) {
      var line = t.kind === "line";
      return {
        type: line ? "scatter" : "bar",
        mode: line ? "lines+markers" : undefined,
        name: t.name, x: s.x, y: t.y,
        yaxis: t.axis === "y2" ? "y2" : "y",
      };
    });
    var shapes = [], notes = [];
    (s.markers || []).forEach(function (m) {
      shapes.push({ type: "line", xref: "x", yref: "paper", x0: m.x, x1: m.x, y0: 0, y1: 1,
                    line: { color: "#b42318", width: 2, dash: "dot" } });
      notes.push({ x: m.x, xref: "x", y: 1, yref: "paper", text: m.label, showarrow: false,
                   yanchor: "bottom", font: { color: "#b42318" } });
    });
    // A long series gets a range slider under its axis; the legend then goes below the
    // slider (it sat behind it), with the room it needs.
    var slider = s.x.length > 14;
    var layout = {
      margin: { l: 56, r: 56, t: 24, b: slider ? 72 : 40 }, height: slider ? 380 : 320,
      barmode: "group", hovermode: "x unified",
      legend: { orientation: "h", x: 0, xanchor: "left", yref: "container", y: 0,
                yanchor: "bottom" },
      xaxis: { rangeslider: { visible: slider }, type: s.x_type || "date" },
      yaxis: { title: { text: s.y_title || "" }, rangemode: "tozero" },
      yaxis2: { title: { text: s.y2_title || "" }, overlaying: "y", side: "right",
                rangemode: "tozero", showgrid: false },
      shapes: shapes, annotations: notes,
    };
    window.Plotly.newPlot(box, traces, layout, { displaylogo: false, responsive: true })
      .then(function () { box.setAttribute("data-drawn", "1"); });
  }

  function start() {
    var boxes = document.querySelectorAll("[data-plot]");
    if (!boxes.length) { return; }
    var script = document.createElement("script");
    script.src = "/vendor/plotly.min.js";
    script.onload = function () { boxes.forEach(draw); };
    document.head.appendChild(script);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
