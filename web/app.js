import {
  adoptUrlSettings,
  api,
  hasToken,
  loadConfig,
  serverClockPaused,
  serverNow,
  setToken,
} from './api.js';
import { personOf, signIn, signInAgain, signInSettings, signOut } from './auth.js';
import { chartsView } from './charts.js';
import { hideMetricsPage, showMetricsPage } from './metrics.js';
import { badge, eventItem, formatTime, h, waveGrid } from './view.js';

// The Breakwater console: pipelines and their deployments, one deployment as a live picture,
// the timeline, and the commands (start, stop, blockers, overrides, expedite approval, veto).

const POLL_DEPLOYMENT_MS = 1000;
const POLL_LISTS_MS = 3000;
const PERSON_KEY = 'breakwater.person';

const $ = (id) => document.getElementById(id);
const state = { selected: undefined, detail: undefined, pipelines: [], busy: false };

function notify(message, kind = 'error') {
  const el = $('notice');
  el.textContent = message;
  el.className = `notice ${kind}`;
  el.hidden = false;
  clearTimeout(notify.timer);
  notify.timer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}

function person() {
  const input = $('person');
  const name = input.value.trim();
  if (!name) {
    input.focus();
    throw new Error('Say who you are in "Acting as" first: it is recorded on the timeline.');
  }
  localStorage.setItem(PERSON_KEY, name);
  return name;
}

/** Runs a command from a form or button; errors show in the notice. */
async function command(work, done) {
  try {
    const result = await work();
    if (done) notify(done(result), 'ok');
    await refreshDeployment();
    await refreshLists();
  } catch (error) {
    notify(error.message);
  }
}

// ---- lists ------------------------------------------------------------------------------------

async function refreshLists() {
  const [pipelines, blockers] = await Promise.all([api('GET', '/pipelines'), api('GET', '/blockers')]);
  state.pipelines = pipelines.items;
  const pages = await Promise.all(
    pipelines.items.map((p) =>
      api('GET', `/pipelines/${encodeURIComponent(p.name)}/deployments?limit=8`).catch(() => ({ items: [] })),
    ),
  );
  renderPipelines(pipelines.items, pages);
  renderPipelineChoices(pipelines.items);
  renderBlockers(blockers.items);
}

function renderPipelines(pipelines, pages) {
  const list = $('pipelines');
  list.replaceChildren(
    ...pipelines.map((p, i) =>
      h(
        'li',
        {},
        h(
          'p',
          { className: 'pipeline-name' },
          p.name,
          h('span', { className: 'muted' }, ` v${p.version} · ${p.definition.waves.length} waves`),
          ' ',
          h(
            'a',
            {
              href: `#/pipelines/${encodeURIComponent(p.name)}/metrics`,
              className: 'small metrics-link',
              'aria-label': `Metrics of ${p.name}`,
            },
            'Metrics',
          ),
        ),
        h(
          'ul',
          { className: 'deployments', 'aria-label': `Deployments of ${p.name}` },
          pages[i].items.length === 0
            ? h('li', { className: 'muted' }, 'no deployments yet')
            : pages[i].items.map((d) =>
                h(
                  'li',
                  {},
                  h(
                    'a',
                    {
                      href: `#/deployments/${encodeURIComponent(d.id)}`,
                      'aria-current': d.id === state.selected ? 'page' : undefined,
                    },
                    h('span', { className: 'change' }, d.change.id),
                    ' ',
                    badge(d.status),
                    h('span', { className: 'muted small' }, ` ${formatTime(d.createdAt)}`),
                  ),
                ),
              ),
        ),
      ),
    ),
  );
}

function renderPipelineChoices(pipelines) {
  const select = $('start-pipeline');
  const current = select.value;
  const names = pipelines.map((p) => p.name);
  if ([...select.options].map((o) => o.value).join() === names.join()) return;
  select.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
  if (names.includes(current)) select.value = current;
}

function scopeText(scope) {
  switch (scope.kind) {
    case 'global':
      return 'everything';
    case 'pipeline':
      return `pipeline ${scope.pipeline}`;
    case 'wave':
      return `wave ${scope.pipeline}/${scope.wave}`;
    default:
      return `target ${scope.pipeline}/${scope.target}`;
  }
}

function renderBlockers(blockers) {
  $('blockers').replaceChildren(
    ...(blockers.length === 0
      ? [h('li', { className: 'muted' }, 'none')]
      : blockers.map((b) =>
          h(
            'li',
            { className: 'blocker', 'data-blocker': b.id },
            h('p', {}, h('strong', {}, scopeText(b.scope)), ` — ${b.reason}`),
            h(
              'p',
              { className: 'muted small' },
              `by ${b.author}, ${formatTime(b.createdAt)}${b.expiresAt ? `, until ${formatTime(b.expiresAt)}` : ''}`,
            ),
            h(
              'button',
              {
                type: 'button',
                className: 'small-button',
                'aria-label': `Remove blocker on ${scopeText(b.scope)}`,
                onclick: () =>
                  command(
                    () => api('DELETE', `/blockers/${encodeURIComponent(b.id)}`),
                    () => `Blocker on ${scopeText(b.scope)} removed.`,
                  ),
              },
              'Remove',
            ),
          ),
        )),
  );
}

// ---- one deployment ---------------------------------------------------------------------------

async function refreshDeployment() {
  if (!state.selected) return;
  const id = state.selected;
  let detail;
  try {
    detail = await api('GET', `/deployments/${encodeURIComponent(id)}`);
  } catch (error) {
    // Just started: the workflow's first step writes the record a moment after the start.
    if (error.status !== 404) throw error;
    if (id === state.selected) renderPending(id);
    return;
  }
  if (id !== state.selected) return;
  state.detail = detail;
  renderDeployment(detail);
}

function renderPending(id) {
  $('deployment').replaceChildren(
    h('h2', { id: 'deployment-title' }, `Deployment ${id}`),
    h('p', { className: 'hint', role: 'status' }, 'Starting: waiting for the workflow to record it…'),
  );
}

function renderDeployment(detail) {
  const d = detail.deployment;
  const section = $('deployment');
  const active = d.status === 'running' || d.status === 'rolling_back';
  const blockers = detail.waves.flatMap((w) =>
    (w.blocked?.blockers ?? []).map((b) => ({ ...b, wave: w.name })),
  );
  const focused =
    document.activeElement && section.contains(document.activeElement) ? document.activeElement.id : '';
  const kept = keepInputs(section);

  section.replaceChildren(
    ...[
      h(
        'div',
        { className: 'deployment-head' },
        h('h2', { id: 'deployment-title' }, `${d.pipelineName} · change ${d.change.id}`),
        h('span', { id: 'deployment-status', 'data-status': d.status }, badge(d.status)),
      ),
      h(
        'p',
        { className: 'muted' },
        `Deployment ${d.id} · pipeline v${d.pipelineVersion}`,
        d.change.version ? ` · version ${d.change.version}` : '',
        d.requestedBy ? ` · started by ${d.requestedBy}` : '',
        ` · ${formatTime(d.createdAt)}`,
        d.endedAt ? ` → ${formatTime(d.endedAt)}` : '',
      ),
      d.rollback
        ? h(
            'div',
            { id: 'rollback', className: 'rollback', role: 'status' },
            h('strong', {}, d.status === 'rolling_back' ? 'Rolling back: ' : 'Rolled back: '),
            d.rollback.reason,
            h(
              'span',
              { className: 'small' },
              ` (detected ${formatTime(d.rollback.detectedAt)}${d.rollback.trafficOffAt ? `, traffic off the new version ${formatTime(d.rollback.trafficOffAt)}` : ''})`,
            ),
          )
        : null,
      d.releaseRollback
        ? h(
            'p',
            { id: 'release-rollback', className: 'cancel' },
            `Release rollback (${d.releaseRollback.mode === 'fast' ? 'all at once' : 'wave by wave, last first'}) asked by ${d.releaseRollback.by} ${formatTime(d.releaseRollback.requestedAt)}: ${d.releaseRollback.reason}`,
            d.releaseRollback.leave.length > 0
              ? ` · left as they are: ${d.releaseRollback.leave.map((l) => l.targetId).join(', ')}`
              : '',
          )
        : null,
      d.cancelRequest
        ? h(
            'p',
            { className: 'cancel' },
            `Stop requested by ${d.cancelRequest.by}: ${d.cancelRequest.reason}`,
          )
        : null,
      vetoNotice(d),
      actions(d, active, blockers),
      waveGrid(detail, serverNow()),
      chartsView(detail.charts, d),
    ].filter(Boolean),
  );
  restoreInputs(section, kept);
  if (focused) $(focused)?.focus();
  renderEvents(detail.events);
}

/** Inputs the user is typing in survive the once-a-second redraw. */
function keepInputs(root) {
  const values = {};
  for (const el of root.querySelectorAll('input, select')) {
    values[el.id] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return values;
}

function restoreInputs(root, values) {
  for (const el of root.querySelectorAll('input, select')) {
    if (!(el.id in values)) continue;
    if (el.type === 'checkbox') el.checked = values[el.id];
    else if (el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === values[el.id])) continue;
    else el.value = values[el.id];
  }
}

/** A label tied to its control by id. */
function field(text, control) {
  return [h('label', { for: control.id }, text), control];
}

/** Roll back a succeeded release; a 409 naming targets a newer deployment changed fills "leave". */
function releaseRollbackForm(d) {
  return h(
    'form',
    {
      id: 'release-rollback-form',
      className: 'inline-form',
      'aria-label': 'Roll back this release',
      onsubmit: (event) => {
        event.preventDefault();
        const leave = $('release-rollback-leave')
          .value.split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const body = {
          by: person(),
          reason: $('release-rollback-reason').value.trim(),
          mode: $('release-rollback-mode').value,
          ...(leave.length > 0 ? { force: true, leave } : {}),
        };
        command(
          async () => {
            try {
              return await api('POST', `/deployments/${encodeURIComponent(d.id)}/rollback`, body);
            } catch (error) {
              const conflicts = error.body?.conflicts;
              if (error.status === 409 && conflicts?.length) {
                $('release-rollback-leave').value = conflicts.map((c) => c.targetId).join(', ');
                throw new Error(
                  `${conflicts.map((c) => `${c.targetId} was changed since by deployment ${c.deploymentId}`).join('; ')}. ` +
                    'To roll back the other targets and leave these, submit again with them in "Leave".',
                );
              }
              throw error;
            }
          },
          () => 'Release rollback started: every target goes back to the version it served before.',
        );
      },
    },
    field('Rollback reason', h('input', { id: 'release-rollback-reason', required: true, maxlength: 1000 })),
    field(
      'How',
      h(
        'select',
        { id: 'release-rollback-mode' },
        h('option', { value: 'fast' }, 'all at once'),
        h('option', { value: 'reverse-waves' }, 'wave by wave, last first'),
      ),
    ),
    field('Leave', h('input', { id: 'release-rollback-leave', placeholder: 'targets to leave (optional)' })),
    h('button', { type: 'submit', className: 'danger' }, 'Roll back this release'),
  );
}

/** While a reverse-waves release rollback runs: take the remaining waves back at once. */
function hurryButton(d) {
  return h(
    'button',
    {
      id: 'release-rollback-hurry',
      type: 'button',
      className: 'danger',
      onclick: () =>
        command(
          () =>
            api('POST', `/deployments/${encodeURIComponent(d.id)}/rollback`, {
              by: person(),
              reason: 'take the remaining waves back at once',
              mode: 'fast',
            }),
          () => 'The remaining waves go back at once.',
        ),
    },
    'Roll back the remaining waves now',
  );
}

/** The veto of the deployment's change, in force or lifted (both stay on record). */
function vetoNotice(d) {
  if (!d.veto) return null;
  const lifted = d.veto.lifted;
  return h(
    'div',
    { id: 'veto', className: lifted ? 'veto lifted' : 'veto', role: 'status' },
    h('strong', {}, lifted ? 'Veto lifted: ' : 'Change vetoed: '),
    `by ${d.veto.by}, ${formatTime(d.veto.at)}: ${d.veto.reason}`,
    lifted ? ` — lifted by ${lifted.by}, ${formatTime(lifted.at)}: ${lifted.reason}` : '',
  );
}

/** "Veto this change" while no veto is in force, "Lift veto" while one is: for any deployment. */
function vetoForm(d) {
  const vetoed = d.veto && !d.veto.lifted;
  const path = `/pipelines/${encodeURIComponent(d.pipelineName)}/changes/${encodeURIComponent(d.change.id)}/veto`;
  // Each form its own input: a veto's reason is not carried over as the reason to lift it.
  const input = vetoed ? 'veto-lift-reason' : 'veto-reason';
  return h(
    'form',
    {
      id: 'veto-form',
      className: 'inline-form',
      'aria-label': vetoed ? 'Lift the veto of this change' : 'Veto this change',
      onsubmit: (event) => {
        event.preventDefault();
        const reason = $(input).value.trim();
        command(
          async () => {
            const result = await api('POST', vetoed ? `${path}/lift` : path, { by: person(), reason });
            $(input).value = '';
            return result;
          },
          () =>
            vetoed
              ? `Veto of change ${d.change.id} lifted: it may start again.`
              : `Change ${d.change.id} vetoed: its running deployments roll back, and it does not start again until the veto is lifted.`,
        );
      },
    },
    field(
      vetoed ? 'Why lift the veto' : 'Veto reason',
      h('input', { id: input, required: true, maxlength: 1000 }),
    ),
    h(
      'button',
      { type: 'submit', className: vetoed ? '' : 'danger' },
      vetoed ? 'Lift veto' : 'Veto this change',
    ),
  );
}

function actions(d, active, blockers) {
  const parts = [];
  if (d.status === 'succeeded') parts.push(releaseRollbackForm(d));
  if (d.status === 'rolling_back' && d.releaseRollback?.mode === 'reverse-waves') parts.push(hurryButton(d));
  if (d.status === 'running' && !d.cancelRequest) {
    parts.push(
      h(
        'form',
        {
          id: 'stop-form',
          className: 'inline-form',
          'aria-label': 'Stop and roll back',
          onsubmit: (event) => {
            event.preventDefault();
            const reason = $('stop-reason').value.trim();
            command(
              () => api('POST', `/deployments/${encodeURIComponent(d.id)}/stop`, { by: person(), reason }),
              () => 'Stop requested: every target carrying the new version rolls back.',
            );
          },
        },
        field('Stop reason', h('input', { id: 'stop-reason', required: true, maxlength: 1000 })),
        h('button', { type: 'submit', className: 'danger' }, 'Stop and roll back'),
      ),
    );
  }
  if (d.expedite && !d.expedite.approvedBy && active) {
    parts.push(
      h(
        'div',
        { className: 'inline-form' },
        h('span', {}, `Expedite asked by ${d.expedite.requestedBy}: ${d.expedite.reason}`),
        h(
          'button',
          {
            type: 'button',
            onclick: () =>
              command(
                () =>
                  api('POST', `/deployments/${encodeURIComponent(d.id)}/expedite/approve`, { by: person() }),
                () => 'Expedite approved.',
              ),
          },
          'Approve expedite',
        ),
      ),
    );
  }
  if (active && blockers.length > 0) {
    parts.push(
      h(
        'form',
        {
          id: 'override-form',
          className: 'inline-form',
          'aria-label': 'Override a blocker',
          onsubmit: (event) => {
            event.preventDefault();
            const blockerId = $('override-blocker').value;
            const body = {
              blockerId,
              by: person(),
              reason: $('override-reason').value.trim(),
              ...($('override-fixes').checked ? { fixesAlarm: true } : {}),
            };
            command(
              () => api('POST', `/deployments/${encodeURIComponent(d.id)}/overrides`, body),
              () => `Override of ${blockerId} recorded.`,
            );
          },
        },
        field(
          'Blocker',
          h(
            'select',
            { id: 'override-blocker' },
            blockers.map((b) => h('option', { value: b.id }, `${b.wave}: ${b.id}`)),
          ),
        ),
        field('Override reason', h('input', { id: 'override-reason', required: true, maxlength: 1000 })),
        h(
          'label',
          { className: 'check' },
          h('input', { id: 'override-fixes', type: 'checkbox' }),
          ' ships the alarm’s fix',
        ),
        h('button', { type: 'submit' }, 'Override blocker'),
      ),
    );
  }
  parts.push(vetoForm(d));
  return h('div', { className: 'actions' }, parts);
}

function renderEvents(events) {
  const list = $('events');
  const recent = events.slice(-300).reverse();
  list.replaceChildren(...recent.map(eventItem));
}

// ---- forms and routing ------------------------------------------------------------------------

function wireForms() {
  $('person').value = localStorage.getItem(PERSON_KEY) ?? '';
  $('start-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const pipeline = $('start-pipeline').value;
    const body = {
      change: { id: $('start-change').value.trim(), version: $('start-version').value.trim() },
      requestedBy: '',
    };
    const expediteReason = $('start-expedite').checked ? $('start-expedite-reason').value.trim() : undefined;
    command(
      async () => {
        body.requestedBy = person();
        if (expediteReason !== undefined) {
          if (!expediteReason) {
            $('start-expedite-reason').focus();
            throw new Error(
              'Say why the change is expedited: the reason is recorded and shown to the approver.',
            );
          }
          body.expedite = { reason: expediteReason };
        }
        const started = await api('POST', `/pipelines/${encodeURIComponent(pipeline)}/deployments`, body);
        window.location.hash = `#/deployments/${encodeURIComponent(started.deploymentId)}`;
        return started;
      },
      (started) => `Deployment ${started.deploymentId} started.`,
    );
  });
  $('block-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const kind = $('block-kind').value;
    const pipeline = $('block-pipeline').value.trim();
    const name = $('block-name').value.trim();
    const scope =
      kind === 'global'
        ? { kind }
        : kind === 'pipeline'
          ? { kind, pipeline }
          : kind === 'wave'
            ? { kind, pipeline, wave: name }
            : { kind, pipeline, target: name };
    const expires = $('block-expires').value.trim();
    command(
      async () =>
        api('POST', '/blockers', {
          scope,
          reason: $('block-reason').value.trim(),
          author: person(),
          ...(expires ? { expiresAt: expires } : {}),
        }),
      (b) => `Blocker ${b.id} added.`,
    );
  });
  $('start-expedite').addEventListener('change', () => {
    $('start-expedite-reason').disabled = !$('start-expedite').checked;
    $('start-expedite-reason').required = $('start-expedite').checked;
  });
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setToken($('token-input').value.trim());
    $('token-form').hidden = true;
    start();
  });
}

function route() {
  const metrics = /^#\/pipelines\/([^/?]+)\/metrics(?:\?(.*))?$/.exec(window.location.hash);
  if (metrics) {
    state.selected = undefined;
    showMetricsPage($('main'), decodeURIComponent(metrics[1]), metrics[2]).catch((error) =>
      notify(error.message),
    );
    return;
  }
  hideMetricsPage($('main'));
  const match = /^#\/deployments\/(.+)$/.exec(window.location.hash);
  state.selected = match ? decodeURIComponent(match[1]) : undefined;
  if (!state.selected) {
    $('events').replaceChildren();
    return;
  }
  refreshDeployment().catch((error) => notify(error.message));
  refreshLists().catch(() => {});
}

function tickClock() {
  const paused = serverClockPaused() ? ' (paused until a deployment starts)' : '';
  $('clock').textContent =
    `Control plane time: ${formatTime(new Date(serverNow()).toISOString())} UTC${paused}`;
}

async function poll(work, every) {
  for (;;) {
    try {
      await work();
      $('connection').textContent = '';
    } catch (error) {
      if (error.status === 401 && cognito) {
        // The ID token expired or was refused: through the Hosted UI again.
        await signInAgain(cognito);
        return;
      }
      if (error.status === 401) {
        $('token-form').hidden = false;
        $('connection').textContent = 'Not signed in';
        started = false;
        return;
      }
      $('connection').textContent = `Connection problem: ${error.message}`;
    }
    tickClock();
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

let started = false;
function start() {
  if (started) return;
  started = true;
  window.addEventListener('hashchange', route);
  route();
  poll(refreshLists, POLL_LISTS_MS);
  poll(refreshDeployment, POLL_DEPLOYMENT_MS);
}

/** Shows who is signed in; the actor field is theirs and cannot be changed (the API records them). */
function showSignedIn(name, settings) {
  $('signed-in-name').textContent = name;
  $('signed-in').hidden = false;
  $('person').value = name;
  $('person').readOnly = true;
  $('sign-out').addEventListener('click', () => signOut(settings));
}

adoptUrlSettings();
/** The Cognito sign-in settings of the hosted dashboard; undefined locally (token sign-in). */
const cognito = signInSettings(await loadConfig());
wireForms();
if (cognito) {
  try {
    const idToken = await signIn(cognito);
    if (idToken) {
      setToken(idToken);
      showSignedIn(personOf(idToken) ?? 'unknown', cognito);
      start();
    }
  } catch (error) {
    $('connection').textContent = error.message;
  }
} else if (hasToken()) start();
else $('token-form').hidden = false;
