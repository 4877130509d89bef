// The devrel chat widget. Embed it with one tag:
//   <script src="https://YOUR-API/widget.js" data-api="https://YOUR-API" data-title="Ask the docs" defer></script>
// data-api: where the API is (default: where this script came from); data-title: the box's title.
// It asks POST {api}/api/ask with this page's URL, keeps one thread per tab (sessionStorage) and
// sends thumbs up/down to POST {api}/api/feedback. It holds no secret and sends no cookies.
// Answers quote repository text, so everything is put in the page as text nodes, never as HTML.
"use strict";

(() => {
  const script = document.currentScript;
  if (!script || window.__devrelWidget) return;
  window.__devrelWidget = true;

  const api = (script.dataset.api || new URL(script.src, window.location.href).origin).replace(/\/+$/, "");
  const title = script.dataset.title || "Ask the docs";
  const THREAD_KEY = "devrel-widget:thread:" + api;
  const LOG_KEY = "devrel-widget:log:" + api;
  const KEEP_TURNS = 20;
  const SVG = "http://www.w3.org/2000/svg";
  const memory = {}; // when sessionStorage is unavailable (privacy modes), the thread lives as long as the page

  const store = {
    get(key) {
      try { return window.sessionStorage.getItem(key); } catch (_) { return memory[key] || null; }
    },
    set(key, value) {
      try { window.sessionStorage.setItem(key, value); } catch (_) { memory[key] = value; }
    },
  };

  function randomId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes); // available outside secure contexts too
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function thread() {
    let id = store.get(THREAD_KEY);
    if (!id) {
      id = randomId();
      store.set(THREAD_KEY, id);
    }
    return id;
  }

  function loadLog() {
    try { return JSON.parse(store.get(LOG_KEY) || "[]"); } catch (_) { return []; }
  }

  function saveLog(log) {
    store.set(LOG_KEY, JSON.stringify(log.slice(-KEEP_TURNS)));
  }

  // --- DOM helpers ------------------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function safeUrl(value) {
    if (!/^https?:\/\//i.test(String(value))) return null;
    try {
      return new URL(String(value)).href;
    } catch (_) {
      return null;
    }
  }

  // A readable name for a source link: the file and lines of a repository permalink, else the URL.
  function sourceLabel(href) {
    const permalink = /\/blob\/[^/]+\/(.+)$/.exec(href);
    const text = permalink ? decodeURIComponent(permalink[1]) : href.replace(/^https?:\/\//, "");
    return text.length > 70 ? text.slice(0, 69) + "…" : text;
  }

  function link(href, text) {
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", text });
  }

  function thumb(down) {
    const icon = document.createElementNS(SVG, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", "M2 10h4v11H2z M8 21h9.2a2 2 0 0 0 1.9-1.4l2.3-7A2 2 0 0 0 19.5 10H14l1-4.6A2 2 0 0 0 13 3l-5 7z");
    if (down) path.setAttribute("transform", "rotate(180 12 12)");
    icon.append(path);
    return icon;
  }

  // --- rendering an answer (a small, safe subset of Markdown) --------------------------------------

  // Inline: `code`, **bold**, [n] citation markers and bare http(s) links.
  function inline(text, citations) {
    const parts = [];
    const pattern = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\[(\d+)\])|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      if (match.index > last) parts.push(document.createTextNode(text.slice(last, match.index)));
      if (match[1]) parts.push(el("code", { text: match[1].slice(1, -1) }));
      else if (match[2]) parts.push(el("strong", {}, ...inline(match[2].slice(2, -2), citations)));
      else if (match[3]) {
        const cited = citations[Number(match[4]) - 1];
        const href = cited && safeUrl(cited.url);
        parts.push(href ? link(href, match[3]) : document.createTextNode(match[3]));
      } else {
        const href = safeUrl(match[5]);
        parts.push(href ? link(href, match[5]) : document.createTextNode(match[5]));
      }
      last = match.index + match[0].length;
    }
    if (last < text.length) parts.push(document.createTextNode(text.slice(last)));
    return parts;
  }

  // The answer's last paragraph is its list of sources ("Sources:\n[1] url"); it is shown as a
  // proper list from the citations instead.
  function splitSources(blocks, citations) {
    const lastBlock = blocks[blocks.length - 1];
    if (!citations.length || !lastBlock) return { blocks, label: "Sources" };
    const lines = lastBlock.split("\n");
    if (/:\s*$/.test(lines[0]) && lines.slice(1).every((line) => /^\[\d+\] \S+$/.test(line.trim()))) {
      return { blocks: blocks.slice(0, -1), label: lines[0].replace(/:\s*$/, "") };
    }
    return { blocks, label: "Sources" };
  }

  function renderAnswer(text, citations) {
    const box = el("div", { class: "answer" });
    const chunks = [];
    // Code fences first, so blank lines inside code do not split it.
    const fence = /```[^\n]*\n([\s\S]*?)\n```/g;
    let last = 0;
    for (const match of text.matchAll(fence)) {
      chunks.push({ text: text.slice(last, match.index) });
      chunks.push({ code: match[1] });
      last = match.index + match[0].length;
    }
    chunks.push({ text: text.slice(last) });
    const blocks = [];
    for (const chunk of chunks) {
      if (chunk.code !== undefined) { blocks.push(chunk); continue; }
      for (const part of chunk.text.split(/\n{2,}/)) if (part.trim()) blocks.push(part.trim());
    }
    const textBlocks = blocks.filter((b) => typeof b === "string");
    const { blocks: kept, label } = splitSources(textBlocks, citations);
    const sourcesBlock = kept.length < textBlocks.length ? textBlocks[textBlocks.length - 1] : null;
    for (const block of blocks) {
      if (typeof block !== "string") {
        box.append(el("pre", {}, el("code", { text: block.code })));
      } else if (block === sourcesBlock) {
        continue;
      } else {
        // Runs of "> " lines are a quote; other runs of lines a paragraph.
        let current = null;
        for (const line of block.split("\n")) {
          const quoted = line.startsWith(">");
          const tag = quoted ? "BLOCKQUOTE" : "P";
          if (!current || current.tagName !== tag) {
            current = el(tag.toLowerCase());
            box.append(current);
          } else {
            current.append(el("br"));
          }
          current.append(...inline(quoted ? line.replace(/^>\s?/, "") : line, citations));
        }
      }
    }
    if (citations.length) {
      const list = el("ol", { class: "sources" });
      for (const citation of citations) {
        const href = safeUrl(citation.url);
        list.append(el("li", {}, href ? link(href, sourceLabel(href)) : el("code", { text: String(citation.url) })));
      }
      box.append(el("div", { class: "sources-title", text: label }), list);
    }
    return box;
  }

  // --- the box ------------------------------------------------------------------------------------

  const STYLE = `
    :host { all: initial; }
    * { box-sizing: border-box; }
    .launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 24px;
      padding: 12px 18px; background: #0969da; color: #fff; font: 600 14px system-ui, sans-serif; cursor: pointer;
      box-shadow: 0 4px 14px rgba(0,0,0,.25); }
    .panel { position: fixed; right: 20px; bottom: 76px; z-index: 2147483000; width: min(400px, calc(100vw - 40px));
      height: min(560px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff; color: #1f2328;
      border: 1px solid #d1d9e0; border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.2);
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; overflow: hidden; }
    .panel[hidden] { display: none; }
    header { display: flex; align-items: center; padding: 10px 14px; background: #0969da; color: #fff; }
    header h2 { font-size: 15px; margin: 0; flex: 1; }
    header button { background: transparent; border: 0; color: #fff; font-size: 20px; cursor: pointer; line-height: 1; }
    .log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; }
    .msg { max-width: 92%; padding: 8px 11px; border-radius: 10px; overflow-wrap: anywhere; }
    .user { align-self: flex-end; background: #ddf4ff; }
    .bot { align-self: flex-start; background: #f6f8fa; border: 1px solid #d1d9e0; }
    .bot p { margin: 0 0 6px; }
    .bot blockquote { margin: 4px 0 8px; padding: 2px 8px; border-left: 3px solid #d1d9e0; color: #424a53; }
    .bot pre { margin: 4px 0 8px; padding: 6px 8px; background: #fff; border: 1px solid #d1d9e0; border-radius: 6px;
      overflow-x: auto; font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
    .bot code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
    .bot a { color: #0969da; }
    .sources-title { font-weight: 600; margin-top: 6px; }
    .sources { margin: 2px 0 0; padding-left: 20px; font-size: 12px; }
    .rate { display: flex; align-items: center; gap: 6px; margin-top: 6px; color: #59636e; font-size: 12px; }
    .rate button { width: 30px; height: 26px; padding: 3px; border: 1px solid #d1d9e0; border-radius: 6px;
      background: #fff; cursor: pointer; }
    .rate button svg { width: 18px; height: 18px; fill: #59636e; }
    .rate button:hover svg { fill: #0969da; }
    .note { align-self: center; color: #59636e; font-size: 12px; }
    form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d1d9e0; }
    input { flex: 1; padding: 8px; border: 1px solid #d1d9e0; border-radius: 6px; font: inherit; }
    form button { padding: 8px 12px; border: 0; border-radius: 6px; background: #0969da; color: #fff; font: inherit;
      cursor: pointer; }
    form button[disabled] { opacity: .6; cursor: default; }
  `;

  function mount() {
    const host = el("div", { "data-devrel-widget": "" });
    document.body.append(host);
    const root = host.attachShadow({ mode: "open" });
    // A constructed stylesheet where supported: a docs site's CSP may forbid inline <style>.
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el("style", { text: STYLE }));
    }

    const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false", text: title });
    const close = el("button", { type: "button", "aria-label": "Close", text: "×" });
    const log = el("div", { class: "log", role: "log", "aria-live": "polite" });
    const input = el("input", { type: "text", name: "question", placeholder: "Ask a question…", maxlength: "4000",
      "aria-label": "Your question", autocomplete: "off" });
    const send = el("button", { type: "submit", text: "Ask" });
    const form = el("form", {}, input, send);
    const panel = el("div", { class: "panel", role: "dialog", "aria-label": title },
      el("header", {}, el("h2", { text: title }), close), log, form);
    panel.hidden = true;
    root.append(launcher, panel);

    const toggle = (open) => {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      if (open) input.focus();
    };
    launcher.addEventListener("click", () => toggle(panel.hidden));
    close.addEventListener("click", () => toggle(false));
    panel.addEventListener("keydown", (event) => { if (event.key === "Escape") toggle(false); });

    const scroll = () => { log.scrollTop = log.scrollHeight; };
    const note = (text) => { log.append(el("div", { class: "note", role: "status", text })); scroll(); };

    function showTurn(turn, withRating) {
      if (turn.role === "user") {
        const asked = el("div", { class: "msg user", text: turn.text });
        log.append(asked);
        return asked;
      }
      const message = el("div", { class: "msg bot" }, renderAnswer(turn.text, turn.citations || []));
      if (withRating) message.append(rating(turn.question));
      log.append(message);
      return message;
    }

    function rating(question) {
      const up = el("button", { type: "button", "aria-label": "Thumbs up: helpful", title: "Helpful" }, thumb(false));
      const down = el("button", { type: "button", "aria-label": "Thumbs down: not helpful", title: "Not helpful" },
        thumb(true));
      const row = el("div", { class: "rate" }, el("span", { text: "Was this helpful?" }), up, down);
      const vote = async (value) => {
        up.disabled = down.disabled = true;
        try {
          const response = await fetch(api + "/api/feedback", {
            method: "POST", mode: "cors", credentials: "omit",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ thread: thread(), vote: value, question, page_url: window.location.href }),
          });
          row.replaceChildren(el("span", { text: response.ok ? "Thanks for the feedback." : "Feedback not recorded." }));
        } catch (_) {
          row.replaceChildren(el("span", { text: "Feedback not recorded." }));
        }
      };
      up.addEventListener("click", () => vote("up"));
      down.addEventListener("click", () => vote("down"));
      return row;
    }

    async function ask(question) {
      const turns = loadLog();
      const asked = { role: "user", text: question };
      showTurn(asked, false);
      const waiting = el("div", { class: "note", role: "status", text: "Searching the docs…" });
      log.append(waiting);
      scroll();
      send.disabled = true;
      try {
        const response = await fetch(api + "/api/ask", {
          method: "POST", mode: "cors", credentials: "omit",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ question, thread: thread(), page_url: window.location.href }),
        });
        waiting.remove();
        if (response.status === 429) {
          note(`Too many questions for now; try again in ${response.headers.get("retry-after") || "a few"} seconds.`);
          return;
        }
        const body = await response.json().catch(() => ({}));
        if (!response.ok) {
          note(body.error ? "Sorry: " + body.error : "Sorry, no answer right now.");
          return;
        }
        const answered = { role: "assistant", text: String(body.answer || ""), question,
          citations: Array.isArray(body.citations) ? body.citations : [] };
        const shown = showTurn(answered, true);
        saveLog([...turns, asked, answered]);
        // Long answers: show their beginning (the question just above it), not their end.
        log.scrollTop = Math.max(0, shown.offsetTop - log.offsetTop - 48);
      } catch (_) {
        waiting.remove();
        note("The assistant cannot be reached right now.");
      } finally {
        send.disabled = false;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = input.value.trim();
      if (!question || send.disabled) return;
      input.value = "";
      ask(question);
    });

    for (const turn of loadLog()) showTurn(turn, false);
    scroll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
