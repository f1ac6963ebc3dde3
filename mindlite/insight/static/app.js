// mindlite insight dashboard: plain JS + SVG, no libraries. Data come from the read-only /api/*.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const state = { runs: [], run: null, tab: "scalars", expanded: null, graphTag: null, lineageSort: null,
                selected: null, lastSeen: {} };

function el(tag, attrs, parent, ns) {
  const e = ns ? document.createElementNS(SVGNS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  if (parent) parent.appendChild(e);
  return e;
}
const svgEl = (tag, attrs, parent) => el(tag, attrs, parent, true);

async function api(path, params) {
  const q = new URLSearchParams(params || {}).toString();
  const r = await fetch("/api/" + path + (q ? "?" + q : ""));
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

const num = (v) => (typeof v === "string" ? Number(v) : v);  // "NaN", "Infinity", "-Infinity"

// ---- runs and tabs ------------------------------------------------------------------------------------------
async function loadRuns() {
  state.runs = await api("runs");
  const sel = document.getElementById("run-select");
  const names = state.runs.map((r) => r.name);
  if (!names.includes(state.run)) state.run = names[0] || null;
  sel.innerHTML = "";
  for (const n of names) el("option", { value: n, text: n }, sel);
  if (state.run) sel.value = state.run;
}

function currentRun() { return state.runs.find((r) => r.name === state.run); }

function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("hidden", s.id !== "tab-" + tab);
  return render();
}

async function render() {
  const run = currentRun();
  document.getElementById("hit-count").textContent = run && run.hits ? "(" + run.hits + ")" : "";
  const draw = { scalars: drawScalars, histograms: drawHistograms, images: drawImages, graph: drawGraph,
                 dataset: drawDataset, lineage: drawLineage, debugger: drawHits }[state.tab];
  document.body.dataset.ready = "0";
  try { await draw(run); } catch (e) { console.error(e); }
  document.body.dataset.ready = "1";
}

// ---- scalars -----------------------------------------------------------------------------------------------
function lineChart(parent, tag, steps, values) {
  const W = 420, H = 220, L = 50, R = 10, T = 10, B = 30;
  const finite = values.map(num).filter((v) => Number.isFinite(v));
  let ymin = Math.min(...finite), ymax = Math.max(...finite);
  if (!finite.length) { ymin = 0; ymax = 1; }
  if (ymin === ymax) { ymin -= 0.5; ymax += 0.5; }
  const xmin = steps.length ? steps[0] : 0, xmax = steps.length ? steps[steps.length - 1] : 1;
  const xs = (s) => L + (xmax === xmin ? 0.5 : (s - xmin) / (xmax - xmin)) * (W - L - R);
  const ys = (v) => T + (1 - (v - ymin) / (ymax - ymin)) * (H - T - B);
  const svg = svgEl("svg", { width: W, height: H, class: "chart", "data-tag": tag, "data-xmin": xmin,
                             "data-xmax": xmax, "data-ymin": ymin, "data-ymax": ymax, "data-left": L,
                             "data-right": W - R, "data-top": T, "data-bottom": H - B }, parent);
  const axis = svgEl("g", { class: "axis" }, svg);
  svgEl("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }, axis);
  svgEl("line", { x1: L, y1: T, x2: L, y2: H - B }, axis);
  for (let i = 0; i <= 4; i++) {
    const v = ymin + (ymax - ymin) * i / 4;
    svgEl("text", { x: L - 4, y: ys(v) + 3, "text-anchor": "end", text: v.toPrecision(3) }, axis);
    const s = xmin + (xmax - xmin) * i / 4;
    svgEl("text", { x: xs(s), y: H - B + 14, "text-anchor": "middle", text: Math.round(s) }, axis);
  }
  let d = "", n = 0;
  steps.forEach((s, i) => {
    const v = num(values[i]);
    if (!Number.isFinite(v)) return;
    d += (n ? " L" : "M") + xs(s).toFixed(2) + "," + ys(v).toFixed(2);
    n++;
  });
  svgEl("path", { class: "series", d: d, "data-n": n }, svg);
  return svg;
}

async function drawScalars(run) {
  const box = document.getElementById("scalar-charts");
  box.innerHTML = "";
  if (!run) return;
  for (const tag of run.tags.scalar) {
    const data = await api("scalars", { run: run.name, tag });
    const card = el("div", { class: "card scalar-card", "data-tag": tag }, box);
    el("h3", { text: tag + (data.downsampled ? " (" + data.total + " points, min/max sampled)" : "") }, card);
    lineChart(card, tag, data.steps, data.values);
  }
}

// ---- histograms --------------------------------------------------------------------------------------------
async function drawHistograms(run) {
  const box = document.getElementById("histogram-charts");
  box.innerHTML = "";
  if (!run) return;
  for (const tag of run.tags.histogram) {
    const data = await api("histograms", { run: run.name, tag });
    const card = el("div", { class: "card histogram-card", "data-tag": tag }, box);
    const last = data.samples[data.samples.length - 1];
    el("h3", { text: tag + " (step " + last.step + ", " + data.samples.length + " steps)" }, card);
    const W = 420, H = 200, L = 40, B = 24, T = 8;
    const svg = svgEl("svg", { width: W, height: H, class: "histogram", "data-tag": tag }, card);
    if (!last.counts.length) { svgEl("text", { x: L, y: H / 2, text: "no finite values" }, svg); continue; }
    const lo = last.edges[0], hi = last.edges[last.edges.length - 1];
    const cmax = Math.max(...data.samples.flatMap((s) => s.counts), 1);
    const xs = (v) => L + (v - lo) / (hi - lo || 1) * (W - L - 10);
    const ys = (c) => H - B - c / cmax * (H - B - T);
    for (const s of data.samples.slice(0, -1).slice(-8)) {  // earlier steps as outlines
      let d = "";
      s.counts.forEach((c, i) => {
        const mid = (s.edges[i] + s.edges[i + 1]) / 2;
        if (mid < lo || mid > hi) return;  // outside the latest step's range
        d += (d ? " L" : "M") + xs(mid) + "," + ys(c);
      });
      svgEl("path", { class: "hist-old", d }, svg);
    }
    last.counts.forEach((c, i) => {
      const x0 = xs(last.edges[i]), x1 = xs(last.edges[i + 1]);
      svgEl("rect", { class: "hist-bar", x: x0, width: Math.max(x1 - x0, 0.5), y: ys(c), height: H - B - ys(c),
                      "data-count": c }, svg);
    });
    svgEl("text", { x: L, y: H - 6, text: lo.toPrecision(3) }, svg);
    svgEl("text", { x: W - 10, y: H - 6, "text-anchor": "end", text: hi.toPrecision(3) }, svg);
    svgEl("text", { x: L - 4, y: T + 8, "text-anchor": "end", text: cmax }, svg);
  }
}

// ---- images ------------------------------------------------------------------------------------------------
async function drawImages(run) {
  const box = document.getElementById("image-list");
  box.innerHTML = "";
  if (!run) return;
  for (const tag of run.tags.image) {
    const data = await api("images", { run: run.name, tag });
    const card = el("div", { class: "card image-card", "data-tag": tag }, box);
    const last = data.samples[data.samples.length - 1];
    el("h3", { text: tag + " (step " + last.step + ", " + last.n + " images)" }, card);
    el("img", { src: "data:image/png;base64," + last.data, width: last.width, height: last.height,
                style: "image-rendering: pixelated; min-width: 64px" }, card);
  }
}

// ---- graphs ------------------------------------------------------------------------------------------------
function drawLaidOut(svg, g, onNode) {
  svg.innerHTML = "";
  const NW = 120, NH = 26, DX = 140, DY = 56;
  const half = Math.max(0, ...g.nodes.map((n) => Math.abs(n.x)));
  const px = (n) => 20 + (n.x + half) * DX, py = (n) => 20 + n.y * DY;
  svg.setAttribute("width", 40 + (2 * half + 1) * DX);
  svg.setAttribute("height", 40 + g.layers * DY);
  const byId = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
  const edges = svgEl("g", {}, svg);
  for (const [a, b] of g.edges) {
    const s = byId[a], t = byId[b];
    const x1 = px(s) + NW / 2, y1 = py(s) + NH, x2 = px(t) + NW / 2, y2 = py(t);
    svgEl("path", { class: "edge", d: `M${x1},${y1} C${x1},${y1 + 20} ${x2},${y2 - 20} ${x2},${y2}` }, edges);
  }
  const hits = new Set(g.hit_nodes || []);
  for (const n of g.nodes) {
    const hit = n.kind === "scope" ? [...hits].some((h) => h.startsWith(n.scope + "/")) : hits.has(n.id);
    const cls = "node " + n.kind + (hit ? " hit" : "") + (state.selected === n.id ? " selected" : "");
    const grp = svgEl("g", { class: cls, "data-id": n.id, transform: `translate(${px(n)},${py(n)})` }, svg);
    svgEl("rect", { width: NW, height: NH }, grp);
    const label = n.kind === "scope" ? n.label + " (" + n.count + ")" : n.label;
    svgEl("text", { x: 6, y: 16, text: label.length > 20 ? label.slice(0, 19) + "\u2026" : label }, grp);
    svgEl("title", { text: n.id }, grp);
    grp.addEventListener("click", () => onNode(n));
  }
}

async function drawGraph(run) {
  const svg = document.getElementById("graph-svg");
  const sel = document.getElementById("graph-tag");
  if (!run || !run.tags.graph.length) { svg.innerHTML = ""; document.getElementById("graph-info").textContent = "no graph"; return; }
  if (!run.tags.graph.includes(state.graphTag)) state.graphTag = run.tags.graph[0];
  sel.innerHTML = "";
  for (const t of run.tags.graph) el("option", { value: t, text: t }, sel);
  sel.value = state.graphTag;
  const params = { run: run.name, tag: state.graphTag };
  if (state.expanded !== null) params.expand = [...state.expanded].join(",");
  const g = await api("graph", params);
  state.expanded = new Set(g.expanded);
  document.getElementById("graph-info").textContent = `${g.nodes.length} shown of ${g.total} nodes`;
  svg.dataset.nodes = g.nodes.length;
  const box = document.getElementById("expanded-scopes");
  box.innerHTML = "";
  for (const s of [...state.expanded].sort()) {
    const b = el("button", { class: "collapse-scope", "data-scope": s, text: "\u2212 " + s }, box);
    b.addEventListener("click", () => { for (const e of [...state.expanded]) if (e === s || e.startsWith(s + "/")) state.expanded.delete(e); render(); });
  }
  drawLaidOut(svg, g, (n) => {
    if (n.kind === "scope") { state.expanded.add(n.scope); render(); return; }
    state.selected = n.id;
    document.getElementById("node-info").textContent =
      `${n.id}\nop: ${n.op || ""}  shape: [${(n.shape || []).join(", ")}]  dtype: ${n.dtype || ""}  ${n.loc ? "at " + n.loc : ""}`;
    for (const e of svg.querySelectorAll(".node")) e.classList.toggle("selected", e.dataset.id === n.id);
  });
}

async function drawDataset(run) {
  const svg = document.getElementById("dataset-svg");
  if (!run || !run.tags.dataset_graph.length) { svg.innerHTML = ""; return; }
  const g = await api("graph", { run: run.name, tag: run.tags.dataset_graph[0], kind: "dataset", expand: "all" });
  drawLaidOut(svg, g, (n) => { document.getElementById("dataset-info").textContent = n.id; });
  svg.dataset.nodes = g.nodes.length;
}

// ---- lineage -----------------------------------------------------------------------------------------------
async function drawLineage() {
  const data = await api("lineage");
  const table = document.getElementById("lineage");
  const head = table.querySelector("thead"), body = table.querySelector("tbody");
  head.innerHTML = ""; body.innerHTML = "";
  const tr = el("tr", {}, head);
  for (const c of data.columns) {
    const th = el("th", { "data-col": c, text: c }, tr);
    if (state.lineageSort && state.lineageSort.col === c) th.classList.add(state.lineageSort.asc ? "sorted-asc" : "sorted-desc");
    th.addEventListener("click", () => {
      const s = state.lineageSort;
      state.lineageSort = { col: c, asc: !(s && s.col === c && s.asc) };
      render();
    });
  }
  let rows = data.rows.slice();
  if (state.lineageSort) {
    const { col, asc } = state.lineageSort;
    const key = (r) => (r[col] === undefined || r[col] === null ? null : r[col]);
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      if (x === null) return 1; if (y === null) return -1;
      const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return asc ? c : -c;
    });
  }
  const filter = document.getElementById("lineage-filter").value.trim().toLowerCase();
  for (const r of rows) {
    if (filter && !data.columns.some((c) => String(r[c] ?? "").toLowerCase().includes(filter))) continue;
    const row = el("tr", { "data-run": r.run }, body);
    for (const c of data.columns) {
      const v = r[c];
      el("td", { text: v === undefined || v === null ? "" : typeof v === "number" ? +v.toPrecision(6) : String(v) }, row);
    }
  }
}

// ---- debugger ----------------------------------------------------------------------------------------------
async function drawHits(run) {
  const list = document.getElementById("hits");
  list.innerHTML = "";
  if (!run) return;
  const data = await api("watchpoints", { run: run.name });
  if (!data.hits.length) { el("li", { class: "none", text: "no hits" }, list); return; }
  for (const h of data.hits) {
    const s = h.stats || {};
    const li = el("li", { class: "hit", "data-node": h.node,
                          text: `step ${h.step}: ${h.condition} at ${h.node} (${h.op}) nan=${s.nan} inf=${(s.pos_inf || 0) + (s.neg_inf || 0)}` +
                                (s.max !== undefined ? ` max=${s.max.toPrecision(4)}` : "") }, list);
    li.addEventListener("click", () => {
      state.selected = h.node;
      const parts = h.scope.split("/");
      if (state.expanded === null) state.expanded = new Set();
      for (let i = 1; i <= parts.length; i++) state.expanded.add(parts.slice(0, i).join("/"));
      showTab("graph");
    });
  }
}

// ---- wiring ------------------------------------------------------------------------------------------------
async function refresh() {
  if (!document.getElementById("auto-refresh").checked) return;
  const before = JSON.stringify(state.runs.map((r) => [r.name, r.last_step, r.hits, r.updated]));
  await loadRuns();
  const after = JSON.stringify(state.runs.map((r) => [r.name, r.last_step, r.hits, r.updated]));
  if (before !== after) await render();
}

window.addEventListener("DOMContentLoaded", async () => {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  document.getElementById("run-select").addEventListener("change", (e) => {
    state.run = e.target.value; state.expanded = null; state.selected = null; render();
  });
  document.getElementById("graph-tag").addEventListener("change", (e) => { state.graphTag = e.target.value; state.expanded = null; render(); });
  document.getElementById("collapse-all").addEventListener("click", () => { state.expanded = null; render(); });
  document.getElementById("expand-all").addEventListener("click", async () => {
    const g = await api("graph", { run: state.run, tag: state.graphTag, expand: "all" });
    state.expanded = new Set(g.expanded); render();
  });
  document.getElementById("lineage-filter").addEventListener("input", () => render());
  await loadRuns();
  await render();
  setInterval(refresh, 5000);
});
