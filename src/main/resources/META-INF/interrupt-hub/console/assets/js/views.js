// Renders the model into the page. Rows are keyed (see dom.reconcile) and every value is set as text.

import { el, formatMs, formatSeconds, formatTime, reconcile, setText } from './dom.js';

const $ = (id) => document.getElementById(id);

const shortId = (id) => (id.length > 13 ? `${id.slice(0, 8)}…` : id);

/**
 * @param actions {interruptDevice(hardwareId), endSession(sessionId), resetFlag(hardwareId)}
 */
export class Views {
  constructor(model, actions) {
    this.model = model;
    this.actions = actions;
    this.scheduled = false;
  }

  /** Coalesces the renders asked for by a burst of events into one, after the current task. */
  schedule() {
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.render();
      });
    }
  }

  render() {
    this.renderStats();
    this.renderSessions();
    this.renderFlags();
    this.renderInterrupts();
    this.renderSpeech();
  }

  renderSpeech() {
    const rows = this.model.speech;
    $('speech-empty').hidden = rows.length > 0;
    reconcile($('speech-rows'), rows, (row) => row.key, (row) =>
      el('tr', { className: 'speech-decision', data: { hardwareId: row.hardwareId, decision: row.decision,
        rule: row.rule } },
      el('td', { className: 'time', text: formatTime(row.at) }),
      el('td', { className: 'device-id', text: row.hardwareId }),
      el('td', {}, el('span', { className: 'decision', text: row.decision, data: { decision: row.decision } })),
      el('td', { className: 'rule', text: row.alreadyPaused ? `${row.rule} (already paused)` : row.rule }),
      el('td', { className: 'policy', text: row.policy }),
      el('td', { className: 'epoch', text: String(row.epoch) })),
    () => {});
  }

  connection(state, detail) {
    const badge = $('connection');
    badge.dataset.state = state;
    const text = {
      connecting: 'connecting…',
      live: 'live',
      waiting: `reconnecting in ${Math.ceil((detail || 0) / 1000)} s`,
      key: 'waiting for an API key',
    }[state] || state;
    setText(badge, text);
  }

  renderStats() {
    const stats = this.model.stats;
    if (!stats) {
      return;
    }
    $('disabled-banner').hidden = stats.enabled !== false;
    setText($('stat-total'), stats.interrupts.total);
    setText($('stat-succeeded'), stats.interrupts.succeeded);
    setText($('stat-failed'), stats.interrupts.failed);
    setText($('stat-coalesced'), stats.interrupts.coalesced);
    setText($('stat-sessions'), `${stats.sessions.active} / ${stats.sessions.maxActive}`);
    setText($('stat-flags'), stats.flags.active);
    setText($('stat-p50'), stats.latency.window > 0 ? formatMs(stats.latency.p50Ms) : '–');
    setText($('stat-p99'), stats.latency.window > 0 ? formatMs(stats.latency.p99Ms) : '–');
  }

  renderSessions() {
    const devices = this.model.devices();
    const stuck = this.model.stuckSessions();
    $('sessions-empty').hidden = devices.length > 0;
    reconcile($('devices'), devices, (device) => device.hardwareId, (device) => {
      const list = el('ul', { className: 'session-list' });
      return el('article', { className: 'device', data: { hardwareId: device.hardwareId } },
        el('header', {},
          el('h3', { className: 'device-id', text: device.hardwareId }),
          el('span', { className: 'device-count' }),
          el('button', {
            type: 'button', className: 'danger device-interrupt', text: 'Interrupt',
            onclick: () => this.actions.interruptDevice(device.hardwareId),
          })),
        list);
    }, (article, device) => {
      const open = device.sessions.filter((s) => s.state === 'ACTIVE').length;
      setText(article.querySelector('.device-count'), `${open} open`);
      reconcile(article.querySelector('.session-list'), device.sessions, (s) => s.sessionId, (s) =>
        el('li', { className: 'session', data: { sessionId: s.sessionId } },
          el('span', { className: 'state' }),
          // Generated ids are long; the start tells them apart, the whole one is in the tooltip.
          el('code', { className: 'session-id', text: shortId(s.sessionId), title: s.sessionId }),
          el('span', { className: 'epoch' }),
          el('span', { className: 'opened' }),
          el('span', { className: 'delivered' }),
          el('span', { className: 'commits' }),
          el('span', { className: 'stuck', text: 'stuck speaker', title: 'no stop receipt within the silence deadline' }),
          el('button', {
            type: 'button', className: 'session-end', text: 'End',
            onclick: () => this.actions.endSession(s.sessionId),
          })),
      (li, s) => {
        const state = li.querySelector('.state');
        state.dataset.state = s.state;
        setText(state, s.state);
        li.dataset.state = s.state;
        setText(li.querySelector('.epoch'), `epoch ${s.epoch}`);
        setText(li.querySelector('.opened'), `opened ${formatTime(s.createdAt)}`);
        const delivered = s.delivered && s.delivered.textChars > 0 ? `${s.delivered.textChars} chars heard` : '';
        setText(li.querySelector('.delivered'), delivered);
        const commits = s.commits && s.commits.length > 0 ? `committed ${s.commits.map((c) => c.action).join(', ')}` : '';
        setText(li.querySelector('.commits'), commits);
        const isStuck = stuck.has(s.sessionId) && !s.stoppedAt;
        li.dataset.stuck = String(isStuck);
        li.querySelector('.stuck').hidden = !isStuck;
        li.querySelector('.session-end').hidden = s.state !== 'ACTIVE';
      });
    });
  }

  renderFlags() {
    const flags = this.model.flagList();
    $('flags-empty').hidden = flags.length > 0;
    const now = this.model.now();
    reconcile($('flag-rows'), flags, (flag) => flag.hardwareId, (flag) =>
      el('tr', { className: 'flag', data: { hardwareId: flag.hardwareId } },
        el('td', { className: 'device-id', text: flag.hardwareId }),
        el('td', { className: 'epoch' }),
        el('td', { className: 'set-at' }),
        el('td', {}, el('progress', { className: 'remaining-bar' }), ' ', el('span', { className: 'remaining' })),
        el('td', {}, el('button', {
          type: 'button', className: 'flag-reset', text: 'Reset',
          onclick: () => this.actions.resetFlag(flag.hardwareId),
        }))),
    (row, flag) => {
      setText(row.querySelector('.epoch'), flag.epoch);
      setText(row.querySelector('.set-at'), Number.isNaN(flag.setAt) ? '' : formatTime(new Date(flag.setAt).toISOString()));
      const total = Math.max(1, flag.expiresAt - flag.setAt);
      const left = Math.max(0, flag.expiresAt - now);
      const bar = row.querySelector('.remaining-bar');
      bar.max = total;
      bar.value = left;
      setText(row.querySelector('.remaining'), formatSeconds(left));
    });
  }

  renderInterrupts() {
    const rows = this.model.interruptList();
    $('interrupts-empty').hidden = rows.length > 0;
    reconcile($('interrupt-rows'), rows, (row) => row.key, (row) =>
      el('tr', { className: 'interrupt', data: { hardwareId: row.hardwareId, epoch: String(row.epoch) } },
        el('td', { className: 'time' }),
        el('td', { className: 'device-id', text: row.hardwareId }),
        el('td', { className: 'epoch', text: String(row.epoch) }),
        el('td', { className: 'reason' }),
        el('td', {}, el('span', { className: 'outcome' })),
        el('td', { className: 'duration' }),
        el('td', { className: 'sessions' }),
        el('td', {}, el('ul', { className: 'modules' })),
        el('td', {}, el('span', { className: 'silence' }), ' ', el('span', { className: 'committed' })),
        el('td', {}, el('span', { className: 'recovery' }))),
    (tr, row) => {
      setText(tr.querySelector('.time'), formatTime(row.at));
      const reason = tr.querySelector('.reason');
      setText(reason, row.reason || '');
      reason.title = row.source ? `source: ${row.source}` : '';
      const outcome = tr.querySelector('.outcome');
      const result = row.result;
      const state = !result ? 'running' : result.success ? 'ok' : 'failed';
      outcome.dataset.outcome = state;
      setText(outcome, { running: 'running…', ok: 'success', failed: 'failed' }[state]);
      setText(tr.querySelector('.duration'), result ? formatMs(result.durationMs) : '');
      setText(tr.querySelector('.sessions'), result ? result.sessionsInterrupted : row.sessionIds.length);
      const silence = tr.querySelector('.silence');
      const s = row.silence;
      silence.dataset.silence = s ? s.silence : '';
      setText(silence, !s ? '' : s.silence === 'CONFIRMED' ? `silent after ${formatMs(s.timeToSilenceMs)}`
        : s.silence === 'MISSED' ? `missed: ${s.pendingSessions.map(shortId).join(', ')}` : 'waiting for silence…');
      silence.title = s && s.pendingSessions.length > 0 ? s.pendingSessions.join(', ') : '';
      const recovery = tr.querySelector('.recovery');
      const r = row.recovery;
      recovery.dataset.outcome = r ? r.outcome : '';
      setText(recovery, !r ? '' : r.outcome === 'RECOVERED' ? `answered after ${formatMs(r.recoveredMs)}`
        : r.outcome === 'MISSED' ? 'missed: no next turn' : r.outcome === 'SUPERSEDED' ? 'superseded'
          : 'waiting for the next turn…');
      recovery.title = r && r.sessionId ? r.sessionId : '';
      const committed = result && result.committed ? result.committed : [];
      setText(tr.querySelector('.committed'), committed.length > 0
        ? `already done: ${committed.map((c) => c.action).join(', ')}` : '');
      const modules = result ? result.modules || [] : [];
      reconcile(tr.querySelector('.modules'), modules, (m) => m.module, (m) =>
        el('li', { className: 'module', data: { module: m.module } },
          el('span', { className: 'module-name', text: m.module }), ' ',
          el('span', { className: 'module-outcome' }), ' ',
          el('span', { className: 'module-duration' })),
      (li, m) => {
        const outcomeBadge = li.querySelector('.module-outcome');
        outcomeBadge.dataset.outcome = m.outcome;
        setText(outcomeBadge, m.outcome);
        setText(li.querySelector('.module-duration'), formatMs(m.durationMs));
        li.title = m.error || '';
      });
    });
  }
}
