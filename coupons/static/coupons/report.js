/* The cost report's charts (Chart.js, vendored): issued and used by day, discount by day split
   mall / vendor (stacked), discount by reason. Data comes from the page's json_script; colours
   from the admin's CSS variables, read again when the theme changes, so the charts follow the
   admin's light and dark themes. The tables below the charts carry the same figures. */
(function () {
  "use strict";

  function start() {
    var source = document.getElementById("report-chart-data");
    if (!source || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var text = data.text;
    var lang = document.documentElement.lang || "ko";
    var number = new Intl.NumberFormat(lang);
    var Chart = window.Chart;

    function theme() {
      var style = getComputedStyle(document.documentElement);
      function read(name) {
        return style.getPropertyValue(name).trim();
      }
      return {
        fg: read("--body-fg"),
        quiet: read("--body-quiet-color"),
        grid: read("--hairline-color"),
        border: read("--border-color"),
        series: [read("--report-series-1"), read("--report-series-2")],
        font: getComputedStyle(document.body).fontFamily,
      };
    }

    function won(value) {
      return text.won.replace("%(amount)s", number.format(value));
    }

    function tooltip(format) {
      return {
        callbacks: {
          label: function (item) {
            return item.dataset.label + ": " + format(item.parsed[item.chart.options.indexAxis === "y" ? "x" : "y"]);
          },
        },
      };
    }

    function scales(stacked, valueFormat, horizontal) {
      var value = {
        stacked: stacked,
        beginAtZero: true,
        ticks: { callback: function (v) { return valueFormat(v); }, precision: 0, maxTicksLimit: 6 },
      };
      var category = { stacked: stacked, ticks: { autoSkip: true, maxRotation: 0 } };
      return horizontal ? { x: value, y: category } : { x: category, y: value };
    }

    function count(value) {
      return number.format(value);
    }

    var specs = [
      {
        id: "chart-daily-counts",
        config: {
          type: "line",
          data: {
            labels: data.days,
            datasets: [
              { label: text.issued, data: data.issued, cubicInterpolationMode: "monotone", pointRadius: 2 },
              { label: text.used, data: data.used, cubicInterpolationMode: "monotone", pointRadius: 2 },
            ],
          },
          options: { scales: scales(false, count, false), plugins: { tooltip: tooltip(count) } },
        },
      },
      {
        id: "chart-daily-discount",
        config: {
          type: "bar",
          data: {
            labels: data.days,
            datasets: [
              { label: text.mall, data: data.dayMall },
              { label: text.vendor, data: data.dayVendor },
            ],
          },
          options: { scales: scales(true, won, false), plugins: { tooltip: tooltip(won) } },
        },
      },
      {
        id: "chart-reason-discount",
        config: {
          type: "bar",
          data: {
            labels: data.reasons,
            datasets: [
              { label: text.mall, data: data.reasonMall },
              { label: text.vendor, data: data.reasonVendor },
            ],
          },
          options: {
            indexAxis: "y",
            scales: scales(true, won, true),
            plugins: { tooltip: tooltip(won) },
          },
        },
      },
    ];

    function paint(chart, colours) {
      chart.data.datasets.forEach(function (dataset, i) {
        dataset.borderColor = colours.series[i];
        dataset.backgroundColor = chart.config.type === "line" ? colours.series[i] : colours.series[i] + "cc";
      });
      var options = chart.options;
      options.color = colours.fg;
      options.plugins.legend.labels.color = colours.fg;
      Object.keys(options.scales).forEach(function (axis) {
        var scale = options.scales[axis];
        scale.ticks.color = colours.quiet;
        scale.grid.color = colours.grid;
        scale.border.color = colours.border;
      });
    }

    var colours = theme();
    Chart.defaults.font.family = colours.font;
    Chart.defaults.animation = false; // drawn once, at once: a report, not a show
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.datasets.bar.maxBarThickness = 36;
    var charts = [];
    specs.forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      if (!canvas) {
        return;
      }
      var chart = new Chart(canvas, spec.config);
      paint(chart, colours);
      chart.update();
      charts.push(chart);
    });

    function repaint() {
      var now = theme();
      charts.forEach(function (chart) {
        paint(chart, now);
        chart.update();
      });
    }
    // The admin's theme toggle sets data-theme on <html>; "auto" follows the system setting.
    new MutationObserver(repaint).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-theme"],
    });
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", repaint);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
