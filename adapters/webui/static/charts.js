// Draws the overview's charts with uPlot from the JSON in #chart-data.
(function () {
  "use strict";
  var el = document.getElementById("chart-data");
  if (!el || typeof uPlot === "undefined") { return; }
  var data = JSON.parse(el.textContent);
  var charts = [];
  document.querySelectorAll(".chart[data-series]").forEach(function (div) {
    var key = div.getAttribute("data-series");
    var opts = {
      width: Math.max(200, div.clientWidth),
      height: 180,
      legend: { show: false },
      series: [{}, { label: key, stroke: "#2563eb", fill: "rgba(37,99,235,0.12)", width: 1.5 }],
      axes: [{}, { size: 60 }],
    };
    var u = new uPlot(opts, [data.t, data[key]], div);
    charts.push([u, div]);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c[0].setSize({ width: Math.max(200, c[1].clientWidth), height: 180 }); });
  });
})();
