/* pursuit topic chart: mentions per month, stacked by source kind, drawn as SVG with no library.
 *
 * Reads the JSON in <script type="application/json" id="topic-chart-data"> ({months, kinds, counts,
 * colours}) and draws into the element with id "topic-chart". Each bar segment is a <rect class="bar">
 * carrying data-month, data-kind and data-count, with a <title> tooltip. Works offline.
 */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function text(parent, x, y, words, attrs) {
    var node = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    node.textContent = words;
    return node;
  }

  function niceMax(value) {
    if (value <= 5) { return 5; }
    var step = Math.pow(10, Math.floor(Math.log10(value)));
    var candidates = [1, 2, 5, 10];
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i] * step >= value) { return candidates[i] * step; }
    }
    return 10 * step;
  }

  function monthTotals(data) {
    return data.months.map(function (_, index) {
      return data.kinds.reduce(function (sum, kind) { return sum + data.counts[kind][index]; }, 0);
    });
  }

  function drawAxes(svg, box, maxValue) {
    var ticks = 5;
    for (var i = 0; i <= ticks; i++) {
      var value = Math.round((maxValue * i) / ticks);
      var y = box.top + box.height - (box.height * i) / ticks;
      el("line", { x1: box.left, x2: box.left + box.width, y1: y, y2: y, class: "grid" }, svg);
      text(svg, box.left - 6, y + 4, String(value), { "text-anchor": "end", class: "tick" });
    }
    text(svg, 12, box.top + box.height / 2, "mentions", {
      transform: "rotate(-90 12 " + (box.top + box.height / 2) + ")", "text-anchor": "middle", class: "axis-label",
    });
  }

  function drawYears(svg, box, months, slot) {
    var labelled = {};
    var every = months.length > 96 ? 2 : 1;
    months.forEach(function (month, index) {
      var year = month.slice(0, 4);
      if (labelled[year] || (index > 0 && month.slice(5) !== "01")) { return; }
      labelled[year] = true;
      if (Number(year) % every !== 0 && index > 0) { return; }
      var x = box.left + index * slot;
      el("line", { x1: x, x2: x, y1: box.top + box.height, y2: box.top + box.height + 5, class: "tick-mark" }, svg);
      text(svg, x, box.top + box.height + 18, year, { "text-anchor": "middle", class: "tick" });
    });
  }

  function drawBars(svg, box, data, maxValue, slot) {
    var drawn = 0;
    var width = Math.max(1, slot * 0.8);
    data.months.forEach(function (month, index) {
      var base = box.top + box.height;
      data.kinds.forEach(function (kind) {
        var count = data.counts[kind][index];
        if (!count) { return; }
        var height = (box.height * count) / maxValue;
        base -= height;
        var rect = el("rect", {
          x: (box.left + index * slot + (slot - width) / 2).toFixed(2), y: base.toFixed(2),
          width: width.toFixed(2), height: height.toFixed(2), fill: data.colours[kind], class: "bar",
          "data-month": month, "data-kind": kind, "data-count": count,
        }, svg);
        el("title", {}, rect).textContent = month + " · " + kind + ": " + count + (count === 1 ? " mention" : " mentions");
        drawn += 1;
      });
    });
    return drawn;
  }

  function drawLegend(svg, box, data) {
    var x = box.left;
    data.kinds.forEach(function (kind) {
      el("rect", { x: x, y: 6, width: 12, height: 12, fill: data.colours[kind], class: "legend-swatch" }, svg);
      text(svg, x + 16, 16, kind, { class: "legend-label" });
      x += 24 + kind.length * 7.5;
    });
  }

  function draw(container, data) {
    var width = Math.max(container.clientWidth || 0, 640);
    var height = 300;
    var box = { left: 48, top: 30, width: width - 64, height: height - 70 };
    var svg = el("svg", {
      width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "Mentions per month by source kind",
    });
    var maxValue = niceMax(Math.max.apply(null, monthTotals(data).concat([1])));
    var slot = box.width / Math.max(1, data.months.length);
    drawAxes(svg, box, maxValue);
    drawYears(svg, box, data.months, slot);
    var drawn = drawBars(svg, box, data, maxValue, slot);
    drawLegend(svg, box, data);
    container.innerHTML = "";
    container.appendChild(svg);
    container.setAttribute("data-bars", String(drawn));
    container.setAttribute("data-rendered", "true");
  }

  function start() {
    var container = document.getElementById("topic-chart");
    var source = document.getElementById("topic-chart-data");
    if (!container || !source) { return; }
    draw(container, JSON.parse(source.textContent));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
