// Shared by the host's and the players' pages: a WebSocket that reconnects by
// itself with backoff, and small DOM helpers. Text always goes in through
// textContent, never innerHTML, so names and answers cannot become markup.
'use strict';
window.QL = (() => {
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('data-')) node.setAttribute(k, v);
      else if (k in node) node[k] = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c == null) continue;
      node.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function showOnly(id, ids) {
    for (const x of ids) { const n = $(x); if (n) n.hidden = x !== id; }
  }

  function letter(p) { return p < 26 ? String.fromCharCode(97 + p) : 'z' + (p - 25); }

  // Bars of a distribution: label, a track the script sizes, and the count.
  function bars(list, data) {
    clear(list);
    const total = Math.max(1, data.reduce((s, b) => s + b.count, 0));
    for (const b of data) {
      const pct = Math.round((100 * b.count) / total);
      const fill = el('span', { class: 'bar-fill' });
      const label = el('span', { class: 'bar-label', text: b.label });
      if (b.correct === true) label.append(' ', el('span', { class: 'tag', text: 'correct' }));
      list.append(el('li', { class: 'bar' + (b.correct === true ? ' right' : '') },
        label,
        el('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
        el('span', { class: 'bar-count', text: `${b.count} (${pct}%)` })));
      requestAnimationFrame(() => { fill.style.width = pct + '%'; });
    }
  }

  function board(list, top, myName) {
    clear(list);
    for (const e of top) {
      const li = el('li', {},
        el('span', { class: 'r', text: '#' + e.rank }),
        el('span', { class: 'n', text: e.nickname }),
        el('span', { class: 's', text: e.score.toLocaleString() + ' pts' }));
      if (myName && e.nickname === myName) li.className = 'me';
      list.append(li);
    }
  }

  // Counts down from what the server said was left when it sent the message.
  function countdown(node, remainingMs, onZero) {
    const end = performance.now() + remainingMs;
    let stopped = false;
    let said = false;
    const tick = () => {
      if (stopped) return;
      const left = Math.max(0, end - performance.now());
      node.textContent = String(Math.ceil(left / 1000));
      node.classList.toggle('low', left <= 5000);
      if (left <= 0) { if (!said && onZero) { said = true; onZero(); } return; }
      setTimeout(tick, 200);
    };
    tick();
    return () => { stopped = true; };
  }

  // One socket, reopened with growing, jittered waits whenever it drops, and
  // at once when the page becomes visible again (a phone waking up).
  class Socket {
    constructor(path, hello, onMessage, onState) {
      this.path = path; this.hello = hello; this.onMessage = onMessage; this.onState = onState;
      this.tries = 0; this.ws = null; this.stopped = false; this.timer = null;
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && !this.open() && !this.stopped) this.connect();
      });
      window.addEventListener('online', () => { if (!this.open() && !this.stopped) this.connect(); });
    }
    open() { return this.ws && this.ws.readyState === WebSocket.OPEN; }
    connect() {
      clearTimeout(this.timer);
      if (this.ws) { this.ws.onclose = null; try { this.ws.close(); } catch (_) { /* already closed */ } }
      const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + this.path;
      this.onState(this.tries ? 'reconnecting' : 'connecting');
      const ws = new WebSocket(url);
      this.ws = ws;
      ws.onopen = () => { ws.send(JSON.stringify(this.hello())); };
      ws.onmessage = (ev) => {
        let m;
        try { m = JSON.parse(ev.data); } catch (_) { return; }
        if (m.type === 'welcome') { this.tries = 0; this.onState('connected'); }
        this.onMessage(m);
      };
      ws.onclose = () => {
        if (this.stopped) return;
        this.tries += 1;
        const wait = Math.min(10000, 500 * 2 ** Math.min(this.tries, 5)) * (0.5 + Math.random() / 2);
        this.onState('reconnecting');
        this.timer = setTimeout(() => this.connect(), wait);
      };
    }
    send(obj) {
      if (!this.open()) return false;
      this.ws.send(JSON.stringify(obj));
      return true;
    }
    stop() { this.stopped = true; clearTimeout(this.timer); if (this.ws) this.ws.close(); }
  }

  function connState(node, state) {
    const text = { connecting: 'Connecting…', reconnecting: 'Connection lost, reconnecting…', connected: '' }[state] || '';
    node.textContent = text;
    node.classList.toggle('bad', state === 'reconnecting');
  }

  return { $, el, clear, showOnly, letter, bars, board, countdown, Socket, connState };
})();
