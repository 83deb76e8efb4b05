// Runs inside report.html (page.ts inlines it after uPlot): draws the timeline (one lane per process,
// a box per op, faults shaded, crashes marked, the linearization witness), the hover card and the
// latency chart, from the JSON in #report-data. Plain browser JS, no imports.
(function drawReport() {
  'use strict';
  const started = performance.now();
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const rowPx = 16;
  const headPx = 24;
  const gutterPx = 150;
  const lanePx = 210;
  const boxGapPx = 6;
  const bandRows = 200;
  // Room around a band for the outlines of highlighted boxes, which a band would otherwise clip.
  const outlinePx = 4;
  const laneOf = new Map(data.lanes.map((process, position) => [process, position]));
  const opsByIndex = new Map(data.ops.map((op) => [op.index, op]));
  const top = (row) => headPx + row * rowPx;
  const width = gutterPx + data.lanes.length * lanePx;
  const height = top(data.rows + 1);

  function escape(text) {
    return String(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  }

  function bandClass(kind) {
    return kind === 'partition' ? 'band-partition' : kind === 'kill' || kind === 'pause' ? 'band-kill' : 'band-other';
  }

  function lanesHtml() {
    return data.lanes.map((process, position) => {
      const left = gutterPx + position * lanePx;
      return `<div class="lane-head" style="left:${left}px;width:${lanePx}px">process ${process}</div><div class="lane-rule" style="left:${left}px;top:${headPx}px;height:${height - headPx}px"></div>`;
    }).join('');
  }

  /** Faults side by side in the gutter where they overlap, each shaded across every lane. */
  function faultsHtml() {
    const slots = [];
    return data.faults.map((fault) => {
      let slot = slots.findIndex((endRow) => endRow < fault.startRow);
      if (slot === -1) slot = slots.length;
      slots[slot] = fault.endRow;
      const y = top(fault.startRow);
      const h = Math.max(rowPx, top(fault.endRow) - y);
      const nameLeft = 2 + slot * 12;
      const band = `<div class="band ${bandClass(fault.kind)}" style="left:0;top:${y}px;width:${width}px;height:${h}px" title="${escape(fault.name)}"></div>`;
      // A kill or a pause is named by its own mark (and its restart or resume), so the band needs no name.
      if (fault.kind === 'kill' || fault.kind === 'pause') return band;
      return `${band}<div class="band-name" style="left:${nameLeft}px;top:${y + 1}px;width:${gutterPx - nameLeft - 4}px">${escape(fault.name)}</div>`;
    }).join('');
  }

  function marksHtml() {
    return data.marks.map((mark) => {
      const y = top(mark.row) + rowPx / 2;
      return `<div class="mark mark-${mark.kind}" style="left:0;top:${y}px;width:${width}px"></div><div class="mark-name" style="left:2px;top:${y - 12}px">${escape(mark.text)}</div>`;
    }).join('');
  }

  function opClasses(op, roles) {
    const classes = ['op', op.type];
    if (roles.linearized.has(op.index)) classes.push('linearized');
    if (roles.blocked === op.index) classes.push('blocked');
    if (roles.implicated.has(op.index)) classes.push('implicated');
    if (roles.partition !== null && !roles.partition.has(op.index)) classes.push('faded');
    return classes.join(' ');
  }

  /**
   * Boxes go into bands of consecutive invoke rows; a band is as tall as its boxes reach and skips
   * layout and paint while off screen (content-visibility), which keeps 10,000 ops quick to draw.
   */
  function opsHtml(roles) {
    const bands = new Map();
    for (const [position, op] of data.ops.entries()) {
      const band = Math.floor(op.invokeRow / bandRows);
      if (!bands.has(band)) bands.set(band, []);
      bands.get(band).push(position);
    }
    const parts = [];
    for (const [band, positions] of bands) {
      const bandTop = top(band * bandRows) - outlinePx;
      const boxes = [];
      let bottom = bandTop + rowPx;
      for (const position of positions) {
        const op = data.ops[position];
        const left = gutterPx + laneOf.get(op.process) * lanePx + boxGapPx / 2;
        const y = top(op.invokeRow) + 1;
        const h = Math.max(rowPx - 2, top(op.completeRow) - top(op.invokeRow) + rowPx - 2);
        bottom = Math.max(bottom, y + h);
        boxes.push(`<div id="op-${op.index}" data-position="${position}" class="${opClasses(op, roles)}" style="left:${left}px;top:${y - bandTop}px;width:${lanePx - boxGapPx}px;height:${h}px">${escape(op.label)}</div>`);
      }
      parts.push(`<div class="op-band" style="top:${bandTop}px;width:${width}px;height:${bottom - bandTop + outlinePx}px">${boxes.join('')}</div>`);
    }
    return parts.join('');
  }

  /** Linearization points: each op of the longest prefix gets a point inside its box, in order, joined by a line. */
  function pointsHtml(witness) {
    if (witness === null || witness.longest.length === 0) return '';
    let last = -Infinity;
    const points = [];
    for (const [order, step] of witness.longest.entries()) {
      const op = opsByIndex.get(step.index);
      if (op === undefined) continue;
      const low = top(op.invokeRow) + 6;
      const high = top(op.completeRow) + rowPx - 6;
      const y = Math.min(Math.max(last + 4, low), Math.max(low, high));
      last = y;
      points.push({ x: gutterPx + laneOf.get(op.process) * lanePx + lanePx - 18, y, order: order + 1 });
    }
    const line = points.map((point) => `${point.x},${point.y}`).join(' ');
    const dots = points.map((point) => `<circle cx="${point.x}" cy="${point.y}" r="7"></circle><text x="${point.x}" y="${point.y + 3}" text-anchor="middle">${point.order}</text>`).join('');
    return `<svg class="points" width="${width}" height="${height}"><polyline points="${line}"></polyline>${dots}</svg>`;
  }

  function drawTimeline() {
    const witness = data.linearization;
    const roles = {
      linearized: new Set(witness === null ? [] : witness.longest.map((step) => step.index)),
      blocked: witness === null || witness.blocked === null ? null : witness.blocked.index,
      implicated: new Set(data.implicated),
      partition: witness === null ? null : new Set(witness.partition),
    };
    const element = document.getElementById('timeline');
    element.style.width = `${width}px`;
    element.style.height = `${height}px`;
    element.innerHTML = lanesHtml() + faultsHtml() + marksHtml() + opsHtml(roles) + pointsHtml(witness);
  }

  function milliseconds(value) {
    return value === null ? 'never (the history ends first)' : `${value.toFixed(3)} ms`;
  }

  function cardText(op) {
    const lines = [op.label, `called ${milliseconds(op.invokeMs)}, returned ${milliseconds(op.completeMs)}`];
    if (op.completeMs !== null) lines.push(`took ${(op.completeMs - op.invokeMs).toFixed(3)} ms`);
    lines.push(`process ${op.process}, op ${op.index}${op.step === null ? '' : `, step ${op.step}`}`);
    lines.push(`branch ${op.branch === null ? 'unknown' : op.branch}; request id ${op.requestId === null ? 'none (a read)' : op.requestId}`);
    lines.push(`attempts: up to ${op.attemptsMax === null ? '?' : op.attemptsMax} (retries go to the next branch with the same request id)`);
    if (op.planned !== null) lines.push(`plan: ${op.planned}`);
    if (op.error !== null) lines.push(`error: ${op.error}`);
    return lines.join('\n');
  }

  function hoverCards() {
    const card = document.getElementById('tooltip');
    const element = document.getElementById('timeline');
    element.addEventListener('mouseover', (event) => {
      const box = event.target.closest('.op');
      if (box === null) return;
      card.textContent = cardText(data.ops[Number(box.dataset.position)]);
      card.hidden = false;
    });
    element.addEventListener('mousemove', (event) => {
      card.style.left = `${Math.min(event.clientX + 14, window.innerWidth - 430)}px`;
      card.style.top = `${event.clientY + 14}px`;
    });
    element.addEventListener('mouseout', (event) => {
      if (event.target.closest('.op') !== null) card.hidden = true;
    });
  }

  /** Anchors exist only once the script ran, so the page follows #op-N itself, on load and on clicks. */
  function followAnchor() {
    document.querySelectorAll('.op.target').forEach((element) => element.classList.remove('target'));
    const match = /^#op-(\d+)$/.exec(window.location.hash);
    const element = match === null ? null : document.getElementById(`op-${match[1]}`);
    if (element === null) return;
    element.classList.add('target');
    element.scrollIntoView({ block: 'center', inline: 'center' });
  }

  function copyButton() {
    const button = document.getElementById('copy-replay');
    const command = document.getElementById('replay-command');
    button.addEventListener('click', () => {
      const done = () => { button.textContent = 'copied'; };
      const select = () => window.getSelection().selectAllChildren(command);
      if (navigator.clipboard === undefined) return select();
      navigator.clipboard.writeText(command.textContent).then(done, select);
    });
  }

  function shadeFaults(chart) {
    const context = chart.ctx;
    context.save();
    for (const fault of data.faults) {
      const end = fault.endMs === null ? chart.scales.x.max : fault.endMs;
      const from = Math.max(chart.bbox.left, chart.valToPos(fault.startMs, 'x', true));
      const to = Math.min(chart.bbox.left + chart.bbox.width, chart.valToPos(end, 'x', true));
      if (to <= from) continue;
      context.fillStyle = fault.kind === 'partition' ? 'rgba(214, 39, 40, 0.18)' : fault.kind === 'kill' || fault.kind === 'pause' ? 'rgba(90, 90, 90, 0.18)' : 'rgba(255, 160, 40, 0.18)';
      context.fillRect(from, chart.bbox.top, to - from, chart.bbox.height);
    }
    context.restore();
  }

  function drawLatency() {
    const element = document.getElementById('latency');
    const done = data.ops.filter((op) => op.completeMs !== null).sort((a, b) => a.completeMs - b.completeMs);
    if (done.length === 0) {
      element.textContent = 'No op completed, so there is no latency to draw.';
      return;
    }
    const xs = done.map((op) => op.completeMs);
    const series = ['ok', 'fail', 'info'].map((type) => done.map((op) => (op.type === type ? op.completeMs - op.invokeMs : null)));
    const colors = { ok: '#2ca02c', fail: '#d62728', info: '#e0a800' };
    new uPlot({
      width: Math.max(320, Math.min(1300, element.clientWidth || 900)),
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'ms since the run started' }, { label: 'latency (ms)' }],
      series: [{ label: 'ms' }, ...['ok', 'fail', 'info'].map((type) => ({ label: type, stroke: colors[type], fill: colors[type], paths: () => null, points: { show: true, size: 5, fill: colors[type] } }))],
      hooks: { drawClear: [shadeFaults] },
    }, [xs, ...series], element);
  }

  drawTimeline();
  hoverCards();
  copyButton();
  window.addEventListener('hashchange', followAnchor);
  followAnchor();
  drawLatency();
  document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  document.body.dataset.reportDrawn = 'true';
})();
