// Drawing for the step-through stepper (stepper.js, which ui/stepper.py appends to this file): DOM and SVG
// helpers, the network picture and the mat-vec pictures. Numbers are formatted and mapped to colours and
// widths here, never computed; text is set with textContent.

const SVG = "http://www.w3.org/2000/svg";
const WIDTHS = [0.9, 2.2, 4.0];      // arrow widths: |w| in thirds of the largest |w| drawn
const FADED = 0.12;                  // arrows leaving a neuron that is zero at this step

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function svg(tag, attrs, parent) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// a step changes only what differs, so the browser re-lays out as little as it can
function setText(e, text) { if (e.textContent !== text) e.textContent = text; }
function setAttr(e, name, value) { const v = String(value); if (e.getAttribute(name) !== v) e.setAttribute(name, v); }

const signed = (v, d = 4) => (v >= 0 ? "+" : "") + v.toFixed(d);
const plain = (v, d = 3) => v.toFixed(d);
const exact = (v) => String(Number(v.toPrecision(6)));

function sym(base, sub) {
  // a symbol with its subscript: h_{t−1}
  const s = el("span", "sym");
  s.appendChild(el("i", null, base));
  if (sub) s.appendChild(el("sub", null, sub));
  return s;
}

function rgba(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${Math.max(0, Math.min(1, a)).toFixed(3)})`;
}

// The network at one block g: inputs x_t over h_{t-1} on the left, the block in the middle, the outputs on
// the right, every weight an arrow; laid out once, its values set per step by drawNetworkStep.
function networkPicture(P, g) {
  const C = P.colors, W = P.weights, H = P.H, D = P.D;
  const O = P.top ? P.output_labels.length : 0;
  const nLeft = D + H;
  const row = Math.max(17, Math.min(34, 560 / nLeft));
  const r = Math.min(11, row * 0.38);
  const font = row < 22 ? 11 : 13;
  const cw = font * 0.62;
  const longestIn = Math.max(...P.input_labels.map((s) => s.length), ...P.hidden_labels.map((s) => s.length));
  const longestOut = O ? Math.max(...P.output_labels.map((s) => s.length)) : 0;
  const xl = 14 + (longestIn + 8) * cw + r;
  const xm = xl + 250;
  const xr = xm + (O ? 290 : 0);
  const width = Math.ceil((O ? xr : xm) + r + 12 + (O ? (longestOut + 8) * cw : 8 * cw));
  const top = 44, gap = row * 0.5;
  const height = Math.ceil(top + nLeft * row + gap + 70);
  const yIn = (j) => top + row * (j + 0.5);
  const yPrev = (k) => top + gap + row * (D + k + 0.5);
  const span = nLeft * row + gap;
  const yMid = (k) => top + (H === 1 ? span / 2 : span * (0.08 + 0.84 * k / (H - 1)));
  const yOut = (k) => top + (O === 1 ? span / 2 : span * (0.2 + 0.6 * k / Math.max(1, O - 1)));

  const s = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "net", role: "img" });
  s.style.maxWidth = "100%";
  s.style.height = "auto";
  const defs = svg("defs", {}, s);
  for (const [id, color] of [["pos", C.positive], ["neg", C.negative]]) {
    const m = svg("marker", { id: `arrow-${id}`, viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7",
      markerHeight: "7", markerUnits: "userSpaceOnUse", orient: "auto" }, defs);
    svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }, m);
  }
  const edges = svg("g", {}, s);
  const hovers = svg("g", {}, s);
  const scale = P.scales.arrows[g];
  const list = [];
  const addEdges = (w, name, src, dst, from, rowsLab, colsLab) => {
    w.forEach((wr, i) => wr.forEach((v, j) => {
      const [x1, y1] = src(j), [x2, y2] = dst(i);
      const level = Math.min(2, Math.floor(Math.abs(v) / scale * 3));
      const line = svg("line", { x1, y1, x2: x2 - r - 2, y2, stroke: v >= 0 ? C.positive : C.negative,
        "stroke-width": WIDTHS[level], "marker-end": `url(#arrow-${v >= 0 ? "pos" : "neg"})` }, edges);
      const dot = svg("circle", { cx: (x1 + x2) / 2, cy: (y1 + y2) / 2, r: 5, class: "hover" }, hovers);
      svg("title", {}, dot).textContent = `${name}[${rowsLab[i]}, ${colsLab[j]}] = ${exact(v)}`;
      list.push({ line, from, j });
    }));
  };
  const inLab = P.input_labels, hLab = P.hidden_labels;
  addEdges(W.ih[g], `W_i${g}`, (j) => [xl, yIn(j)], (i) => [xm, yMid(i)], "x", hLab, inLab);
  addEdges(W.hh[g], `W_h${g}`, (j) => [xl, yPrev(j)], (i) => [xm, yMid(i)], "h_prev", hLab, hLab);
  // the read-out arrows leave h_t after its label, so that the label stays clear of them
  const midLabel = r + 8 + (7 + Math.max(...hLab.map((l) => l.length))) * cw;
  if (O) addEdges(W.hy, "W_hy", (j) => [xm + midLabel, yMid(j)], (i) => [xr, yOut(i)], "h", P.output_labels, hLab);

  const nodes = svg("g", {}, s);
  const column = (n, x, y, labels, color, side, name) => n === 0 ? [] : Array.from({ length: n }, (_, k) => {
    svg("circle", { cx: x, cy: y(k), r, fill: "white" }, nodes);        // hides the arrows' starts
    const c = svg("circle", { cx: x, cy: y(k), r, stroke: color, "stroke-width": 2.2, fill: "white" }, nodes);
    const tip = svg("title", {}, c);
    const label = svg("text", { x: side === "left" ? x - r - 5 : x + r + 5, y: y(k), "font-size": font,
      "text-anchor": side === "left" ? "end" : "start", "dominant-baseline": "central", class: "label" }, nodes);
    return { c, tip, label, lab: labels[k], side, name, color };
  });
  const mid = g === "h" ? "h_t (new state)" : `gate ${g}: ${P.block_names[g]}`;
  const net = {
    list,
    x: column(D, xl, yIn, inLab, C.input, "left", "x_t (input)"),
    h_prev: column(H, xl, yPrev, hLab, C.hidden, "left", "h_{t−1} (previous state)"),
    mid: column(H, xm, yMid, hLab, C.hidden, "right", mid),
    y: column(O, xr, yOut, P.output_labels, C.output, "right", "y_t (output)"),
  };
  const head = (x, text, color) => svg("text", { x, y: 18, "text-anchor": "middle", "font-weight": "bold",
    fill: color, "font-size": 14 }, s);
  net.inHead = head(xl, "", C.input);
  head(xm, g === "h" ? "hidden" : `gate ${g}`, C.hidden).textContent = g === "h" ? "hidden" : `gate ${g}`;
  if (O) head(xr, "", C.output).textContent = "outputs";
  svg("text", { x: xl, y: yPrev(0) - row * 0.55 - 4, "text-anchor": "middle", fill: C.hidden, "font-size": 12,
    "font-weight": "bold" }, s).textContent = "h_{t−1}";
  const yb = top + span;
  svg("path", { d: `M ${xm} ${yMid(H - 1) + r} C ${xm} ${yb + 40}, ${xl} ${yb + 40}, ${xl + r} ${yPrev(H - 1) + r}`,
    fill: "none", stroke: C.hidden, "stroke-width": 2, "stroke-dasharray": "3 4" }, s);
  svg("text", { x: (xl + xm) / 2, y: yb + 52, "text-anchor": "middle", fill: C.hidden, "font-size": 13 }, s)
    .textContent = "h_t is fed back as h_{t−1} at the next step";
  return { svg: s, net };
}

function fillColumn(col, values, scale) {
  col.forEach((n, k) => {
    const v = values[k];
    setAttr(n.c, "fill", rgba(n.color, 0.12 + 0.88 * Math.min(1, Math.abs(v) / scale)));
    setText(n.tip, `${n.name}: ${n.lab} = ${exact(v)}`);
    setText(n.label, n.side === "left" ? `${n.lab} ${signed(v, 3)}` : `${signed(v, 3)} ${n.lab}`);
  });
}

function drawNetworkStep(net, P, g, t) {
  const Q = P.steps;
  fillColumn(net.x, Q.x[t], P.scales.x);
  fillColumn(net.h_prev, Q.h_prev[t], P.scales.h);
  fillColumn(net.mid, Q.gate[g][t], P.scales.gate[g]);
  if (P.top) fillColumn(net.y, Q.y[t], P.scales.y);
  setText(net.inHead, `inputs at t = ${t}`);
  const source = { x: Q.x[t], h_prev: Q.h_prev[t], h: Q.h[t] };
  for (const e of net.list) setAttr(e.line, "opacity", source[e.from][e.j] !== 0 ? 0.8 : FADED);
}

function paint(C, c, v, scale, color, text) {
  const a = Math.min(1, Math.abs(v) / scale);
  setText(c, text ?? v.toFixed(2));
  const background = rgba(color ?? (v >= 0 ? C.positive : C.negative), a * 0.85);
  if (c.__background !== background) { c.style.background = background; c.__background = background; }
  c.style.color = a > 0.55 ? "white" : "";
  c.title = exact(v);
  return c;
}

function matvec(C, title, w, vecLabels, bias, rowLabels, scale, name) {
  const box = el("div", "matvec");
  box.dataset.name = name;
  box.appendChild(el("div", "mv-title", title));
  const D = vecLabels.length, H = w.length;
  const g = el("div", "mv");
  g.style.gridTemplateColumns = `auto repeat(${D}, minmax(2.6em, 1fr)) 0.6em auto 0.6em auto auto auto`;
  const add = (x, cls) => { if (cls) x.classList.add(cls); g.appendChild(x); return x; };
  add(el("span"));
  for (let j = 0; j < D; j++) add(el("span", "collab", vecLabels[j]));
  for (const h of ["", "v", "", "+ b", "", "= result"]) add(el("span", "collab", h));
  const vCells = [], rCells = [];
  for (let i = 0; i < Math.max(H, D); i++) {
    add(el("span", i < H ? "rowlab" : null, i < H ? rowLabels[i] : null));
    for (let j = 0; j < D; j++) add(i < H ? paint(C, el("span", "cell"), w[i][j], scale) : el("span"));
    add(el("span"));
    if (i < D) vCells.push(add(el("span", "cell"), "v")); else add(el("span"));
    add(el("span"));
    add(i < H ? paint(C, el("span", "cell"), bias[i], scale) : el("span"), i < H ? "b" : null);
    add(el("span"));
    if (i < H) rCells.push(add(el("span", "cell"), "result")); else add(el("span"));
  }
  box.appendChild(g);
  return { box, vCells, rCells };
}

