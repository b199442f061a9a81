/**
 * @module admin/status-page
 * The admin listener's status page (`GET /`): one self-contained HTML page, no external asset
 * and no build step. Its script opens an EventSource on `status/events` (with the page's own
 * query, so that `?token=` goes along) and redraws its tables from each `status` event
 * (admin/status-snapshot.ts `StatusSnapshot`). Every value is set as text, never as HTML.
 */

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
#state { color: #666; }
#state.live { color: #0a7a33; }
.cards { display: flex; gap: .8rem; flex-wrap: wrap; }
.card { background: #fff; border: 1px solid #d8dce3; border-radius: 6px; padding: .5rem .9rem; min-width: 7rem; }
.card b { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; background: #fff; min-width: 24rem; }
th, td { border: 1px solid #d8dce3; padding: .2rem .6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(26rem, 1fr)); gap: 0 1.5rem; }
.grid > div { overflow-x: auto; }
.grid > .wide { grid-column: 1 / -1; }
`;

const SCRIPT = `
const REASONS = ["normal", "disconnected", "trap", "oom", "killed", "timeout", "cpu", "shutdown"];
const $ = (id) => document.getElementById(id);
function table(id, head, rows) {
  const t = $(id);
  t.replaceChildren();
  const tr = t.insertRow();
  for (const h of head) { const th = document.createElement("th"); th.textContent = h; tr.append(th); }
  if (rows.length === 0) { const td = t.insertRow().insertCell(); td.colSpan = head.length; td.textContent = "none"; }
  for (const row of rows) {
    const r = t.insertRow();
    for (const v of row) { const c = r.insertCell(); c.textContent = String(v); if (typeof v === "number") c.className = "n"; }
  }
}
function draw(s) {
  $("live").textContent = s.processes.live;
  $("parked").textContent = s.processes.parked;
  $("running").textContent = s.processes.running;
  $("subs").textContent = s.broker.subscriptions;
  $("at").textContent = s.at + " (up " + s.uptimeSeconds + " s)";
  table("routes", ["component", "route", "parked", "running"],
    s.routes.map((r) => [r.component, r.route, r.parked, r.running]));
  table("exits", ["minute (UTC)", ...REASONS],
    s.exitsByMinute.map((m) => [m.start.slice(11, 16), ...REASONS.map((r) => m.exits[r] || 0)])
      .concat([["since start", ...REASONS.map((r) => s.exitsTotal[r] || 0)]]));
  table("top", ["pid", "worker", "component", "route", "cpu ms", "age s", "state"],
    s.top.map((p) => [p.pid, p.worker, p.component, p.route, Math.round(p.cpuMs),
      Math.round(p.ageMs / 1000), p.parked ? "parked" : "running"]));
  table("topics", ["topic", "subscribers"], s.broker.topics.map((t) => [t.topic, t.subscribers]));
  table("workers", ["worker", "serving", "answered", "processes", "connections"],
    s.workers.map((w) => [w.index, w.serving ? "yes" : "no", w.answered ? "yes" : "no", w.live, w.connections]));
  $("restarts").textContent = Object.entries(s.watchdogRestarts).map(([k, v]) => k + ": " + v).join(", ") || "none";
}
const source = new EventSource("status/events" + location.search);
source.addEventListener("status", (e) => { $("state").textContent = "live"; $("state").className = "live"; draw(JSON.parse(e.data)); });
source.onerror = () => { $("state").textContent = "reconnecting"; $("state").className = ""; };
`;

/** The page, as served. */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rusm status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>rusm status <span id="state">connecting</span></h1>
<div id="at"></div>
<h2>Processes</h2>
<div class="cards">
  <div class="card">live<b id="live">-</b></div>
  <div class="card">parked<b id="parked">-</b></div>
  <div class="card">running<b id="running">-</b></div>
  <div class="card">subscriptions<b id="subs">-</b></div>
</div>
<div class="grid">
  <div><h2>Live processes by component and route</h2><table id="routes"></table></div>
  <div><h2>Top processes by CPU</h2><table id="top"></table></div>
  <div class="wide"><h2>Exits by reason, last minutes</h2><table id="exits"></table></div>
  <div><h2>Broker topics</h2><table id="topics"></table></div>
  <div><h2>Workers</h2><table id="workers"></table><p>Watchdog restarts: <span id="restarts">-</span></p></div>
</div>
<script>${SCRIPT}</script>
</body>
</html>
`;
