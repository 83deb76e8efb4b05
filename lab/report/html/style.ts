// The report page's styles, in one place: Jepsen's colours for outcomes (ok green, fail red, info
// yellow) and for faults (partitions red, other faults orange, crashes grey).

export const reportStyle = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; }
section { max-width: 1400px; }
h1 { font-size: 20px; padding: 10px 14px; border-radius: 6px; }
h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 16px; }
.verdict-illegal { background: #f9d6d5; } .verdict-ok { background: #dff5e1; } .verdict-unknown { background: #fff1c9; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; }
td.off, td.differs { background: #f9d6d5; font-weight: bold; }
.replay code { background: #f4f4f4; padding: 4px 8px; border-radius: 4px; user-select: all; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; } dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
pre.story { background: #f8f8f8; padding: 8px; overflow-x: auto; }
#timeline-scroll { overflow: auto; max-height: 80vh; border: 1px solid #ddd; }
#timeline { position: relative; font-size: 11px; }
.lane-head { position: absolute; top: 0; height: 22px; font-weight: 600; text-align: center; background: #fafafa; border-bottom: 1px solid #ddd; }
.lane-rule { position: absolute; border-left: 1px dashed #e4e4e4; }
.op-band { position: absolute; left: 0; content-visibility: auto; pointer-events: none; }
.op { position: absolute; box-sizing: border-box; pointer-events: auto; border: 1px solid rgba(0,0,0,0.25); border-radius: 3px; padding: 0 3px; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; line-height: 14px; cursor: default; }
.op.ok { background: #8fd19e; } .op.fail { background: #f4a3a0; } .op.info { background: #ffe08a; }
.op.key { position: static; display: inline-block; padding: 0 6px; }
.op.linearized { border-color: #1f4fb4; }
.op.implicated { outline: 2px dashed #c00; z-index: 2; }
.op.blocked { outline: 3px solid #c00; z-index: 3; font-weight: bold; }
.op.target, .op:target { box-shadow: 0 0 0 3px #1f77b4; z-index: 4; }
.op.faded { opacity: 0.45; }
.band { position: absolute; pointer-events: none; }
.band-partition { background: rgba(214, 39, 40, 0.14); } .band-other { background: rgba(255, 160, 40, 0.14); } .band-kill, .band-pause { background: rgba(90, 90, 90, 0.14); }
.key { padding: 0 6px; }
.band-name { position: absolute; font-size: 10px; color: #7a1d1d; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.mark { position: absolute; border-top: 2px solid #555; pointer-events: none; }
.mark-crash { border-top-color: #000; } .mark-restart { border-top: 2px dashed #000; } .mark-skip { border-top: 1px dotted #999; }
.mark-name { position: absolute; font-size: 10px; font-weight: 600; white-space: nowrap; }
svg.points { position: absolute; left: 0; top: 0; z-index: 5; pointer-events: none; overflow: visible; }
svg.points polyline { fill: none; stroke: #1f4fb4; stroke-width: 1.5; }
svg.points circle { fill: #1f4fb4; } svg.points text { fill: #fff; font-size: 9px; font-weight: bold; }
#tooltip { position: fixed; z-index: 10; background: #222; color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; max-width: 420px; pointer-events: none; white-space: pre-line; }
svg.lamport .branch-line { stroke: #444; stroke-width: 2; } svg.lamport .branch-name { font-weight: 600; font-size: 12px; }
svg.lamport .message line { stroke: #1f77b4; stroke-width: 1.2; } svg.lamport .message-ack line { stroke: #2ca02c; stroke-dasharray: 4 2; }
svg.lamport marker path { fill: #444; } svg.lamport .dropped { fill: #c00; font-size: 12px; }
svg.lamport rect.fault { fill: rgba(255, 160, 40, 0.14); } svg.lamport rect.fault-partition { fill: rgba(214, 39, 40, 0.14); } svg.lamport .fault-name { font-size: 10px; fill: #7a1d1d; }
`;
