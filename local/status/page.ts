/**
 * The status page: plain HTML, CSS and one inline script (no build step, no
 * library) that fetches /api/status every `refreshMs` and redraws SVG charts.
 * Every drawn value carries `data-value` (and what it belongs to) so the
 * browser test reads the numbers the charts show.
 */
export function statusPageHtml(refreshMs: number): string {
    return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>FlightStream local status</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1d2733; }
  header { background: #1d2733; color: #fff; padding: 10px 20px; display: flex; justify-content: space-between; align-items: baseline; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: repeat(3, minmax(320px, 1fr)); gap: 14px; padding: 14px; }
  section { background: #fff; border-radius: 6px; padding: 10px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section h2 { font-size: 14px; margin: 0 0 6px; }
  .big { font-size: 26px; font-weight: 600; }
  .muted { color: #6b7785; font-size: 12px; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; }
  td, th { text-align: left; padding: 2px 4px; border-bottom: 1px solid #eef0f2; }
  svg text { font-size: 11px; fill: #1d2733; }
  .tile { display: inline-block; min-width: 44%; margin: 3px; padding: 6px 8px; border-radius: 4px; background: #eef7f0; }
  .tile.down { background: #fdecec; }
</style>
</head>
<body>
<header><h1>FlightStream local platform</h1><span id="updated" class="muted">loading…</span></header>
<main>
  <section id="demand"><h2>Demand per route (searches, last 60 min)</h2><svg width="100%" height="200" viewBox="0 0 420 200"></svg></section>
  <section id="alerts"><h2>High-demand alerts</h2><div class="big" data-value="0">0</div><table><thead><tr><th>route</th><th>window</th><th>searches</th><th>baseline</th></tr></thead><tbody></tbody></table></section>
  <section id="health"><h2>Emulators and services</h2><div class="tiles"></div></section>
  <section id="lag"><h2>Reader lag per shard (ms behind, per consumer)</h2><svg width="100%" height="200" viewBox="0 0 420 200"></svg></section>
  <section id="lag-history"><h2>Max reader lag over time (ms)</h2><svg width="100%" height="200" viewBox="0 0 420 200"></svg></section>
  <section id="freshness"><h2>Lake and pond freshness (s since newest output)</h2><svg width="100%" height="200" viewBox="0 0 420 200"></svg><div class="muted" id="freshness-detail"></div></section>
</main>
<script>
(function () {
  var REFRESH = ${refreshMs};
  var COLORS = ["#2f6fdf", "#e36f1e", "#1a7f37", "#8250df", "#cf222e", "#0a7ea4"];
  var history = {};
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fmt(n) { return n >= 10000 ? (n / 1000).toFixed(0) + "k" : String(Math.round(n * 10) / 10); }
  /** Horizontal bars: items [{label, value, key, color}]. */
  function bars(svg, items, empty) {
    clear(svg);
    if (items.length === 0) { svg.appendChild(el("text", { x: 10, y: 100, "class": "empty" }, empty)); return; }
    var max = Math.max.apply(null, items.map(function (i) { return i.value; }).concat([1]));
    var h = Math.min(22, 190 / items.length);
    items.forEach(function (it, i) {
      var y = 5 + i * h;
      var w = Math.max(1, 250 * it.value / max);
      svg.appendChild(el("text", { x: 0, y: y + h * 0.7 }, it.label));
      var r = el("rect", { x: 120, y: y + 2, width: w, height: h - 4, fill: it.color || COLORS[0], "data-key": it.key, "data-value": it.value });
      svg.appendChild(r);
      svg.appendChild(el("text", { x: 124 + w, y: y + h * 0.7 }, fmt(it.value)));
    });
  }
  /** Lines over time: series {name: [[t, v], ...]}. */
  function lines(svg, series) {
    clear(svg);
    var names = Object.keys(series);
    var all = [];
    names.forEach(function (n) { all = all.concat(series[n]); });
    if (all.length === 0) { svg.appendChild(el("text", { x: 10, y: 100 }, "no data yet")); return; }
    var t0 = Math.min.apply(null, all.map(function (p) { return p[0]; }));
    var t1 = Math.max.apply(null, all.map(function (p) { return p[0]; }).concat([t0 + 1]));
    var vmax = Math.max.apply(null, all.map(function (p) { return p[1]; }).concat([1]));
    svg.appendChild(el("line", { x1: 40, y1: 170, x2: 415, y2: 170, stroke: "#ccc" }));
    svg.appendChild(el("text", { x: 0, y: 20 }, fmt(vmax)));
    svg.appendChild(el("text", { x: 0, y: 170 }, "0"));
    names.forEach(function (n, i) {
      var pts = series[n].map(function (p) { return (40 + 375 * (p[0] - t0) / (t1 - t0)).toFixed(1) + "," + (170 - 150 * p[1] / vmax).toFixed(1); });
      var last = series[n][series[n].length - 1];
      svg.appendChild(el("polyline", { points: pts.join(" "), fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 2, "data-key": n, "data-value": last[1] }));
      svg.appendChild(el("text", { x: 45 + 120 * i, y: 192, fill: COLORS[i % COLORS.length] }, n + ": " + fmt(last[1])));
    });
  }
  function push(key, t, v) {
    (history[key] = history[key] || []).push([t, v]);
    if (history[key].length > 300) history[key].shift();
  }
  function render(s) {
    var t = Date.parse(s.at);
    document.getElementById("updated").textContent = "updated " + s.at.slice(11, 19) + " UTC, every " + REFRESH / 1000 + " s";
    bars(document.querySelector("#demand svg"), s.demand.map(function (d) { return { label: d.route, value: d.searches, key: d.route }; }), "no searches yet");

    var a = document.getElementById("alerts");
    a.querySelector(".big").textContent = String(s.alerts.length);
    a.querySelector(".big").setAttribute("data-value", String(s.alerts.length));
    var tb = a.querySelector("tbody"); clear(tb);
    s.alerts.forEach(function (x) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-key", x.route);
      [x.route, x.windowStart.slice(11, 16), x.searches, x.baselineSearches].forEach(function (v) { var td = document.createElement("td"); td.textContent = String(v); tr.appendChild(td); });
      tb.appendChild(tr);
    });

    var tiles = document.querySelector("#health .tiles"); clear(tiles);
    s.health.forEach(function (h) {
      var d = document.createElement("div");
      d.className = "tile" + (h.ok ? "" : " down");
      d.setAttribute("data-key", h.name); d.setAttribute("data-ok", String(h.ok)); d.setAttribute("data-value", String(h.latencyMs));
      d.innerHTML = "<b class='" + (h.ok ? "ok" : "bad") + "'>" + (h.ok ? "up" : "DOWN") + "</b> " + h.name + " <span class='muted'>" + h.latencyMs + " ms</span>";
      d.title = h.detail;
      tiles.appendChild(d);
    });

    var consumers = [];
    s.lag.forEach(function (l) { if (consumers.indexOf(l.consumer) < 0) consumers.push(l.consumer); });
    bars(document.querySelector("#lag svg"), s.lag.map(function (l) {
      return { label: l.consumer.replace("stream-", "") + " #" + Number(l.shardId.split("-")[1]), value: l.lagMs, key: l.consumer + "/" + l.shardId, color: COLORS[consumers.indexOf(l.consumer) % COLORS.length] };
    }), "no readers");
    consumers.forEach(function (c) { push("lag:" + c, t, Math.max.apply(null, s.lag.filter(function (l) { return l.consumer === c; }).map(function (l) { return l.lagMs; }))); });
    var lagSeries = {}; consumers.forEach(function (c) { lagSeries[c] = history["lag:" + c]; });
    lines(document.querySelector("#lag-history svg"), lagSeries);

    var fresh = [s.lake].concat(s.ponds);
    fresh.forEach(function (f) { if (f.ageSeconds !== null) push("fresh:" + f.name, t, f.ageSeconds); });
    var fs = {}; fresh.forEach(function (f) { if (history["fresh:" + f.name]) fs[f.name === "lake" ? "lake" : "pond " + f.name] = history["fresh:" + f.name]; });
    lines(document.querySelector("#freshness svg"), fs);
    document.getElementById("freshness-detail").textContent = fresh.map(function (f) {
      return (f.name === "lake" ? "lake" : "pond " + f.name) + ": " + f.objects + " objects" + (f.runs !== undefined ? ", " + f.runs + " ETL runs, " + f.failures + " failed" : "");
    }).join(" · ");
  }
  function tick() {
    fetch("/api/status").then(function (r) { return r.json(); }).then(render).catch(function (e) {
      document.getElementById("updated").textContent = "status unavailable: " + e.message;
    }).then(function () { setTimeout(tick, REFRESH); });
  }
  tick();
})();
</script>
</body>
</html>
`;
}
