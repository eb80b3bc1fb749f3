// Nightbake console: the fleet page (landing), a tenant's page, a run's page. Reads the HTTP API with the key the
// user gives (kept for the tab only); an operator key sees everything, a tenant key only its own tenant's page.
"use strict";

// ---- API fields, mapped in ONE place: the run report's naming (run vs attempt) is being settled, so read tolerantly.
const Fields = {
  runId: r => r == null ? null : (r.runId ?? r.attemptId ?? r.jobExecutionId ?? r.executionId ?? r.id ?? null),
  seconds(d) {
    if (d == null) return null;
    if (typeof d === "number") return d;
    const m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(String(d));
    return m ? (+(m[1] || 0)) * 3600 + (+(m[2] || 0)) * 60 + (+(m[3] || 0)) : null;
  },
  phase(p) {
    if (!p) return null;
    const results = p.results || p.context || {};
    return { status: p.status, results, millis: p.millis ?? null, error: results.error || p.error || null };
  },
  runLine(l) {
    const retrain = Fields.phase(l.retrain), prebake = Fields.phase(l.prebake), publish = Fields.phase(l.publish);
    const r = retrain ? retrain.results : {};
    const phases = [retrain, prebake, publish];
    const failed = phases.some(p => p && /FAILED|STOPPED|ABANDONED|UNKNOWN/.test(p.status || ""));
    return {
      tenant: l.tenant ?? l.tenantId, state: l.state, retrain, prebake, publish, failed,
      status: failed ? "FAILED" : phases.every(p => !p) ? "SKIPPED" : "COMPLETED",
      rows: r.rows ?? null, gateMetric: r.gateMetric ?? l.gateMetric ?? null,
      championGate: r.championGate ?? l.championGate ?? null, challengerGate: r.challengerGate ?? l.challengerGate ?? null,
      decision: r.decision ?? null, customers: prebake ? (prebake.results.customers ?? null) : null,
      error: phases.map(p => p && p.error).find(e => e) || null,
      detail: publish ? (publish.results.reason ?? "") : "",
    };
  },
  runReport(raw) {
    return {
      runId: Fields.runId(raw), runDate: raw.runDate ?? raw.date, status: raw.status,
      durationSeconds: Fields.seconds(raw.durationSeconds ?? raw.duration),
      tenants: (raw.tenants || raw.lines || []).map(Fields.runLine),
    };
  },
  night(n) {
    return { ...n, runId: Fields.runId(n) };
  },
};

// ---- state
const app = {
  key: sessionStorage.getItem("nightbake-key") || "",
  who: null,            // {name, role, tenant, securityEnabled}
  zone: "UTC",
  charts: {},
  timers: [],
  tenantQuery: { q: "", state: "", page: 0, size: 25 },
  runView: { sort: "tenant", desc: false, status: "" },
};

class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.error)) || ("HTTP " + status));
    this.status = status;
    this.code = body && body.error;
  }
}

async function api(path, options = {}) {
  const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
  if (app.key) headers["Authorization"] = "Bearer " + app.key;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options = Object.assign({}, options, { method: options.method || "POST", body: JSON.stringify(options.json) });
  }
  const response = await fetch(path, Object.assign({}, options, { headers }));
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  if (response.status === 401) {
    askForKey(app.key ? "That key is not valid (unknown or revoked)." : "");
    throw new ApiError(401, body);
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** The answer, or null when the endpoint is not there (yet): 404 for a feature another release adds. */
async function optional(path) {
  try {
    return await api(path);
  } catch (e) {
    if (e.status === 404 || e.status === 501) return null;
    throw e;
  }
}

// ---- small DOM helpers (text only, never HTML from data)
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const dash = v => (v === null || v === undefined || v === "" ? "\u2013" : v);
const fixed = (v, n = 4) => (typeof v === "number" && isFinite(v) ? v.toFixed(n) : "\u2013");
const pct = v => (typeof v === "number" && isFinite(v) ? (100 * v).toFixed(2) + " %" : "\u2013");
const badge = (text, kind) => h("span", { class: "badge " + (kind || String(text || "").toLowerCase()) }, dash(text));
const tenantLink = t => h("a", { href: "#/tenants/" + encodeURIComponent(t), class: "tenant-link", dataset: { tenant: t } }, t);
const runLink = (id, text) => h("a", { href: "#/runs/" + id, class: "run-link" }, text ?? ("run " + id));

/** A time with its zone, in the schedule's zone (the one the nights are dated in). */
function time(value) {
  if (!value) return "\u2013";
  const d = new Date(value);
  if (isNaN(d)) return String(value);
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: app.zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hour12: false, timeZoneName: "short",
  }).formatToParts(d).reduce((a, p) => (a[p.type] = p.value, a), {});
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "\u2013";
  const s = Math.round(seconds);
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
function show(message, kind) {
  const el = document.getElementById("message");
  el.hidden = !message;
  el.className = "banner " + (kind || "");
  el.textContent = message || "";
}
function card(title, attrs, ...body) {
  return h("section", Object.assign({ class: "card" }, attrs || {}), title ? h("h2", {}, title) : null, ...body);
}
function table(id, headers, rows, attrs) {
  return h("table", Object.assign({ id, class: "grid" }, attrs || {}),
    h("thead", {}, h("tr", {}, headers.map(x => (x instanceof Node ? x : h("th", {}, x))))),
    h("tbody", {}, rows));
}

// ---- charts: ECharts instances per element, disposed when the page changes
function chart(id, option) {
  const el = document.getElementById(id);
  if (!el) return null;
  let c = app.charts[id];
  if (!c || c.getDom() !== el) {
    if (c) c.dispose();
    c = echarts.init(el, null, { renderer: "canvas" });
    app.charts[id] = c;
  }
  c.setOption(Object.assign({
    animation: false,
    textStyle: { fontFamily: "Inter, system-ui, sans-serif" },
    grid: { left: 56, right: 56, top: 40, bottom: 36 },
    tooltip: { trigger: "axis" },
    color: ["#4f7cff", "#f5a524", "#9aa4b2", "#e5484d", "#30a46c", "#8e4ec6"],
  }, option), true);
  return c;
}
window.addEventListener("resize", () => Object.values(app.charts).forEach(c => c.resize()));

function clearPage() {
  app.timers.forEach(t => clearTimeout(t));
  app.timers = [];
  Object.values(app.charts).forEach(c => c.dispose());
  app.charts = {};
  show("");
}
function later(fn, ms) {
  app.timers.push(setTimeout(fn, ms));
}

// ---- key and identity
function askForKey(error) {
  document.getElementById("key-dialog").hidden = false;
  document.getElementById("key-error").textContent = error || "";
  document.getElementById("key").focus();
}
document.getElementById("key-form").addEventListener("submit", async event => {
  event.preventDefault();
  app.key = document.getElementById("key").value.trim();
  sessionStorage.setItem("nightbake-key", app.key);
  app.who = null;
  document.getElementById("key-dialog").hidden = true;
  route();
});
document.getElementById("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem("nightbake-key");
  app.key = "";
  app.who = null;
  document.getElementById("page").replaceChildren();
  askForKey("");
});

async function identify() {
  if (app.who) return app.who;
  app.who = await api("/api/v1/whoami");
  const operator = app.who.role === "OPERATOR";
  document.getElementById("who").textContent = app.who.securityEnabled
    ? (operator ? "operator " : "tenant " + app.who.tenant + " \u00b7 ") + app.who.name : "no keys (local demo)";
  document.getElementById("sign-out").hidden = !app.who.securityEnabled;
  const nav = document.getElementById("nav");
  nav.replaceChildren(...(operator ? [h("a", { href: "#/" }, "Fleet")] : [h("a", { href: "#/tenants/" + app.who.tenant }, "My models")]));
  return app.who;
}

// ---- router
async function route() {
  clearPage();
  const page = document.getElementById("page");
  let who;
  try {
    who = await identify();
  } catch (e) {
    if (e.status !== 401) show(e.message, "error");
    return;
  }
  const hash = location.hash.replace(/^#/, "") || "/";
  const operator = who.role === "OPERATOR";
  let m;
  try {
    if ((m = /^\/tenants\/([^/]+)$/.exec(hash))) {
      const tenant = decodeURIComponent(m[1]);
      if (!operator && tenant !== who.tenant) {
        page.replaceChildren(forbidden(tenant));
        return;
      }
      await tenantPage(page, tenant);
    } else if ((m = /^\/runs\/(\d+)$/.exec(hash)) && operator) {
      await runPage(page, m[1]);
    } else if (operator) {
      await fleetPage(page);
    } else {
      location.hash = "#/tenants/" + encodeURIComponent(who.tenant);
    }
  } catch (e) {
    if (e.status === 403) page.replaceChildren(forbidden());
    else if (e.status !== 401) show(e.message, "error");
  }
}
window.addEventListener("hashchange", route);

function forbidden(tenant) {
  return card("Not for this key", { id: "forbidden" },
    h("p", {}, tenant ? `This key cannot see tenant '${tenant}'.` : "This key cannot see this page."),
    app.who && app.who.tenant ? h("p", {}, "Go to ", tenantLink(app.who.tenant), ".") : null);
}

// ================================================================== fleet page
async function fleetPage(page) {
  page.replaceChildren(
    h("div", { class: "kpis", id: "kpis" }),
    h("div", { class: "row" },
      card("Last night", { id: "progress", class: "card wide" }),
      card("Needs attention", { id: "attention-card", class: "card" }, h("div", { id: "attention" }))),
    h("div", { class: "row" },
      card("Tenants ON / FROZEN / OFF", { class: "card" }, h("div", { class: "chart", id: "chart-states" }),
        h("p", { class: "muted small", id: "states-source" })),
      card("Nights: duration and failed partitions", { class: "card" }, h("div", { class: "chart", id: "chart-nights" }))),
    h("div", { class: "row" },
      card("Promotions per night", { class: "card" }, h("div", { class: "chart", id: "chart-promotions" })),
      card("Online: fleet click-through and conversion", { class: "card" }, h("div", { id: "online-fleet" }))),
    card("Tenants", { id: "tenants-card" }, tenantSearch(), h("div", { id: "tenants" })),
    card("Recent nights", { id: "nights-card" }, h("div", { id: "nights" })));
  await refreshFleet();
}

async function refreshFleet() {
  const [overview, health] = await Promise.all([api("/api/v1/admin/fleet/overview?nights=30"),
    optional("/api/v1/admin/fleet/health?days=30")]);
  if (!document.getElementById("progress")) return; // navigated away
  app.zone = overview.zone || "UTC";
  document.getElementById("zone").textContent = app.zone;
  const states = health && health.days ? { days: health.days, source: "macro monitoring (fleet health)" }
    : Object.assign(await api("/api/v1/admin/fleet/states?days=30"), { source: "replayed from the state audit trail" });
  renderKpis(overview);
  renderProgress(overview.latestRun);
  renderAttention(overview.attention || [], health ? health.warnings || [] : [], overview.attentionCounts || {});
  renderStates(states);
  const nights = (overview.nights || []).map(Fields.night);
  renderNights(nights);
  renderOnlineFleet(health);
  await loadTenants(); // the list's champions and snapshots move with the night
  const running = overview.latestRun && overview.latestRun.running;
  later(() => refreshFleet().catch(e => show(e.message, "error")), running ? 2000 : 15000);
}

function renderKpis(o) {
  const s = o.states || {};
  const run = o.latestRun;
  const kpi = (label, value, cls, id) => h("div", { class: "kpi " + (cls || ""), id }, h("div", { class: "value" }, value),
    h("div", { class: "label" }, label));
  document.getElementById("kpis").replaceChildren(
    kpi("tenants", o.tenants, "", "kpi-tenants"),
    kpi("ON", s.ON ?? 0, "on"), kpi("FROZEN", s.FROZEN ?? 0, "frozen"), kpi("OFF", s.OFF ?? 0, "off"),
    kpi("last night", run ? run.runDate : "none yet", run ? String(run.status).toLowerCase() : ""),
    kpi("need attention", o.attentionTenants ?? new Set((o.attention || []).map(a => a.tenant)).size,
      (o.attention || []).length ? "warn" : ""));
}

function renderProgress(run) {
  const el = document.getElementById("progress");
  if (!run) {
    el.replaceChildren(h("h2", {}, "Last night"), h("p", { class: "muted" }, "No nightly run yet."));
    return;
  }
  const total = run.tenantsTotal || 0;
  const done = run.tenantsDone || 0;
  el.dataset.running = run.running;
  el.dataset.done = done;
  el.dataset.total = total;
  el.dataset.phase = run.phase || "";
  el.dataset.runId = Fields.runId(run);
  const bars = (run.phases || []).map(p => {
    const share = p.partitions ? Math.round(100 * p.done / p.partitions) : 0;
    return h("div", { class: "phase", dataset: { phase: p.phase } },
      h("span", { class: "phase-name" }, p.phase),
      h("div", { class: "bar" }, h("div", { class: "fill" + (p.failed ? " has-failed" : ""), style: `width:${share}%` })),
      h("span", { class: "phase-count" }, p.partitions ? `${p.done} / ${p.partitions}` : "\u2013",
        p.failed ? h("span", { class: "failed-count" }, ` \u00b7 ${p.failed} failed`) : null));
  });
  el.replaceChildren(
    h("h2", {}, run.running ? "Tonight's run " : "Last night ", runLink(Fields.runId(run), run.runDate), " ",
      badge(run.running ? "RUNNING" : run.status), run.attempt > 1 ? h("span", { class: "muted" }, ` attempt ${run.attempt}`) : null),
    h("div", { class: "facts" },
      fact("phase", run.running ? run.phase : "ended", "fact-phase"),
      fact("tenants done", `${done} of ${total}`, "fact-done"),
      fact("failures", run.failures, run.failures ? "fact-failures bad" : "fact-failures"),
      fact("started", time(run.startTime)),
      fact("elapsed", duration(run.elapsedSeconds)),
      run.running ? fact("estimated left", run.etaSeconds == null ? "\u2013" : duration(run.etaSeconds), "fact-eta", run.etaBasis)
        : fact("ended", time(run.endTime))),
    h("div", { class: "phases" }, bars));
}
function fact(label, value, cls, title) {
  return h("div", { class: "fact " + (cls || ""), title }, h("div", { class: "label" }, label), h("div", { class: "value" }, dash(value)));
}

const KIND_LABEL = { failed: "failed", stale_lists: "stale lists", worse_than_popularity: "worse than popularity",
  ctr_drop_after_promotion: "CTR fell after promotion", switched_off_share: "many switched off" };

function renderAttention(items, warnings, counts) {
  const all = items.concat(warnings.filter(w => w.kind === "ctr_drop_after_promotion" && w.tenant)
    .map(w => ({ tenant: w.tenant, kind: w.kind, message: w.message })));
  const fleetWarnings = warnings.filter(w => !w.tenant);
  const el = document.getElementById("attention");
  if (!all.length && !fleetWarnings.length) {
    el.replaceChildren(h("p", { class: "ok-note" }, "\u2713 Nothing needs attention."));
    return;
  }
  const summary = Object.entries(counts).map(([kind, n]) => badge(`${n} ${KIND_LABEL[kind] || kind}`, kind));
  el.replaceChildren(
    summary.length ? h("div", { class: "summary" }, summary) : null,
    ...fleetWarnings.map(w => h("p", { class: "banner warn" }, w.message)),
    table("attention-table", ["tenant", "why", "detail"], all.slice(0, 200).map(a =>
      h("tr", { dataset: { tenant: a.tenant, kind: a.kind } }, h("td", {}, tenantLink(a.tenant)),
        h("td", {}, badge(KIND_LABEL[a.kind] || a.kind, a.kind)), h("td", { class: "detail" }, a.message)))),
    all.length > 200 ? h("p", { class: "muted" }, `first 200 shown; the fleet's tenant list finds the others`) : null);
}

function renderStates(states) {
  document.getElementById("states-source").textContent = "Counts at the end of each day, " + states.source + ".";
  const days = states.days || [];
  chart("chart-states", {
    legend: { top: 0 },
    xAxis: { type: "category", data: days.map(d => d.date) },
    yAxis: [{ type: "value", name: "tenants", minInterval: 1 }, { type: "value", name: "changes", minInterval: 1, splitLine: { show: false } }],
    color: ["#30a46c", "#4f7cff", "#9aa4b2", "#f5a524"],
    series: [
      { name: "ON", type: "line", stack: "s", areaStyle: {}, symbol: "none", data: days.map(d => d.on) },
      { name: "FROZEN", type: "line", stack: "s", areaStyle: {}, symbol: "none", data: days.map(d => d.frozen) },
      { name: "OFF", type: "line", stack: "s", areaStyle: {}, symbol: "none", data: days.map(d => d.off) },
      { name: "state changes", type: "bar", yAxisIndex: 1, barMaxWidth: 10, data: days.map(d => d.stateChanges) },
    ],
  });
}

function renderNights(nights) {
  chart("chart-nights", {
    legend: { top: 0 },
    xAxis: { type: "category", data: nights.map(n => n.runDate) },
    yAxis: [{ type: "value", name: "seconds" }, { type: "value", name: "failed", minInterval: 1, splitLine: { show: false } }],
    series: [
      { name: "duration (s)", type: "bar", barMaxWidth: 18, data: nights.map(n => n.durationSeconds) },
      { name: "failed partitions", type: "line", yAxisIndex: 1, color: "#e5484d", symbolSize: 7, data: nights.map(n => n.failedPartitions) },
    ],
  });
  chart("chart-promotions", {
    xAxis: { type: "category", data: nights.map(n => n.runDate) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "promotions", type: "bar", color: "#30a46c", barMaxWidth: 18, data: nights.map(n => n.promotions) }],
  });
  document.getElementById("nights").replaceChildren(table("nights-table",
    ["night", "status", "attempts", "started", "duration", "failed partitions", "still failing", "promotions"],
    nights.slice().reverse().map(n => h("tr", { dataset: { runDate: n.runDate } },
      h("td", {}, runLink(n.runId, n.runDate)), h("td", {}, badge(n.status)), h("td", {}, n.attempts),
      h("td", {}, time(n.startTime)), h("td", {}, duration(n.durationSeconds)),
      h("td", { class: n.failedPartitions ? "bad" : "" }, n.failedPartitions),
      h("td", { class: n.attempts > 1 && n.stillFailed ? "bad" : "" }, n.attempts > 1 ? n.stillFailed : "\u2013"), h("td", {}, n.promotions)))));
}

function renderOnlineFleet(health) {
  const el = document.getElementById("online-fleet");
  const days = health && health.days ? health.days.filter(d => d.impressions) : [];
  if (!days.length) {
    const c = app.charts["chart-online-fleet"];
    if (c) { c.dispose(); delete app.charts["chart-online-fleet"]; }
    el.replaceChildren(h("p", { class: "muted empty", id: "no-feedback-fleet" },
      "No feedback yet: click-through and conversion appear here once the product reports what was shown, clicked and bought."));
    return;
  }
  if (!document.getElementById("chart-online-fleet")) el.replaceChildren(h("div", { class: "chart", id: "chart-online-fleet" }));
  chart("chart-online-fleet", {
    legend: { top: 0 },
    xAxis: { type: "category", data: days.map(d => d.date) },
    yAxis: { type: "value", axisLabel: { formatter: v => (100 * v).toFixed(1) + "%" } },
    series: [{ name: "CTR", type: "line", data: days.map(d => d.ctr) }, { name: "conversion", type: "line", data: days.map(d => d.conversion) }],
  });
}

function tenantSearch() {
  const q = app.tenantQuery;
  let timer = null;
  return h("div", { class: "toolbar" },
    h("input", { id: "tenant-search", type: "search", placeholder: "search tenants", value: q.q, oninput: e => {
      clearTimeout(timer);
      timer = setTimeout(() => { q.q = e.target.value; q.page = 0; loadTenants(); }, 200);
    } }),
    h("select", { id: "tenant-state-filter", onchange: e => { q.state = e.target.value; q.page = 0; loadTenants(); } },
      ["", "ON", "FROZEN", "OFF"].map(s => h("option", { value: s, selected: s === q.state }, s || "any state"))),
    h("span", { class: "spacer" }),
    h("span", { id: "tenant-count", class: "muted" }),
    h("button", { id: "tenant-prev", class: "ghost", type: "button", onclick: () => { if (q.page > 0) { q.page--; loadTenants(); } } }, "\u2039 previous"),
    h("button", { id: "tenant-next", class: "ghost", type: "button", onclick: () => { q.page++; loadTenants(); } }, "next \u203a"));
}

async function loadTenants() {
  const q = app.tenantQuery;
  const params = new URLSearchParams({ q: q.q, state: q.state, page: q.page, size: q.size });
  const answer = await api("/api/v1/admin/fleet/tenants?" + params);
  const el = document.getElementById("tenants");
  if (!el) return;
  const pages = Math.max(1, Math.ceil(answer.total / answer.size));
  if (q.page >= pages && q.page > 0) { q.page = pages - 1; return loadTenants(); }
  document.getElementById("tenant-count").textContent =
    `${answer.total} tenant${answer.total === 1 ? "" : "s"} \u00b7 page ${answer.page + 1} of ${pages}`;
  document.getElementById("tenant-prev").disabled = answer.page === 0;
  document.getElementById("tenant-next").disabled = answer.page + 1 >= pages;
  el.replaceChildren(table("tenants-table", ["tenant", "state", "state since", "champion version", "published snapshot", "lists of"],
    answer.tenants.map(t => h("tr", { dataset: { tenant: t.tenant } }, h("td", {}, tenantLink(t.tenant)),
      h("td", {}, badge(t.state)), h("td", {}, time(t.stateSince)), h("td", {}, dash(t.championVersion)),
      h("td", {}, dash(t.publishedSnapshot)), h("td", {}, dash(t.publishedRunDate))))));
}

// ================================================================== tenant page
async function tenantPage(page, tenant) {
  const o = await api("/api/v1/tenants/" + encodeURIComponent(tenant) + "/overview");
  app.zone = o.zone || app.zone;
  document.getElementById("zone").textContent = app.zone;
  const operator = app.who.role === "OPERATOR";
  const champion = o.champion;
  page.replaceChildren(
    h("div", { class: "title-row" },
      operator ? h("a", { href: "#/", class: "back" }, "\u2039 fleet") : null,
      h("h1", {}, o.tenant), badge(o.state, "state " + String(o.state).toLowerCase()),
      h("span", { class: "muted", id: "tenant-state", dataset: { state: o.state } }, "since " + time(o.stateSince))),
    h("div", { class: "row" },
      card("Champion", { id: "champion", class: "card" }, championCard(champion, o.publishedSnapshot, o.pin)),
      card("Actions", { id: "actions", class: "card" }, actions(o, operator))),
    lastNightCard(o),
    h("div", { class: "row" },
      card("RMSE per night (lower is better)", { class: "card" }, h("div", { class: "chart", id: "chart-rmse" })),
      card("NDCG@10 per night (higher is better)", { class: "card" }, h("div", { class: "chart", id: "chart-ndcg" }))),
    card("Online: click-through and conversion per day", { id: "online" }, h("div", { id: "online-body" }, h("p", { class: "muted" }, "loading\u2026"))),
    card("Nights", {}, nightsTable(o)),
    h("div", {},
      card("State history", {}, table("state-history", ["when", "from", "to", "by", "reason"],
        o.stateHistory.slice().reverse().map(c => h("tr", {}, h("td", {}, time(c.at)), h("td", {}, c.from ? badge(c.from) : "registered"),
          h("td", {}, badge(c.to)), h("td", {}, c.by), h("td", { class: "detail" }, c.reason))))),
      card("Champion history", {}, table("champion-history", ["when", "change", "from", "to", "by", "reason"],
        o.championHistory.slice().reverse().map(c => h("tr", { dataset: { kind: c.kind } }, h("td", {}, time(c.at)),
          h("td", {}, badge(c.kind)), h("td", {}, dash(c.from)), h("td", {}, c.to), h("td", {}, c.by),
          h("td", { class: "detail" }, c.reason)))))),
    card("Snapshots", {}, table("snapshots", ["snapshot", "night", "model version", "customers", "entries", "built", ""],
      o.snapshots.slice().reverse().map(s => h("tr", {}, h("td", {}, s.snapshot), h("td", {}, s.runDate), h("td", {}, s.modelVersion),
        h("td", {}, s.customers), h("td", {}, s.entries), h("td", {}, time(s.builtAt)),
        h("td", {}, s.published ? badge("served", "on") : ""))))));
  renderTenantCharts(o);
  loadOnline(o.tenant, operator).catch(e => show(e.message, "error"));
}

function championCard(c, snapshot, pin) {
  if (!c) return h("p", { class: "muted" }, "No champion yet: the tenant's first night has not produced one.");
  const row = (k, v) => h("tr", {}, h("th", {}, k), h("td", {}, dash(v)));
  return h("table", { class: "kv" }, row("version", c.version), row("trained on the night of", c.runDate),
    row("algorithm", c.algorithm), row("template", `${c.templateName} v${c.templateVersion}`),
    row("hyper-parameters", c.hyperParameters), row("training rows / holdout rows", `${c.trainRows} / ${c.holdoutRows}`),
    row("training data fingerprint", c.trainFingerprint ? c.trainFingerprint.slice(0, 16) + "\u2026" : null),
    row("libraries", c.libraryVersions), row("finished", time(c.finishedAt)), row("serves snapshot", snapshot),
    pin ? h("tr", { id: "pin" }, h("th", {}, "pinned"), h("td", {}, `version ${pin.version} by ${pin.by}, ${time(pin.at)}: ${pin.reason}`)) : null);
}

function lastNightCard(o) {
  const n = o.lastNight;
  if (!n) return card("Latest night", { id: "last-night" }, h("p", { class: "muted" }, "No nightly run yet."));
  const operator = app.who.role === "OPERATOR";
  return card(null, { id: "last-night", dataset: { failed: n.failed } },
    h("h2", {}, "Latest night ", operator ? runLink(n.runId, n.runDate) : n.runDate, " ", badge(n.failed ? "FAILED" : "COMPLETED")),
    table("last-night-table", ["phase", "status", "detail"], n.partitions.map(p => h("tr", { dataset: { phase: p.phase, status: p.status } },
      h("td", {}, p.phase), h("td", {}, badge(p.status)), h("td", { class: p.error ? "detail error-text" : "detail" }, p.error || dash(p.detail))))));
}

function actions(o, operator) {
  const reason = h("textarea", { id: "reason", rows: 2, maxlength: 1000, placeholder: "Why? (required, kept in the audit trail)" });
  const result = h("p", { id: "action-result", role: "status" });
  const versions = [...new Set(o.nights.map(n => n.challenger && n.challenger.version).filter(v => v != null))].sort((a, b) => b - a);
  const button = (action, label, cls, extra) => h("button", Object.assign({ type: "button", class: cls || "", dataset: { action },
    onclick: () => act(o.tenant, action, reason, result) }, extra || {}), label);
  const stateButtons = [
    o.state !== "FROZEN" ? button("freeze", "Freeze", "", { title: "keep the champion, stop retraining" }) : null,
    o.state !== "OFF" ? button("off", "Switch off", "danger", { title: "unpublish the lists now" }) : null,
    o.state !== "ON" ? button("on", "Switch on", "primary", { title: "retrain nightly; serves the last lists again" }) : null,
  ];
  const operatorButtons = operator ? [
    h("span", { class: "pin" }, h("select", { id: "pin-version" }, versions.map(v => h("option", { value: v }, "version " + v))),
      button("pin", "Pin", "", { disabled: !versions.length })),
    o.pin ? button("unpin", "Unpin", "", { title: "release the pin: the next night may promote a better challenger again" }) : null,
    button("rollback-model", "Roll back model", "", { disabled: o.championHistory.length < 2 }),
    button("rollback-snapshot", "Roll back snapshot", "", { disabled: o.snapshots.length < 2 }),
    o.lastNight && o.lastNight.failed ? button("rerun", "Rerun failed partitions", "primary") : null,
  ] : [];
  return h("div", {}, reason, h("div", { class: "buttons" }, stateButtons, operatorButtons), result,
    operator ? null : h("p", { class: "muted small" }, "Switching off stops your recommendations at once; switching on serves your last lists again."));
}

async function act(tenant, action, reasonEl, result) {
  const reason = reasonEl.value.trim();
  result.className = "";
  if (!reason) {
    result.textContent = "Say why first: every action needs a reason for the audit trail.";
    result.className = "error";
    reasonEl.classList.add("invalid");
    reasonEl.focus();
    return;
  }
  reasonEl.classList.remove("invalid");
  const t = encodeURIComponent(tenant);
  const admin = "/api/v1/admin/tenants/" + t;
  const calls = {
    freeze: () => api("/api/v1/tenants/" + t + "/state", { json: { state: "FROZEN", reason } }),
    off: () => api("/api/v1/tenants/" + t + "/state", { json: { state: "OFF", reason } }),
    on: () => api("/api/v1/tenants/" + t + "/state", { json: { state: "ON", reason } }),
    pin: () => api(admin + "/champion", { json: { version: +document.getElementById("pin-version").value, reason } }),
    unpin: () => api(admin + "/champion/pin", { method: "DELETE", json: { reason } }),
    "rollback-model": () => api(admin + "/champion/rollback", { json: { reason } }),
    "rollback-snapshot": () => api(admin + "/snapshot/rollback", { json: { reason } }),
    rerun: () => api(admin + "/rerun", { json: { reason } }),
  };
  try {
    const answer = await calls[action]();
    sessionStorage.setItem("nightbake-last-action", answer.message || "done");
    if (action === "rerun") sessionStorage.setItem("nightbake-rerun", tenant);
    await route();
  } catch (e) {
    result.textContent = e.message;
    result.className = "error";
  }
}

function renderTenantCharts(o) {
  const nights = o.nights;
  const events = o.championHistory;
  const markers = events.map(e => ({
    name: e.kind, xAxis: e.night || e.date,
    lineStyle: { color: { promotion: "#30a46c", pin: "#8e4ec6", rollback: "#e5484d" }[e.kind] || "#999", type: "dashed" },
    label: { formatter: `${e.kind} v${e.to}`, color: "#5b6472", fontSize: 10 },
  }));
  const series = (name, pick, extra) => Object.assign({ name, type: "line", symbolSize: 7, connectNulls: true,
    data: nights.map(n => [n.runDate, pick(n)]).filter(p => p[1] != null) }, extra || {});
  const marks = { markLine: { symbol: "none", data: markers, silent: true } };
  const common = {
    legend: { top: 0 },
    // a day of margin on each side, so that the first and the last night are not on the chart's edges
    xAxis: { type: "time", axisLabel: { formatter: "{yyyy}-{MM}-{dd}", hideOverlap: true }, minInterval: 86400000,
      min: v => v.min - 86400000, max: v => v.max + 86400000 },
    yAxis: { type: "value", scale: true },
  };
  chart("chart-rmse", Object.assign({}, common, {
    series: [series("challenger", n => n.challenger && n.challenger.rmse, marks),
      series("champion", n => n.champion && n.champion.rmse)],
  }));
  chart("chart-ndcg", Object.assign({}, common, {
    series: [series("challenger", n => n.challenger && n.challenger.ndcgAt10, marks),
      series("champion", n => n.champion && n.champion.ndcgAt10),
      series("popularity", n => n.popularityNdcgAt10, { lineStyle: { type: "dotted" } })],
  }));
  const done = sessionStorage.getItem("nightbake-last-action");
  if (done) {
    sessionStorage.removeItem("nightbake-last-action");
    const el = document.getElementById("action-result");
    if (el) { el.textContent = done; el.className = "ok"; }
  }
  if (sessionStorage.getItem("nightbake-rerun") === o.tenant) {
    if (o.lastNight && o.lastNight.failed) later(() => route(), 3000);
    else sessionStorage.removeItem("nightbake-rerun");
  }
}

function nightsTable(o) {
  return table("tenant-nights", ["night", "gate metric", "challenger", "challenger RMSE", "challenger NDCG@10", "champion",
    "champion RMSE", "champion NDCG@10", "popularity NDCG@10", "decision"],
  o.nights.slice().reverse().flatMap(n => [h("tr", { class: "has-sub", dataset: { runDate: n.runDate } }, h("td", {}, n.runDate), h("td", {}, dash(n.gateMetric)),
    h("td", {}, "v" + n.challenger.version), h("td", {}, fixed(n.challenger.rmse)), h("td", {}, fixed(n.challenger.ndcgAt10)),
    h("td", {}, n.champion ? "v" + n.champion.version : "\u2013"), h("td", {}, fixed(n.champion && n.champion.rmse)),
    h("td", {}, fixed(n.champion && n.champion.ndcgAt10)), h("td", {}, fixed(n.popularityNdcgAt10)),
    h("td", {}, badge(n.decision))),
    h("tr", { class: "sub-row" }, h("td", {}), h("td", { colspan: 9 }, n.reason))]));
}

async function loadOnline(tenant, operator) {
  const to = new Date();
  const from = new Date(to.getTime() - 90 * 86400000);
  const iso = d => d.toISOString().slice(0, 10);
  const t = encodeURIComponent(tenant);
  const path = operator ? `/api/v1/admin/tenants/${t}/performance?from=${iso(from)}&to=${iso(to)}`
    : `/api/v1/tenants/${t}/performance?from=${iso(from)}&to=${iso(to)}`;
  const perf = await optional(path);
  const el = document.getElementById("online-body");
  if (!el) return;
  const days = perf && perf.days ? perf.days.filter(d => d.impressions) : [];
  if (!days.length) {
    el.replaceChildren(h("p", { class: "muted empty", id: "no-feedback" },
      "No feedback yet: click-through and conversion per model version appear once the product reports what was shown, clicked and bought."));
    return;
  }
  el.replaceChildren(h("div", { class: "chart", id: "chart-online" }),
    table("versions-online", ["model version", "impressions", "clicks", "purchases", "CTR (95 %)", "conversion (95 %)", "RMSE", "NDCG@10", "popularity NDCG@10"],
      (perf.versions || []).map(v => h("tr", {}, h("td", {}, "v" + v.modelVersion), h("td", {}, v.impressions), h("td", {}, v.clicks),
        h("td", {}, v.purchases), h("td", {}, `${pct(v.ctr)} (${pct(v.ctrLow)}\u2013${pct(v.ctrHigh)})`),
        h("td", {}, `${pct(v.conversion)} (${pct(v.conversionLow)}\u2013${pct(v.conversionHigh)})`),
        h("td", {}, fixed(v.rmse)), h("td", {}, fixed(v.ndcgAt10)), h("td", {}, fixed(v.popularityNdcgAt10))))));
  const byVersion = {};
  days.forEach(d => (byVersion[d.modelVersion] = byVersion[d.modelVersion] || []).push(d));
  chart("chart-online", {
    legend: { top: 0 },
    xAxis: { type: "time", axisLabel: { formatter: "{yyyy}-{MM}-{dd}", hideOverlap: true }, minInterval: 86400000,
      min: v => v.min - 86400000, max: v => v.max + 86400000 },
    yAxis: { type: "value", axisLabel: { formatter: v => (100 * v).toFixed(1) + "%" } },
    series: Object.entries(byVersion).flatMap(([v, ds]) => [
      { name: `CTR v${v}`, type: "line", symbolSize: 6, data: ds.map(d => [d.date, d.ctr]) },
      { name: `conversion v${v}`, type: "line", symbolSize: 6, lineStyle: { type: "dashed" }, data: ds.map(d => [d.date, d.conversion]) },
    ]),
  });
}

// ================================================================== run page
async function runPage(page, runId) {
  const run = Fields.runReport(await api("/api/v1/admin/runs/" + runId));
  const failed = run.tenants.filter(t => t.failed).length;
  const v = app.runView;
  const body = h("tbody");
  const render = () => {
    const rows = run.tenants.filter(t => !v.status || t.status === v.status).slice().sort((a, b) => {
      const x = a[v.sort], y = b[v.sort];
      const c = x == null ? 1 : y == null ? -1 : typeof x === "number" ? x - y : String(x).localeCompare(String(y));
      return v.desc ? -c : c;
    });
    body.replaceChildren(...rows.flatMap(t => [h("tr", { class: t.error ? "has-error" : "", dataset: { tenant: t.tenant, status: t.status } },
      h("td", {}, tenantLink(t.tenant)), h("td", {}, badge(t.state)), h("td", {}, badge(t.status)),
      h("td", {}, t.retrain ? badge(t.retrain.status) : "skipped"), h("td", {}, dash(t.rows)), h("td", {}, dash(t.gateMetric)),
      h("td", {}, fixed(t.championGate)), h("td", {}, fixed(t.challengerGate)),
      h("td", {}, t.decision ? badge(t.decision) : "\u2013"), h("td", {}, t.prebake ? badge(t.prebake.status) : "skipped"),
      h("td", {}, dash(t.customers)), h("td", { title: t.detail || null }, t.publish ? badge(t.publish.status) : "skipped")),
      t.error ? h("tr", { class: "error-row", dataset: { errorOf: t.tenant } }, h("td", { colspan: 12 }, t.error)) : null].filter(x => x)));
    document.getElementById("run-count").textContent = `${rows.length} of ${run.tenants.length} tenants`;
  };
  const cols = [["tenant", "tenant"], ["state", "state"], ["status", "status"], ["retrain", null], ["rows", "rows"],
    ["gate metric", "gateMetric"], ["champion's figure", "championGate"], ["challenger's figure", "challengerGate"],
    ["decision", "decision"], ["prebake", null], ["customers", "customers"], ["publish", null]];
  const headers = cols.map(([label, key]) => h("th", key ? { class: "sortable", dataset: { sort: key }, onclick: () => {
    v.desc = v.sort === key ? !v.desc : false; v.sort = key; render();
  } } : {}, label));
  page.replaceChildren(
    h("div", { class: "title-row" }, h("a", { href: "#/", class: "back" }, "\u2039 fleet"),
      h("h1", {}, "Night of " + run.runDate), badge(run.status), h("span", { class: "muted" }, `run ${run.runId} \u00b7 ${duration(run.durationSeconds)}`),
      h("span", { class: "spacer" }),
      failed ? h("button", { id: "rerun-run", class: "primary", type: "button", onclick: async () => {
        try {
          const answer = await api("/api/v1/admin/runs/" + runId + "/rerun", { method: "POST" });
          show(answer.message, "ok");
        } catch (e) { show(e.message, "error"); }
      } }, `Rerun ${failed} failed`) : null),
    card(null, {},
      h("div", { class: "toolbar" }, h("label", {}, "status ", h("select", { id: "status-filter", onchange: e => { v.status = e.target.value; render(); } },
        ["", "FAILED", "COMPLETED", "SKIPPED"].map(s => h("option", { value: s, selected: s === v.status }, s || "all")))),
        h("span", { class: "spacer" }), h("span", { id: "run-count", class: "muted" })),
      h("table", { id: "run-tenants", class: "grid" }, h("thead", {}, h("tr", {}, headers)), body)));
  render();
}

route();
