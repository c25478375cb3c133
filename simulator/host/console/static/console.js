// possim host console: plain JavaScript, no build step, no CDN. Every value is shown with textContent.
"use strict";

const MAX_ROWS = 500;
const BACKFILL = 50; // exchanges of this host run shown when the page opens (GET /api/stream?recent=N)
const state = {
  paused: false, held: [], terminal: "", terminals: new Set(), lastEventId: "", streaming: false,
  credits: new Map(), token: sessionStorage.getItem("possim-token") || "",
  currencies: {}, usual: new Map(), // ISO 4217 numeric -> {alpha, exponent}; terminal -> its usual currency
};

function $(id) { return document.getElementById(id); }

function headers(extra) {
  const result = Object.assign({}, extra || {});
  if (state.token) result["Authorization"] = "Bearer " + state.token;
  return result;
}

const TOKEN_NEEDED = "this console needs its token (the host's --http-token-file)";

function needToken() {
  $("token-box").hidden = false;
  $("health").textContent = "waiting for the token";
}

function showError(text) {
  $("error").textContent = text || "";
  $("error").hidden = !text;
}

async function api(path, options) {
  const init = Object.assign({}, options || {});
  init.headers = headers(init.headers);
  const response = await fetch(path, init);
  if (response.status === 401) { needToken(); throw new Error(TOKEN_NEEDED); }
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

// Minor units in the currency's units (its ISO 4217 exponent, from the API's "currencies"), with its
// alphabetic code in front when `withCode`: money(406, "826", true) -> "GBP 4.06".
function money(amount, currency, withCode) {
  if (amount === null || amount === undefined) return "";
  const known = state.currencies[currency];
  const exponent = known ? known.exponent : 2;
  const text = (amount / Math.pow(10, exponent)).toFixed(exponent);
  return withCode && currency ? (known ? known.alpha : currency) + " " + text : text;
}

// An amount with its currency's code when that is not the terminal's usual one.
function terminalMoney(amount, currency, terminalId) {
  const usual = state.usual.get(terminalId);
  return money(amount, currency, Boolean(currency) && usual !== undefined && currency !== usual);
}

function learnCurrencies(currencies) { Object.assign(state.currencies, currencies || {}); }

function utc(time, length) { return (time || "").slice(0, length || 19).replace("T", " "); }

// Runs fn once, `delay` ms after the last of a burst of calls (a burst of exchanges: one refresh).
function debounced(fn, delay) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, delay); };
}

// -- live traffic ---------------------------------------------------------------------------------
function knowTerminal(terminalId) {
  if (!terminalId || state.terminals.has(terminalId)) return;
  state.terminals.add(terminalId);
  const select = $("terminal-filter");
  const option = document.createElement("option");
  option.value = terminalId;
  option.textContent = terminalId;
  const after = Array.from(select.options).slice(1).find((o) => o.value > terminalId);
  select.insertBefore(option, after || null);
}

function addExchange(event) {
  const body = $("traffic").tBodies[0];
  const row = document.createElement("tr");
  row.dataset.id = event.id || "";
  row.dataset.terminal = event.terminal_id || "";
  row.dataset.stan = event.stan || "";
  row.dataset.mti = event.mti || "";
  cell(row, utc(event.time, 23).slice(11));
  cell(row, event.terminal_id);
  cell(row, event.mti);
  cell(row, event.processing_code);
  row.dataset.amount = event.amount === null || event.amount === undefined ? "" : String(event.amount);
  row.dataset.currency = event.currency || "";
  cell(row, "", "number amount");
  showAmount(row);
  cell(row, event.masked_pan);
  const declined = event.response_code ? event.response_code !== "00" : event.outcome !== "respond";
  cell(row, event.response_code || event.outcome, declined ? "declined" : "");
  cell(row, event.latency_ms, "number");
  cell(row, event.rule);
  row.hidden = Boolean(state.terminal) && row.dataset.terminal !== state.terminal;
  row.addEventListener("click", () => showMessage(row));
  body.insertBefore(row, body.firstChild);
  while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
  knowTerminal(event.terminal_id);
  countRows();
}

function showAmount(row) {
  const amount = row.dataset.amount === "" ? null : Number(row.dataset.amount);
  row.querySelector("td.amount").textContent = terminalMoney(amount, row.dataset.currency, row.dataset.terminal);
}

function countRows() {
  const rows = $("traffic").tBodies[0].rows.length;
  $("traffic-count").textContent = rows + (rows === 1 ? " exchange" : " exchanges") +
    (rows >= MAX_ROWS ? " (the latest " + MAX_ROWS + ")" : "");
}

async function showMessage(row) {
  for (const other of document.querySelectorAll("#traffic tr.selected")) other.classList.remove("selected");
  row.classList.add("selected");
  if (!row.dataset.stan) { $("message").textContent = "(no STAN: this frame could not be read)"; return; }
  const query = new URLSearchParams({ terminal: row.dataset.terminal, stan: row.dataset.stan });
  if (row.dataset.mti) query.set("mti", row.dataset.mti);
  $("message-hint").textContent = "Terminal " + row.dataset.terminal + ", STAN " + row.dataset.stan +
    (row.dataset.mti ? ", " + row.dataset.mti + " and its answer" : "") + " (masked, as possim decode shows them)";
  try {
    const body = await api("/api/messages?" + query.toString());
    $("message").textContent = body.messages.map(
      (m) => (m.direction === "in" ? "<< received " : ">> sent ") + m.time + (m.note ? "  (" + m.note + ")" : "") +
        "\n" + (m.dump || "")
    ).join("\n\n") || "(not journaled)";
  } catch (error) { showError(error.message); }
}

function applyFilter() {
  state.terminal = $("terminal-filter").value;
  for (const row of $("traffic").tBodies[0].rows) {
    row.hidden = Boolean(state.terminal) && row.dataset.terminal !== state.terminal;
  }
}

function togglePause() {
  state.paused = !state.paused;
  $("pause").setAttribute("aria-pressed", String(state.paused));
  if (!state.paused) {
    const held = state.held;
    state.held = [];
    for (const event of held) addExchange(event);
  }
  showPause();
}

function showPause() {
  $("pause").textContent = state.paused ? "Resume (" + state.held.length + " new)" : "Pause";
}

// The id of an event: RUN-SEQ (docs/host-api.md). An event of this run at or before the last one shown is
// not shown again (the host never sends one twice; this keeps the table right whatever happens).
function seen(id) {
  if (!id || !state.lastEventId) return false;
  const [run, seq] = id.split("-");
  const [lastRun, lastSeq] = state.lastEventId.split("-");
  return run === lastRun && Number(seq) <= Number(lastSeq);
}

async function stream() {
  // fetch, not EventSource: it can send the token header. The first connection asks for the latest exchanges
  // of this host run (the backfill); a reconnection gives the last id seen, and the host sends what came after.
  if (state.streaming) return;
  state.streaming = true;
  for (;;) {
    try {
      const extra = { Accept: "text/event-stream" };
      if (state.lastEventId) extra["Last-Event-ID"] = state.lastEventId;
      const response = await fetch("/api/stream?recent=" + BACKFILL, { headers: headers(extra) });
      if (response.status === 401) { needToken(); state.streaming = false; streamState("", "stream: needs the token"); return; }
      if (!response.ok) throw new Error(response.statusText);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      streamState("live");
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
    streamState("");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function streamState(live, text) {
  $("health").dataset.stream = live;
  $("stream-state").textContent = text || (live ? "stream: live" : "stream: reconnecting");
  $("stream-state").classList.toggle("live", Boolean(live));
}

const refreshSoon = debounced(() => { refreshRefunds(); refreshTerminals(); refreshRules(); }, 250);

function handleBlock(block) {
  let name = "message";
  let id = "";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) name = line.slice(6).trim();
    else if (line.startsWith("id:")) id = line.slice(3).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trim());
  }
  if (!data.length) return;
  const event = JSON.parse(data.join("\n"));
  if (name === "dropped") {
    $("dropped").textContent = event.dropped + " exchange(s) not shown (the page fell behind)";
    return;
  }
  if (name !== "exchange" || seen(id)) return;
  if (id) state.lastEventId = id;
  if (state.paused) {
    state.held.push(event);
    if (state.held.length > MAX_ROWS) state.held.shift();
    showPause();
  } else {
    addExchange(event);
  }
  refreshSoon();
}

// -- refunds, rules, terminals, business date ------------------------------------------------------
// A table is rebuilt only when its data changed: a row someone is reading or selecting stays put.
const shown = new Map();
function changed(name, data) {
  const text = JSON.stringify(data);
  if (shown.get(name) === text) return false;
  shown.set(name, text);
  return true;
}

function badge(td, status) {
  const span = document.createElement("span");
  span.className = "badge " + (status || "none");
  span.textContent = status || "—";
  if (!status) span.title = "no credit: the refund was not approved";
  td.appendChild(span);
}

async function refreshRefunds() {
  try {
    const body = await api("/api/refunds");
    $("business-date").textContent = body.business_date;
    learnCurrencies(body.currencies);
    if (!changed("refunds", [body.refunds, Array.from(state.usual)])) return;
    const tbody = $("refunds").tBodies[0];
    const rows = [];
    for (const refund of body.refunds) {
      const row = document.createElement("tr");
      row.dataset.rrn = refund.rrn || "";
      row.dataset.credit = refund.credit_status || "";
      cell(row, utc(refund.time));
      cell(row, refund.terminal_id);
      cell(row, refund.rrn);
      const original = refund.original;
      const sale = cell(row, "", "wraps");
      if (original) { // wraps between the RRN and the rest, never inside one
        for (const text of [original.rrn, "(" + original.date + ", " +
          terminalMoney(original.amount, original.currency, refund.terminal_id) + ")"]) {
          const span = document.createElement("span");
          span.textContent = text;
          sale.append(span, " ");
        }
      }
      const amount = cell(row, terminalMoney(refund.amount, refund.currency, refund.terminal_id), "number");
      const dcc = refund.dcc;
      if (dcc) { // the cardholder's side, under the merchant's amount: e.g. "GBP 4.06 @ 0.8124750"
        const converted = document.createElement("span");
        converted.className = "dcc";
        converted.textContent = money(dcc.amount, dcc.currency, true) + " @ " + dcc.rate;
        converted.title = "DCC: in the card's billing currency at the rate, markup " + dcc.markup_percent +
          " % over the reference rate, by " + dcc.provider;
        amount.appendChild(converted);
      }
      const card = cell(row, refund.masked_pan, "wraps");
      if (refund.cross_border) {
        const marker = document.createElement("span");
        marker.className = "abroad";
        marker.textContent = "abroad";
        marker.title = "cross-border: the card was issued in another country than the terminal's";
        card.append(" ", marker);
      }
      cell(row, refund.status + (refund.response_code && refund.response_code !== "00" ? " " + refund.response_code : ""),
        refund.status === "declined" ? "declined" : "");
      cell(row, refund.credit_channel);
      cell(row, refund.expected_date);
      badge(cell(row, "", "credit"), refund.credit_status);
      cell(row, refund.posted_date);
      const before = state.credits.get(refund.id);
      if (before !== undefined && before !== (refund.credit_status || "")) row.classList.add("changed");
      state.credits.set(refund.id, refund.credit_status || "");
      rows.push(row);
    }
    tbody.replaceChildren(...rows);
    $("no-refunds").hidden = rows.length > 0;
  } catch (error) { showError(error.message); }
}

async function refreshRules() {
  try {
    const body = await api("/api/rules");
    if (!changed("rules", body.rules)) return;
    const rows = [];
    for (const entry of body.rules) {
      const row = document.createElement("tr");
      row.dataset.id = entry.id;
      cell(row, entry.id);
      cell(row, JSON.stringify(entry.rule), "rule-text");
      cell(row, entry.fired, "number");
      cell(row, entry.remaining === null ? "any" : entry.remaining, "number");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Remove";
      button.className = "remove-rule";
      button.addEventListener("click", async () => {
        try { await api("/api/rules/" + entry.id, { method: "DELETE" }); showError(""); } catch (error) { showError(error.message); }
        refreshRules();
      });
      cell(row, "").appendChild(button);
      rows.push(row);
    }
    $("rules").tBodies[0].replaceChildren(...rows);
    $("no-rules").hidden = rows.length > 0;
  } catch (error) { showError(error.message); }
}

// A cell listing items that wrap between items, never inside one.
function listCell(row, items) {
  const td = cell(row, "", "list");
  for (const item of items) {
    const span = document.createElement("span");
    span.textContent = item;
    td.appendChild(span);
  }
}

async function refreshTerminals() {
  try {
    const body = await api("/api/terminals");
    learnCurrencies(body.currencies);
    let usualChanged = false;
    for (const terminal of body.terminals) {
      if (terminal.currency && state.usual.get(terminal.terminal_id) !== terminal.currency) {
        state.usual.set(terminal.terminal_id, terminal.currency);
        usualChanged = true;
      }
    }
    if (usualChanged) {
      for (const row of $("traffic").tBodies[0].rows) showAmount(row);
      refreshRefunds();
    }
    if (!changed("terminals", body.terminals)) return;
    const rows = [];
    for (const terminal of body.terminals) {
      const row = document.createElement("tr");
      row.dataset.terminal = terminal.terminal_id;
      cell(row, terminal.terminal_id + (terminal.known ? "" : " (not in host.toml)"));
      const session = cell(row, terminal.session + (terminal.next_keys_issued ? " (new keys issued, not used yet)" : ""),
        "session");
      if (terminal.session_keys) {
        session.title = "PIN key KCV " + terminal.session_keys.pin_key_kcv + ", MAC key KCV " + terminal.session_keys.mac_key_kcv;
      }
      listCell(row, terminal.key_schemes);
      cell(row, utc(terminal.last_sign_on));
      listCell(row, Object.entries(terminal.counters).map(([kind, count]) => kind.replace("_", " ") + " " + count));
      rows.push(row);
      knowTerminal(terminal.terminal_id);
    }
    $("terminals").tBodies[0].replaceChildren(...rows);
  } catch (error) { showError(error.message); }
}

async function addRule(submit) {
  submit.preventDefault();
  let rule;
  try { rule = JSON.parse($("rule-json").value); } catch (error) { showError("the rule is not JSON: " + error.message); return; }
  try {
    await api("/api/rules", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rule) });
    showError("");
  } catch (error) { showError("rule not added: " + error.message); }
  refreshRules();
}

async function advanceDate() {
  const days = Number($("advance-days").value);
  if (!Number.isInteger(days) || days < 1) { showError("advance by a whole number of days, 1 or more"); return; }
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
    $("health").textContent = "ISO 8583 on " + body.listener + " · " + body.dialect +
      (body.journal_ok ? "" : " · JOURNAL NOT OK");
    $("business-date").textContent = body.business_date;
  } catch (error) { if (error.message !== TOKEN_NEEDED) $("health").textContent = "host unreachable"; }
}

function refreshAll() {
  refreshHealth();
  refreshRefunds();
  refreshRules();
  refreshTerminals();
}

function start() {
  $("pause").addEventListener("click", togglePause);
  $("terminal-filter").addEventListener("change", applyFilter);
  $("rule-form").addEventListener("submit", addRule);
  $("advance").addEventListener("click", advanceDate);
  $("token").addEventListener("keydown", (key) => { if (key.key === "Enter") $("token-save").click(); });
  $("token-save").addEventListener("click", () => {
    state.token = $("token").value.trim();
    sessionStorage.setItem("possim-token", state.token);
    $("token-box").hidden = true;
    showError("");
    refreshAll();
    stream();
  });
  countRows();
  refreshAll();
  stream();
  setInterval(refreshAll, 5000);
}

document.addEventListener("DOMContentLoaded", start);
