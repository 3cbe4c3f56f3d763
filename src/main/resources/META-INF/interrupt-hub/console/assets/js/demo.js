// "Talk over it": the reference pipeline streams an answer; the operator talks over it with the button or
// the space bar. Pressing sends a tentative interrupt (the answer pauses, nothing is dropped); a short tap
// resumes it from the same word, as a cough or an "mm-hm" should; holding past HOLD_MS confirms it as a real
// interrupt, and the panel shows what the user heard up to the cut and how long the stream took to stop.

import { segment } from './api.js';
import { readEventStream } from './sse.js';
import { setText } from './dom.js';

const $ = (id) => document.getElementById(id);

/** How long a press must last to be speech rather than a false interruption. */
const HOLD_MS = 500;

export class Demo {
  constructor(api, report, decided = () => {}) {
    this.api = api;
    this.report = report; // (error) => void, for errors outside the panel's own result line
    this.decided = decided; // (speech decision) => void: the answer to a report sent from here
    this.run = null;
  }

  install() {
    $('demo').hidden = false;
    $('speech-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.say($('speech-transcript').value, Number($('speech-ms').value) || 0, $('speech-final').checked);
    });
    for (const preset of document.querySelectorAll('.speech-preset')) {
      preset.addEventListener('click', () => this.say(preset.dataset.transcript, Number(preset.dataset.speechMs),
        preset.dataset.final === 'true'));
    }
    $('demo-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.start();
    });
    const button = $('demo-interrupt');
    button.addEventListener('pointerdown', () => this.press());
    button.addEventListener('pointerup', () => this.release());
    button.addEventListener('pointerleave', () => this.release());
    const spaceBar = (event) => {
      if (event.key !== ' ' || !this.run) {
        return false;
      }
      const target = event.target;
      if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target.isContentEditable) {
        return false;
      }
      event.preventDefault(); // no page scroll, and no click on a focused button
      return true;
    };
    document.addEventListener('keydown', (event) => {
      if (spaceBar(event) && !event.repeat) {
        this.press();
      }
    });
    document.addEventListener('keyup', (event) => {
      if (spaceBar(event)) {
        this.release();
      }
    });
  }

  async start() {
    if (this.run) {
      this.run.controller.abort();
    }
    const hardwareId = $('demo-device').value.trim();
    const rate = Math.min(100, Math.max(1, Number($('demo-rate').value) || 8));
    const run = { hardwareId, sessionId: null, controller: new AbortController(), streamed: '', clickedAt: null,
      ended: false, press: null, pauses: 0, resumes: 0 };
    this.run = run;
    setText($('demo-streamed'), '');
    setText($('demo-heard'), '');
    setText($('demo-result'), 'Opening a session…');
    $('demo-result').dataset.kind = '';
    $('demo-start').disabled = true;
    try {
      const session = await this.api.post('sessions', { hardwareId });
      run.sessionId = session.sessionId;
      setText($('demo-result'), 'Streaming; tap to pause and resume, hold to interrupt.');
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
    } else if (event.name === 'paused') {
      run.pauses += 1;
      $('demo-result').dataset.pauses = String(run.pauses);
      this.status(`Paused at word ${data.index}: the answer is held, nothing is dropped. Release to resume, `
        + 'keep holding to interrupt.', 'paused');
    } else if (event.name === 'resumed') {
      run.resumes += 1;
      $('demo-result').dataset.resumes = String(run.resumes);
      this.status(`Resumed at word ${data.index} (${data.outcome}): a short tap is a false interruption, `
        + 'so the answer goes on where it was held.', 'resumed');
    } else if (event.name === 'interrupted') {
      const stoppedAt = performance.now();
      setText($('demo-heard'), data.heard);
      $('demo-heard').dataset.chars = String(data.deliveredChars);
      const measured = run.clickedAt === null ? null : Math.round(stoppedAt - run.clickedAt);
      const text = measured === null
        ? `Interrupted elsewhere (epoch ${data.epoch}); the user heard ${data.deliveredChars} characters.`
        : `Stopped ${measured} ms after the interrupt (the service stopped the stream ${data.stopLatencyMs} ms after `
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

  /** The user starts talking: pause at once, and confirm if it lasts. */
  press() {
    const run = this.run;
    if (!run || run.ended || run.clickedAt !== null || run.sessionId === null || run.press) {
      return;
    }
    const press = { timer: null, paused: null };
    run.press = press;
    press.paused = this.api
      .post(`interrupt/${segment(run.hardwareId)}`, { reason: 'user_speech_start', source: 'console', tentative: true })
      .catch((error) => this.report(error));
    press.timer = setTimeout(() => this.confirm(run, press), HOLD_MS);
  }

  /** Released before HOLD_MS: no words, so the answer resumes (once the pause it follows was made). */
  release() {
    const run = this.run;
    const press = run && run.press;
    if (!press || press.timer === null) {
      return;
    }
    clearTimeout(press.timer);
    press.timer = null;
    run.press = null;
    press.paused
      .then(() => this.api.post(`interrupt/${segment(run.hardwareId)}/resume`, {}))
      .catch((error) => this.report(error));
  }

  /** Still held at HOLD_MS: it is speech, and the pause becomes a real interrupt. */
  async confirm(run, press) {
    press.timer = null;
    if (run.ended) {
      return;
    }
    run.clickedAt = performance.now();
    $('demo-interrupt').disabled = true;
    try {
      await press.paused;
      await this.api.post(`interrupt/${segment(run.hardwareId)}`, { reason: 'user_barge_in', source: 'console' });
    } catch (error) {
      this.report(error);
    }
  }

  /** Reports speech on the demo's device, as a speech detector would, and shows what its policy decided. */
  async say(transcript, speechMs, final) {
    const hardwareId = $('demo-device').value.trim();
    const result = $('speech-result');
    try {
      const decided = await this.api.post(`devices/${segment(hardwareId)}/speech`, { transcript, speechMs, final });
      result.dataset.kind = 'ok';
      result.dataset.decision = decided.decision;
      result.dataset.rule = decided.rule;
      setText(result, `${decided.decision} by rule ${decided.rule} of policy ${decided.policy}`
        + `${decided.alreadyPaused ? ' (already paused)' : ''}, epoch ${decided.epoch}.`);
      this.decided(decided);
    } catch (error) {
      result.dataset.kind = 'error';
      result.dataset.decision = '';
      result.dataset.rule = '';
      setText(result, error.status ? `${error.status}: ${error.detail}` : `Failed: ${error.message}`);
    }
  }

  status(text, kind) {
    setText($('demo-result'), text);
    $('demo-result').dataset.kind = kind;
  }

  finish(run, text, kind) {
    run.ended = true;
    if (run.press && run.press.timer !== null) {
      clearTimeout(run.press.timer);
    }
    run.press = null;
    setText($('demo-result'), text);
    $('demo-result').dataset.kind = kind;
    $('demo-start').disabled = false;
    $('demo-interrupt').disabled = true;
  }
}
