// possim host console: plain JavaScript, no build step, no CDN. Every value is shown with textContent.
"use strict";

const MAX_ROWS = 500;
const state = { paused: false, terminal: "", token: sessionStorage.getItem("possim-token") || "" };

function $(id) { return document.getElementById(id); }

function headers(extra) {
  const result = Object.assign({}, extra || {});
  if (state.token) result["Authorization"] = "Bearer " + state.token;
  return result;
}

function showError(text) { $("error").textContent = text || ""; }

async function api(path, options) {
  const init = Object.assign({}, options || {});
  init.headers = headers(init.headers);
  const response = await fetch(path, init);
  if (response.status === 401) { $("token-box").hidden = false; throw new Error("the console needs its token"); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function money(amount, currency) {
  if (amount === null || amount === undefined) return "";
  return (amount / 100).toFixed(2) + (currency ? " " + currency : "");
}

// -- live traffic ---------------------------------------------------------------------------------
function addExchange(event) {
  const body = $("traffic").tBodies[0];
  const row = document.createElement("tr");
  row.dataset.terminal = event.terminal_id || "";
  row.dataset.stan = event.stan || "";
  row.dataset.mti = event.mti || "";
  cell(row, (event.time || "").slice(11, 23));
  cell(row, event.terminal_id);
  cell(row, event.mti);
  cell(row, event.processing_code);
  cell(row, money(event.amount, null));
  cell(row, event.masked_pan);
  cell(row, event.response_code || event.outcome, event.response_code && event.response_code !== "00" ? "declined" : "");
  cell(row, event.latency_ms);
  cell(row, event.rule);
  row.hidden = Boolean(state.terminal) && row.dataset.terminal !== state.terminal;
  row.addEventListener("click", () => showMessage(row));
  body.insertBefore(row, body.firstChild);
  while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
}

async function showMessage(row) {
  for (const other of document.querySelectorAll("#traffic tr.selected")) other.classList.remove("selected");
  row.classList.add("selected");
  const query = new URLSearchParams({ terminal: row.dataset.terminal, stan: row.dataset.stan });
  if (row.dataset.mti) query.set("mti", row.dataset.mti);
  try {
    const body = await api("/api/messages?" + query.toString());
    $("message").textContent = body.messages.map(
      (m) => (m.direction === "in" ? "<< " : ">> ") + m.time + (m.note ? "  (" + m.note + ")" : "") + "\n" + (m.dump || "")
    ).join("\n\n") || "(not journaled)";
  } catch (error) { showError(error.message); }
}

function applyFilter() {
  state.terminal = $("terminal-filter").value.trim();
  for (const row of $("traffic").tBodies[0].rows) {
    row.hidden = Boolean(state.terminal) && row.dataset.terminal !== state.terminal;
  }
}

async function stream() {
  // fetch, not EventSource: it can send the token header.
  if (state.streaming) return;
  state.streaming = true;
  for (;;) {
    try {
      const response = await fetch("/api/stream", { headers: headers({ Accept: "text/event-stream" }) });
      if (response.status === 401) { $("token-box").hidden = false; state.streaming = false; return; }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      $("health").dataset.stream = "live";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          handleBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) { /* reconnect below */ }
    $("health").dataset.stream = "";
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function handleBlock(block) {
  let name = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trim());
  }
  if (!data.length) return;
  const event = JSON.parse(data.join("\n"));
  if (name === "dropped") { $("dropped").textContent = event.dropped + " event(s) dropped (slow reader)"; return; }
  if (name === "exchange" && !state.paused) {
    addExchange(event);
    if (event.processing_code === "200000") refreshRefunds();
  }
}

// -- refunds, rules, business date -----------------------------------------------------------------
async function refreshRefunds() {
  try {
    const body = await api("/api/refunds");
    const tbody = $("refunds").tBodies[0];
    tbody.replaceChildren();
    for (const refund of body.refunds) {
      const row = document.createElement("tr");
      row.dataset.rrn = refund.rrn || "";
      cell(row, (refund.time || "").slice(0, 19).replace("T", " "));
      cell(row, refund.terminal_id);
      cell(row, refund.rrn);
      cell(row, refund.original ? refund.original.rrn : "");
      cell(row, money(refund.amount, null));
      cell(row, refund.masked_pan);
      cell(row, refund.credit_channel);
      cell(row, refund.expected_date);
      cell(row, refund.credit_status || refund.status, "credit " + (refund.credit_status || ""));
      tbody.appendChild(row);
    }
    $("business-date").textContent = body.business_date;
  } catch (error) { showError(error.message); }
}

async function refreshRules() {
  try {
    const body = await api("/api/rules");
    const tbody = $("rules").tBodies[0];
    tbody.replaceChildren();
    for (const entry of body.rules) {
      const row = document.createElement("tr");
      row.dataset.id = entry.id;
      cell(row, entry.id);
      cell(row, JSON.stringify(entry.rule));
      cell(row, entry.fired);
      cell(row, entry.remaining === null ? "any" : entry.remaining);
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Remove";
      button.className = "remove-rule";
      button.addEventListener("click", async () => {
        try { await api("/api/rules/" + entry.id, { method: "DELETE" }); showError(""); } catch (error) { showError(error.message); }
        refreshRules();
      });
      const td = document.createElement("td");
      td.appendChild(button);
      row.appendChild(td);
      tbody.appendChild(row);
    }
  } catch (error) { showError(error.message); }
}

async function addRule(submit) {
  submit.preventDefault();
  let rule;
  try { rule = JSON.parse($("rule-json").value); } catch (error) { showError("the rule is not JSON: " + error.message); return; }
  try {
    await api("/api/rules", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) });
    showError("");
  } catch (error) { showError(error.message); }
  refreshRules();
}

async function advanceDate() {
  const days = parseInt($("advance-days").value, 10);
  try {
    const body = await api("/api/business-date", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ days: days }) });
    $("business-date").textContent = body.business_date;
    showError("");
  } catch (error) { showError(error.message); }
  refreshRefunds();
}

async function refreshHealth() {
  try {
    const body = await api("/api/health");
    $("health").textContent = body.listener + " · " + body.dialect + (body.journal_ok ? "" : " · JOURNAL NOT OK");
    $("business-date").textContent = body.business_date;
  } catch (error) { $("health").textContent = "unreachable"; }
}

function start() {
  $("pause").addEventListener("change", () => { state.paused = $("pause").checked; });
  $("terminal-filter").addEventListener("input", applyFilter);
  $("rule-form").addEventListener("submit", addRule);
  $("advance").addEventListener("click", advanceDate);
  $("token-save").addEventListener("click", () => {
    state.token = $("token").value.trim();
    sessionStorage.setItem("possim-token", state.token);
    $("token-box").hidden = true;
    start_data();
    stream();
  });
  start_data();
  stream();
}

function start_data() {
  refreshHealth();
  refreshRefunds();
  refreshRules();
}

setInterval(() => { refreshHealth(); refreshRefunds(); refreshRules(); }, 5000);
document.addEventListener("DOMContentLoaded", start);
