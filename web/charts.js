// The deployment page's pictures, drawn as plain SVG from the series GET /deployments/{id} returns
// in `charts` (the API computes them; this only draws): a wave timeline (planned vs actual, holds
// shaded) and, per target, the new version's weight over time with its alarms' states as strips.

import { h } from './view.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Drawing units; the SVGs scale to the page's width. */
const WIDTH = 960;
const LEFT = 150;
const RIGHT = 16;
const PLOT = WIDTH - LEFT - RIGHT;
const AXIS = 22;

const MINUTE = 60_000;
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE);

/** Creates an SVG element; children may be strings (text). */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    el.setAttribute(name, String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const tooltip = (text) => s('title', {}, text);
const round = (n) => Math.round(n * 10) / 10;

/** `14:30` in UTC; with the day (`Nov 23 14:30`) when asked. */
function clock(ms, withDay = false) {
  const d = new Date(ms);
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  if (!withDay) return hm;
  return `${d.toLocaleString('en', { month: 'short', timeZone: 'UTC' })} ${d.getUTCDate()} ${hm}`;
}

function span(fromMs, toMs) {
  const minutes = Math.round((toMs - fromMs) / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h${String(minutes % 60).padStart(2, '0')}`;
}

/** The shared time scale: every chart of the page lines up under the others. */
function timeScale(charts) {
  const fromMs = Date.parse(charts.from);
  const endMs = Math.max(Date.parse(charts.to), fromMs + MINUTE);
  // A little room on the right, so that the last change is not drawn on the edge.
  const toMs = endMs + (endMs - fromMs) * 0.02;
  const x = (iso) => LEFT + ((Date.parse(iso) - fromMs) / (toMs - fromMs)) * PLOT;
  const step = TICK_STEPS.find((t) => (toMs - fromMs) / t <= 10) ?? TICK_STEPS.at(-1);
  const ticks = [];
  for (let t = Math.ceil(fromMs / step) * step; t <= toMs; t += step) ticks.push(t);
  return { fromMs, toMs, x, xMs: (ms) => x(new Date(ms).toISOString()), ticks };
}

/** Vertical grid lines across a plot, and time labels under it (the day on the first and at midnight). */
function timeAxis(scale, top, bottom, labels = true) {
  return s(
    'g',
    { class: 'axis' },
    scale.ticks.map((t, i) => {
      const x = round(scale.xMs(t));
      const day = i === 0 || new Date(t).getUTCHours() + new Date(t).getUTCMinutes() === 0;
      return s(
        'g',
        {},
        s('line', { class: 'grid-line', x1: x, x2: x, y1: top, y2: bottom }),
        labels
          ? s('text', { class: 'tick', x, y: bottom + 14, 'text-anchor': 'middle' }, clock(t, day))
          : null,
      );
    }),
  );
}

/** Where a rollback began: the alarm strips left of it explain the weights dropping right of it. */
function rollbackMarker(rollback, scale, top, bottom, withLabel = false) {
  if (!rollback?.detectedAt) return null;
  const x = round(scale.x(rollback.detectedAt));
  return s(
    'g',
    { class: 'rollback-marker' },
    s(
      'line',
      { x1: x, x2: x, y1: top, y2: bottom },
      tooltip(`rollback began ${clock(Date.parse(rollback.detectedAt))} UTC: ${rollback.reason}`),
    ),
    withLabel ? s('text', { x: x - 4, y: top + 9, 'text-anchor': 'end' }, 'rollback') : null,
  );
}

/** A marker at `until` while the deployment runs: everything right of it is still to come. */
function nowMarker(charts, scale, top, bottom) {
  if (Date.parse(charts.until) >= scale.toMs) return null;
  const x = round(scale.x(charts.until));
  return s(
    'line',
    { class: 'now-line', x1: x, x2: x, y1: top, y2: bottom },
    tooltip(`now ${clock(Date.parse(charts.until))} UTC`),
  );
}

function rect(scale, from, to, y, height, attrs, title) {
  const x1 = scale.x(from);
  const x2 = Math.max(scale.x(to), x1 + 3);
  return s('rect', { x: round(x1), y, width: round(x2 - x1), height, ...attrs }, tooltip(title));
}

/** Long names keep their ends (alarm names differ in their suffix: region, target). */
function label(text, y, className = 'row-label') {
  const short = text.length > 24 ? `${text.slice(0, 8)}…${text.slice(-15)}` : text;
  return s('text', { class: className, x: LEFT - 8, y, 'text-anchor': 'end' }, short, tooltip(text));
}

const WAVE_ROW = 34;

/** Per wave: the plan's bar (outlined), the actual run (filled, in the wave's status colour), holds hatched. */
function waveTimeline(charts, scale, rollback) {
  const top = 6;
  const bottom = top + charts.waves.length * WAVE_ROW;
  const rows = charts.waves.map((w, i) => {
    const y = top + i * WAVE_ROW;
    return s(
      'g',
      { class: 'wave-row', 'data-wave': w.name, 'data-status': w.status },
      label(w.name, y + 21),
      w.holds.map((hold) =>
        rect(
          scale,
          hold.from,
          hold.to,
          y + 2,
          WAVE_ROW - 4,
          { class: 'hold', 'data-wave': w.name },
          `${w.name} held ${clock(Date.parse(hold.from))}–${clock(Date.parse(hold.to))} (${span(Date.parse(hold.from), Date.parse(hold.to))}${hold.ongoing ? ', still held' : ''}): ${hold.reasons.join('; ') || 'blocked'}`,
        ),
      ),
      w.planned
        ? rect(
            scale,
            w.planned.start,
            w.planned.end,
            y + 5,
            9,
            { class: 'planned', 'data-wave': w.name },
            `${w.name} planned ${clock(Date.parse(w.planned.start))}–${clock(Date.parse(w.planned.end))} (${span(Date.parse(w.planned.start), Date.parse(w.planned.end))})`,
          )
        : null,
      w.actual
        ? rect(
            scale,
            w.actual.start,
            w.actual.end,
            y + 16,
            13,
            { class: `actual w-${w.status}`, 'data-wave': w.name, 'data-status': w.status },
            `${w.name} ran ${clock(Date.parse(w.actual.start))}–${w.actual.ongoing ? 'now' : clock(Date.parse(w.actual.end))} (${span(Date.parse(w.actual.start), Date.parse(w.actual.end))}): ${w.status.replace('_', ' ')}`,
          )
        : null,
    );
  });
  const height = bottom + AXIS;
  return s(
    'svg',
    {
      class: 'chart wave-timeline',
      'data-chart': 'waves',
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'img',
      'aria-label': `Waves over time: ${charts.waves
        .map(
          (w) =>
            `${w.name} ${w.actual ? (w.actual.ongoing ? 'running' : w.status.replace('_', ' ')) : 'not started'}${w.holds.length ? ', held' : ''}`,
        )
        .join('; ')}`,
    },
    s(
      'defs',
      {},
      s(
        'pattern',
        {
          id: 'hold-hatch',
          width: 6,
          height: 6,
          patternUnits: 'userSpaceOnUse',
          patternTransform: 'rotate(45)',
        },
        s('rect', { class: 'hatch-bg', width: 6, height: 6 }),
        s('line', { class: 'hatch-line', x1: 0, y1: 0, x2: 0, y2: 6 }),
      ),
    ),
    timeAxis(scale, top, bottom),
    rows,
    rollbackMarker(rollback, scale, top, bottom, true),
    nowMarker(charts, scale, top, bottom),
  );
}

const WEIGHT_TOP = 8;
const WEIGHT_HEIGHT = 64;
const STRIP = 11;
const STRIP_GAP = 3;

const STATE_TEXT = { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'no data', missing: 'missing' };

/** One target: its weight as a step line (0–100 %), then one strip per alarm watching it. */
function targetChart(charts, scale, target, wave, rollback) {
  const until = charts.until;
  const y = (weight) => WEIGHT_TOP + WEIGHT_HEIGHT * (1 - weight / 100);
  const points = target.weights;
  let line = '';
  points.forEach((p, i) => {
    const x = round(scale.x(p.at));
    line += i === 0 ? `M${x},${round(y(p.weight))}` : `H${x}V${round(y(p.weight))}`;
  });
  if (points.length > 0) line += `H${round(scale.x(until))}`;
  const area = points.length > 0 ? `${line}V${y(0)}H${round(scale.x(points[0].at))}Z` : '';
  const stripsTop = WEIGHT_TOP + WEIGHT_HEIGHT + 10;
  const bottom = stripsTop + target.alarms.length * (STRIP + STRIP_GAP);
  const height = bottom + AXIS;
  const steps = points.map((p) => `${p.weight}%`).join(' → ');
  return s(
    'svg',
    {
      class: 'chart target-chart',
      'data-chart': 'target',
      'data-target': target.targetId,
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'img',
      'aria-label': `${target.targetId}: traffic on the new version ${steps || 'not moved yet'}; alarms: ${
        target.alarms
          .map((a) => `${a.name} ${a.segments.map((x) => STATE_TEXT[x.state] ?? x.state).join(' → ')}`)
          .join('; ') || 'none recorded'
      }`,
    },
    (wave?.holds ?? []).map((hold) =>
      rect(
        scale,
        hold.from,
        hold.to,
        WEIGHT_TOP,
        WEIGHT_HEIGHT,
        { class: 'hold-soft' },
        `${wave.name} held: ${hold.reasons.join('; ')}`,
      ),
    ),
    timeAxis(scale, WEIGHT_TOP, bottom),
    [0, 50, 100].map((w) =>
      s(
        'g',
        { class: 'y-axis' },
        s('line', {
          class: w === 0 ? 'base-line' : 'grid-line',
          x1: LEFT,
          x2: WIDTH - RIGHT,
          y1: y(w),
          y2: y(w),
        }),
        s('text', { class: 'tick', x: LEFT - 6, y: y(w) + 4, 'text-anchor': 'end' }, `${w}%`),
      ),
    ),
    s('text', { class: 'chart-title', x: 4, y: WEIGHT_TOP + 12 }, target.targetId),
    s('text', { class: 'chart-sub', x: 4, y: WEIGHT_TOP + 27 }, wave ? `wave ${wave.name}` : ''),
    points.length > 0
      ? [
          s('path', { class: 'weight-area', d: area }),
          s(
            'path',
            { class: 'weight-line', d: line, 'data-weights': points.map((p) => p.weight).join(',') },
            tooltip(points.map((p) => `${clock(Date.parse(p.at))} ${p.weight}%`).join('\n')),
          ),
          // A dot per change: a one-box that lasted minutes of a day-long deployment still shows.
          points
            .slice(1)
            .map((p) =>
              s(
                'circle',
                { class: 'weight-dot', cx: round(scale.x(p.at)), cy: round(y(p.weight)), r: 3 },
                tooltip(`${clock(Date.parse(p.at))} ${p.weight}%`),
              ),
            ),
          weightLabels(points, scale, y),
        ]
      : s('text', { class: 'chart-sub', x: LEFT + 8, y: y(0) - 6 }, 'not reached yet'),
    target.alarms.map((a, i) => {
      const top = stripsTop + i * (STRIP + STRIP_GAP);
      return s(
        'g',
        { class: 'alarm-strip', 'data-alarm': a.name },
        label(a.name, top + STRIP - 2, 'strip-label'),
        s('rect', { class: 'strip-bg', x: LEFT, y: top, width: PLOT, height: STRIP }),
        a.segments.map((seg) =>
          rect(
            scale,
            seg.from,
            seg.to,
            top,
            STRIP,
            { class: `segment a-${seg.state}`, 'data-state': seg.state },
            `${a.name} (${a.where}): ${STATE_TEXT[seg.state] ?? seg.state} ${clock(Date.parse(seg.from))}–${clock(Date.parse(seg.to))}`,
          ),
        ),
      );
    }),
    rollbackMarker(rollback, scale, WEIGHT_TOP, bottom),
    nowMarker(charts, scale, WEIGHT_TOP, bottom),
  );
}

/** The percent at each step up, where it does not crowd the previous label. */
function weightLabels(points, scale, y) {
  let lastX = Number.NEGATIVE_INFINITY;
  const labels = [];
  for (const p of points) {
    const x = scale.x(p.at);
    if (p.weight === 0 || x - lastX < 30) continue;
    lastX = x;
    const above = p.weight < 85;
    const left = x > WIDTH - RIGHT - 36;
    labels.push(
      s(
        'text',
        {
          class: 'weight-label',
          x: round(left ? x - 5 : x + 4),
          y: round(above ? y(p.weight) - 5 : y(p.weight) + 13),
          'text-anchor': left ? 'end' : 'start',
        },
        `${p.weight}%`,
      ),
    );
  }
  return labels;
}

function legend(items) {
  return h(
    'ul',
    { className: 'chart-legend' },
    items.map(([className, text]) =>
      h(
        'li',
        { className: 'legend-item' },
        h('span', { className: `swatch ${className}`, 'aria-hidden': 'true' }),
        text,
      ),
    ),
  );
}

/**
 * The pictures of one deployment, or nothing when the API sent no `charts`.
 *
 * @example section.append(chartsView(detail.charts, detail.deployment))
 */
export function chartsView(charts, deployment) {
  if (!charts) return null;
  const rollback = deployment?.rollback;
  const scale = timeScale(charts);
  const waveByIndex = new Map(charts.waves.map((w) => [w.index, w]));
  return h(
    'section',
    { className: 'pictures', 'aria-labelledby': 'pictures-title' },
    h('h3', { id: 'pictures-title' }, 'Pictures'),
    h('h4', {}, 'Waves: planned and actual'),
    legend([
      ['sw-planned', 'planned (from the start, if nothing holds it)'],
      ['sw-actual', 'actual'],
      ['sw-hold', 'held (blockers, window)'],
      ['sw-now', 'now'],
      ['sw-rollback', 'rollback began'],
    ]),
    waveTimeline(charts, scale, rollback),
    h('h4', {}, 'Traffic on the new version and alarms, per target'),
    legend([
      ['sw-weight', 'weight of the new version'],
      ['sw-ok', 'alarm OK'],
      ['sw-alarm', 'ALARM'],
      ['sw-nodata', 'no data'],
      ['sw-missing', 'missing'],
    ]),
    h(
      'div',
      { className: 'target-charts' },
      charts.targets.map((t) => targetChart(charts, scale, t, waveByIndex.get(t.wave), rollback)),
    ),
    h('p', { className: 'muted small' }, 'Times in UTC. Hover a bar, line or strip for its times.'),
  );
}
