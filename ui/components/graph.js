// The network unrolled in time (or rolled up) on the unrolled graph page, drawn as SVG from the graph that
// viz/unrolled.py sends: nodes, arrows, labels and hovers are the engine's numbers as written there; nothing is
// computed here but where to put them. Every text is set with textContent. No chart library, so the page's first
// load does not wait for one (ui/drawn.py). The step view (step_view.js) calls markStep(t): the unrolled graph
// outlines column t and makes its label bold; the rolled graph writes step t's numbers beside its nodes. A click
// on a column or a node of the unrolled graph is heard as the "stepclick" event.

const PAD = { left: 118, right: 12, top: 20 };
const FONT = { below: 17, right: 14, topright: 14, left: 15 };

function arrowPath(a, px, py, k) {
  // from the tail's edge to the head's (the nodes drawn k times their size), the line ending where the head begins
  const x0 = px(a.from[0]), y0 = py(a.from[1]), x1 = px(a.to[0]), y1 = py(a.to[1]);
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / len, uy = (y1 - y0) / len;
  let head = Math.max(8, 1.5 * a.width + 5), half = Math.max(4.5, 0.9 * a.width + 2.5);
  // a short arrow (the start state's, in a narrow graph) keeps a shaft of 4 px: its head, then its gaps, give way
  let [g0, g1] = a.gaps.map((g) => g * k);
  const room = len - g0 - g1 - 4;
  if (room < head) {
    const h = Math.max(5, room);
    half *= h / head;
    head = h;
    const cut = Math.min(g0 + g1 - 4, head - room) / (g0 + g1);
    if (cut > 0) { g0 *= 1 - cut; g1 *= 1 - cut; }
  }
  const sx = x0 + ux * g0, sy = y0 + uy * g0;
  const tx = x1 - ux * g1, ty = y1 - uy * g1;
  const bx = tx - ux * head, by = ty - uy * head;
  return { line: `M${sx},${sy} L${bx},${by}`, tip: `M${tx},${ty} L${bx - uy * half},${by + ux * half} `
    + `L${bx + uy * half},${by - ux * half} Z`, mid: [(sx + tx) / 2, (sy + ty) / 2] };
}

function label(svg, n, x, y) {
  const r = n.size / 2;
  const at = {
    below: { x, y: y + r + 19, "text-anchor": "middle" },
    right: { x: x + r + 5, y, "text-anchor": "start", "dominant-baseline": "central" },
    // above a circle's right shoulder; clear of a square's corner
    topright: n.shape === "square" ? { x: x + r + 2, y: y - r - 1, "text-anchor": "start" }
      : { x: x + r - 3, y: y - r + 3, "text-anchor": "start" },
    left: { x: x - r - 7, y, "text-anchor": "end", "dominant-baseline": "central" },
  }[n.at];
  return svgEl("text", { ...at, class: `label ${n.at}`, fill: n.color, "font-size": FONT[n.at],
    "font-weight": n.bold ? "bold" : "normal" }, svg, n.label);
}

function draw(box, G) {
  const W = Math.max(box.clientWidth, 320);
  const bottom = G.bar ? 84 : 52;
  const H = G.height + (G.bar ? 0 : 12);
  const pw = W - PAD.left - PAD.right, ph = H - PAD.top - bottom;
  const [c0, c1] = G.columns, [r0, r1] = G.rows_range;
  const px = (c) => PAD.left + ((c - c0) / (c1 - c0)) * pw;
  const py = (r) => PAD.top + ((r1 - r) / (r1 - r0)) * ph;
  const unrolled = G.form === "unrolled";
  // a narrow graph (many columns, a small screen) draws its nodes and type smaller, down to 0.62 of their size
  const gap = px(1) - px(0);
  const k = unrolled ? Math.max(0.62, Math.min(1, gap / 78)) : 1;
  box.replaceChildren();
  box.style.height = `${H}px`;
  const name = unrolled ? `the network unrolled over steps ${G.steps[0]} to ${G.steps[G.steps.length - 1]}`
    : "the network rolled up: one cell with its loop";
  const svg = svgEl("svg", { width: W, height: H, class: "graph", role: "img", "aria-label": name }, box);
  const tip = document.createElement("div");
  tip.className = "tip";
  box.appendChild(tip);
  const hover = (e, lines, x, y) => {
    e.addEventListener("mouseenter", () => {
      tipLines(tip, lines);
      tip.style.display = "block";
      tip.style.left = `${Math.max(4, Math.min(x + 14, W - tip.offsetWidth - 4))}px`;
      tip.style.top = `${Math.max(0, Math.min(y - 10, H - tip.offsetHeight))}px`;
    });
    e.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  };
  const pick = (e, t) => {
    if (!unrolled || G.steps.length < 2) return;                // one step: nothing to choose
    e.classList.add("picks");
    e.addEventListener("click", () => box.dispatchEvent(new CustomEvent("stepclick", { detail: t })));
  };

  // the chosen step's outline (below everything) and a column of its own to click for each step
  const top = py(r1 - 0.15), low = py(-0.7);
  const outline = unrolled ? svgEl("rect", { class: "step-outline", y: top, height: low - top, rx: 4,
    visibility: "hidden" }, svg) : null;
  const columnWidth = px(0.42) - px(-0.42);
  const stepLabels = {};
  if (unrolled) {
    for (const t of G.steps) {
      pick(svgEl("rect", { class: "column", x: px(t) - columnWidth / 2, y: top, width: columnWidth,
        height: low - top }, svg), t);
      stepLabels[t] = svgEl("text", { x: px(t), y: py(r1 - 0.15) - 6, class: "step-label",
        "font-size": 15 * Math.max(k, 0.8) }, svg, `t = ${t}`);
    }
  }
  // the rows' names down the left, in their colours
  for (const row of G.rows) {
    const y = py(row.r) - (row.lines.length - 1) * 9;
    row.lines.forEach((line, i) => svgEl("text", { x: PAD.left - 14, y: y + i * 18, class: "row", fill: row.color },
      svg, line));
  }
  // arrows, then their hover areas (wider than thin arrows, so a hover finds them)
  for (const a of G.arrows) {
    const p = arrowPath(a, px, py, k);
    svgEl("path", { d: p.line, stroke: a.color, "stroke-width": a.width, fill: "none", class: "arrow" }, svg);
    svgEl("path", { d: p.tip, fill: a.color, class: "arrow-head" }, svg);
    if (a.hover) {
      const area = svgEl("path", { d: p.line, class: "arrow-hit", "stroke-width": Math.max(12, a.width + 6) }, svg);
      hover(area, a.hover, ...p.mid);
      pick(area, a.step);
    }
  }
  // the rolled graph's loops: out of h's right side, round, back into its top
  for (const loop of G.loops || []) {
    const x = px(0), y = py(loop.r);
    // the curve ends at the node's top, coming down; its head points along the curve's last stretch
    const end = [x + 5, y - 24], c2 = [x + 40, y - 95];
    const len = Math.hypot(end[0] - c2[0], end[1] - c2[1]);
    const u = [(end[0] - c2[0]) / len, (end[1] - c2[1]) / len];
    const base = [end[0] - u[0] * 11, end[1] - u[1] * 11];
    svgEl("path", { d: `M${x + 21},${y - 5} C${x + 85},${y + 10} ${c2[0]},${c2[1]} ${base[0]},${base[1]}`,
      stroke: loop.color, "stroke-width": 2.5, fill: "none", class: "loop" }, svg);
    svgEl("path", { d: `M${end[0]},${end[1]} L${base[0] - u[1] * 5.5},${base[1] + u[0] * 5.5} `
      + `L${base[0] + u[1] * 5.5},${base[1] - u[0] * 5.5} Z`, fill: loop.color }, svg);
    svgEl("text", { x: x + 82, y: y - 40, class: "loop-note", fill: loop.color }, svg, loop.text);
  }
  // nodes and their names inside
  const shapes = [];                                     // [x, y, r, square] of every node, for the labels below
  for (const n of G.nodes) {
    const x = px(n.c), y = py(n.r), size = n.size * k, r = size / 2;
    const g = svgEl("g", { class: "node" }, svg);
    if (n.shape === "square") {
      svgEl("rect", { x: x - r, y: y - r, width: size, height: size, fill: n.fill, stroke: n.stroke,
        "stroke-width": 2 }, g);
    } else {
      svgEl("circle", { cx: x, cy: y, r, fill: n.fill, stroke: n.stroke, "stroke-width": 2.5 }, g);
    }
    if (n.name) svgEl("text", { x, y, class: "name", fill: n.ink, "font-size": 13 * Math.max(k, 0.8) }, g, n.name);
    hover(g, n.hover, x + r, y);
    pick(g, n.step);
    shapes.push([x, y, r, n.shape === "square"]);
  }
  // the labels over every node, each where it covers no node and no other label: beside its node, or for one
  // wider than the gap to the next column above the node's right shoulder; where neither is clear (a narrow
  // graph) it is left out, and its number stays in the node's hover
  const placed = [];
  const meets = (b, p) => b.x < p.x + p.width && p.x < b.x + b.width && b.y < p.y + p.height && p.y < b.y + b.height;
  const clear = (b) => placed.every((p) => !meets(b, p)) && shapes.every(([x, y, r, square]) => (square
    ? !meets(b, { x: x - r, y: y - r, width: 2 * r, height: 2 * r })
    : Math.hypot(x - Math.max(b.x, Math.min(x, b.x + b.width)), y - Math.max(b.y, Math.min(y, b.y + b.height))) >= r));
  const labels = [];
  const words = [];                                      // the inputs under their columns, left to right
  let left = 0;
  for (const n of G.nodes) {
    if (!n.label && !n.labels) continue;
    const x = px(n.c), y = py(n.r), m = { ...n, size: n.size * k };
    if (n.at === "below" || n.at === "left") {           // under the row of inputs; the rolled graph's, alone
      const e = label(svg, m, x, y);
      if (n.at === "below") words.push([e, e.getComputedTextLength()]);
      placed.push(e.getBBox());
      labels.push([n, e]);
      continue;
    }
    let kept = null;
    for (const at of n.at === "right" ? ["right", "topright"] : [n.at]) {
      const e = label(svg, { ...m, at }, x, y);
      if (!unrolled || clear(e.getBBox())) { kept = e; break; }
      e.remove();
    }
    if (kept) { placed.push(kept.getBBox()); labels.push([n, kept]); } else left += 1;
  }
  // a word that would touch a neighbour's is written smaller (at least 12 px), to keep 8 px between them: each
  // word may take its column's width, and what a shorter neighbour leaves of its own
  const share = gap - 8;
  words.forEach(([e, w], i) => {
    const room = Math.min(...[words[i - 1], words[i + 1]].filter(Boolean)
      .map(([, v]) => 2 * (share - Math.min(v, share) / 2)));
    if (w > room) e.setAttribute("font-size", String(Math.max(12, Math.floor((FONT.below * room) / w))));
  });
  const heading = G.heading ? svgEl("text", { x: px(0), y: py(r1 - 0.15) - 6, class: "step-label heading" }, svg,
    G.heading.replace("{t}", "0")) : null;
  // the steps right of the window: at the graph's right edge, under the row of inputs, clear of every arrow
  if (G.more) svgEl("text", { x: W - PAD.right, y: py(-0.85), class: "more" }, svg, G.more.text);
  // the reading note under the graph, and the backward view's colour bar at the right
  G.note.forEach((line, i) => svgEl("text", { x: 4, y: PAD.top + ph + 22 + i * 18, class: "note" }, svg, line));
  if (left) {                                            // a line of its own, under the note and the colour bar
    svgEl("text", { x: 4, y: H + 14, class: "note" }, svg,
      "Columns too narrow for every number: hover a node for those left out.");
    svg.setAttribute("height", String(H + 22));
    box.style.height = `${H + 22}px`;
    box.dataset.left = String(left);
  }
  if (G.bar) {
    const bw = Math.min(320, W * 0.32), bx = W - PAD.right - bw, by = PAD.top + ph + 30;
    const id = svgId("flow");
    const grad = svgEl("linearGradient", { id, x1: 0, y1: 0, x2: 1, y2: 0 }, svgEl("defs", {}, svg));
    for (const [pos, c] of G.bar.scale) svgEl("stop", { offset: pos, "stop-color": c }, grad);
    svgEl("text", { x: bx, y: by - 8, class: "bar-title" }, svg, G.bar.title);
    svgEl("rect", { x: bx, y: by, width: bw, height: 12, fill: `url(#${id})` }, svg);
    const ticks = barTicks(0, G.bar.max);
    for (const v of ticks) {
      svgEl("text", { x: bx + (bw * v) / G.bar.max, y: by + 28, class: "bar-tick" }, svg,
        tickText(v, ticks[ticks.length - 1]));     // ticks from 0 up: the last is the largest
    }
  }

  box.markStep = (t) => {
    box.__step = t;
    box.dataset.step = String(t);
    if (unrolled) {
      const shown = G.steps.includes(t);
      if (outline) {
        outline.setAttribute("x", String(px(t) - columnWidth / 2));
        outline.setAttribute("width", String(columnWidth));
        outline.setAttribute("visibility", shown ? "visible" : "hidden");
      }
      for (const [k, e] of Object.entries(stepLabels)) e.classList.toggle("chosen", Number(k) === t);
      box.dataset.marked = shown ? String(t) : "";
      return;
    }
    const k = Math.max(0, Math.min(G.steps.length - 1, t));
    for (const [n, e] of labels) if (n.labels) e.textContent = n.labels[k];
    if (heading) heading.textContent = G.heading.replace("{t}", String(k));
    box.dataset.marked = String(k);
  };
  if (box.__step !== undefined) box.markStep(box.__step);       // drawn again at a new width
  box.__width = box.clientWidth;
}

export default function ({ data, parentElement }) {
  mountChart(parentElement, data, "unrolled-graph", draw);
  return undefined;
}
