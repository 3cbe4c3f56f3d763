// "Talk over it": the reference pipeline streams an answer; the operator interrupts it and sees what the
// user heard up to the cut and how long the stream took to stop after the click.

import { segment } from './api.js';
import { readEventStream } from './sse.js';
import { setText } from './dom.js';

const $ = (id) => document.getElementById(id);

export class Demo {
  constructor(api, report) {
    this.api = api;
    this.report = report; // (error) => void, for errors outside the panel's own result line
    this.run = null;
  }

  install() {
    $('demo').hidden = false;
    $('demo-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.start();
    });
    $('demo-interrupt').addEventListener('click', () => this.interrupt());
    document.addEventListener('keydown', (event) => {
      if (event.key !== ' ' || !this.run || this.run.clickedAt !== null || event.repeat) {
        return;
      }
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target.isContentEditable) {
        return;
      }
      event.preventDefault(); // no page scroll, and no second click on a focused button
      this.interrupt();
    });
  }

  async start() {
    if (this.run) {
      this.run.controller.abort();
    }
    const hardwareId = $('demo-device').value.trim();
    const rate = Math.min(100, Math.max(1, Number($('demo-rate').value) || 8));
    const run = { hardwareId, sessionId: null, controller: new AbortController(), streamed: '', clickedAt: null,
      ended: false };
    this.run = run;
    setText($('demo-streamed'), '');
    setText($('demo-heard'), '');
    setText($('demo-result'), 'Opening a session…');
    $('demo-result').dataset.kind = '';
    $('demo-start').disabled = true;
    try {
      const session = await this.api.post('sessions', { hardwareId });
      run.sessionId = session.sessionId;
      setText($('demo-result'), 'Streaming; interrupt whenever you like.');
      const button = $('demo-interrupt');
      button.disabled = false;
      button.focus();
      await readEventStream(this.api.url(`sessions/${segment(session.sessionId)}/stream?rate=${rate}`), {
        headers: this.api.headers(),
        signal: run.controller.signal,
        onResponse: (response) => {
          if (!response.ok) {
            throw new Error(`the stream answered ${response.status}`);
          }
          return true;
        },
        onEvent: (event) => this.onEvent(run, event),
      });
      if (!run.ended && this.run === run) {
        this.finish(run, 'The stream ended early.', 'error');
      }
    } catch (error) {
      if (this.run === run && !run.ended && error.name !== 'AbortError') {
        this.finish(run, `Demo failed: ${error.message}`, 'error');
      }
    }
  }

  onEvent(run, event) {
    if (this.run !== run) {
      return;
    }
    const data = JSON.parse(event.data);
    if (event.name === 'chunk') {
      run.streamed += data.text;
      setText($('demo-streamed'), run.streamed);
    } else if (event.name === 'interrupted') {
      const stoppedAt = performance.now();
      setText($('demo-heard'), data.heard);
      $('demo-heard').dataset.chars = String(data.deliveredChars);
      const measured = run.clickedAt === null ? null : Math.round(stoppedAt - run.clickedAt);
      const text = measured === null
        ? `Interrupted elsewhere (epoch ${data.epoch}); the user heard ${data.deliveredChars} characters.`
        : `Stopped ${measured} ms after your click (the service stopped the stream ${data.stopLatencyMs} ms after `
          + `the interrupt; silence confirmed after ${data.timeToSilenceMs} ms); the user heard ${data.deliveredChars} characters.`;
      $('demo-result').dataset.clickToStopMs = measured === null ? '' : String(measured);
      this.finish(run, text, 'ok');
    } else if (event.name === 'done') {
      setText($('demo-heard'), run.streamed);
      this.finish(run, 'The answer finished before anyone talked over it.', 'ok');
      // A finished answer leaves its session open; the demo has no further use for it.
      this.api.delete(`sessions/${segment(run.sessionId)}`).catch(() => {});
    }
  }

  async interrupt() {
    const run = this.run;
    if (!run || run.ended || run.clickedAt !== null || run.sessionId === null) {
      return;
    }
    run.clickedAt = performance.now();
    $('demo-interrupt').disabled = true;
    try {
      await this.api.post(`interrupt/${segment(run.hardwareId)}`, { reason: 'user_barge_in', source: 'console' });
    } catch (error) {
      this.report(error);
    }
  }

  finish(run, text, kind) {
    run.ended = true;
    setText($('demo-result'), text);
    $('demo-result').dataset.kind = kind;
    $('demo-start').disabled = false;
    $('demo-interrupt').disabled = true;
  }
}
