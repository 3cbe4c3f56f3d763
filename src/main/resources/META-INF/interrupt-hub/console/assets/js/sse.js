// Server-Sent Events read with fetch(). EventSource cannot send the API key header, and its own
// reconnection cannot be paced or told to wait for a key, so the console parses the stream itself.

/** Longest line or event we accept; the service's events are a few hundred bytes. */
const MAX_BUFFERED = 1 << 20;

/** Splits a text/event-stream into events and comments, as the HTML standard describes. */
export class EventStreamParser {
  constructor(onEvent, onComment = () => {}) {
    this.onEvent = onEvent;
    this.onComment = onComment;
    this.buffer = '';
    this.name = '';
    this.data = [];
    this.dataLength = 0;
    this.lastId = null;
  }

  push(text) {
    this.buffer += text;
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    let match;
    while ((match = lineEnd.exec(this.buffer)) !== null) {
      // A lone \r at the end may be the first half of \r\n still in flight.
      if (match[0] === '\r' && match.index === this.buffer.length - 1) {
        break;
      }
      this.line(this.buffer.slice(start, match.index));
      start = lineEnd.lastIndex;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > MAX_BUFFERED) {
      throw new Error('event stream line too long');
    }
  }

  line(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.onComment(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.name = value;
    } else if (field === 'data') {
      this.dataLength += value.length;
      if (this.dataLength > MAX_BUFFERED) {
        throw new Error('event too large');
      }
      this.data.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastId = value;
    }
    // "retry" is ignored on purpose: the reconnection pace is ours.
  }

  dispatch() {
    const name = this.name || 'message';
    const data = this.data.join('\n');
    const hadData = this.data.length > 0;
    this.name = '';
    this.data = [];
    this.dataLength = 0;
    if (hadData) {
      this.onEvent({ name, data, id: this.lastId });
    }
  }
}

/**
 * Reads one event stream to its end: resolves when the server ends it, rejects on a network error or an
 * abort. `onResponse` sees the response first and may return false to skip reading it.
 */
export async function readEventStream(url, { headers = {}, signal, onResponse, onEvent, onComment, onChunk }) {
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...headers },
    cache: 'no-store',
    signal,
  });
  if (onResponse && onResponse(response) === false) {
    return response;
  }
  const parser = new EventStreamParser(onEvent, onComment);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        return response;
      }
      if (onChunk) {
        onChunk();
      }
      parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => {
    clearTimeout(timer);
    resolve();
  }, { once: true });
});

/** A Retry-After header in seconds (its delta-seconds form; 5 when absent or a date), at most 300. */
export function retryAfterSeconds(value) {
  const seconds = value === null || value === undefined || !/^\s*\d+\s*$/.test(value) ? 5 : Number(value);
  return Math.min(seconds, 300);
}

/**
 * The live feed: reconnects by itself with a growing, jittered pause (at least the Retry-After of a 503), resumes with Last-Event-ID so no
 * event is missed while it was away, and drops a connection that has been silent for longer than the
 * server's heartbeat allows (a proxy or a sleeping laptop can leave a dead socket open).
 */
export class LiveStream {
  /**
   * @param url the stream's address
   * @param options.headers () => headers for each connection (the API key)
   * @param options.needKey (status, sentHeaders) => Promise resolved once a new key was given (401/403)
   * @param options.onEvent ({name, data, id}) => void
   * @param options.onConnected (resumed) => void, once the server has registered the stream
   * @param options.onState (state, detail) => void: connecting, live, waiting, key
   * @param options.idleMs silence after which the connection is considered dead
   */
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.lastEventId = null;
    this.stopped = true;
    this.controller = null;
  }

  start() {
    if (this.stopped) {
      this.stopped = false;
      this.life = new AbortController();
      this.run();
    }
  }

  stop() {
    this.stopped = true;
    if (this.life) {
      this.life.abort();
    }
    if (this.controller) {
      this.controller.abort();
    }
  }

  async run() {
    const { headers, needKey, onEvent, onConnected, onState, idleMs } = this.options;
    let pause = 0;
    while (!this.stopped) {
      if (pause > 0) {
        onState('waiting', pause);
        await sleep(pause, this.life.signal);
        if (this.stopped) {
          return;
        }
      }
      onState('connecting');
      const controller = new AbortController();
      this.controller = controller;
      let watchdog = null;
      const touch = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), idleMs);
      };
      let authStatus = 0;
      let retryAfterMs = 0;
      let connected = false;
      let sent = {};
      try {
        touch();
        const resumeFrom = this.lastEventId;
        sent = headers();
        await readEventStream(this.url, {
          headers: { ...sent, ...(resumeFrom ? { 'Last-Event-ID': resumeFrom } : {}) },
          signal: controller.signal,
          onResponse: (response) => {
            if (response.status === 401 || response.status === 403) {
              authStatus = response.status;
              return false;
            }
            if (response.status === 503) {
              // Full (its stream or connection cap) or shutting down: it says when to ask again.
              retryAfterMs = retryAfterSeconds(response.headers.get('Retry-After')) * 1000;
            }
            if (!response.ok) {
              throw new Error(`the event stream answered ${response.status}`);
            }
            return true;
          },
          onChunk: touch,
          onComment: (comment) => {
            if (comment === 'connected' && !connected) {
              connected = true;
              pause = 0;
              onState('live');
              onConnected(resumeFrom !== null);
            }
          },
          onEvent: (event) => {
            if (event.id !== null) {
              this.lastEventId = event.id;
            }
            onEvent(event);
          },
        });
      } catch (error) {
        // A network error, the watchdog or stop(): decided below.
      } finally {
        clearTimeout(watchdog);
      }
      if (this.stopped) {
        return;
      }
      if (authStatus) {
        onState('key');
        await needKey(authStatus, sent);
        pause = 0;
        continue;
      }
      // The server ended a healthy stream (its timeout, a restart): come back at once, then back off.
      // A 503 waits at least what the server asked, so that the many it refused at once do not come back at once.
      pause = connected ? 250 : Math.max(Math.min(Math.max(pause * 2, 1000), 15000), retryAfterMs);
      pause = Math.round(pause * (1 + Math.random() * 0.3));
    }
  }
}
