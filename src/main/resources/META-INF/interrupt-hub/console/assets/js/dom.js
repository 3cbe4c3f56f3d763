// DOM helpers. Everything the service sends (device ids, reasons, module names, errors) reaches the page
// through textContent or attributes set one by one, never through innerHTML, so it is shown, not parsed.

/** el('td', {className: 'x', data: {id}}, 'text', child) */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'data') {
      Object.assign(element.dataset, value);
    } else if (name === 'text') {
      element.textContent = value;
    } else if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else {
      element[name] = value;
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      element.append(child); // strings become text nodes
    }
  }
  return element;
}

/** Sets text only when it changed, so a re-render does not disturb a selection or a screen reader. */
export function setText(element, text) {
  const value = text === null || text === undefined ? '' : String(text);
  if (element.textContent !== value) {
    element.textContent = value;
  }
}

const keyed = new WeakMap();

/**
 * Makes `container`'s children the rows for `items`, in order, reusing the element of each key: a button
 * under the pointer is never replaced while the list updates around it.
 */
export function reconcile(container, items, keyOf, create, update) {
  const previous = keyed.get(container) || new Map();
  const next = new Map();
  let cursor = container.firstChild;
  for (const item of items) {
    const key = keyOf(item);
    let element = previous.get(key);
    if (!element) {
      element = create(item);
    }
    update(element, item);
    next.set(key, element);
    if (element === cursor) {
      cursor = cursor.nextSibling;
    } else {
      container.insertBefore(element, cursor);
    }
  }
  for (const [key, element] of previous) {
    if (!next.has(key)) {
      element.remove();
    }
  }
  keyed.set(container, next);
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false,
});

export function formatTime(iso) {
  const millis = Date.parse(iso);
  return Number.isNaN(millis) ? '' : timeFormat.format(new Date(millis));
}

export function formatMs(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    return '–';
  }
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
}

export function formatSeconds(ms) {
  return `${Math.max(0, ms / 1000).toFixed(1)} s`;
}
