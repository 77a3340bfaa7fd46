// promodesk console: live progress bars, the copy button, popups, modal dialogs. Pages work
// without this file. No inline script anywhere: the Content-Security-Policy refuses it.
(function () {
  "use strict";

  function setText(root, field, value) {
    var el = root.querySelector('[data-field="' + field + '"]');
    if (el) { el.textContent = String(value); }
  }

  // Follows one operation: the bar, its figures and the operation's state badge. The bar
  // never moves backwards while the operation runs (a total can grow as work is discovered);
  // while the total is still unknown it shows activity ("counting") instead of a percentage;
  // only a final operation shows 100%.
  function follow(panel) {
    var url = panel.getAttribute("data-url");
    var id = panel.getAttribute("data-operation");
    var bar = panel.querySelector(".progress");
    var fill = panel.querySelector(".progress-fill");
    var labels = {};
    try { labels = JSON.parse(panel.getAttribute("data-state-labels") || "{}"); } catch (e) { labels = {}; }
    var shown = parseFloat(bar && bar.getAttribute("aria-valuenow")) || 0;

    function badges(state) {
      document.querySelectorAll('[data-op-state="' + id + '"]').forEach(function (badge) {
        badge.className = "badge badge-" + state;
        badge.textContent = labels[state] || state;
      });
    }

    function draw(op) {
      var target = op.bar_percent != null ? op.bar_percent : op.percent;
      var counting = !op.final && op.total_known === false;
      // Monotonic while it runs; the final figure is the server's (a failed run may stop short).
      shown = op.final ? target : Math.max(shown, target);
      panel.classList.toggle("op-counting", counting);
      if (bar) {
        bar.classList.toggle("progress-counting", counting && op.state === "running");
        if (counting) { bar.removeAttribute("aria-valuenow"); } else { bar.setAttribute("aria-valuenow", shown); }
      }
      if (fill) {
        fill.style.width = shown + "%";
        fill.className = "progress-fill progress-" + op.state;
      }
      setText(panel, "percent", shown);
      setText(panel, "done", op.done);
      setText(panel, "failed", op.failed);
      setText(panel, "total", op.total);
      badges(op.state);
    }

    // Polls with backoff: from FIRST, ×1.5 after each look that changed nothing, up to MOST;
    // back to FIRST when the numbers move. Paused while the tab is hidden (looked at again as
    // soon as it shows); stops once the operation is final, then reloads the page once so the
    // server renders the outcome (steps, errors) in the user's language.
    var FIRST = 2000, MOST = 30000;
    var delay = FIRST, timer = null, last = null, over = false;
    var reloadKey = "promodesk-op-reloaded-" + id;

    function later(ms) {
      window.clearTimeout(timer);
      timer = null;
      if (!over && !document.hidden) { timer = window.setTimeout(tick, ms); }
    }

    function tick() {
      timer = null;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.json();
        })
        .then(function (op) {
          draw(op);
          if (op.final) {
            over = true;
            var seen = null;
            try { seen = window.sessionStorage.getItem(reloadKey); } catch (e) { seen = "1"; }
            if (!seen) {
              try { window.sessionStorage.setItem(reloadKey, "1"); } catch (e) { /* no storage */ }
              window.location.reload();
            }
            return;
          }
          var now = [op.state, op.done, op.failed, op.total].join("/");
          delay = now === last ? Math.min(Math.round(delay * 1.5), MOST) : FIRST;
          last = now;
          later(delay);
        })
        .catch(function () {
          delay = Math.min(Math.round(delay * 1.5), MOST);
          later(delay);
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        window.clearTimeout(timer);
        timer = null;
      } else if (!over && timer === null) {
        delay = FIRST;
        later(0);
      }
    });
    panel.setAttribute("data-polling", "1");
    later(delay);
  }

  function copyButtons() {
    if (!navigator.clipboard) { return; }
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(target.textContent.trim()).then(function () {
          button.textContent = button.getAttribute("data-copied");
        });
      });
    });
  }

  // Links marked data-popup (TikTok's authorization page) open in a small window named by
  // their target; without script, or with popups blocked, they still open as a tab.
  function popups() {
    document.querySelectorAll("a[data-popup]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var popup = window.open(link.href, link.getAttribute("target") || "popup", "width=560,height=720");
        if (popup) { event.preventDefault(); }
      });
    });
  }

  // Links marked data-close-popup, in the popup: refresh the page behind it and close; in a
  // tab, the link is followed as usual.
  function closePopupLinks() {
    document.querySelectorAll("a[data-close-popup]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        if (window.opener && !window.opener.closed) {
          event.preventDefault();
          window.opener.location.reload();
          window.close();
        }
      });
    });
  }

  // Dialogs marked data-modal are rendered open (usable without script); with script they
  // become modal.
  function modals() {
    document.querySelectorAll("dialog[data-modal][open]").forEach(function (dialog) {
      if (dialog.showModal) { dialog.close(); dialog.showModal(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-operation][data-live]").forEach(follow);
    copyButtons();
    popups();
    closePopupLinks();
    modals();
  });
})();

// promodesk console: the Promote order chart (spend bars and a results line per hour, in SVG).
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function text(parent, x, y, value, anchor) {
    var node = el("text", { x: x, y: y, "class": "tick", "text-anchor": anchor || "middle" }, parent);
    node.textContent = value;
    return node;
  }

  // A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten.
  function niceMax(value) {
    if (value <= 0) { return 1; }
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i += 1) {
      if (value <= steps[i] * power) { return steps[i] * power; }
    }
    return 10 * power;
  }

  function hourLabel(iso) {
    var d = new Date(iso);
    var hh = String(d.getUTCHours()).padStart(2, "0");
    return (d.getUTCMonth() + 1) + "/" + d.getUTCDate() + " " + hh + ":00";
  }

  // Rows carry an ISO ``hour`` (a time axis in UTC) or a ready ``label`` (categories).
  function labelOf(r) { return r.label != null ? String(r.label) : hourLabel(r.hour); }

  function draw(box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) { return; }
    var rows;
    try { rows = JSON.parse(source.textContent); } catch (e) { return; }
    if (!rows.length) { return; }
    var W = 760, H = 280, left = 56, right = 56, top = 12, bottom = 40;
    var plotW = W - left - right, plotH = H - top - bottom;
    var maxSpend = niceMax(Math.max.apply(null, rows.map(function (r) { return r.spend; })));
    var maxResults = niceMax(Math.max.apply(null, rows.map(function (r) { return r.results; })));
    var legend = document.createElement("p");
    legend.className = "chart-legend";
    [["legend-spend", box.getAttribute("data-label-spend")],
     ["legend-results", box.getAttribute("data-label-results")]].forEach(function (item) {
      if (!item[1]) { return; }
      var span = document.createElement("span");
      span.className = item[0];
      span.textContent = item[1];
      legend.appendChild(span);
    });
    box.appendChild(legend);
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, preserveAspectRatio: "xMidYMid meet" }, box);
    for (var g = 0; g <= 4; g += 1) {
      var gy = top + plotH - (plotH * g) / 4;
      el("line", { x1: left, x2: left + plotW, y1: gy, y2: gy, "class": g ? "grid" : "axis" }, svg);
      text(svg, left - 6, gy + 4, Math.round((maxSpend * g) / 4).toLocaleString(), "end");
      if (box.getAttribute("data-label-results")) {
        text(svg, left + plotW + 6, gy + 4, Math.round((maxResults * g) / 4).toLocaleString(), "start");
      }
    }
    var slot = plotW / rows.length;
    var barW = Math.max(2, Math.min(40, slot * 0.7));
    var points = [];
    var every = Math.max(1, Math.ceil(rows.length / 8));
    rows.forEach(function (r, i) {
      var cx = left + slot * i + slot / 2;
      var h = (plotH * r.spend) / maxSpend;
      var bar = el("rect", { x: cx - barW / 2, y: top + plotH - h, width: barW, height: Math.max(h, 0), "class": "bar" }, svg);
      el("title", {}, bar).textContent = labelOf(r) + (r.label != null ? " · " : " UTC · ") + r.spend.toLocaleString() + " / " + r.results.toLocaleString();
      points.push([cx, top + plotH - (plotH * r.results) / maxResults]);
      if (i % every === 0) { text(svg, cx, H - bottom + 16, labelOf(r)); }
    });
    if (!box.getAttribute("data-label-results")) { return; }  // bars only
    el("polyline", { points: points.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "), "class": "line" }, svg);
    points.forEach(function (p) { el("circle", { cx: p[0], cy: p[1], r: 3, "class": "dot" }, svg); });
    if (rows[0].label == null) { text(svg, left + plotW / 2, H - 4, "UTC"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();

// A refused form comes back with a summary of its errors: bring it into view and give it the
// focus (a screen reader reads it), wherever the form is on the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".form-errors[tabindex]");
    if (summary) { summary.focus(); }
  });
})();
