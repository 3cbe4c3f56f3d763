// The console: a live view fed by GET /interrupts/events, and the operator's actions.

import { Api, ApiError, segment } from './api.js';
import { Demo } from './demo.js';
import { setText } from './dom.js';
import { Model } from './model.js';
import { LiveStream } from './sse.js';
import { Views } from './views.js';

const $ = (id) => document.getElementById(id);

/** The statistics are re-read after events at most this often, and at least every STATS_EVERY_MS. */
const STATS_DEBOUNCE_MS = 300;
const STATS_EVERY_MS = 5000;
/** Flags reset by another client send no event; the listed ones are checked this often. */
const FLAGS_EVERY_MS = 5000;

async function loadSettings() {
  try {
    const response = await fetch('console/settings', { cache: 'no-store' });
    if (response.ok) {
      return await response.json();
    }
  } catch (unreachable) {
    // fall through to the defaults; the live stream will keep trying
  }
  return { apiKeyHeader: 'X-API-Key', reference: false, heartbeatMs: 15000, flagTimeoutMs: 5000 };
}

function keyPrompt(api) {
  const dialog = $('key-dialog');
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('key-input').value;
    if (!key) {
      return;
    }
    $('key-input').value = '';
    dialog.close();
    api.useKey(key);
  });
  dialog.addEventListener('cancel', (event) => event.preventDefault()); // nothing works without a key
  return (status) => {
    setText($('key-message'), status === 403 ? 'That key was refused. Try another.' : '');
    if (!dialog.open) {
      dialog.showModal();
    }
    $('key-input').focus();
  };
}

function showMessage(text, kind) {
  const message = $('action-message');
  setText(message, text);
  message.dataset.kind = kind;
}

function showError(error) {
  showMessage(error instanceof ApiError ? `${error.status}: ${error.detail}` : `Failed: ${error.message}`, 'error');
}

async function main() {
  const settings = await loadSettings();
  setText($('key-header'), settings.apiKeyHeader);
  let askForKey = null;
  const api = new Api(settings.apiKeyHeader, (status) => askForKey(status), settings.apiBasePath);
  askForKey = keyPrompt(api);
  const model = new Model(settings.flagTimeoutMs);
  const views = new Views(model, {
    interruptDevice: (hardwareId) => interrupt(hardwareId, $('interrupt-reason').value.trim() || 'console'),
    endSession: (sessionId) => act(async () => {
      await api.delete(`sessions/${segment(sessionId)}`);
      return `Session ${sessionId} ended.`;
    }),
    resetFlag: (hardwareId) => act(async () => {
      await api.delete(`interrupt/${segment(hardwareId)}`);
      model.flagReset(hardwareId);
      views.schedule();
      return `Flag of ${hardwareId} reset.`;
    }),
  });

  async function act(action) {
    try {
      showMessage(await action(), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  function interrupt(hardwareId, reason) {
    return act(async () => {
      const result = await api.post(`interrupt/${segment(hardwareId)}`, { reason, source: 'console' });
      model.interruptCompleted(result);
      views.schedule();
      return `Interrupted ${result.hardwareId} (epoch ${result.epoch}): ${result.sessionsInterrupted} session(s), `
        + `${result.success ? 'every module OK' : 'some modules not OK'}, ${result.durationMs.toFixed(2)} ms.`;
    });
  }

  // ---- reading the service -----------------------------------------------------------------

  let statsTimer = null;
  async function refreshStats() {
    clearTimeout(statsTimer);
    statsTimer = null;
    try {
      model.stats = await api.get('interrupts/stats');
      views.schedule();
    } catch (error) {
      // the next event or the periodic refresh tries again
    }
  }
  function statsSoon() {
    if (statsTimer === null) {
      statsTimer = setTimeout(refreshStats, STATS_DEBOUNCE_MS);
    }
  }

  async function refreshFlags(devices) {
    await Promise.all(devices.map(async (hardwareId) => {
      try {
        model.flagStatus(await api.get(`interrupt/${segment(hardwareId)}`));
      } catch (error) {
        // kept as it was; checked again next time
      }
    }));
    views.schedule();
  }

  /** Everything at once: on the first connection, and whenever the stream says events were lost. */
  async function loadSnapshot() {
    const askedAt = Date.now();
    try {
      const [sessions, history, flags] = await Promise.all([api.get('sessions?limit=500'),
        api.get('interrupts?limit=100'), api.get('interrupts/flags?limit=100')]);
      model.sessionSnapshot(sessions, askedAt);
      model.historySnapshot(history);
      model.flagSnapshot(flags, askedAt);
      const recentDevices = [...new Set(history.map((result) => result.hardwareId))].slice(0, 50);
      await refreshFlags(recentDevices);
    } catch (error) {
      showError(error);
    }
    await refreshStats();
    views.schedule();
  }

  let connections = 0;
  const stream = new LiveStream(api.url('interrupts/events'), {
    headers: () => api.headers(),
    needKey: (status, sent) => api.refused(status, sent[settings.apiKeyHeader] ?? null),
    idleMs: settings.heartbeatMs * 2 + 10000,
    onState: (state, detail) => views.connection(state, detail),
    onConnected: (resumed) => {
      connections += 1;
      $('connection').dataset.connections = String(connections);
      if (resumed) {
        refreshStats(); // the stream replays what was missed
      } else {
        loadSnapshot();
      }
    },
    onEvent: (event) => {
      let data;
      try {
        data = JSON.parse(event.data);
      } catch (notJson) {
        return;
      }
      if (event.name === 'interrupt') {
        model.interruptStarted(data);
      } else if (event.name === 'interrupt-result') {
        model.interruptCompleted(data);
      } else if (event.name === 'session') {
        model.sessionChanged(data);
      } else if (event.name === 'silence') {
        model.silenceResolved(data);
      } else if (event.name === 'speech') {
        model.speechDecided(data);
      } else if (event.name === 'recovery') {
        model.recoveryResolved(data);
      } else if (event.name === 'gap') {
        loadSnapshot();
      }
      statsSoon();
      views.schedule();
    },
  });

  // ---- actions -----------------------------------------------------------------------------

  $('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const hardwareId = $('open-device').value.trim();
    act(async () => {
      const session = await api.post('sessions', { hardwareId });
      model.sessionChanged(session);
      views.schedule();
      return `Session ${session.sessionId} opened for ${session.hardwareId}.`;
    });
  });

  $('interrupt-form').addEventListener('submit', (event) => {
    event.preventDefault();
    interrupt($('interrupt-device').value.trim(), $('interrupt-reason').value.trim() || null);
  });

  if (settings.reference) {
    new Demo(api, showError, (decided) => {
      model.speechDecided(decided);
      views.schedule();
    }).install();
  }

  setInterval(() => {
    if (model.prune()) {
      views.schedule();
    } else {
      views.renderFlags(); // the remaining times count down
    }
  }, 250);
  // Not while the key prompt is open: the calls would only pile up behind it.
  setInterval(() => api.waiting || refreshStats(), STATS_EVERY_MS);
  setInterval(() => api.waiting || refreshFlags(model.flagList().map((flag) => flag.hardwareId)), FLAGS_EVERY_MS);

  stream.start();
}

main();
