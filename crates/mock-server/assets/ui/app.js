// The dashboard's script: polls the control API (/_mock/...) and drives it, nothing else.
// The journal holds what clients sent, hostile input included, so every value from the
// API reaches the page as text (textContent, text nodes, setAttribute of plain
// attributes), never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "jiguang-mock-control-token";
  const POLL_MS = 1000;
  /** Journal rows the page keeps (the newest). */
  const KEEP_ROWS = 200;
  /** The control API's largest journal page; a poll reads at most MAX_PAGES of them. */
  const PAGE = 1000;
  const MAX_PAGES = 5;

  const $ = (id) => document.getElementById(id);

  /** An element with these properties and children (strings become text nodes). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined).map((c) => (c instanceof Node ? c : String(c))));
    return node;
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(`${status}: ${message}`);
      this.status = status;
    }
  }

  // ---- the control API, with the token ------------------------------------------------

  let token = sessionStorage.getItem(TOKEN_KEY);
  let tokenPrompt = null;
  let tokenGiven = null;

  /** Waits until the person types a token (one prompt for every call that needs it). */
  function askForToken(why) {
    if (!tokenPrompt) {
      tokenPrompt = new Promise((resolve) => {
        tokenGiven = resolve;
      });
      $("token-error").textContent = why;
      $("token-input").value = "";
      $("token-panel").hidden = false;
      $("token-input").focus();
      setConn("needs the control token", "failing");
    }
    return tokenPrompt;
  }

  function useToken(value) {
    token = value;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("token-panel").hidden = true;
    $("forget-token").hidden = false;
    const given = tokenGiven;
    tokenPrompt = null;
    tokenGiven = null;
    if (given) given();
  }

  /** A control call; JSON in and out. A 401 asks for the token and tries again. */
  async function api(method, path, body) {
    for (;;) {
      const headers = { Accept: "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      const init = { method, headers, cache: "no-store" };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const response = await fetch(path, init);
      if (response.status === 401) {
        await askForToken(token ? "The mock refused that token; type it again." : "");
        continue;
      }
      const text = await response.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      if (!response.ok) {
        const message = json && json.error ? json.error.message || JSON.stringify(json.error) : text;
        throw new ApiError(response.status, String(message).slice(0, 500));
      }
      return json;
    }
  }

  /** Runs an action of a button or form, showing its failure in `errorId`. */
  async function act(errorId, action) {
    $(errorId).textContent = "";
    try {
      await action();
      await refresh();
    } catch (err) {
      $(errorId).textContent = err.message;
    }
  }

  function setConn(text, state) {
    const conn = $("conn");
    conn.textContent = text;
    conn.className = `conn ${state}`;
  }

  // ---- polling --------------------------------------------------------------------------

  let paused = false;
  let timer = null;

  async function refresh() {
    await Promise.all([refreshJournal(), refreshClock(), refreshFaults(), refreshRates()]);
  }

  async function tick() {
    clearTimeout(timer);
    if (!paused) {
      try {
        await refresh();
        $("error").hidden = true;
        setConn("live", "live");
      } catch (err) {
        $("error").textContent = `The control API did not answer: ${err.message}`;
        $("error").hidden = false;
        setConn("failing", "failing");
      }
    }
    timer = setTimeout(tick, POLL_MS);
  }

  // ---- journal --------------------------------------------------------------------------

  const journal = { since: 0, rows: [], matched: null, selected: null, generation: 0, dirty: true };

  function journalFilters() {
    const params = new URLSearchParams();
    const set = (name, value) => {
      if (value !== "") params.set(name, value);
    };
    set("family", $("filter-family").value);
    set("app", $("filter-app").value);
    set("status", $("filter-status").value.trim());
    set("path", $("filter-path").value.trim());
    if ($("filter-warnings").checked) params.set("warnings", "true");
    return params;
  }

  function restartJournal() {
    journal.generation += 1;
    journal.since = 0;
    journal.rows = [];
    journal.matched = null;
    journal.dirty = true;
    $("journal-error").textContent = "";
    renderJournal();
    refreshJournal().catch((err) => {
      $("journal-error").textContent = err.message;
    });
  }

  async function refreshJournal() {
    const generation = journal.generation;
    const filters = journalFilters();
    try {
      for (let pages = 0; pages < MAX_PAGES; pages += 1) {
        const params = new URLSearchParams(filters);
        params.set("since", String(journal.since));
        params.set("limit", String(PAGE));
        const page = await api("GET", `/_mock/journal?${params}`);
        if (generation !== journal.generation) return;
        // Two reads can overlap (a poll and an action's refresh): keep each entry once.
        const last = journal.rows.length ? journal.rows[journal.rows.length - 1].seq : 0;
        const fresh = page.entries.filter((entry) => entry.seq > last);
        journal.since = Math.max(journal.since, page.next_since);
        if (fresh.length > 0) {
          journal.rows.push(...fresh);
          journal.rows.splice(0, Math.max(0, journal.rows.length - KEEP_ROWS));
          journal.dirty = true;
        }
        if (page.entries.length < PAGE) break;
      }
      // Counted after the pages, so that every row read is still counted unless it is gone.
      const { count } = await api("GET", `/_mock/journal/count?${filters}`);
      if (generation !== journal.generation) return;
      if (count < journal.rows.length) {
        // Entries shown are gone (a clear or reset, from here or elsewhere): read afresh.
        restartJournal();
        return;
      }
      if (count !== journal.matched) {
        journal.matched = count;
        journal.dirty = true;
      }
      $("journal-error").textContent = "";
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        // A filter the API refuses (a bad status, a path too long): say so, keep polling.
        $("journal-error").textContent = err.message;
        return;
      }
      throw err;
    }
    renderJournal();
  }

  function statusClass(status) {
    return `status-${String(status).charAt(0)}`;
  }

  function journalRow(entry) {
    const warned = entry.warnings.length > 0;
    const path = entry.query ? `${entry.path}?${entry.query}` : entry.path;
    const row = el(
      "tr",
      { class: `${warned ? "warned " : ""}${journal.selected === entry.seq ? "selected" : ""}`, onclick: () => select(entry) },
      el("td", { text: entry.seq }),
      el("td", { text: entry.time.slice(11, 19), title: entry.time }),
      el("td", { text: entry.method }),
      el("td", { class: "path", text: path }),
      el("td", { text: entry.family || "" }),
      el("td", { text: entry.app || "" }),
      el("td", { class: statusClass(entry.status), text: entry.status }),
      el("td", { text: Number(entry.latency_ms).toFixed(1) }),
      el("td", { text: entry.fault === undefined ? "" : `#${entry.fault}` }),
      el("td", {}, warned ? el("span", { class: "warn-badge", title: entry.warnings.join("\n"), text: `⚠ ${entry.warnings.length}` }) : "", warned ? ` ${entry.warnings[0]}` : ""),
    );
    row.dataset.seq = String(entry.seq);
    row.dataset.status = String(entry.status);
    return row;
  }

  function renderJournal() {
    if (!journal.dirty) return;
    journal.dirty = false;
    const rows = journal.rows.slice().reverse().map(journalRow);
    $("journal-rows").replaceChildren(...rows);
    const shown = journal.rows.length;
    $("journal-count").textContent =
      journal.matched === null ? "" : `${journal.matched} matching in the mock's journal; the newest ${shown} shown`;
  }

  function select(entry) {
    journal.selected = entry.seq;
    journal.dirty = true;
    renderJournal();
    $("detail-seq").textContent = `#${entry.seq}: ${entry.method} ${entry.path} → ${entry.status}`;
    $("detail-warnings").replaceChildren(...entry.warnings.map((w) => el("li", { text: w })));
    $("detail-json").textContent = JSON.stringify(entry, null, 2);
    $("journal-detail").hidden = false;
  }

  // ---- clock ----------------------------------------------------------------------------

  let clock = null;

  async function refreshClock() {
    clock = await api("GET", "/_mock/clock");
    $("clock-now").textContent = clock.now;
    $("clock-frozen").textContent = clock.frozen ? "yes" : "no";
    $("clock-freeze").textContent = clock.frozen ? "Unfreeze" : "Freeze";
    const input = $("clock-set-input");
    if (input.value === "" && document.activeElement !== input) input.value = clock.now;
  }

  async function advance(seconds) {
    await act("clock-error", async () => {
      if (!Number.isFinite(seconds)) throw new Error("seconds must be a number");
      await api("POST", "/_mock/clock/advance", { seconds });
      await loadApps();
    });
  }

  // ---- faults ---------------------------------------------------------------------------

  /** Rule templates: a label and the rule, before the match fields of the form. */
  const TEMPLATES = [
    ["next 3 → 429", () => ({ effect: { status: 429 }, times: 3 })],
    ["next 1 → 500", () => ({ effect: { status: 500 }, times: 1 })],
    ["10 % → 503", () => ({ effect: { status: 503 }, fraction: 0.1 })],
    ["2 s delay", () => ({ effect: { delay_ms: 2000 } })],
    ["0.1–1 s delay, next 10", () => ({ effect: { delay_ms: [100, 1000] }, times: 10 })],
    ["drop the next connection", () => ({ effect: { drop: true }, times: 1 })],
    ["truncate the next body", () => ({ effect: { truncate: true }, times: 1 })],
    ["every request → 503 for 5 min of the mock clock", () => ({ effect: { status: 503 }, until: clockPlus(300) })],
    ["JPush status/message: 30 % system errors", () => ({ match: { family: "jpush" }, effect: { system_error: 0.3 } })],
  ];

  function clockPlus(seconds) {
    const base = clock ? Date.parse(clock.now) : Date.now();
    return new Date(base + seconds * 1000).toISOString();
  }

  /** The rule of the chosen template and match fields, into the JSON box. */
  function composeRule() {
    const [, make] = TEMPLATES[Number($("fault-template").value)] || TEMPLATES[0];
    const rule = make();
    const match = { ...(rule.match || {}) };
    const put = (key, value) => {
      if (value !== "") match[key] = value;
    };
    put("family", $("fault-family").value);
    put("path", $("fault-path").value.trim());
    put("app_key", $("fault-app").value);
    delete rule.match;
    const withMatch = Object.keys(match).length > 0 ? { match, ...rule } : rule;
    $("fault-json").value = JSON.stringify(withMatch);
  }

  function percent(share) {
    return `${Number((share * 100).toFixed(2))} %`;
  }

  function describeMatch(match) {
    const parts = Object.entries(match || {}).map(([k, v]) => `${k}=${v}`);
    return parts.length ? parts.join(" ") : "every vendor request";
  }

  function describeEffect(effect) {
    if (effect.status !== undefined) return `status ${effect.status}`;
    if (effect.delay_ms !== undefined) {
      return Array.isArray(effect.delay_ms) ? `delay ${effect.delay_ms[0]}–${effect.delay_ms[1]} ms` : `delay ${effect.delay_ms} ms`;
    }
    if (effect.drop) return "drop the connection";
    if (effect.truncate) return "truncate the body";
    if (effect.system_error !== undefined) return `system error for ${percent(effect.system_error)} of ids`;
    return JSON.stringify(effect);
  }

  function describeScope(rule) {
    if (rule.times !== undefined) return `${rule.times} more`;
    if (rule.fraction !== undefined) return `${percent(rule.fraction)} of matches`;
    if (rule.until !== undefined) return `until ${rule.until}`;
    return "until deleted";
  }

  let faultsShown = "";

  async function refreshFaults() {
    const { faults } = await api("GET", "/_mock/faults");
    const text = JSON.stringify(faults);
    if (text === faultsShown) return;
    faultsShown = text;
    const rows = faults.map((rule) =>
      el(
        "tr",
        { class: rule.state, "data-id": rule.id },
        el("td", { text: rule.id }),
        el("td", { text: describeMatch(rule.match) }),
        el("td", { text: describeEffect(rule.effect) }),
        el("td", { text: describeScope(rule) }),
        el("td", { class: `state-${rule.state}`, text: rule.state }),
        el("td", { class: "matched", text: rule.matched }),
        el("td", { class: "applied", text: rule.applied }),
        el(
          "td",
          {},
          el("button", {
            type: "button",
            text: "Delete",
            onclick: () => act("fault-error", () => api("DELETE", `/_mock/faults/${encodeURIComponent(rule.id)}`)),
          }),
        ),
      ),
    );
    $("fault-rows").replaceChildren(...rows);
  }

  async function addFault() {
    await act("fault-error", async () => {
      let rule;
      try {
        rule = JSON.parse($("fault-json").value);
      } catch (err) {
        throw new Error(`the rule is not JSON: ${err.message}`);
      }
      const { id } = await api("POST", "/_mock/faults", rule);
      $("fault-result").textContent = `added rule #${id}`;
    });
  }

  // ---- rate limits ----------------------------------------------------------------------

  async function refreshRates() {
    const limits = await api("GET", "/_mock/rate-limits");
    const rows = Object.entries(limits).map(([family, quota]) =>
      el("tr", {}, el("td", { text: family }), el("td", { text: quota ? quota.limit : "" }), el("td", { text: quota ? `${quota.window_seconds} s` : "" })),
    );
    $("rate-rows").replaceChildren(...rows);
  }

  async function applyRates() {
    await act("rate-error", async () => {
      const change = {};
      const limit = $("rate-limit").value.trim();
      const windowSeconds = $("rate-window").value.trim();
      if (limit !== "") change.limit = Number(limit);
      if (windowSeconds !== "") change.window_seconds = Number(windowSeconds);
      if (Object.keys(change).length === 0) throw new Error("give a limit, a window or both");
      await api("PUT", "/_mock/rate-limits", { [$("rate-family").value]: change });
    });
  }

  // ---- apps -----------------------------------------------------------------------------

  /** A single-quoted shell word. */
  function shq(text) {
    return `'${String(text).replace(/'/g, "'\\''")}'`;
  }

  function curlLine(command) {
    const pre = el("pre", { text: command });
    const copy = el("button", {
      type: "button",
      text: "Copy",
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(command);
          copy.textContent = "Copied";
        } catch {
          // No clipboard (not a secure context): select the line for Ctrl+C.
          getSelection().selectAllChildren(pre);
          copy.textContent = "Selected";
        }
        setTimeout(() => {
          copy.textContent = "Copy";
        }, 1500);
      },
    });
    return el("div", { class: "curl" }, pre, copy);
  }

  function ids(label, list) {
    return list && list.length ? el("p", { class: "ids" }, `${label}: `, list.join(", ")) : null;
  }

  /** The mock clock's local day (`yyyy-MM-dd`) and the `YYYYMMDDHH` of two hours ago. */
  function clockDays() {
    const now = clock ? clock.now : new Date().toISOString();
    const day = now.slice(0, 10);
    const [y, m, d, h] = [now.slice(0, 4), now.slice(5, 7), now.slice(8, 10), now.slice(11, 13)].map(Number);
    const earlier = new Date(Date.UTC(y, m - 1, d, h - 2));
    const pad = (n) => String(n).padStart(2, "0");
    const hour = `${earlier.getUTCFullYear()}${pad(earlier.getUTCMonth() + 1)}${pad(earlier.getUTCDate())}${pad(earlier.getUTCHours())}`;
    return { day, hour };
  }

  function jiguangApp(app, base, { day }) {
    const auth = `curl -u ${shq(`${app.app_key}:${app.master_secret}`)}`;
    const range = `begin_time=${day}%2000:00:00&end_time=${day}%2023:59:59`;
    const msgIds = (app.msg_ids || []).slice(0, 3).join(",");
    const lines = [
      `${auth} ${shq(`${base}/v2/messages?count=100&${range}`)}`,
      app.usernames && app.usernames.length ? `${auth} ${shq(`${base}/v2/users/${app.usernames[0]}/messages?count=100&${range}`)}` : null,
      `${auth} ${shq(`${base}/v1/messages?start=0&count=50`)}`,
      msgIds ? `${auth} ${shq(`${base}/v3/received?msg_ids=${msgIds}`)}` : null,
      app.vip && msgIds ? `${auth} ${shq(`${base}/v3/messages?msg_ids=${msgIds}`)}` : null,
      app.vip ? `${auth} ${shq(`${base}/v2/statistic/users?time_unit=DAY&start=${day}&duration=1`)}` : null,
    ].filter(Boolean);
    return el(
      "div",
      { class: "app" },
      el("h3", { text: `JPush / JMessage: ${app.name} (${app.vip ? "VIP" : "non-VIP"})` }),
      el("p", { class: "ids" }, `appKey ${app.app_key} · masterSecret ${app.master_secret}`),
      ids("msg_ids", app.msg_ids),
      ids("registration_ids", app.registration_ids),
      ids("usernames", app.usernames),
      ids("group_ids", app.group_ids),
      ids("chatroom_ids", app.chatroom_ids),
      ...lines.map(curlLine),
    );
  }

  function easemobApp(app, base, { hour }) {
    const root = `${base}/${app.org_name}/${app.app_name}`;
    const body = JSON.stringify({ grant_type: "client_credentials", client_id: app.client_id, client_secret: app.client_secret });
    const lines = [
      `TOKEN=$(curl -s -X POST ${shq(`${root}/token`)} -H 'Content-Type: application/json' -d ${shq(body)} | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')`,
      `curl -H "Authorization: Bearer $TOKEN" ${shq(`${root}/chatmessages/${hour}`)}`,
    ];
    return el(
      "div",
      { class: "app" },
      el("h3", { text: `Easemob: ${app.org_name}#${app.app_name}` }),
      el("p", { class: "ids" }, `client_id ${app.client_id} · client_secret ${app.client_secret}`),
      ids("usernames", app.usernames),
      ids("group_ids", app.group_ids),
      ids("chatroom_ids", app.chatroom_ids),
      ...lines.map(curlLine),
    );
  }

  function fillAppSelect(select, apps) {
    const chosen = select.value;
    const options = [el("option", { value: "", text: "any" })];
    for (const app of apps.apps) options.push(el("option", { value: app.app_key, text: `${app.name} (${app.app_key})` }));
    for (const app of apps.easemob) {
      const name = `${app.org_name}#${app.app_name}`;
      options.push(el("option", { value: name, text: name }));
    }
    select.replaceChildren(...options);
    select.value = chosen;
  }

  async function loadApps() {
    const apps = await api("GET", "/_mock/apps");
    if (!clock) clock = await api("GET", "/_mock/clock");
    const base = window.location.origin;
    const days = clockDays();
    $("apps").replaceChildren(...apps.apps.map((a) => jiguangApp(a, base, days)), ...apps.easemob.map((a) => easemobApp(a, base, days)));
    fillAppSelect($("filter-app"), apps);
    fillAppSelect($("fault-app"), apps);
  }

  // ---- wiring ---------------------------------------------------------------------------

  function onSubmit(id, handler) {
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      handler();
    });
  }

  function wire() {
    onSubmit("token-form", () => {
      const value = $("token-input").value.trim();
      if (value) useToken(value);
    });
    $("forget-token").hidden = !token;
    $("forget-token").addEventListener("click", () => {
      token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      $("forget-token").hidden = true;
    });
    $("pause").addEventListener("click", () => {
      paused = !paused;
      $("pause").textContent = paused ? "Resume" : "Pause";
      setConn(paused ? "paused" : "live", paused ? "paused" : "live");
    });
    $("reset").addEventListener("click", () => {
      if (!window.confirm("Reset the mock: faults, journal, clock and rate limits as at startup?")) return;
      act("clock-error", async () => {
        await api("POST", "/_mock/reset");
        restartJournal();
        await loadApps();
      });
    });

    for (const id of ["filter-family", "filter-app", "filter-warnings"]) $(id).addEventListener("change", restartJournal);
    for (const id of ["filter-status", "filter-path"]) $(id).addEventListener("change", restartJournal);
    onSubmit("journal-filters", restartJournal);
    $("journal-clear").addEventListener("click", () =>
      act("journal-error", async () => {
        await api("DELETE", "/_mock/journal");
        restartJournal();
      }),
    );
    $("detail-close").addEventListener("click", () => {
      $("journal-detail").hidden = true;
      journal.selected = null;
      journal.dirty = true;
      renderJournal();
    });

    for (const button of document.querySelectorAll("button.advance")) {
      button.addEventListener("click", () => advance(Number(button.dataset.seconds)));
    }
    onSubmit("clock-advance-form", () => advance(Number($("clock-advance-seconds").value)));
    onSubmit("clock-set-form", () =>
      act("clock-error", async () => {
        await api("PUT", "/_mock/clock", { now: $("clock-set-input").value.trim() });
        await loadApps();
      }),
    );
    $("clock-freeze").addEventListener("click", () =>
      act("clock-error", () => api("PUT", "/_mock/clock", { frozen: !(clock && clock.frozen) })),
    );

    $("fault-template").replaceChildren(...TEMPLATES.map(([label], i) => el("option", { value: i, text: label })));
    for (const id of ["fault-template", "fault-family", "fault-app"]) $(id).addEventListener("change", composeRule);
    $("fault-path").addEventListener("input", composeRule);
    composeRule();
    onSubmit("fault-form", addFault);
    $("faults-clear").addEventListener("click", () => act("fault-error", () => api("DELETE", "/_mock/faults")));

    onSubmit("rate-form", applyRates);
    $("apps-refresh").addEventListener("click", () => act("apps-error", loadApps));
  }

  async function start() {
    wire();
    try {
      await refreshClock();
      composeRule();
      await loadApps();
    } catch (err) {
      $("error").textContent = `The control API did not answer: ${err.message}`;
      $("error").hidden = false;
    }
    tick();
  }

  start();
})();
