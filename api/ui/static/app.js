// callqa pages: the token is entered once and kept in sessionStorage; every
// figure comes from the JSON API with that token.
"use strict";

const TOKEN_KEY = "callqa.token";
const $ = (sel, root) => (root || document).querySelector(sel);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
  return e;
};
const svg = (tag, attrs, text) => {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

function token() { return sessionStorage.getItem(TOKEN_KEY); }

function showError(msg) {
  const p = $("#error");
  p.textContent = msg;
  p.hidden = !msg;
}

// api calls the JSON API; a 401 asks for the token again.
async function api(path, opts) {
  opts = opts || {};
  const headers = Object.assign({ Authorization: "Bearer " + token() }, opts.headers || {});
  if (opts.body) headers["Content-Type"] = "application/json";
  const resp = await fetch(path, Object.assign({}, opts, { headers }));
  if (resp.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    signIn("令牌无效或已失效 The token was not accepted.");
    throw new Error("unauthorized");
  }
  if (opts.raw) return resp;
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const e = body.error || {};
    throw new Error((e.field ? e.field + ": " : "") + (e.message || resp.status));
  }
  return body;
}

function signIn(msg) {
  $("#app").hidden = true;
  $("#signin").hidden = false;
  $("#signout").hidden = true;
  const err = $("#signin-error");
  err.textContent = msg || "";
  err.hidden = !msg;
}

const fmtTime = (ms) => {
  if (ms === undefined || ms === null) return "";
  const s = Math.floor(ms / 1000);
  return String(Math.floor(s / 60)).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
};
const fmtDate = (iso) => iso ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC") : "";
const num = (v, d) => v === null || v === undefined ? "—" : Number(v).toFixed(d);

// ---------------------------------------------------------------- calls

async function callsPage() {
  const form = $("#filters");
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
  const rules = await api("/v1/rules");
  for (const r of rules.rules) form.elements.rule.append(el("option", { value: r.id }, r.id + " " + r.title));
  if (params.get("rule")) form.elements.rule.value = params.get("rule");
  let cursor = null;
  const load = async (more) => {
    const q = new URLSearchParams();
    for (const f of ["agent", "team", "from", "to", "rule", "review", "sort"]) {
      if (form.elements[f].value) q.set(f, form.elements[f].value);
    }
    if (more && cursor) q.set("cursor", cursor);
    const page = await api("/v1/calls?" + q);
    const body = $("#calls tbody");
    if (!more) body.textContent = "";
    for (const c of page.calls) {
      const rules = Object.entries(c.findings_by_rule).map(([r, n]) => n > 1 ? r + "×" + n : r).join(", ");
      body.append(el("tr", { "data-call": c.call_id },
        el("td", {}, el("a", { href: "/ui/calls/" + encodeURIComponent(c.call_id) }, c.call_id)),
        el("td", {}, fmtDate(c.started_at)), el("td", {}, c.agent_id), el("td", {}, c.team),
        el("td", { class: c.passed ? "pass" : "fail" }, String(c.score)),
        el("td", {}, String(c.reviewed_score)), el("td", {}, c.review_state), el("td", {}, rules)));
    }
    cursor = page.next_cursor;
    $("#more").hidden = !cursor;
    $("#empty").hidden = body.children.length > 0 || !!cursor;
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); load(false).catch((e) => showError(e.message)); });
  $("#more").addEventListener("click", () => load(true).catch((e) => showError(e.message)));
  await load(false);
}

// ---------------------------------------------------------------- call

async function callPage() {
  const id = document.body.dataset.callId;
  const [call, trail] = await Promise.all([
    api("/v1/calls/" + encodeURIComponent(id)),
    api("/v1/calls/" + encodeURIComponent(id) + "/reviews"),
  ]);
  renderCall(call, trail.reviews);
}

function renderCall(call, reviews) {
  const passed = call.reviewed_passed;
  $("#summary").replaceChildren(
    el("span", {}, "分数 Score ", el("b", { id: "score", class: call.passed ? "pass" : "fail" }, String(call.score))),
    el("span", {}, "复核分 Reviewed ", el("b", { id: "reviewed-score", class: passed ? "pass" : "fail" }, String(call.reviewed_score))),
    el("span", {}, "及格线 Pass ", el("b", {}, String(call.pass_score))),
    el("span", {}, "复核 ", el("b", { id: "review-state" }, call.review_state)),
    el("span", {}, "坐席 " + call.agent_id + " · " + (call.team || "—") + " · " + call.unit),
    el("span", { class: "meta" }, fmtDate(call.started_at) + " · lexicon " + call.lexicon_version +
      " · scheme " + call.scheme + " " + call.scheme_version + (call.masked ? " · 号码已脱敏 numbers masked" : "")));

  // Transcript with every finding's evidence marked at its utterance.
  const byUtt = new Map();
  for (const f of call.findings) {
    if (f.utterance < 0) continue;
    if (!byUtt.has(f.utterance)) byUtt.set(f.utterance, []);
    byUtt.get(f.utterance).push(f);
  }
  const list = $("#utterances");
  list.replaceChildren();
  const utts = call.transcript ? call.transcript.utterances : [];
  if (!call.transcript) list.append(el("li", { class: "error" }, call.transcript_error || "no transcript"));
  for (const u of utts) {
    const fs = byUtt.get(u.index) || [];
    const li = el("li", { id: "utt-" + u.index, class: u.speaker + (fs.length ? " flagged" : "") },
      el("div", { class: "meta" }, "#" + u.index + " " + u.speaker + " " + fmtTime(u.start_ms) + (u.end_ms !== undefined ? "–" + fmtTime(u.end_ms) : "") +
        (fs.length ? " · " + fs.map((f) => f.rule).join(", ") : "")));
    li.append(highlight(u.text, fs.filter((f) => f.span).map((f) => [f.span.start, f.span.end, f.index])));
    list.append(li);
  }

  const fl = $("#findings");
  fl.replaceChildren();
  if (call.findings.length === 0) fl.append(el("li", {}, "没有问题 No findings."));
  for (const f of call.findings) {
    const rv = f.review;
    const comment = el("textarea", { id: "comment-" + f.index, placeholder: "说明 Comment (推翻时必填 required to overturn)" });
    const decide = (decision) => async () => {
      try {
        await api("/v1/calls/" + encodeURIComponent(call.call_id) + "/reviews", {
          method: "POST", body: JSON.stringify({ finding: f.index, decision, comment: comment.value }) });
        showError("");
        await callPage();
      } catch (e) { showError(e.message); }
    };
    const where = f.utterance >= 0 ? "#" + f.utterance + " " + fmtTime(f.start_ms) : "整通 whole call";
    fl.append(el("li", { id: "finding-" + f.index, class: rv ? rv.decision : "" },
      el("div", {}, el("b", {}, f.title || f.rule), " ", el("code", {}, f.rule), " ",
        el("span", { class: "ded" }, "−" + f.deduction), " ", el("span", { class: "badge" }, f.severity), " ",
        rv ? el("span", { class: "badge " + rv.decision }, (rv.decision === "overturn" ? "已推翻 overturned" : "已确认 confirmed") + " · " + rv.by) : null),
      el("div", {}, el("a", { href: "#utt-" + f.utterance, onclick: () => focusUtt(f.utterance) }, where), " ", f.message,
        f.evidence ? el("span", {}, " «", el("mark", {}, f.evidence), "»") : null),
      el("div", { class: "clause" }, f.clause),
      rv && rv.comment ? el("div", { class: "meta" }, "“" + rv.comment + "”") : null,
      el("div", { class: "review" }, comment,
        el("button", { type: "button", id: "confirm-" + f.index, onclick: decide("confirm") }, "确认 Confirm"), " ",
        el("button", { type: "button", id: "overturn-" + f.index, onclick: decide("overturn") }, "推翻 Overturn"))));
  }
  const orph = $("#orphans");
  orph.replaceChildren();
  if (call.orphaned_reviews.length) {
    orph.append(el("p", { class: "meta" }, "重新评分后已消失的问题的复核 Reviews of findings a rescoring removed:"));
    for (const o of call.orphaned_reviews) orph.append(el("div", { class: "meta" }, o.rule + " #" + o.utterance + " · " + o.decision + " · " + o.by));
  }
  const al = $("#audit");
  al.replaceChildren();
  for (const r of reviews) {
    al.append(el("li", { class: "meta" }, fmtDate(r.at) + " · " + r.by + " · #" + r.finding + " " + r.rule + " · " + r.decision +
      " · " + r.before.reviewed_score + "→" + r.after.reviewed_score + (r.comment ? " · “" + r.comment + "”" : "")));
  }
}

// highlight returns text with the spans [start, end) marked, spans in
// runes (code points) as the API gives them.
function highlight(text, spans) {
  const runes = Array.from(text);
  const frag = document.createDocumentFragment();
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [s, e, idx] of spans) {
    if (s < at) continue;
    frag.append(runes.slice(at, s).join(""));
    frag.append(el("mark", { "data-finding": idx }, runes.slice(s, e).join("")));
    at = e;
  }
  frag.append(runes.slice(at).join(""));
  return frag;
}

function focusUtt(i) {
  document.querySelectorAll("#utterances li.focus").forEach((li) => li.classList.remove("focus"));
  const li = document.getElementById("utt-" + i);
  if (li) li.classList.add("focus");
}

// ---------------------------------------------------------------- report

async function reportPage() {
  const form = $("#report-form");
  const params = new URLSearchParams(location.search);
  for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
  const path = () => {
    const kind = form.elements.kind.value, id = form.elements.id.value;
    const q = new URLSearchParams();
    if (form.elements.from.value) q.set("from", form.elements.from.value);
    if (form.elements.to.value) q.set("to", form.elements.to.value);
    return "/v1/" + (kind === "agent" ? "agents/" : "teams/") + encodeURIComponent(id) + "/report?" + q;
  };
  const show = async () => {
    const r = await api(path());
    showError("");
    renderReport(r);
    history.replaceState(null, "", "/ui/report?" + new URLSearchParams(new FormData(form)));
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); show().catch((e) => showError(e.message)); });
  $("#csv").addEventListener("click", async () => {
    try {
      const resp = await api(path() + "&format=csv", { raw: true });
      if (!resp.ok) throw new Error("CSV: " + resp.status);
      const url = URL.createObjectURL(await resp.blob());
      const a = el("a", { href: url, download: "callqa-report.csv" });
      document.body.append(a);
      a.click();
      a.remove();
      URL.revokeObjectURL(url);
    } catch (e) { showError(e.message); }
  });
  if (form.elements.id.value) await show();
}

function renderReport(r) {
  $("#report").hidden = false;
  $("#csv").hidden = false;
  const fig = (label, value, id) => el("div", {}, label, el("b", { id }, value));
  $("#figures").replaceChildren(
    fig("通话 Calls", String(r.calls), "fig-calls"),
    fig("平均分 Mean score", num(r.mean_score, 2), "fig-mean"),
    fig("合格率 Pass rate", r.pass_rate === null ? "—" : (r.pass_rate * 100).toFixed(1) + "%", "fig-pass"),
    fig("问题 Findings", String(r.findings), "fig-findings"),
    fig("致命 Fatal", String(r.fatal_calls), "fig-fatal"),
    fig("已复核 Reviewed", String(r.reviewed_calls), "fig-reviewed"),
    fig("机器平均分 Machine mean", num(r.machine.mean_score, 2), "fig-machine"));
  drawDays($("#chart-days"), r.days);
  drawRules($("#chart-rules"), r.findings_by_rule);
  const body = $("#worst tbody");
  body.replaceChildren();
  for (const w of r.worst_calls) {
    body.append(el("tr", {}, el("td", {}, el("a", { href: "/ui/calls/" + encodeURIComponent(w.call_id) }, w.call_id)),
      el("td", {}, String(w.reviewed_score)), el("td", {}, fmtDate(w.started_at))));
  }
}

// drawDays draws calls per day as bars and the mean score as a line.
function drawDays(root, days) {
  root.replaceChildren();
  const W = 720, H = 220, L = 40, R = 40, T = 10, B = 30;
  const n = Math.max(days.length, 1), bw = (W - L - R) / n;
  const maxCalls = Math.max(1, ...days.map((d) => d.calls));
  const y = (score) => T + (H - T - B) * (1 - score / 100);
  root.append(svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#888" }));
  root.append(svg("text", { x: 2, y: y(100) + 4 }, "100"), svg("text", { x: 8, y: y(50) + 4 }, "50"));
  root.append(svg("text", { x: W - R + 4, y: T + 8 }, String(maxCalls)));
  let line = "";
  const dots = [];
  days.forEach((d, i) => {
    const h = (H - T - B) * d.calls / maxCalls;
    const x = L + i * bw;
    const bar = svg("rect", { class: "bar", x: x + 1, y: H - B - h, width: Math.max(bw - 2, 1), height: h, "data-date": d.date });
    bar.append(svg("title", {}, d.date + ": " + d.calls + " calls, mean " + num(d.mean_score, 2)));
    root.append(bar);
    if (d.mean_score !== null) {
      const cx = (x + bw / 2).toFixed(1), cy = y(d.mean_score).toFixed(1);
      line += (line ? " L" : "M") + cx + " " + cy;
      const dot = svg("circle", { class: "dot", cx, cy, r: 3.5, "data-date": d.date });
      dot.append(svg("title", {}, d.date + ": mean " + num(d.mean_score, 2)));
      dots.push(dot);
    }
    if (n <= 31 && (i % Math.ceil(n / 10) === 0)) root.append(svg("text", { x: x, y: H - 10 }, d.date.slice(5)));
  });
  if (line) root.append(svg("path", { class: "line", d: line }));
  root.append(...dots);
}

// drawRules draws findings per rule as horizontal bars.
function drawRules(root, byRule) {
  root.replaceChildren();
  const rows = Object.entries(byRule).sort((a, b) => b[1] - a[1]);
  const H = Math.max(40, rows.length * 22 + 10);
  root.setAttribute("viewBox", "0 0 720 " + H);
  const max = Math.max(1, ...rows.map((r) => r[1]));
  rows.forEach(([rule, n], i) => {
    const w = 480 * n / max;
    root.append(svg("text", { x: 4, y: 20 + i * 22 }, rule));
    root.append(svg("rect", { class: "rule", x: 200, y: 8 + i * 22, width: Math.max(w, 1), height: 16, "data-rule": rule }));
    root.append(svg("text", { x: 206 + w, y: 20 + i * 22 }, String(n)));
  });
  if (!rows.length) root.append(svg("text", { x: 4, y: 24 }, "没有问题 No findings"));
}

// ---------------------------------------------------------------- start

async function start() {
  $("#signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token").value.trim());
    location.reload();
  });
  $("#signout").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
  if (!token()) { signIn(); return; }
  $("#signin").hidden = true;
  $("#app").hidden = false;
  $("#signout").hidden = false;
  const page = document.body.dataset.page;
  try {
    if (page === "calls") await callsPage();
    else if (page === "call") await callPage();
    else await reportPage();
    document.body.dataset.ready = "1";
  } catch (e) {
    if (e.message !== "unauthorized") showError(e.message);
  }
}

start();
