/* The occupancy dashboard's chart, drawn with uPlot from the json_script element's numbers,
   and its pickers, which apply a choice at once. The page works without it: the same numbers
   are in the table and the CSV download, and the pickers have a "Show" button. */
(function () {
  "use strict";

  var COLOURS = ["#1f3a5f", "#0b6e4f", "#a4262c", "#8a5a00", "#6b3fa0", "#00708a", "#b3446c", "#4d5d00"];

  // The last moment any series has a figure for.
  function latestIndex(data) {
    for (var i = data.times.length - 1; i > 0; i--) {
      var known = data.series.some(function (item) {
        return item.mean[i] != null || item.max[i] != null;
      });
      if (known) {
        return i;
      }
    }
    return 0;
  }

  function seriesOptions(data, write) {
    var options = [
      {
        label: "Time",
        value: function (u, seconds) {
          return seconds == null ? "" : write(seconds, false);
        },
      },
    ];
    var value = legendValue(write);
    data.series.forEach(function (item, index) {
      var colour = COLOURS[index % COLOURS.length];
      options.push({ label: item.label + " mean", stroke: colour, width: index === 0 ? 3 : 2, value: value });
      options.push({ label: item.label + " max", stroke: colour, width: 1, dash: [6, 4], value: value });
    });
    return options;
  }

  function people(number) {
    return Number(number).toLocaleString("en-GB", { maximumFractionDigits: 1 });
  }

  // A series' figure in the legend, never uPlot's "--": under the cursor, the figure at that
  // moment or "no reading"; at rest, the latest figure, with its time when it is older than
  // the chart's latest moment.
  function legendValue(write) {
    return function (u, number, seriesIndex, index) {
      if (number != null) {
        return people(number);
      }
      if (u.cursor.idx != null || index == null) {
        return "no reading";
      }
      var column = u.data[seriesIndex];
      for (var i = Math.min(index, column.length - 1); i >= 0; i--) {
        if (column[i] != null) {
          return people(column[i]) + " at " + write(u.data[0][i], false);
        }
      }
      return "no reading";
    };
  }

  function columns(data) {
    var result = [data.times];
    data.series.forEach(function (item) {
      result.push(item.mean);
      result.push(item.max);
    });
    return result;
  }

  // Times as the page writes them (occupancy/templatetags/occupancy_time.py): "09:05" on the
  // building's today, "Sat 21 Nov 09:05" on another day, always in the building's zone.
  function timeWriter(zone) {
    var parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    function pieces(seconds) {
      var found = {};
      parts.formatToParts(new Date(seconds * 1000)).forEach(function (part) {
        found[part.type] = part.value;
      });
      return found;
    }
    var today = pieces(Date.now() / 1000);
    return function (seconds, alwaysDay) {
      var p = pieces(seconds);
      var clock = p.hour + ":" + p.minute;
      var sameDay = p.day === today.day && p.month === today.month && p.year === today.year;
      return alwaysDay || !sameDay ? p.weekday + " " + p.day + " " + p.month + " " + clock : clock;
    };
  }

  function draw(container, data) {
    var width = Math.max(container.clientWidth, 280);
    var write = timeWriter(data.timezone);
    var severalDays = data.times[data.times.length - 1] - data.times[0] > 86400;
    var latest = latestIndex(data);
    var options = {
      width: width,
      height: width < 600 ? 260 : 340,
      tzDate: function (seconds) {
        return uPlot.tzDate(new Date(seconds * 1000), data.timezone);
      },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [
        {
          values: function (u, splits) {
            return splits.map(function (seconds) {
              return write(seconds, severalDays);
            });
          },
        },
        { label: "People" },
      ],
      series: seriesOptions(data, write),
      legend: { live: true },
      hooks: {
        // Away from the chart, the legend shows the latest figures rather than dashes.
        setCursor: [
          function (u) {
            if (u.cursor.idx == null) {
              u.setLegend({ idx: latest });
            }
          },
        ],
      },
    };
    var chart = new uPlot(options, columns(data), container);
    chart.setLegend({ idx: latest });
    return chart;
  }

  function start() {
    var container = document.getElementById("occupancy-chart");
    var source = document.getElementById("occupancy-chart-data");
    if (!container || !source || typeof uPlot === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.times.length) {
      container.textContent = "No figures for this range yet.";
      return;
    }
    var chart = draw(container, data);
    var resizing = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizing);
      resizing = window.setTimeout(function () {
        var width = Math.max(container.clientWidth, 280);
        chart.setSize({ width: width, height: width < 600 ? 260 : 340 });
      }, 150);
    });
  }

  // A choice in the pickers applies at once; their "Show" buttons stay for pages without
  // this script, and for chosen dates: a date being typed is not a choice yet.
  function applyOnChange() {
    document.querySelectorAll("form[data-apply-on-change]").forEach(function (form) {
      var range = form.querySelector("select[name=range]");
      var start = form.querySelector("input[name=start]");
      var stop = form.querySelector("input[name=stop]");
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (target.matches("input[type=date]")) {
          if (range) {
            range.value = "custom";
          }
          return;
        }
        if (!target.matches("select")) {
          return;
        }
        if (target === range && range.value === "custom" && start && stop) {
          if (!start.value || !stop.value) {
            (start.value ? stop : start).focus();
            return;
          }
        }
        form.submit();
      });
    });
  }

  function ready() {
    applyOnChange();
    start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
