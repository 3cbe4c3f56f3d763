// What the console knows: sessions, recent interrupts, flags and statistics, each bounded so a page left
// open for days under heavy traffic stays small.

export const MAX_SESSIONS = 500;
export const MAX_INTERRUPTS = 100;
export const MAX_FLAGS = 100;
/** Speech decisions kept on screen, newest first: a device reports several per utterance. */
export const MAX_SPEECH = 50;
/** A session that has stopped (interrupted, ended, expired) stays on screen this long, then goes. */
export const LINGER_MS = 15000;

const OPEN = 'ACTIVE';

export class Model {
  constructor(flagTimeoutMs) {
    this.flagTimeoutMs = flagTimeoutMs;
    this.sessions = new Map(); // sessionId -> {session, changedAt}
    this.interrupts = new Map(); // hardwareId#epoch -> {hardwareId, epoch, reason, source, at, sessionIds, result}
    this.flags = new Map(); // hardwareId -> {hardwareId, epoch, setAt, expiresAt (ms)}
    this.speech = []; // newest first: {key, hardwareId, decision, rule, policy, epoch, alreadyPaused, words, at}
    this.speechCount = 0;
    this.stats = null;
    /** Server time minus this browser's time, estimated from live events. */
    this.skewMs = 0;
    this.skewSamples = [];
  }

  now() {
    return Date.now() + this.skewMs;
  }

  // ---- events ------------------------------------------------------------------------------

  /** `interrupt`: the interrupt started; the device's flag is set from this moment. */
  interruptStarted(event) {
    this.sampleSkew(event.at);
    const row = this.interruptRow(event.hardwareId, event.epoch, event.at);
    row.reason = event.reason;
    row.source = event.source;
    row.sessionIds = event.sessionIds || [];
    const setAt = Date.parse(event.at);
    if (!Number.isNaN(setAt)) {
      this.setFlag({ hardwareId: event.hardwareId, epoch: event.epoch, setAt, expiresAt: setAt + this.flagTimeoutMs });
    }
  }

  /** `interrupt-result` (or a history entry): the interrupt finished, with its modules' outcomes. */
  interruptCompleted(result) {
    const row = this.interruptRow(result.hardwareId, result.epoch, result.startedAt);
    row.reason = result.reason;
    row.source = result.source;
    row.result = result;
    this.setSilence(row, result);
    this.setRecovery(row, result.recovery);
  }

  /** `recovery`: the turn after the interrupt delivered (RECOVERED), or not in time (MISSED), or was superseded. */
  recoveryResolved(event) {
    const row = this.interrupts.get(`${event.hardwareId}#${event.epoch}`);
    if (row) {
      this.setRecovery(row, event);
    }
  }

  /** Like the silence, a resolved recovery is final: an older PENDING does not undo it. */
  setRecovery(row, recovery) {
    if (!recovery || !recovery.outcome
        || (row.recovery && row.recovery.outcome !== 'PENDING' && recovery.outcome === 'PENDING')) {
      return;
    }
    row.recovery = { outcome: recovery.outcome, recoveredMs: recovery.recoveredMs, sessionId: recovery.sessionId };
  }

  /** `speech`, or the answer to a report sent from here: what the device's speech policy decided. */
  speechDecided(decided) {
    if (this.speech.some((known) => known.hardwareId === decided.hardwareId && known.at === decided.at
        && known.decision === decided.decision && known.rule === decided.rule)) {
      return; // the answer to our own report and its event are the same decision
    }
    this.speechCount += 1;
    this.speech.unshift({
      key: String(this.speechCount), hardwareId: decided.hardwareId, decision: decided.decision,
      rule: decided.rule, policy: decided.policy, epoch: decided.epoch, alreadyPaused: decided.alreadyPaused === true,
      words: decided.words, at: decided.at,
    });
    this.speech.length = Math.min(this.speech.length, MAX_SPEECH);
  }

  /** `silence`: the interrupt's sessions all reported stopped, or its deadline passed first. */
  silenceResolved(event) {
    const row = this.interrupts.get(`${event.hardwareId}#${event.epoch}`);
    if (row) {
      this.setSilence(row, event);
    }
  }

  /** A resolved silence is final: an older answer that still says PENDING does not undo it. */
  setSilence(row, source) {
    if (!source.silence || (row.silence && row.silence.silence !== 'PENDING' && source.silence === 'PENDING')) {
      return;
    }
    row.silence = { silence: source.silence, timeToSilenceMs: source.timeToSilenceMs,
      pendingSessions: source.pendingSessions || [] };
  }

  interruptRow(hardwareId, epoch, at) {
    const key = `${hardwareId}#${epoch}`;
    let row = this.interrupts.get(key);
    if (!row) {
      row = { key, hardwareId, epoch, at, reason: null, source: null, sessionIds: [], result: null, silence: null,
        recovery: null };
      this.interrupts.set(key, row);
      this.trimInterrupts();
    }
    return row;
  }

  /** A `session` event, or the answer to opening one: newer than anything the console read before. */
  sessionChanged(session) {
    const known = this.sessions.get(session.sessionId);
    if (known && known.session.state !== OPEN && session.state === OPEN) {
      return; // a late answer to the open: a session never becomes ACTIVE again
    }
    this.sessions.set(session.sessionId, { session, changedAt: Date.now() });
    if (session.state === OPEN) {
      // Opening a session starts a new turn and clears the device's flag (contract, "Turns and epochs").
      const flag = this.flags.get(session.hardwareId);
      if (flag && flag.epoch <= session.epoch) {
        this.flags.delete(session.hardwareId);
      }
    }
    this.trimSessions();
  }

  // ---- snapshots ---------------------------------------------------------------------------

  /**
   * What `GET /sessions` said, asked at `askedAt`: it replaces what the console knew from before that
   * moment, and never what an event told it since.
   */
  sessionSnapshot(sessions, askedAt) {
    const listed = new Set();
    for (const session of sessions) {
      listed.add(session.sessionId);
      const known = this.sessions.get(session.sessionId);
      if (!known || known.changedAt < askedAt) {
        this.sessions.set(session.sessionId, { session, changedAt: known ? known.changedAt : askedAt });
      }
    }
    for (const [id, known] of this.sessions) {
      if (!listed.has(id) && known.changedAt < askedAt && known.session.state === OPEN) {
        this.sessions.delete(id); // it ended while the console was not listening
      }
    }
    this.trimSessions();
  }

  historySnapshot(results) {
    for (const result of results) {
      const key = `${result.hardwareId}#${result.epoch}`;
      const known = this.interrupts.get(key);
      if (!known || !known.result) {
        this.interruptCompleted(result);
      } else {
        this.setSilence(known, result); // the history holds the silence as it stands now
        this.setRecovery(known, result.recovery); // and the recovery
      }
    }
  }

  /**
   * `GET /interrupts/flags`, asked at `askedAt`: every flag set now, including those set before the page
   * loaded. A flag it does not list and that the console learnt of before asking has been reset or expired.
   */
  flagSnapshot(flags, askedAt) {
    const listed = new Set();
    for (const status of flags) {
      listed.add(status.hardwareId);
      this.flagStatus(status);
    }
    for (const [device, flag] of this.flags) {
      if (!listed.has(device) && flag.learntAt < askedAt) {
        this.flags.delete(device);
      }
    }
  }

  /** `GET /interrupt/{id}`: the flag as the service holds it now. */
  flagStatus(status) {
    if (status.interrupted && status.expiresAt) {
      this.setFlag({ hardwareId: status.hardwareId, epoch: status.epoch, setAt: Date.parse(status.setAt),
        expiresAt: Date.parse(status.expiresAt) });
    } else {
      this.flags.delete(status.hardwareId);
    }
  }

  flagReset(hardwareId) {
    this.flags.delete(hardwareId);
  }

  setFlag(flag) {
    if (flag.expiresAt <= this.now()) {
      return;
    }
    const known = this.flags.get(flag.hardwareId);
    if (known && known.epoch > flag.epoch) {
      return;
    }
    this.flags.delete(flag.hardwareId); // re-inserted last: the map's order is the order flags were set
    this.flags.set(flag.hardwareId, { ...flag, learntAt: Date.now() });
    while (this.flags.size > MAX_FLAGS) {
      this.flags.delete(this.flags.keys().next().value);
    }
  }

  // ---- time --------------------------------------------------------------------------------

  /** Drops what has expired or lingered long enough; true when anything went. */
  prune() {
    let changed = false;
    const now = this.now();
    for (const [device, flag] of this.flags) {
      if (flag.expiresAt <= now) {
        this.flags.delete(device);
        changed = true;
      }
    }
    const local = Date.now();
    for (const [id, known] of this.sessions) {
      if (known.session.state !== OPEN && local - known.changedAt > LINGER_MS) {
        this.sessions.delete(id);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * The service's clock against this browser's: an event's time is a little before it arrives, so the
   * largest recent difference is the closest to the truth. Only a clear skew is applied.
   */
  sampleSkew(at) {
    const millis = Date.parse(at);
    if (Number.isNaN(millis)) {
      return;
    }
    this.skewSamples.push(millis - Date.now());
    if (this.skewSamples.length > 20) {
      this.skewSamples.shift();
    }
    const skew = Math.max(...this.skewSamples);
    this.skewMs = Math.abs(skew) > 1000 ? skew : 0;
  }

  // ---- bounds ------------------------------------------------------------------------------

  trimSessions() {
    if (this.sessions.size <= MAX_SESSIONS) {
      return;
    }
    // Stopped sessions go first, oldest change first; then the oldest open ones.
    const byAge = [...this.sessions.entries()].sort((a, b) =>
      (a[1].session.state === OPEN) - (b[1].session.state === OPEN) || a[1].changedAt - b[1].changedAt);
    for (const [id] of byAge.slice(0, this.sessions.size - MAX_SESSIONS)) {
      this.sessions.delete(id);
    }
  }

  trimInterrupts() {
    if (this.interrupts.size <= MAX_INTERRUPTS) {
      return;
    }
    const oldestFirst = this.interruptList().reverse();
    for (const row of oldestFirst.slice(0, this.interrupts.size - MAX_INTERRUPTS)) {
      this.interrupts.delete(row.key);
    }
  }

  // ---- views -------------------------------------------------------------------------------

  /** Newest first. */
  interruptList() {
    return [...this.interrupts.values()].sort((a, b) =>
      (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0) || b.epoch - a.epoch);
  }

  /** [{hardwareId, sessions: [...] newest first}], devices by name. */
  devices() {
    const byDevice = new Map();
    for (const { session } of this.sessions.values()) {
      if (!byDevice.has(session.hardwareId)) {
        byDevice.set(session.hardwareId, []);
      }
      byDevice.get(session.hardwareId).push(session);
    }
    return [...byDevice.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([hardwareId, sessions]) => ({
        hardwareId,
        sessions: sessions.sort((a, b) => (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0)),
      }));
  }

  flagList() {
    return [...this.flags.values()].reverse();
  }

  /** Sessions named by a missed silence: the edge never said they stopped, so they may still be heard. */
  stuckSessions() {
    const stuck = new Set();
    for (const row of this.interrupts.values()) {
      if (row.silence && row.silence.silence === 'MISSED') {
        row.silence.pendingSessions.forEach((id) => stuck.add(id));
      }
    }
    return stuck;
  }
}
