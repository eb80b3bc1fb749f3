// The operator dashboard: reads the admin API. With API keys on, it asks for an operator key and keeps it for the tab.
"use strict";

const state = { key: sessionStorage.getItem("nightbake-key") || "", run: null };

async function api(path, options = {}) {
  const headers = Object.assign({ "Accept": "application/json" }, options.headers || {});
  if (state.key) headers["Authorization"] = "Bearer " + state.key;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401 || response.status === 403) {
    document.getElementById("key-form").hidden = false;
    throw new Error("an operator key is needed to see the fleet");
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || body.error || response.statusText);
  return body;
}

function cell(row, value, cls) {
  const td = row.insertCell();
  td.textContent = value === null || value === undefined ? "-" : value;
  if (cls) td.className = cls;
  return td;
}

function time(value) {
  return value ? value.slice(0, 19).replace("T", " ") : value;
}

function fixed(value) {
  return typeof value === "number" ? value.toFixed(4) : value;
}

function show(message) {
  document.getElementById("message").textContent = message;
}

async function loadRuns() {
  const runs = await api("/api/v1/admin/runs?limit=15");
  const body = document.querySelector("#runs tbody");
  body.replaceChildren();
  for (const run of runs) {
    const row = body.insertRow();
    row.className = "clickable";
    row.dataset.run = run.runId;
    cell(row, run.runId);
    cell(row, run.runDate);
    cell(row, run.status, run.status);
    cell(row, time(run.startTime));
    cell(row, time(run.endTime));
    cell(row, run.failedTenants, run.failedTenants > 0 ? "failed" : "");
    row.addEventListener("click", () => loadRun(run.runId));
  }
  if (runs.length && state.run === null) await loadRun(runs[0].runId);
  if (!runs.length) show("No nightly run yet.");
}

async function loadRun(runId) {
  const run = await api("/api/v1/admin/runs/" + runId);
  state.run = runId;
  document.getElementById("run-detail").hidden = false;
  document.getElementById("run-title").textContent = run.runDate + " (" + run.status + ")";
  const body = document.querySelector("#run-tenants tbody");
  body.replaceChildren();
  for (const line of run.tenants) {
    const retrain = line.retrain;
    const prebake = line.prebake;
    const results = retrain ? retrain.results : {};
    const row = body.insertRow();
    row.dataset.tenant = line.tenant;
    cell(row, line.tenant);
    cell(row, line.state, line.state);
    cell(row, retrain ? retrain.status : "skipped", retrain ? retrain.status : "");
    cell(row, results.rows);
    cell(row, results.gateMetric);
    cell(row, fixed(results.championGate));
    cell(row, fixed(results.challengerGate));
    cell(row, results.decision ? (results.decision === "PROMOTED" ? "yes" : "no") : "-");
    cell(row, prebake ? prebake.status : "skipped", prebake ? prebake.status : "");
    const error = [retrain, prebake, line.publish].map(p => p && p.results.error).find(e => e);
    cell(row, error || (line.publish ? line.publish.results.reason : ""), error ? "detail failed" : "detail");
  }
}

async function loadTenants() {
  const tenants = await api("/api/v1/admin/tenants");
  const body = document.querySelector("#tenants tbody");
  body.replaceChildren();
  for (const tenant of tenants) {
    const row = body.insertRow();
    row.dataset.tenant = tenant.tenant;
    cell(row, tenant.tenant);
    cell(row, tenant.state, tenant.state);
    cell(row, time(tenant.stateSince));
    cell(row, tenant.championVersion);
    cell(row, tenant.publishedSnapshot);
  }
}

async function refresh() {
  try {
    await Promise.all([loadRuns(), loadTenants()]);
    show("");
  } catch (e) {
    show(e.message);
  }
}

document.getElementById("key-form").addEventListener("submit", event => {
  event.preventDefault();
  state.key = document.getElementById("key").value.trim();
  sessionStorage.setItem("nightbake-key", state.key);
  document.getElementById("key-form").hidden = true;
  refresh();
});

document.getElementById("rerun").addEventListener("click", async () => {
  try {
    const answer = await api("/api/v1/admin/runs/" + state.run + "/rerun", { method: "POST" });
    show(answer.message);
  } catch (e) {
    show(e.message);
  }
});

refresh();
setInterval(refresh, 15000);
