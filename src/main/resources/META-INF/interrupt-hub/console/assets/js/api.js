// Calls to the service's API. The API key, when the service wants one, lives in this module's memory
// only: never in localStorage, sessionStorage, a cookie or a URL.

/** An answer other than 2xx; `detail` is the problem detail's text when the service sent one. */
export class ApiError extends Error {
  constructor(status, problem) {
    const detail = problem && typeof problem.detail === 'string' ? problem.detail : `the service answered ${status}`;
    super(detail);
    this.status = status;
    this.problem = problem;
    this.detail = detail;
  }
}

/** A path segment as the API expects it; ids are checked by the service, never trusted here. */
export const segment = (value) => encodeURIComponent(String(value));

export class Api {
  /**
   * @param keyHeader the header that carries the key (interrupt.api.key-header)
   * @param askForKey (status) => void: show the prompt; 401 = no key yet, 403 = the key was refused
   * @param basePath where the API's paths start (interrupt.web.base-path): '' or '/voice'
   */
  constructor(keyHeader, askForKey, basePath = '') {
    // Relative to the page, so a proxy that serves the service below a prefix of its own still works.
    this.base = basePath ? `${basePath.substring(1)}/` : '';
    this.keyHeader = keyHeader;
    this.askForKey = askForKey;
    this.key = null;
    this.waiting = null;
  }

  /** The address of an API path such as 'sessions' or 'interrupts/events'. */
  url(path) {
    return this.base + path;
  }

  headers() {
    return this.key ? { [this.keyHeader]: this.key } : {};
  }

  /** Resolves once the operator gave a key; every caller refused meanwhile waits for the same one. */
  needKey(status) {
    if (!this.waiting) {
      let resolve;
      const promise = new Promise((r) => { resolve = r; });
      this.waiting = { promise, resolve };
      this.askForKey(status);
    }
    return this.waiting.promise;
  }

  /** A call made with `sentKey` was refused: ask, unless another call has already brought a newer key. */
  refused(status, sentKey) {
    return this.key === sentKey ? this.needKey(status) : Promise.resolve();
  }

  useKey(key) {
    this.key = key;
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) {
      waiting.resolve();
    }
  }

  /** One call; a 401 or 403 asks for a key and tries again with it. Resolves to the JSON body, or null. */
  async call(method, path, body) {
    for (;;) {
      const init = { method, headers: { Accept: 'application/json', ...this.headers() }, cache: 'no-store' };
      if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      const sentKey = this.key;
      const response = await fetch(this.url(path), init);
      if (response.status === 401 || response.status === 403) {
        await this.refused(response.status, sentKey);
        continue;
      }
      const text = await response.text();
      let json = null;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch (notJson) {
          json = null;
        }
      }
      if (!response.ok) {
        throw new ApiError(response.status, json);
      }
      return json;
    }
  }

  get(path) {
    return this.call('GET', path);
  }

  post(path, body) {
    return this.call('POST', path, body);
  }

  delete(path) {
    return this.call('DELETE', path);
  }
}
