import { api } from './api.js';
import { formatSeconds, h } from './view.js';

// The delivery metrics page of one pipeline (#/pipelines/<name>/metrics): the figures of
// GET /pipelines/{name}/metrics and plain SVG charts of them — deployments per day or week by
// outcome, lead time, change failure rate, time to restore, time held by blocker kind.

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const OUTCOMES = [
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['inProgress', 'in progress'],
  ['notJudged', 'not judged'],
];

/** An SVG element; attributes as given, children may be strings. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const day = (iso) => iso.slice(0, 10);
const percent = (rate) => (rate === null ? 'n/a' : `${Math.round(rate * 1000) / 10}%`);
const duration = (seconds) => (seconds === null ? 'n/a' : formatSeconds(seconds));

function figure(id, title, note, chart) {
  return h(
    'figure',
    { className: 'chart', 'data-chart': id, 'aria-labelledby': `chart-${id}` },
    h(
      'figcaption',
      { id: `chart-${id}` },
      title,
      note ? h('span', { className: 'muted small' }, ` — ${note}`) : null,
    ),
    chart,
  );
}

function empty(text) {
  return h('p', { className: 'muted chart-empty' }, text);
}

/** Columns per bucket, stacked by outcome. */
function frequencyChart(frequency) {
  const points = frequency.series;
  const height = 160;
  const top = 10;
  const bottom = 24;
  const left = 36;
  const total = (p) => p.succeeded + p.failed + p.inProgress + p.notJudged;
  const most = Math.max(1, ...points.map(total));
  const step = (WIDTH - left) / Math.max(1, points.length);
  const unit = (height - top - bottom) / most;
  const labelEvery = Math.ceil(points.length / 12);
  return s(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'img',
      'aria-label': `Deployments per ${frequency.bucket} by outcome`,
    },
    s('line', { x1: left, x2: WIDTH, y1: height - bottom, y2: height - bottom, class: 'axis' }),
    s('text', { x: left - 4, y: top + 8, class: 'tick', 'text-anchor': 'end' }, most),
    s('text', { x: left - 4, y: height - bottom, class: 'tick', 'text-anchor': 'end' }, 0),
    points.map((p, i) => {
      let y = height - bottom;
      const x = left + i * step + step * 0.1;
      const bars = OUTCOMES.filter(([key]) => p[key] > 0).map(([key, label]) => {
        const barHeight = p[key] * unit;
        y -= barHeight;
        return s(
          'rect',
          { x, y, width: step * 0.8, height: barHeight, class: `bar m-${key}`, 'data-outcome': key },
          s('title', {}, `${day(p.start)}: ${p[key]} ${label}`),
        );
      });
      return s(
        'g',
        { class: 'bucket', 'data-start': day(p.start), 'data-total': total(p) },
        bars,
        i % labelEvery === 0
          ? s(
              'text',
              { x: x + step * 0.4, y: height - 8, class: 'label', 'text-anchor': 'middle' },
              day(p.start).slice(5),
            )
          : null,
      );
    }),
  );
}

/** The failure rate of each bucket that judged anything, as columns out of 100 %. */
function failureRateChart(frequency, overall) {
  const points = frequency.series;
  const height = 120;
  const bottom = 24;
  const left = 36;
  const step = (WIDTH - left) / Math.max(1, points.length);
  const scale = height - bottom - 10;
  const labelEvery = Math.ceil(points.length / 12);
  return s(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${height}`,
      role: 'img',
      'aria-label': `Change failure rate per ${frequency.bucket}`,
    },
    s('line', { x1: left, x2: WIDTH, y1: height - bottom, y2: height - bottom, class: 'axis' }),
    s('text', { x: left - 4, y: 18, class: 'tick', 'text-anchor': 'end' }, '100%'),
    overall === null
      ? null
      : s('line', {
          x1: left,
          x2: WIDTH,
          y1: height - bottom - overall * scale,
          y2: height - bottom - overall * scale,
          class: 'overall',
          'data-rate': overall,
        }),
    points.map((p, i) => {
      const judged = p.succeeded + p.failed;
      const x = left + i * step + step * 0.1;
      const rate = judged > 0 ? p.failed / judged : null;
      return s(
        'g',
        { class: 'bucket', 'data-start': day(p.start), 'data-rate': rate === null ? '' : rate },
        rate === null
          ? null
          : s(
              'rect',
              {
                x,
                y: height - bottom - rate * scale,
                width: step * 0.8,
                height: Math.max(rate * scale, 1),
                class: `bar ${rate > 0 ? 'm-failed' : 'm-succeeded'}`,
              },
              s('title', {}, `${day(p.start)}: ${p.failed} of ${judged} failed (${percent(rate)})`),
            ),
        i % labelEvery === 0
          ? s(
              'text',
              { x: x + step * 0.4, y: height - 8, class: 'label', 'text-anchor': 'middle' },
              day(p.start).slice(5),
            )
          : null,
      );
    }),
  );
}

/** One horizontal bar per item: label on the left, the value's text on the right. */
function horizontalBars(label, items, kind) {
  const row = 20;
  const left = 170;
  const right = 80;
  const height = items.length * row + 8;
  const most = Math.max(1, ...items.map((i) => i.value));
  return s(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': label },
    items.map((item, i) =>
      s(
        'g',
        { class: 'row', 'data-label': item.label, 'data-value': item.value },
        s('text', { x: left - 6, y: i * row + 18, class: 'label', 'text-anchor': 'end' }, item.label),
        s(
          'rect',
          {
            x: left,
            y: i * row + 6,
            width: Math.max(1, (item.value / most) * (WIDTH - left - right)),
            height: row - 6,
            class: `bar ${item.className ?? kind}`,
          },
          s('title', {}, `${item.label}: ${item.text}`),
        ),
        s(
          'text',
          {
            x: left + Math.max(1, (item.value / most) * (WIDTH - left - right)) + 6,
            y: i * row + 18,
            class: 'value',
          },
          item.text,
        ),
      ),
    ),
  );
}

function summaryList(m) {
  const rate = m.changeFailureRate;
  const lead = m.leadTime;
  const off = m.timeToRestore.trafficOff;
  const next = m.timeToRestore.nextGoodRelease;
  const heldTotal = Object.values(m.held.byKind).reduce((a, b) => a + b, 0);
  const item = (key, term, value, detail) =>
    h(
      'div',
      { className: 'figure', 'data-figure': key },
      h('dt', {}, term),
      h(
        'dd',
        {},
        h('strong', {}, value),
        detail ? h('span', { className: 'muted small' }, ` ${detail}`) : null,
      ),
    );
  return h(
    'dl',
    { className: 'figures' },
    item(
      'frequency',
      'Deployment frequency',
      `${m.frequency.perDay} a day`,
      `${m.frequency.succeeded} succeeded of ${m.deployments.total}`,
    ),
    item(
      'lead-time',
      'Lead time',
      `median ${duration(lead.medianSeconds)}`,
      lead.count > 0 ? `p90 ${duration(lead.p90Seconds)} · ${lead.count} changes` : 'no succeeded change',
    ),
    item(
      'failure-rate',
      'Change failure rate',
      percent(rate.rate),
      `${rate.failed} of ${rate.judged} judged`,
    ),
    item(
      'restore-traffic',
      'Time to restore: traffic off',
      `median ${duration(off.medianSeconds)}`,
      off.count > 0 ? `p90 ${duration(off.p90Seconds)} · ${off.count} rollbacks` : '',
    ),
    item(
      'restore-release',
      'Time to restore: next good release',
      `median ${duration(next.medianSeconds)}`,
      `${next.count} restored${next.unrestored.length > 0 ? `, ${next.unrestored.length} not yet` : ''}`,
    ),
    item('held', 'Held by blockers', formatSeconds(heldTotal), `${m.held.deployments} deployments held`),
  );
}

function periodForm(name, m) {
  const toDay = (iso) => iso.slice(0, 10);
  const lastDay = new Date(Date.parse(m.to) - 1).toISOString().slice(0, 10);
  return h(
    'form',
    {
      id: 'metrics-period',
      className: 'inline-form',
      'aria-label': 'Period',
      onsubmit: (event) => {
        event.preventDefault();
        const from = document.getElementById('metrics-from').value;
        const to = document.getElementById('metrics-to').value;
        const query = new URLSearchParams();
        if (from) query.set('from', `${from}T00:00:00Z`);
        // The last day is included: the period ends at the start of the next one.
        if (to) query.set('to', new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000).toISOString());
        window.location.hash = `#/pipelines/${encodeURIComponent(name)}/metrics?${query}`;
      },
    },
    h('label', { for: 'metrics-from' }, 'From'),
    h('input', { id: 'metrics-from', type: 'date', value: toDay(m.from) }),
    h('label', { for: 'metrics-to' }, 'To (last day, UTC)'),
    h('input', { id: 'metrics-to', type: 'date', value: lastDay }),
    h('button', { type: 'submit' }, 'Show'),
  );
}

/** The whole page for one answer of the metrics route. */
export function metricsView(m) {
  const lead = m.leadTime.points.map((p) => ({
    label: p.changeId,
    value: p.seconds,
    text: formatSeconds(p.seconds),
    className: p.from === 'change' ? 'm-succeeded' : 'm-estimated',
  }));
  const off = m.timeToRestore.trafficOff.points.map((p) => ({
    label: p.deploymentId,
    value: p.seconds,
    text: formatSeconds(p.seconds),
  }));
  const next = [
    ...m.timeToRestore.nextGoodRelease.points.map((p) => ({
      label: p.deploymentId,
      value: p.seconds,
      text: formatSeconds(p.seconds),
    })),
    ...m.timeToRestore.nextGoodRelease.unrestored.map((id) => ({
      label: id,
      value: 0,
      text: 'not yet',
      className: 'm-notJudged',
    })),
  ];
  const held = Object.entries(m.held.byKind)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, seconds]) => ({ label: kind, value: seconds, text: formatSeconds(seconds) }));
  return [
    summaryList(m),
    figure('frequency', `Deployments per ${m.frequency.bucket}`, 'by outcome', frequencyChart(m.frequency)),
    h(
      'ul',
      { className: 'legend', 'aria-label': 'Outcomes' },
      OUTCOMES.map(([key, label]) => h('li', { className: `legend-${key}` }, label)),
    ),
    figure(
      'lead-time',
      'Lead time',
      'change pushed → last wave done (lighter: from the deployment start, the change did not say)',
      lead.length > 0
        ? horizontalBars('Lead time per succeeded change', lead, 'm-succeeded')
        : empty('No succeeded change.'),
    ),
    figure(
      'failure-rate',
      `Change failure rate per ${m.frequency.bucket}`,
      `overall ${percent(m.changeFailureRate.rate)}${
        Object.keys(m.changeFailureRate.byCause).length > 0
          ? ` · ${Object.entries(m.changeFailureRate.byCause)
              .map(([c, n]) => `${c} ${n}`)
              .join(', ')}`
          : ''
      }`,
      failureRateChart(m.frequency, m.changeFailureRate.rate),
    ),
    figure(
      'restore-traffic',
      'Time to restore: traffic off',
      'alarm (or rollback start) → traffic off the new version',
      off.length > 0
        ? horizontalBars('Alarm to traffic off per failed deployment', off, 'm-failed')
        : empty('No rollback.'),
    ),
    figure(
      'restore-release',
      'Time to restore: next good release',
      'failure → the next succeeded deployment ended',
      next.length > 0
        ? horizontalBars('Failure to next good release', next, 'm-inProgress')
        : empty('No failure.'),
    ),
    figure(
      'held',
      'Time held by blockers',
      'by kind; kinds holding at once are each charged',
      held.length > 0
        ? horizontalBars('Seconds held by blocker kind', held, 'm-held')
        : empty('Nothing was held.'),
    ),
  ];
}

/** Shows the metrics page in `main` (hiding what else is there) for a pipeline and query. */
export async function showMetricsPage(main, name, query) {
  let section = document.getElementById('metrics');
  if (!section) {
    section = h('section', { id: 'metrics', className: 'metrics', 'aria-labelledby': 'metrics-title' });
    main.prepend(section);
  }
  for (const child of main.children) child.hidden = child !== section;
  section.replaceChildren(
    h('h2', { id: 'metrics-title' }, `Delivery metrics · ${name}`),
    h('p', { className: 'hint', role: 'status' }, 'Loading…'),
  );
  const m = await api('GET', `/pipelines/${encodeURIComponent(name)}/metrics${query ? `?${query}` : ''}`);
  section.replaceChildren(
    h('h2', { id: 'metrics-title' }, `Delivery metrics · ${name}`),
    h(
      'p',
      { className: 'muted' },
      `${m.from.slice(0, 16).replace('T', ' ')} → ${m.to.slice(0, 16).replace('T', ' ')} UTC · ${m.days} days · deployments counted in the period they started`,
    ),
    periodForm(name, m),
    ...metricsView(m),
  );
}

/** Leaves the metrics page: the deployment and timeline come back. */
export function hideMetricsPage(main) {
  const section = document.getElementById('metrics');
  if (!section) return;
  section.remove();
  for (const child of main.children) child.hidden = false;
}
