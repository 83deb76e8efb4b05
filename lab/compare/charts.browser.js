// Runs inside compare.html (html.ts inlines it after uPlot): draws the latency and staleness CDFs and the throughput
// timelines with their fault intervals shaded, from the JSON in #compare-data. Plain browser JS, no imports.
(function drawCharts() {
  'use strict';
  const data = JSON.parse(document.getElementById('compare-data').textContent);
  const colors = { lock: '#1f77b4', 'lock-free': '#2ca02c', unsafe: '#d62728' };
  const shades = { partition: 'rgba(214, 39, 40, 0.22)', other: 'rgba(255, 160, 40, 0.18)' };
  const chartHeightPx = 260;

  function colorOf(strategy) {
    return colors[strategy] || '#7f7f7f';
  }

  /** The chart fits inside its container: uPlot's width is the whole canvas, axes included. */
  function chartWidth(element) {
    const available = (element.clientWidth || 900) - 24;
    return Math.max(320, Math.min(1100, available));
  }

  /** A CDF per strategy of `entries` into the element `id`: latency of ok ops, or lag of stale reads. */
  function drawCdf(id, entries, xLabel, yLabel, emptyText) {
    const element = document.getElementById(id);
    const drawn = (entries || []).filter((entry) => entry.points.length > 0);
    if (drawn.length === 0) {
      element.textContent = emptyText;
      return;
    }
    const tables = drawn.map((entry) => [entry.points.map((point) => point[0]), entry.points.map((point) => point[1])]);
    const aligned = uPlot.join(tables);
    const positive = aligned[0].length > 0 && aligned[0][0] > 0;
    new uPlot(
      {
        width: chartWidth(element),
        height: chartHeightPx,
        scales: { x: { time: false, distr: positive ? 3 : 1 }, y: { range: [0, 1] } },
        axes: [{ label: xLabel }, { label: yLabel }],
        // The legend names the series; live values (shown as -- until hovered) would only confuse.
        legend: { live: false },
        series: [
          { label: 'ms' },
          ...drawn.map((entry) => ({
            label: entry.strategy,
            stroke: colorOf(entry.strategy),
            width: 2,
            spanGaps: true,
            paths: uPlot.paths.stepped({ align: 1 }),
          })),
        ],
      },
      aligned,
      element,
    );
  }

  /** Shades the fault intervals behind the series, Jepsen's way: partitions red, other faults orange. */
  function shadeFaults(faults) {
    return (chart) => {
      const context = chart.ctx;
      context.save();
      for (const fault of faults) {
        const left = chart.valToPos(fault.startMs / 1000, 'x', true);
        const right = chart.valToPos(fault.endMs / 1000, 'x', true);
        const from = Math.max(chart.bbox.left, left);
        const to = Math.min(chart.bbox.left + chart.bbox.width, right);
        if (to <= from) continue;
        context.fillStyle = fault.kind === 'partition' ? shades.partition : shades.other;
        context.fillRect(from, chart.bbox.top, to - from, chart.bbox.height);
      }
      context.restore();
    };
  }

  function throughputChart(element, timeline, seconds) {
    const perSecond = 1000 / timeline.bucketMs;
    const xs = timeline.okPerBucket.map((_, bucket) => (bucket * timeline.bucketMs) / 1000);
    const ys = timeline.okPerBucket.map((count) => count * perSecond);
    // A step holds its value until the next point, so the last bucket needs a point where it ends.
    xs.push((timeline.okPerBucket.length * timeline.bucketMs) / 1000);
    ys.push(ys.length === 0 ? 0 : ys[ys.length - 1]);
    const title = document.createElement('div');
    title.className = 'chart-title';
    const faults = timeline.faults.map((fault) => fault.description).join('; ');
    title.textContent = `${timeline.strategy}: ${faults === '' ? 'no faults' : faults}`;
    element.appendChild(title);
    const holder = document.createElement('div');
    holder.className = 'chart';
    holder.dataset.strategy = timeline.strategy;
    element.appendChild(holder);
    new uPlot(
      {
        width: chartWidth(element),
        height: chartHeightPx,
        scales: { x: { time: false, range: [0, seconds] }, y: { range: (_, low, high) => [0, Math.max(1, high)] } },
        axes: [{ label: 'seconds since the workload started' }, { label: 'ok ops/s' }],
        series: [
          { label: 's' },
          {
            label: timeline.strategy,
            stroke: colorOf(timeline.strategy),
            fill: colorOf(timeline.strategy) + '33',
            width: 1.5,
            points: { show: false },
            paths: uPlot.paths.stepped({ align: 1 }),
          },
        ],
        legend: { show: false },
        hooks: { drawClear: [shadeFaults(timeline.faults)] },
      },
      [xs, ys],
      holder,
    );
  }

  function drawThroughput(index) {
    const element = document.getElementById('throughput');
    element.replaceChildren();
    const timelines = data.timelines.filter((timeline) => timeline.index === index);
    // The axis spans the workloads; a fault still in force at the end is shaded to the edge (the final
    // heal-all, restarts included, can take seconds after the last op).
    const seconds = Math.max(0.1, ...timelines.map((timeline) => (timeline.okPerBucket.length * timeline.bucketMs) / 1000));
    for (const strategy of data.settings.strategies) {
      const timeline = timelines.find((item) => item.strategy === strategy);
      if (timeline !== undefined) throughputChart(element, timeline, seconds);
    }
  }

  function seedPicker() {
    const picker = document.getElementById('timeline-seed');
    for (const row of data.grid) {
      const option = document.createElement('option');
      option.value = String(row.index);
      option.textContent = `seed ${row.index}: ${row.seed}`;
      picker.appendChild(option);
    }
    picker.addEventListener('change', () => drawThroughput(Number(picker.value)));
    const first = data.grid[0];
    if (first !== undefined) drawThroughput(first.index);
  }

  drawCdf('latency-cdf', data.latencyCdf, 'latency (ms)', 'fraction of ok ops', 'No operation completed ok, so there is no latency to draw.');
  drawCdf('staleness-cdf', data.stalenessCdf, 'behind the newest acknowledged write (ms)', 'fraction of stale reads', 'No read was stale.');
  seedPicker();
  document.body.dataset.chartsDrawn = 'true';
})();
