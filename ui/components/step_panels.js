// What one step shows below the charts (step_view.js): the unrolled graph's numbers of step t, and the gates
// page's bars of every gate at step t. Each is built once and returns draw(t), which only sets texts, widths
// and colours read from the payload.

// Python's format(v, "+.3g"): three significant digits, exponent form below 1e-4 and from 1000 on
function g3(v) {
  if (v === 0) return Object.is(v, -0) ? "-0" : "+0";
  const [mantissa, exp] = Math.abs(v).toExponential(2).split("e");
  const x = Number(exp);
  const trim = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  const body = x < -4 || x >= 3 ? `${trim(mantissa)}e${x < 0 ? "-" : "+"}${String(Math.abs(x)).padStart(2, "0")}`
    : trim(Math.abs(v).toFixed(2 - x));
  return (v < 0 ? "-" : "+") + body;
}

function unrolledNumbers(root, P) {
  const N = P.numbers;
  const panel = el("div", "numbers");
  const heading = el("h3", "heading");
  panel.appendChild(heading);
  const metrics = el("div", "metrics");
  const metric = (cls) => {
    const box = el("div", `metric ${cls}`);
    const parts = { label: el("div", "m-label"), value: el("div", "m-value"), note: el("div", "m-note") };
    box.append(parts.label, parts.value, parts.note);
    metrics.appendChild(box);
    return { box, ...parts };
  };
  const answer = metric("answer"), wanted = metric("wanted"), loss = metric("loss");
  panel.appendChild(metrics);
  const tables = el("div", "layers");
  const cells = N.layers.map((layer, l) => {
    const wrap = el("div", "layer");
    if (N.layers.length > 1) wrap.appendChild(el("div", "title", `Layer ${l + 1}`));
    const table = el("table", "units");
    table.dataset.layer = String(l + 1);
    const cols = [["h_{t−1}", "h_prev", signed], ["h_t", "h", signed], ["∂L/∂h_t", "d_h", g3]];
    if (layer.c) cols.push(["c_{t−1}", "c_prev", signed], ["c_t", "c", signed], ["∂L/∂c_t", "d_c", g3]);
    const head = table.createTHead().insertRow();
    for (const name of ["unit", ...cols.map((c) => c[0])]) {
      const th = el("th", null, name);
      th.dataset.col = name;
      head.appendChild(th);
    }
    const body = table.createTBody();
    const out = cols.map(() => []);
    layer.h[0].forEach((_, k) => {
      const r = body.insertRow();
      const td = el("td", null, `h${k + 1}`);
      td.dataset.col = "unit";
      r.appendChild(td);
      cols.forEach(([name], c) => {
        const cell = el("td");
        cell.dataset.col = name;
        r.appendChild(cell);
        out[c].push(cell);
      });
    });
    wrap.appendChild(table);
    tables.appendChild(wrap);
    return { layer, cols, out };
  });
  panel.appendChild(tables);
  root.appendChild(panel);
  return (t) => {
    const o = N.outcome[t];
    setText(heading, `Step ${t}: “${P.tokens[t]}”`);
    heading.dataset.t = String(t);
    setText(answer.label, o.answer_label);
    setText(answer.value, o.answer);
    setText(answer.note, o.answer_note || "");
    wanted.box.hidden = o.wanted === undefined;
    setText(wanted.label, "Wanted");
    setText(wanted.value, o.wanted ?? "");
    setText(wanted.note, o.wanted_note || "");
    setText(loss.label, "Loss ℓ_t at this step");
    setText(loss.value, N.loss[t].toFixed(4));
    for (const { layer, cols, out } of cells) {
      cols.forEach(([, q, fmt], c) => out[c].forEach((cell, k) => setText(cell, fmt(layer[q][t][k]))));
    }
  };
}

function gateBars(root, P) {
  const B = P.bars, C = P.colors;
  const panel = el("div", "bars");
  const heading = el("div", "bars-title");
  panel.appendChild(heading);
  const grid = el("div", "bar-grid");
  const H = B.blocks[0].values[0].length;
  const drawn = B.blocks.map((b) => {
    const box = el("div", "block");
    box.dataset.name = b.name;
    const title = el("div", "block-title");
    title.append(el("span", null, `${b.words} `), sym(b.symbol, "t"));
    box.appendChild(title);
    const [lo, hi] = b.range;
    const at = (v) => `${(100 * (Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo)).toFixed(2)}%`;
    const rows = [];
    for (let k = 0; k < H; k++) {
      const row = el("div", "bar-row");
      const unit = el("span", "unit", String(k + 1));
      const track = el("span", "track");
      if (lo < 0) { const zero = el("span", "zero"); zero.style.left = at(0); track.appendChild(zero); }
      const fill = el("span", "fill");
      const value = el("span", "value");
      track.appendChild(fill);
      row.append(unit, track, value);
      box.appendChild(row);
      rows.push({ fill, value });
    }
    grid.appendChild(box);
    return { b, rows, at, zero: lo < 0 ? 0 : lo };
  });
  panel.appendChild(grid);
  root.appendChild(panel);
  return (t) => {
    setText(heading, `step ${t}: input ${P.tokens[t]}`);
    for (const { b, rows, at, zero } of drawn) {
      const v = b.values[t];
      rows.forEach(({ fill, value }, k) => {
        const x = v[k];
        const [from, to] = x >= zero ? [zero, x] : [x, zero];
        fill.style.left = at(from);
        fill.style.width = `calc(${at(to)} - ${at(from)})`;
        fill.style.background = b.kind === "gate" ? C.hidden : x >= 0 ? C.positive : C.negative;
        setText(value, x.toFixed(2));
        value.title = exact(x);
      });
    }
  };
}
