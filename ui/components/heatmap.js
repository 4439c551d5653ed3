// One gate (or the cell or hidden state) over time on the gates page: a column per step, labelled with its input,
// a row per unit, each cell coloured by its recorded value (viz/gates.py gate_heatmap sends them). Cells are
// painted on a canvas, everything written (title, labels, the colour bar, each cell's value) is SVG text set
// with textContent; no chart library, so the page's first load does not wait for one (ui/drawn.py).
// Numbers are mapped to colours and formatted here, never computed. The step view (step_view.js) calls
// markStep(t) to outline a column and hears a click on a column as the "stepclick" event.

const MARGIN = { top: 46, right: 78, axisTitle: 22, tickRoom: 26 };

function rgbOf(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// a value's place on the colour bar (0..1, clipped) and its colour, linear between the scale's stops
function colorOf(S, v) {
  const pos = Math.max(0, Math.min(1, (v - S.zmin) / (S.zmax - S.zmin)));
  let k = 1;
  while (k < S.scale.length - 1 && S.scale[k][0] < pos) k += 1;
  const [p0, c0] = S.scale[k - 1];
  const [p1, c1] = S.scale[k];
  const a = p1 > p0 ? (pos - p0) / (p1 - p0) : 0;
  const A = rgbOf(c0), B = rgbOf(c1);
  return A.map((x, i) => Math.round(x + (B[i] - x) * a));
}

function draw(box, S) {
  const W = Math.max(box.clientWidth, 240);
  const H = S.height;
  const units = S.z.length;
  const T = S.labels.length;
  const left = 30 + 9 * String(units).length;
  const bottom = MARGIN.axisTitle + MARGIN.tickRoom + S.slant;
  const pw = W - left - MARGIN.right;
  const ph = H - MARGIN.top - bottom;
  const cw = pw / T, ch = ph / units;
  box.replaceChildren();
  box.style.height = `${H}px`;

  const canvas = document.createElement("canvas");
  canvas.className = "cells";
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(pw * dpr);
  canvas.height = Math.round(ph * dpr);
  Object.assign(canvas.style, { left: `${left}px`, top: `${MARGIN.top}px`, width: `${pw}px`, height: `${ph}px` });
  const ctx = canvas.getContext("2d");
  ctx.scale(dpr, dpr);
  const inks = [];
  S.z.forEach((row, u) => row.forEach((v, s) => {
    const [r, g, b] = v === null ? [226, 232, 240] : colorOf(S, v);     // no number: grey
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(s * cw + 0.5, u * ch + 0.5, Math.max(cw - 1, 0.5), Math.max(ch - 1, 0.5));
    inks.push((0.299 * r + 0.587 * g + 0.114 * b) / 255 < 0.55 ? "#FFFFFF" : S.colors.text);
  }));
  box.appendChild(canvas);

  const svg = svgEl("svg", { width: W, height: H, class: "overlay" }, box);
  const title = svgEl("text", { x: 4, y: 26, class: "title", fill: S.colors.title }, svg, `${S.words} `);
  svgEl("tspan", {}, title, S.symbol);
  svgEl("tspan", { "baseline-shift": "sub", "font-size": "70%" }, title, "t");
  // units down the left (unit 1 at the top), every one up to 16, else about every eighth
  const uEvery = units <= 16 ? 1 : Math.ceil(units / 8);
  for (let u = 0; u < units; u += uEvery) {
    svgEl("text", { x: left - 6, y: MARGIN.top + (u + 0.5) * ch, class: "tick unit" }, svg, String(u + 1));
  }
  svgEl("text", { transform: `translate(14,${MARGIN.top + ph / 2}) rotate(-90)`, class: "axis-title" }, svg, "unit");
  // the steps' inputs under the columns: upright, slanted or vertical (viz/gates.py _tick_angle)
  const ticks = [];
  for (let s = 0; s < T; s += S.every) {
    const x = left + (s + 0.5) * cw, y = MARGIN.top + ph + 18;
    const attrs = S.angle === 0 ? { x, y, class: "tick step" }
      : { transform: `translate(${x},${y - 8}) rotate(${S.angle})`, class: "tick step slanted" };
    ticks.push(svgEl("text", attrs, svg, S.labels[s]));
  }
  // the axis title right under the lowest label as drawn (slanted words need less room than their length),
  // and the heatmap no taller than that
  const top = svg.getBoundingClientRect().top;
  const low = Math.max(MARGIN.top + ph + 18, ...ticks.map((e) => e.getBoundingClientRect().bottom - top));
  const height = Math.min(H, Math.ceil(low) + 24);
  svgEl("text", { x: left + pw / 2, y: height - 6, class: "axis-title" }, svg, "step t (input)");
  svg.setAttribute("height", height);
  box.style.height = `${height}px`;
  // each cell's value where it fits (a narrow column writes none rather than overlapping its neighbours')
  if (S.labelled && cw >= 32 && ch >= 16) {
    S.z.forEach((row, u) => row.forEach((v, s) => svgEl("text", {
      x: left + (s + 0.5) * cw, y: MARGIN.top + (u + 0.5) * ch, class: "value", fill: inks[u * T + s],
    }, svg, v === null ? "–" : v.toFixed(2))));
  }
  // the colour bar, top = zmax
  const id = svgId("hm");
  const grad = svgEl("linearGradient", { id, x1: 0, y1: 1, x2: 0, y2: 0 }, svgEl("defs", {}, svg));
  for (const [pos, c] of S.scale) svgEl("stop", { offset: pos, "stop-color": c }, grad);
  const bx = left + pw + 14, by = MARGIN.top + ph * 0.05, bh = ph * 0.9;
  svgEl("rect", { x: bx, y: by, width: 14, height: bh, fill: `url(#${id})`, stroke: S.colors.muted }, svg);
  const barValues = barTicks(S.zmin, S.zmax);
  const largest = Math.max(...barValues.map(Math.abs));
  for (const v of barValues) {
    svgEl("text", { x: bx + 19, y: by + bh * (1 - (v - S.zmin) / (S.zmax - S.zmin)), class: "tick bar" }, svg,
      tickText(v, largest));
  }
  const outline = S.outline ? svgEl("rect", {
    class: "step-outline", y: MARGIN.top, width: cw, height: ph, fill: "none", stroke: S.colors.text,
    "stroke-width": 3, visibility: "hidden" }, svg) : null;

  // hover: the cell's step, input, unit and exact value; click: that step (when the page has a step)
  const tip = document.createElement("div");
  tip.className = "tip";
  box.appendChild(tip);
  const hit = svgEl("rect", { x: left, y: MARGIN.top, width: pw, height: ph, class: "hit", fill: "transparent" }, svg);
  if (S.outline) hit.style.cursor = "pointer";
  const cellAt = (ev) => {
    const r = hit.getBoundingClientRect();
    const s = Math.floor(((ev.clientX - r.left) / r.width) * T);
    const u = Math.floor(((ev.clientY - r.top) / r.height) * units);
    return s >= 0 && s < T && u >= 0 && u < units ? [s, u] : null;
  };
  hit.addEventListener("mousemove", (ev) => {
    const c = cellAt(ev);
    if (!c) { tip.style.display = "none"; return; }
    const [s, u] = c;
    tipLines(tip, [`step ${s} · input ${S.labels[s]}`, `unit ${u + 1}`,
      `${S.symbol} = ${S.z[u][s] === null ? "not a number" : S.z[u][s].toFixed(6)}`]);
    tip.style.display = "block";
    const x = left + (s + 1) * cw + 8;
    tip.style.left = `${Math.min(x, W - tip.offsetWidth - 4)}px`;
    tip.style.top = `${MARGIN.top + u * ch}px`;
  });
  hit.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  hit.addEventListener("click", (ev) => {
    const c = cellAt(ev);
    if (c && S.outline) box.dispatchEvent(new CustomEvent("stepclick", { detail: c[0] }));
  });
  box.markStep = (t) => {
    box.__step = t;
    box.dataset.step = String(t);
    if (!outline || t < 0 || t >= T) return;
    outline.setAttribute("x", String(left + t * cw));
    outline.setAttribute("visibility", "visible");
    outline.dataset.step = String(t);
  };
  if (box.__step !== undefined) box.markStep(box.__step);
  box.__width = box.clientWidth;
}

export default function ({ data, parentElement }) {
  mountChart(parentElement, data, "gate-heatmap", draw);
  return undefined;
}
