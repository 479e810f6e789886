// Pure DOM builders for the deployment picture: waves as columns, targets as rows.

/** Creates an element; attributes starting with "on" are listeners; children may be strings. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'className') el.className = value;
    // Through the CSSOM: the Content-Security-Policy forbids inline style attributes.
    else if (name === 'style') el.style.cssText = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const STATUS_LABEL = {
  running: 'running',
  rolling_back: 'rolling back',
  succeeded: 'succeeded',
  rolled_back: 'rolled back',
  failed: 'failed',
  superseded: 'superseded',
  expired: 'expired (held too long)',
  pending: 'pending',
  waiting: 'waiting',
  deploying: 'deploying',
  baking: 'baking',
  waiting_for_lock: 'waiting for lock',
  prepared: 'prepared',
  one_box: 'one-box',
  rolling: 'rolling',
  deployed: 'deployed',
};

export function badge(status) {
  return h('span', { className: `badge s-${status}`, 'data-status': status }, STATUS_LABEL[status] ?? status);
}

/** `Nov 23 14:30` in UTC. */
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const month = d.toLocaleString('en', { month: 'short', timeZone: 'UTC' });
  return `${month} ${d.getUTCDate()} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

export function formatSeconds(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const hours = Math.floor(m / 60);
  return m % 60 === 0 ? `${hours}h` : `${hours}h${String(m % 60).padStart(2, '0')}`;
}

function meter(label, fraction, text) {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return h(
    'div',
    { className: 'meter' },
    h('span', { className: 'meter-label' }, label),
    h(
      'div',
      {
        className: 'meter-bar',
        role: 'progressbar',
        'aria-label': label,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': pct,
        'aria-valuetext': text,
      },
      h('div', { className: 'meter-fill', style: `width:${pct}%` }),
    ),
    h('span', { className: 'meter-text' }, text),
  );
}

/** Data points as last counted, and when; before the bake's time is up they are not counted yet. */
function dataPointsText(bake) {
  if (bake.minDataPoints === 0) return 'none needed';
  if (!bake.dataPointsAt && bake.dataPoints === 0)
    return `${bake.minDataPoints} needed · counted when the time is up`;
  const at = bake.dataPointsAt ? ` · counted ${formatTime(bake.dataPointsAt).slice(-5)}` : '';
  return `${bake.dataPoints} of ${bake.minDataPoints}${at}`;
}

/**
 * Bake progress: time and data points, the verdict and the alarms watched. The time bar runs on
 * the control plane's clock; the note is the API's, written as of its answer.
 */
export function bakeView(bake, nowMs) {
  const elapsed = (nowMs - Date.parse(bake.startedAt)) / 1000;
  const done = bake.verdict === 'baked';
  const timeFraction = done ? 1 : bake.durationSeconds > 0 ? elapsed / bake.durationSeconds : 1;
  const pointsFraction = bake.minDataPoints > 0 ? bake.dataPoints / bake.minDataPoints : 1;
  return h(
    'div',
    { className: `bake v-${bake.verdict}` },
    h('p', { className: 'bake-title' }, `${bake.phase} bake · `, h('strong', {}, bake.verdict)),
    meter(
      'Bake time',
      timeFraction,
      `${formatSeconds(Math.min(elapsed, bake.durationSeconds))} of ${formatSeconds(bake.durationSeconds)}`,
    ),
    meter('Data points', pointsFraction, dataPointsText(bake)),
    bake.note ? h('p', { className: 'bake-note' }, bake.note) : null,
    alarmsView(bake.alarms),
  );
}

export function alarmsView(alarms) {
  if (!alarms?.length) return null;
  return h(
    'ul',
    { className: 'alarms', 'aria-label': 'Alarms' },
    alarms.map((a) =>
      h(
        'li',
        { className: `alarm a-${a.state}`, title: `${a.name}: ${a.state}` },
        h('span', { className: 'alarm-state' }, a.state === 'INSUFFICIENT_DATA' ? 'NO DATA' : a.state),
        ' ',
        a.name,
      ),
    ),
  );
}

function blockedView(blocked) {
  if (!blocked?.blockers?.length) return null;
  return h(
    'div',
    { className: 'blocked', role: 'note' },
    h('p', {}, h('strong', {}, 'Held'), ` since ${formatTime(blocked.since)} by:`),
    h(
      'ul',
      {},
      blocked.blockers.map((b) =>
        h(
          'li',
          {},
          h('code', {}, b.id),
          ` ${b.description}${b.until ? ` (until ${formatTime(b.until)})` : ''}`,
        ),
      ),
    ),
  );
}

function weightView(target) {
  const weight = target.weight ?? 0;
  return h(
    'div',
    { className: 'weight' },
    h(
      'div',
      {
        className: 'meter-bar',
        role: 'progressbar',
        'aria-label': `Traffic on the new version for ${target.targetId}`,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': Math.round(weight),
      },
      h('div', { className: 'meter-fill new-version', style: `width:${weight}%` }),
    ),
    h(
      'span',
      { className: 'weight-text' },
      `${weight}% on ${target.newVersion ? `v${target.newVersion}` : 'new'}`,
      target.previousVersion ? ` · was v${target.previousVersion}` : '',
    ),
  );
}

/** The picture: one column per wave, one row per target (a target sits in its wave's column). */
export function waveGrid(detail, nowMs) {
  const waves = detail.waves;
  const head = h(
    'tr',
    {},
    h('th', { scope: 'col', className: 'corner' }, 'Target'),
    waves.map((w) =>
      h(
        'th',
        {
          scope: 'col',
          className: `wave w-${w.status}${w.stage === 'pre-production' ? ' pre-production' : ''}`,
          'data-wave': w.name,
          'data-status': w.status,
          'data-stage': w.stage ?? 'production',
        },
        // Test stages are shown apart: labelled, and set off from the first production wave.
        w.stage === 'pre-production' ? h('div', { className: 'stage-label' }, 'pre-production') : null,
        h('div', { className: 'wave-head' }, h('span', { className: 'wave-name' }, w.name), badge(w.status)),
        // A bake that ended is shown as it stood when its wave ended.
        w.bake ? bakeView(w.bake, w.endedAt ? Math.min(nowMs, Date.parse(w.endedAt)) : nowMs) : null,
        blockedView(w.blocked),
      ),
    ),
  );
  const rows = waves.flatMap((w, column) =>
    w.targets.map((t) =>
      h(
        'tr',
        { 'data-target': t.targetId },
        h('th', { scope: 'row' }, t.targetId),
        waves.map((_, c) =>
          c === column
            ? h(
                'td',
                { className: `cell t-${t.status}`, 'data-status': t.status },
                badge(t.status),
                t.batch ? h('span', { className: 'batch muted' }, ` batch ${t.batch}`) : null,
                weightView(t),
                t.bake ? bakeView(t.bake, nowMs) : null,
              )
            : h('td', { className: 'empty', 'aria-hidden': 'true' }),
        ),
      ),
    ),
  );
  return h(
    'table',
    { className: 'grid', 'aria-label': 'Waves (columns) and targets (rows)' },
    h('thead', {}, head),
    h('tbody', {}, rows),
  );
}

export function eventItem(e) {
  return h(
    'li',
    { className: `event e-${e.type}` },
    h('time', { datetime: e.at }, formatTime(e.at)),
    ' ',
    h('span', { className: 'event-message' }, e.message),
  );
}
