// The step-through page's stepper: every step of one recorded run, drawn in the browser from the payload
// Python sent once (viz/step_payload.py). Previous / Next / Play / Reset, the step slider, the keys and the
// block choice only redraw: no request goes to the server. The step is written into the link at once
// (history.replaceState) and reported to the server once the stepping has paused, so that the server's
// own link and a later setting change agree with it.
//
// Drawing only: every number shown is read from the payload; this file formats numbers and maps them to
// colours and widths, and computes nothing of the network. Text is set with textContent, never as HTML.
// The link, the report and the keys are stepping.js's (prepended by ui/stepper.py, like draw.js).

export default function ({ data, parentElement, setStateValue }) {
  endLastRun(parentElement);
  const P = data;
  const C = P.colors;
  const previous = parentElement.__stepper;
  // a rerun that sends the same run keeps the browser's place; a new run opens where the server says
  // the same words with another setting (cell, weights, seed) keep the place too: the server may not have
  // heard of the last steps yet
  const same = previous && (previous.sig === P.sig || previous.tokens === JSON.stringify(P.tokens));
  const S = same ? { t: previous.t, block: previous.block, pace: previous.pace } : { t: P.t, block: P.block, pace: P.pace };
  S.tokens = JSON.stringify(P.tokens);
  S.sig = P.sig;
  S.t = Math.max(0, Math.min(P.shown - 1, S.t));
  if (!P.blocks.includes(S.block)) S.block = P.block;
  parentElement.__stepper = S;
  const N = P.shown;
  const Q = P.steps;
  const hasTargets = P.targets !== false;          // a model of your own fed a CSV without targets has no loss
  let playing = false, timer = null;
  const rep = reporter((view) => setStateValue("view", view), () => ({ t: S.t, block: S.block, pace: S.pace }),
    { t: P.t, block: P.block, pace: P.pace }, () => playing);

  parentElement.querySelector(".stepper")?.remove();
  const root = el("div", "stepper");
  parentElement.appendChild(root);

  // ---- the controls, sticky at the top while the pictures scroll -------------------------------------
  const bar = el("div", "bar");
  const buttons = el("div", "buttons");
  const mk = (label, title, cls) => {
    const b = el("button", cls, label);
    b.type = "button";
    b.title = title;
    buttons.appendChild(b);
    return b;
  };
  const reset = mk("« Reset", "Back to the first step (Home; End goes to the last)", "reset");
  const prev = mk("◀ Previous", "One step back (←)", "previous");
  const next = mk("Next ▶", "One step on (→)", "next primary");
  const play = mk("▶ Play", "Play and pause (space)", "play");
  const paceBox = el("label", "pace", "s per step ");
  const pace = el("select");
  for (const p of P.paces) {
    const o = el("option", null, String(p));
    o.value = String(p);
    pace.appendChild(o);
  }
  if (!P.paces.includes(S.pace)) S.pace = P.pace;
  pace.value = String(S.pace);
  paceBox.prepend(pace);
  buttons.appendChild(paceBox);
  const slider = el("input", "slider");
  slider.type = "range";
  slider.min = "0";
  slider.max = String(N - 1);
  slider.step = "1";
  slider.setAttribute("aria-label", "Step t");
  slider.disabled = N <= 1;
  buttons.appendChild(slider);
  bar.appendChild(buttons);
  const heading = el("h3", "heading");
  bar.appendChild(heading);
  let gateBox = null;
  if (P.blocks.length > 1) {
    gateBox = el("div", "gates");
    gateBox.appendChild(el("span", "muted", "Arrows of "));
    for (const g of P.blocks) {
      const b = el("button", "gate", `${g}: ${P.block_names[g]}`);
      b.type = "button";
      b.dataset.block = g;
      b.addEventListener("click", () => { S.block = g; buildBlock(); draw(); schedule(); });
      gateBox.appendChild(b);
    }
    bar.appendChild(gateBox);
  }
  root.appendChild(bar);
  if (P.note) root.appendChild(el("p", "note", P.note));

  // ---- the step table: one row per step, built once -------------------------------------------------
  const seqTable = el("table", "sequence");
  {
    const head = seqTable.createTHead().insertRow();
    const cols = ["", "step t", "input x_t"];
    if (P.top) cols.push("prediction", P.probability);
    if (P.top && hasTargets) cols.push("target", "right?", "loss ℓ_t");
    for (const c of cols) { const th = el("th", null, c); th.dataset.col = c; head.appendChild(th); }
    const body = seqTable.createTBody();
    for (let t = 0; t < N; t++) {
      const r = body.insertRow();
      const cells = ["", String(t), P.tokens[t]];
      if (P.top) {
        cells.push(Q.prediction[t], Q.p[t].toFixed(4));
        if (hasTargets) cells.push(Q.target[t], Q.right[t] === null ? "–" : Q.right[t] ? "✓" : "✗", Q.loss[t].toFixed(4));
      }
      cells.forEach((c, i) => { const td = el("td", null, c); td.dataset.col = cols[i]; r.appendChild(td); });
      r.addEventListener("click", () => { stop(); go(t); });
    }
  }
  const seqWrap = el("div", "panel");
  seqWrap.appendChild(el("div", "title", "Every step of the sequence (click a row to go there)"));
  seqWrap.appendChild(seqTable);
  if (P.top) seqWrap.appendChild(el("div", "muted", P.probability_help));
  if (P.hint) seqWrap.appendChild(el("div", "muted", P.hint));
  root.appendChild(seqWrap);

  // ---- the network and the tables of this step --------------------------------------------------------
  const grid = el("div", "grid");
  const netPanel = el("div", "panel network");
  const unitsPanel = el("div", "panel units");
  grid.appendChild(netPanel);
  grid.appendChild(unitsPanel);
  root.appendChild(grid);
  netPanel.appendChild(el("div", "title", "The network at this step"));
  const netHost = el("div", "svg-host");
  netPanel.appendChild(netHost);
  netPanel.appendChild(el("div", "muted", "Orange: inputs x_t; purple: h_{t−1} and h_t; green: outputs y_t. " +
    "Each arrow is one weight (blue positive, red negative, thicker = larger); arrows leaving a neuron that is " +
    "0 now are faded. Hover a neuron or an arrow's middle for its exact value."));
  const unitsTitle = el("div", "title", "Hidden units at this step");
  const unitsTable = el("table", "units");
  unitsPanel.appendChild(unitsTitle);
  unitsPanel.appendChild(unitsTable);
  let outTable = null, verdict = null;
  if (P.top) {
    unitsPanel.appendChild(el("div", "title", "Outputs"));
    outTable = el("table", "outputs");
    unitsPanel.appendChild(outTable);
    verdict = el("p", "verdict");
    unitsPanel.appendChild(verdict);
  }

  const eqPanel = el("div", "panel equations");
  eqPanel.appendChild(el("div", "title", "The equations at this step, with the numbers"));
  const eqHost = el("div");
  eqPanel.appendChild(eqHost);
  root.appendChild(eqPanel);

  const mvPanel = el("div", "panel");
  mvPanel.appendChild(el("div", "title", "The two products as pictures (W · v + b = the recorded result)"));
  const mvGrid = el("div", "grid matvecs");
  mvPanel.appendChild(mvGrid);
  mvPanel.appendChild(el("div", "muted", "With a one-hot input, W x_t just picks the column of the input's " +
    "letter; at t = 0, h_{t−1} is zero, so the recurrent product is only its bias."));
  root.appendChild(mvPanel);

  // ---- the network picture: laid out once per block, its values changed per step --------------------
  let net = null;
  function buildBlock() {
    const g = S.block;
    const picture = networkPicture(P, g);
    net = picture.net;
    netHost.replaceChildren(picture.svg);
    buildMatvecs();
    if (gateBox) for (const b of gateBox.querySelectorAll("button")) b.classList.toggle("on", b.dataset.block === g);
  }

  function drawNetwork(t) { drawNetworkStep(net, P, S.block, t); }

  // ---- tables of this step: built once, their numbers changed per step -----------------------------
  function headerCell(tr, base, sub, key) {
    const th = el("th");
    th.dataset.col = key;
    if (!sub) th.textContent = base; else th.appendChild(sym(base, sub));
    tr.appendChild(th);
  }

  const unitCols = [["h", "t−1", "h_{t−1}", () => Q.h_prev]];
  if (P.kind === "rnn") {
    unitCols.push(["W_ih x_t + b_ih", "", "W_ih x_t + b_ih", () => Q.input_product.h],
      ["W_hh h_{t−1} + b_hh", "", "W_hh h_{t−1} + b_hh", () => Q.recurrent_product.h],
      ["a", "t", "a_t", () => Q.preactivation.h]);
  } else {
    for (const name of P.blocks) unitCols.push([name, "t", `${name}_t`, () => Q.gate[name]]);
    if (P.kind === "lstm") unitCols.push(["c", "t−1", "c_{t−1}", () => Q.c_prev], ["c", "t", "c_t", () => Q.c]);
  }
  unitCols.push(["h", "t", "h_t", () => Q.h]);
  const unitCells = unitCols.map(() => []);
  {
    const tr = unitsTable.createTHead().insertRow();
    headerCell(tr, "unit", "", "unit");
    for (const [b, s, key] of unitCols) headerCell(tr, b, s, key);
    const body = unitsTable.createTBody();
    for (let k = 0; k < P.H; k++) {
      const r = body.insertRow();
      const td = el("td", null, P.hidden_labels[k]);
      td.dataset.col = "unit";
      r.appendChild(td);
      unitCols.forEach(([, , key], c) => {
        const cell = el("td");
        cell.dataset.col = key;
        r.appendChild(cell);
        unitCells[c].push(cell);
      });
    }
  }

  function drawUnits(t) {
    unitCols.forEach(([, , , values], c) => {
      const row = values()[t];
      unitCells[c].forEach((cell, k) => setText(cell, signed(row[k])));
    });
  }

  const outCells = { s: [], y: [], target: [] };
  if (P.top) {
    const tr = outTable.createTHead().insertRow();
    headerCell(tr, "output", "", "output");
    headerCell(tr, P.logits, "t", `${P.logits}_t`);
    headerCell(tr, "y", "t", "y_t");
    if (P.head === "softmax" && hasTargets) headerCell(tr, "target", "", "target");
    const body = outTable.createTBody();
    P.output_labels.forEach((name) => {
      const r = body.insertRow();
      const cells = [["output", "output"], [`${P.logits}_t`, "s"], ["y_t", "y"]];
      if (P.head === "softmax" && hasTargets) cells.push(["target", "target"]);
      for (const [key, slot] of cells) {
        const td = el("td", null, slot === "output" ? name : "");
        td.dataset.col = key;
        r.appendChild(td);
        if (slot !== "output") outCells[slot].push(td);
      }
    });
  }

  function drawOutputs(t) {
    outCells.s.forEach((td, k) => setText(td, signed(Q.logits[t][k])));
    outCells.y.forEach((td, k) => setText(td, Q.y[t][k].toFixed(4)));
    outCells.target.forEach((td, k) => setText(td, Q.target_index[t] === k ? "✓" : ""));
    const said = [el("b", null, "Prediction: "), document.createTextNode(
      `${Q.prediction[t]} (${P.probability} = ${Q.p[t].toFixed(4)})`)];
    if (!hasTargets) said.push(document.createTextNode("; no target given."));
    else if (Q.right[t] === null) said.push(document.createTextNode(", "), el("b", null, "target: "),
      document.createTextNode(`${Q.target[t]}.`));
    else said.push(document.createTextNode(", "), el("b", null, "target: "), document.createTextNode(`${Q.target[t]}: `),
      el("i", null, Q.right[t] ? "right" : "wrong"), document.createTextNode("."));
    verdict.replaceChildren(...said);
  }

  // ---- equations: templates from Python (ui/equations.py), built once, filled with each step's vectors ----
  const eqVectors = [];
  function part(p, into) {
    if (typeof p === "string") { into.appendChild(el("span", "op", p)); return; }
    if (p[0] === "s") { into.appendChild(sym(p[1], p[2])); return; }
    const [, q, block, under] = p;
    const rows = block === null ? Q[q] : Q[q][block];
    const box = el("span", "term");
    box.dataset.quantity = block === null ? q : `${q}.${block}`;
    const v = el("span", rows[0].length > 10 ? "vec row" : "vec");
    const nums = rows[0].map(() => v.appendChild(el("span", "num")));
    box.appendChild(v);
    eqVectors.push({ rows, nums });
    if (under) {
      const u = el("span", "under");
      for (const x of under) part(x, u);
      box.appendChild(u);
    }
    into.appendChild(box);
  }
  for (const line of P.equations) {
    const d = el("div", "eq");
    for (const p of line) part(p, d);
    eqHost.appendChild(d);
  }

  function drawEquations(t) {
    for (const { rows, nums } of eqVectors) nums.forEach((n, k) => setText(n, plain(rows[t][k])));
  }

  // ---- the two mat-vec pictures: W and b drawn once per block, v and the result per step ---------------
  let mvs = null;
  function buildMatvecs() {
    const g = S.block, W = P.weights;
    mvs = [
      [matvec(C, `Input product of ${g}: W x_t + b`, W.ih[g], P.input_labels, W.b_ih[g], P.hidden_labels,
        P.scales.ih[g], "input"), () => Q.x, P.input_labels, P.scales.x, C.input, () => Q.input_product[g], P.scales.ih[g]],
      [matvec(C, `Recurrent product of ${g}: W h_{t−1} + b`, W.hh[g], P.hidden_labels, W.b_hh[g], P.hidden_labels,
        P.scales.hh[g], "recurrent"), () => Q.h_prev, P.hidden_labels, P.scales.h, C.hidden,
      () => Q.recurrent_product[g], P.scales.hh[g]],
    ];
    mvGrid.replaceChildren(...mvs.map((m) => m[0].box));
  }

  function drawMatvecs(t) {
    for (const [m, vec, labels, vScale, vColor, result, scale] of mvs) {
      const v = vec()[t], r = result()[t];
      m.vCells.forEach((c, i) => paint(C, c, v[i], vScale, v[i] >= 0 ? vColor : C.negative, `${labels[i]} ${v[i].toFixed(2)}`));
      m.rCells.forEach((c, i) => paint(C, c, r[i], scale));
    }
  }

  // ---- one step drawn ------------------------------------------------------------------------------
  function draw() {
    const t = S.t;
    heading.textContent = `Step ${t + 1} of ${N} (t = ${t}): input “${P.tokens[t]}”`;
    heading.dataset.t = String(t);
    slider.value = String(t);
    reset.disabled = t === 0;
    prev.disabled = t === 0;
    next.disabled = t >= N - 1;
    play.textContent = playing ? "⏸ Pause" : "▶ Play";
    play.classList.toggle("on", playing);
    seqTable.tBodies[0].querySelectorAll("tr").forEach((r, i) => {
      r.classList.toggle("current", i === t);
      setText(r.cells[0], i === t ? "▶" : "");
    });
    drawNetwork(t);
    drawUnits(t);
    if (P.top) drawOutputs(t);
    drawEquations(t);
    drawMatvecs(t);
    root.dataset.drawn = String(t);
  }

  const schedule = () => rep.schedule();
  const writeLink = () => writeStepLink("t", S.t);

  function go(t) {
    S.t = Math.max(0, Math.min(N - 1, t));
    draw();
    writeLink();
    schedule();
  }

  function stop() {
    if (!playing) return;
    playing = false;
    clearTimeout(timer);
    draw();
    schedule();
  }

  function start() {
    if (N <= 1) return;
    if (S.t >= N - 1) S.t = 0;                                   // Play at the end starts over
    playing = true;
    draw();
    writeLink();
    const begun = performance.now(), period = S.pace * 1000;
    let k = 0;
    const tick = () => {                                         // an even pace: each step on its own schedule
      k += 1;
      timer = setTimeout(() => {
        if (!playing) return;
        go(S.t + 1);
        if (S.t >= N - 1) stop(); else tick();
      }, Math.max(0, begun + k * period - performance.now()));
    };
    tick();
  }

  reset.addEventListener("click", () => { stop(); go(0); });
  prev.addEventListener("click", () => { stop(); go(S.t - 1); });
  next.addEventListener("click", () => { stop(); go(S.t + 1); });
  play.addEventListener("click", () => (playing ? stop() : start()));
  slider.addEventListener("input", () => { stop(); go(Number(slider.value)); });
  pace.addEventListener("change", () => {
    S.pace = Number(pace.value);
    if (playing) { stop(); start(); } else schedule();
  });

  const mine = (e) => e.composedPath().includes(root);
  const toggle = (e) => {
    const onButton = e.composedPath()[0] instanceof HTMLButtonElement;
    if (onButton && !mine(e)) return false;                      // space on a button of the page clicks it
    if (!e.repeat) (playing ? stop() : start());
  };
  const unlisten = listenForSteps({
    ArrowRight: () => { stop(); go(S.t + 1); }, ArrowLeft: () => { stop(); go(S.t - 1); },
    Home: () => { stop(); go(0); }, End: () => { stop(); go(N - 1); }, " ": toggle,
  }, mine, rep);

  buildBlock();
  draw();
  if (rep.unsent()) { writeLink(); schedule(); }
  return thisRun(parentElement, () => {
    playing = false;
    clearTimeout(timer);
    rep.cancel();
    unlisten();
  });
}
