// The maintainers' dashboard. Everything shown comes from the admin-only JSON endpoints with
// `Authorization: Bearer <token>`; the token lives in sessionStorage (gone when the tab closes) and
// is sent by this script only, so no other site can make the browser use it (no cookie, no CSRF).
// All text is put in the page with textContent: the log quotes repository and chat text.
"use strict";

(() => {
  const TOKEN_KEY = "devrel.adminToken";
  const SVG = "http://www.w3.org/2000/svg";
  const STATUSES = ["posted", "dry-run", "failed"];
  const REPORT_PARTS = new Set(["weeks", "current", "previous", "docs_gaps", "leaderboard", "onboarding"]);
  const ONBOARDING = ["welcomed", "came_back", "nudged", "first_merged_prs"];
  const $ = (id) => document.getElementById(id);

  class Unauthorized extends Error {}

  // --- small DOM helpers -------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Only http(s) links become anchors; anything else is shown as text.
  function safeUrl(value) {
    try {
      const url = new URL(String(value), window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function linkOrText(value, label) {
    const href = safeUrl(value);
    if (!href || !/^https?:/i.test(String(value))) return el("code", { text: String(value) });
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", text: label || String(value) });
  }

  function humanize(name) {
    const text = String(name).replace(/[_-]+/g, " ").trim();
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function formatNumber(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "—";
    const magnitude = Math.abs(value);
    const digits = magnitude >= 100 || Number.isInteger(value) ? 0 : magnitude >= 10 ? 1 : 2;
    return value.toLocaleString("en", { maximumFractionDigits: digits });
  }

  function when(epochSeconds) {
    return new Date(epochSeconds * 1000).toLocaleString("en-GB", {
      year: "numeric", month: "short", day: "2-digit", hour: "2-digit", minute: "2-digit",
    });
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function emptyRow(tbody, columns, text) {
    tbody.append(el("tr", {}, el("td", { colspan: String(columns), class: "note", text })));
  }

  // --- the API --------------------------------------------------------------------------------

  async function api(path) {
    const response = await fetch(path, {
      headers: { Authorization: "Bearer " + sessionStorage.getItem(TOKEN_KEY), Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
    });
    if (response.status === 401) throw new Unauthorized("not signed in");
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || response.status + " " + response.statusText);
      error.status = response.status;
      throw error;
    }
    return body;
  }

  // --- charts -----------------------------------------------------------------------------------

  const W = 320, H = 130, PAD = { left: 34, right: 8, top: 10, bottom: 20 };

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  function axes(svg, labels, max) {
    const plotH = H - PAD.top - PAD.bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = PAD.top + plotH * (1 - fraction);
      svg.append(svgEl("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "chart-grid" }));
      svg.append(svgEl("text", { x: PAD.left - 4, y: y + 3, "text-anchor": "end", class: "chart-label" },
        formatNumber(max * fraction)));
    }
    const shown = labels.length <= 1 ? [0] : [0, Math.floor((labels.length - 1) / 2), labels.length - 1];
    for (const index of new Set(shown)) {
      const x = xAt(index, labels.length);
      const anchor = index === 0 ? "start" : index === labels.length - 1 ? "end" : "middle";
      svg.append(svgEl("text", { x, y: H - 5, "text-anchor": anchor, class: "chart-label" }, labels[index] || ""));
    }
  }

  function xAt(index, count) {
    const plotW = W - PAD.left - PAD.right;
    return count <= 1 ? PAD.left + plotW / 2 : PAD.left + (plotW * index) / (count - 1);
  }

  // One numeric series over weeks; null values leave a gap in the line.
  function lineChart(title, labels, values) {
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title });
    const present = values.filter((v) => typeof v === "number");
    const max = niceMax(Math.max(0, ...present));
    axes(svg, labels, max);
    const plotH = H - PAD.top - PAD.bottom;
    const yAt = (v) => PAD.top + plotH * (1 - v / max);
    let run = [];
    const flush = () => {
      if (run.length > 1) svg.append(svgEl("polyline", { points: run.join(" "), class: "chart-line" }));
      run = [];
    };
    values.forEach((value, index) => {
      if (typeof value !== "number") { flush(); return; }
      const x = xAt(index, values.length), y = yAt(value);
      run.push(`${x.toFixed(1)},${y.toFixed(1)}`);
      const dot = svgEl("circle", { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5, class: "chart-dot" });
      dot.append(svgEl("title", {}, `${labels[index]}: ${formatNumber(value)}`));
      svg.append(dot);
    });
    flush();
    return svg;
  }

  // Counts by status per week, stacked (drawn wider: it spans the page).
  function stackedBars(title, labels, rows) {
    const WIDE = W * 3;
    const svg = svgEl("svg", { viewBox: `0 0 ${WIDE} ${H}`, role: "img", "aria-label": title });
    const totals = rows.map((row) => STATUSES.reduce((sum, s) => sum + (row[s] || 0), 0));
    const max = niceMax(Math.max(0, ...totals));
    const plotW = WIDE - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
    for (const fraction of [0, 0.5, 1]) {
      const y = PAD.top + plotH * (1 - fraction);
      svg.append(svgEl("line", { x1: PAD.left, x2: WIDE - PAD.right, y1: y, y2: y, class: "chart-grid" }));
      svg.append(svgEl("text", { x: PAD.left - 4, y: y + 3, "text-anchor": "end", class: "chart-label" },
        formatNumber(max * fraction)));
    }
    const slot = plotW / Math.max(1, rows.length), bar = Math.max(1, slot * 0.7);
    rows.forEach((row, index) => {
      let base = PAD.top + plotH;
      const x = PAD.left + slot * index + (slot - bar) / 2;
      for (const status of STATUSES) {
        const count = row[status] || 0;
        if (!count) continue;
        const height = (plotH * count) / max;
        base -= height;
        const rect = svgEl("rect", { x: x.toFixed(1), y: base.toFixed(1), width: bar.toFixed(1),
          height: height.toFixed(1), class: "bar-" + status });
        rect.append(svgEl("title", {}, `${labels[index]}: ${count} ${status}`));
        svg.append(rect);
      }
    });
    const marks = labels.length <= 1 ? [0] : [0, Math.floor((labels.length - 1) / 2), labels.length - 1];
    for (const index of new Set(marks)) {
      const x = PAD.left + slot * index + slot / 2;
      svg.append(svgEl("text", { x, y: H - 5, "text-anchor": "middle", class: "chart-label" }, labels[index] || ""));
    }
    let legendX = WIDE - PAD.right - 3 * 60;
    for (const status of STATUSES) {
      svg.append(svgEl("rect", { x: legendX, y: 2, width: 8, height: 8, class: "legend-" + status }));
      svg.append(svgEl("text", { x: legendX + 11, y: 10, class: "chart-label" }, status));
      legendX += 60;
    }
    return svg;
  }

  // --- sections -------------------------------------------------------------------------------------

  function renderHealth(report) {
    const charts = clear($("charts"));
    const note = $("health-note");
    note.hidden = true;
    const weeks = Array.isArray(report.weeks) ? report.weeks : [];
    const names = [];
    for (const row of weeks) {
      for (const [key, value] of Object.entries(row)) {
        if (key !== "week" && (typeof value === "number" || value === null) && !names.includes(key)) names.push(key);
      }
    }
    // A metric that is null every week has nothing to chart.
    const charted = names.filter((name) => weeks.some((row) => typeof row[name] === "number"));
    if (!charted.length) {
      note.textContent = "No weekly metrics yet: they appear once events are logged (or `devrel backfill` ran).";
      note.hidden = false;
    }
    const labels = weeks.map((row) => String(row.week || "").replace(/^\d{4}-/, ""));
    const current = report.current || weeks[weeks.length - 1] || {};
    const previous = report.previous || weeks[weeks.length - 2] || {};
    for (const name of charted) {
      const values = weeks.map((row) => (typeof row[name] === "number" ? row[name] : null));
      const now = typeof current[name] === "number" ? current[name] : null;
      const before = typeof previous[name] === "number" ? previous[name] : null;
      // This week is still under way, so its value is shown next to last week's rather than as a change.
      const value = el("p", { class: "value" }, formatNumber(now), " ", el("small", { text: "this week" }));
      value.append(el("span", { class: "change", text: `· last week ${formatNumber(before)}` }));
      charts.append(el("figure", { class: "card", "data-metric": name },
        el("h3", { text: humanize(name) }), value, lineChart(humanize(name), labels, values)));
    }
    renderOnboarding(Array.isArray(report.onboarding) ? report.onboarding : []);
    renderGaps(Array.isArray(report.docs_gaps) ? report.docs_gaps : []);
    renderLeaders(Array.isArray(report.leaderboard) ? report.leaderboard : []);
    renderMore(report);
  }

  // Newcomers per week, newest first, and the totals over the period shown.
  function renderOnboarding(weeks) {
    const total = Object.fromEntries(ONBOARDING.map((name) => [name, 0]));
    for (const row of weeks) for (const name of ONBOARDING) total[name] += Number(row[name]) || 0;
    const share = total.welcomed ? ` (${Math.round((100 * total.came_back) / total.welcomed)}%)` : "";
    $("onboarding-summary").textContent = `${total.welcomed} newcomers welcomed in ${weeks.length} weeks, ` +
      `${total.came_back} came back with a contribution${share}; ${total.nudged} reminders; ` +
      `${total.first_merged_prs} first merged pull requests.`;
    const tbody = clear($("onboarding-table").tBodies[0]);
    if (!weeks.length) { emptyRow(tbody, 5, "No onboarding yet."); return; }
    for (const row of [...weeks].reverse()) {
      tbody.append(el("tr", { "data-week": String(row.week || "") }, el("td", { text: String(row.week || "") }),
        ...ONBOARDING.map((name) => el("td", { text: formatNumber(Number(row[name]) || 0) }))));
    }
  }

  function renderGaps(gaps) {
    const tbody = clear($("gaps-table").tBodies[0]);
    if (!gaps.length) { emptyRow(tbody, 3, "No docs gaps recorded."); return; }
    for (const gap of gaps) {
      const questions = el("ul", {}, ...(gap.questions || []).map((q) => el("li", { text: String(q) })));
      const pages = el("ul", {}, ...(gap.pages || []).map((p) => el("li", {}, linkOrText(p))));
      tbody.append(el("tr", {}, el("td", { text: String(gap.topic || "") }), el("td", {}, questions),
        el("td", {}, pages)));
    }
  }

  function renderLeaders(leaders) {
    const tbody = clear($("leaders-table").tBodies[0]);
    if (!leaders.length) { emptyRow(tbody, 3, "Nobody on the board yet."); return; }
    const top = Math.max(1, ...leaders.map((l) => Number(l.points) || 0));
    leaders.forEach((leader, index) => {
      const bar = svgEl("svg", { viewBox: "0 0 100 8", width: 100, height: 8, "aria-hidden": "true" });
      bar.append(svgEl("rect", { x: 0, y: 0, height: 8, width: (100 * (Number(leader.points) || 0)) / top,
        class: "leader-bar" }));
      tbody.append(el("tr", {}, el("td", { text: String(index + 1) }), el("td", { text: String(leader.name) }),
        el("td", {}, el("span", { text: formatNumber(Number(leader.points) || 0) + " " }), bar)));
    });
  }

  // Whatever else the report carries (bus factor, maintainer load, ...), as plain tables.
  function renderMore(report) {
    const body = clear($("more-body"));
    const extra = Object.entries(report).filter(([key]) => !REPORT_PARTS.has(key));
    $("more").hidden = !extra.length;
    for (const [key, value] of extra) {
      body.append(el("h3", { text: humanize(key) }), genericTable(value));
    }
  }

  function cellText(value) {
    if (value === null || value === undefined) return "—";
    if (typeof value === "number") return formatNumber(value);
    if (Array.isArray(value)) return value.map(cellText).join(", ");
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function genericTable(value) {
    if (Array.isArray(value) && value.length && value.every((v) => v && typeof v === "object" && !Array.isArray(v))) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
      return el("div", { class: "scroll" }, el("table", {},
        el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", { text: humanize(c) })))),
        el("tbody", {}, ...value.map((row) => el("tr", {}, ...columns.map((c) => el("td", { text: cellText(row[c]) })))))));
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return el("table", {}, el("tbody", {}, ...Object.entries(value).map(([k, v]) =>
        el("tr", {}, el("th", { text: String(k) }), el("td", { text: cellText(v) })))));
    }
    return el("p", { text: cellText(value) });
  }

  function fillChoices(select, choices) {
    if (select.options.length > 1) return;
    for (const choice of choices) select.append(el("option", { value: choice, text: choice }));
  }

  function renderActivity(data) {
    const form = $("filters");
    fillChoices(form.elements.kind, data.filters.kind);
    fillChoices(form.elements.status, data.filters.status);
    fillChoices(form.elements.platform, data.filters.platform);
    const labels = data.weeks.map((row) => String(row.week).replace(/^\d{4}-/, ""));
    clear($("activity-chart")).append(stackedBars("Actions per week by status", labels, data.weeks));
    $("activity-summary").textContent =
      `${data.total} action${data.total === 1 ? "" : "s"} in ${data.days} days` +
      (data.total > data.actions.length ? `; the newest ${data.actions.length} are listed.` : ".");
    const tbody = clear($("activity-table").tBodies[0]);
    if (!data.actions.length) { emptyRow(tbody, 7, "No actions match."); return; }
    for (const action of data.actions) {
      const status = el("span", { class: "badge status-" + action.status, text: action.status });
      const detail = action.detail || action.error
        ? el("details", {}, el("summary", { text: (action.error ? "error: " + action.error : action.detail).slice(0, 60) }),
          el("pre", { text: [action.detail, action.error && "error: " + action.error].filter(Boolean).join("\n\n") }))
        : "";
      const target = action.target ? linkOrText(action.target) : "";
      tbody.append(el("tr", { "data-kind": action.kind, "data-status": action.status },
        el("td", { text: when(action.at) }), el("td", { text: action.kind }), el("td", { text: action.platform }),
        el("td", {}, status), el("td", {}, target), el("td", { text: action.reason || "" }), el("td", {}, detail)));
    }
  }

  function renderVotes(data) {
    $("feedback-summary").textContent = `${data.up} helpful, ${data.down} not helpful.`;
    const tbody = clear($("feedback-table").tBodies[0]);
    if (!data.votes.length) { emptyRow(tbody, 4, "No votes yet."); return; }
    for (const vote of data.votes) {
      tbody.append(el("tr", {}, el("td", { text: when(vote.at) }),
        el("td", { class: "vote-" + vote.vote, text: vote.vote === "up" ? "helpful" : "not helpful" }),
        el("td", { text: vote.question || "" }), el("td", {}, vote.page_url ? linkOrText(vote.page_url) : "")));
    }
  }

  // --- loading ------------------------------------------------------------------------------------

  function activityPath() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData($("filters"))) if (value) params.set(name, String(value));
    return "api/activity?" + params.toString();
  }

  async function loadActivity() {
    renderActivity(await api(activityPath()));
  }

  async function loadHealth() {
    try {
      renderHealth(await api("api/metrics?weeks=" + encodeURIComponent($("weeks").value)));
    } catch (error) {
      if (error instanceof Unauthorized) throw error;
      clear($("charts"));
      $("health-note").textContent = error.status === 404
        ? "This deployment has no community-health report."
        : "The health report could not be loaded: " + error.message;
      $("health-note").hidden = false;
      renderGaps([]);
      renderLeaders([]);
    }
  }

  async function loadAll() {
    const started = performance.now();
    document.body.dataset.state = "loading";
    try {
      // All at once; the page appears when the activity log (which needs the token) has loaded.
      await Promise.all([loadActivity().then(showApp), loadHealth(), api("api/feedback?days=30").then(renderVotes)]);
      $("updated").textContent = "updated " + new Date().toLocaleTimeString("en-GB");
      document.body.dataset.loadMs = String(Math.round(performance.now() - started));
      document.body.dataset.state = "ready";
    } catch (error) {
      if (error instanceof Unauthorized) {
        signOut("That token was not accepted.");
        return;
      }
      document.body.dataset.state = "error";
      $("updated").textContent = "could not load: " + error.message;
    }
  }

  function showApp() {
    $("login").hidden = true;
    $("app").hidden = false;
  }

  // Nothing but the login form: every section is emptied, not just hidden.
  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("app").hidden = true;
    for (const id of ["charts", "activity-chart", "more-body"]) clear($(id));
    for (const table of document.querySelectorAll("#app table")) clear(table.tBodies[0]);
    $("login").hidden = false;
    $("login-error").textContent = message || "";
    document.body.dataset.state = "signed-out";
    $("token").focus();
  }

  function start() {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("token").value = "";
      loadAll();
    });
    $("signout").addEventListener("click", () => signOut(""));
    $("refresh").addEventListener("click", () => loadAll());
    $("weeks").addEventListener("change", () => loadHealth().catch(() => signOut("Please sign in again.")));
    $("filters").addEventListener("change", () => loadActivity().catch((error) => {
      if (error instanceof Unauthorized) signOut("Please sign in again.");
      else $("activity-summary").textContent = "could not load: " + error.message;
    }));
    if (sessionStorage.getItem(TOKEN_KEY)) loadAll();
    else signOut("");
  }

  start();
})();
