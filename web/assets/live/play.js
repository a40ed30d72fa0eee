// The student's phone. The player token is kept in this browser's storage per
// room, so a reload, a sleeping phone or a lost network comes back to the same
// nickname, score and question without typing anything again.
'use strict';
(() => {
  const { $, el, clear, showOnly, letter, board, countdown, Socket, connState } = QL;
  const main = document.querySelector('main.phone');
  const screens = ['join', 'lobby', 'question', 'result', 'board-view', 'final', 'gone'];
  let code = main.dataset.code || '';
  let me = null;
  let sock = null;
  let current = null;      // the open question message
  let pending = null;      // {q, answer} sent but not yet acknowledged
  let lastReveal = null;
  let lastResult = null;
  let lastTop = [];
  let stopTimer = () => {};

  const keyFor = (c) => 'quizline.player.' + c;
  const saved = (c) => { try { return JSON.parse(localStorage.getItem(keyFor(c)) || 'null'); } catch (_) { return null; } };
  const save = (c, v) => { try { localStorage.setItem(keyFor(c), JSON.stringify(v)); } catch (_) { /* private mode */ } };
  const forget = (c) => { try { localStorage.removeItem(keyFor(c)); } catch (_) { /* private mode */ } };

  function show(id) {
    showOnly(id, screens);
    const h = document.querySelector('#' + id + ' h1');
    if (h) { h.tabIndex = -1; h.focus({ preventScroll: false }); }
  }

  function fieldError(box, text, focus) {
    box.textContent = text;
    box.hidden = !text;
    if (text && focus) focus.focus();
  }

  // ----- joining -----
  $('join-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const err = $('join-error');
    const c = $('code').value.replace(/[\s-]/g, '');
    const nickname = $('nickname').value.trim();
    if (!/^\d{6}$/.test(c)) { fieldError(err, 'The game code is six digits.', $('code')); return; }
    if (!nickname) { fieldError(err, 'Choose a nickname.', $('nickname')); return; }
    fieldError(err, '');
    try {
      const res = await fetch('/api/rooms/' + c + '/join', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ nickname }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        fieldError(err, body.message || 'Could not join (' + res.status + ').',
          body.error === 'bad_nickname' || body.error === 'nickname_taken' ? $('nickname') : $('code'));
        return;
      }
      code = c;
      save(code, { token: body.token, nickname: body.nickname });
      history.replaceState(null, '', '/play/' + code);
      start();
    } catch (_) {
      fieldError(err, 'No connection to the game. Check your network and try again.', $('code'));
    }
  });

  // ----- answering -----
  function answerInput(m) {
    const box = $('answer-input');
    clear(box);
    const choice = (type, name, value, labelText, i) => el('label', { class: 'choice' },
      el('input', { type, name, value }),
      el('span', { class: 'letter', text: labelText }),
      el('span', { text: m.options[i] !== undefined && type !== 'tf' ? m.options[i] : '' }));
    switch (m.kind) {
      case 'single-choice':
      case 'before-after': {
        const wrap = el('div', { class: 'choices' });
        m.options.forEach((o, i) => wrap.append(choice('radio', 'choice', letter(i), letter(i) + ')', i)));
        box.append(wrap);
        break;
      }
      case 'multi-select': {
        const wrap = el('div', { class: 'choices' });
        m.options.forEach((o, i) => wrap.append(choice('checkbox', 'choice', letter(i), letter(i) + ')', i)));
        box.append(wrap);
        break;
      }
      case 'true-false': {
        const wrap = el('div', { class: 'choices' });
        for (const [v, t] of [['t', 'True'], ['f', 'False']]) {
          wrap.append(el('label', { class: 'choice' }, el('input', { type: 'radio', name: 'choice', value: v }), el('span', { text: t })));
        }
        box.append(wrap);
        break;
      }
      case 'numeric':
        box.append(el('label', { for: 'num', class: 'visually-hidden', text: 'Your answer' }),
          el('input', { id: 'num', type: 'text', inputMode: 'numeric', autocomplete: 'off' }));
        if (m.unit) box.append(el('p', { class: 'hint', text: 'In ' + m.unit }));
        break;
      case 'cloze':
        box.append(el('label', { for: 'txt', class: 'visually-hidden', text: 'The missing word or words' }),
          el('input', { id: 'txt', type: 'text', autocomplete: 'off', maxLength: 200 }));
        break;
      case 'ordering': {
        const list = el('ol', { class: 'order-list', id: 'order' });
        const render = (order) => {
          clear(list);
          order.forEach((p, pos) => {
            const up = el('button', { type: 'button', text: '↑', 'aria-label': 'Move “' + m.options[p] + '” up' });
            const down = el('button', { type: 'button', text: '↓', 'aria-label': 'Move “' + m.options[p] + '” down' });
            up.disabled = pos === 0; down.disabled = pos === order.length - 1;
            up.addEventListener('click', () => { order.splice(pos - 1, 0, order.splice(pos, 1)[0]); render(order); list.children[pos - 1].querySelector('button').focus(); });
            down.addEventListener('click', () => { order.splice(pos + 1, 0, order.splice(pos, 1)[0]); render(order); list.children[pos + 1].querySelectorAll('button')[1].focus(); });
            const li = el('li', { 'data-p': String(p) }, el('span', { class: 'item', text: letter(p) + ') ' + m.options[p] }), up, down);
            list.append(li);
          });
        };
        render(m.options.map((_, i) => i));
        box.append(el('p', { class: 'hint', text: 'Put them from first (top) to last.' }), list);
        break;
      }
      case 'matching':
        m.options.forEach((o, i) => {
          const sel = el('select', { id: 'm' + i });
          sel.append(el('option', { value: '', text: 'Choose…' }));
          m.right.forEach((r, j) => sel.append(el('option', { value: String(j + 1), text: (j + 1) + ') ' + r })));
          box.append(el('div', { class: 'match-row' }, el('label', { for: 'm' + i, text: letter(i) + ') ' + o }), sel));
        });
        break;
      default:
        box.append(el('input', { id: 'txt', type: 'text', 'aria-label': 'Your answer' }));
    }
  }

  function readAnswer(m) {
    const picked = () => [...document.querySelectorAll('#answer-input input[name=choice]:checked')].map((i) => i.value);
    switch (m.kind) {
      case 'single-choice': case 'before-after': case 'true-false': case 'multi-select': {
        const p = picked();
        return p.length ? p.join(' ') : null;
      }
      case 'numeric': { const v = $('num').value.trim(); return v || null; }
      case 'ordering': return [...$('order').children].map((li) => letter(Number(li.dataset.p))).join(' ');
      case 'matching': {
        const parts = m.options.map((_, i) => { const v = $('m' + i).value; return v ? letter(i) + v : null; });
        return parts.every(Boolean) ? parts.join(' ') : null;
      }
      default: { const v = ($('txt') || {}).value; return v && v.trim() ? v.trim() : null; }
    }
  }

  function locked(title, detail) {
    $('answer-form').hidden = true;
    $('locked').hidden = false;
    document.querySelector('#locked .locked-title').textContent = title;
    $('locked-detail').textContent = detail;
  }

  $('answer-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!current) return;
    const answer = readAnswer(current);
    if (!answer) { fieldError($('answer-error'), 'Choose or type an answer first.', $('submit')); return; }
    fieldError($('answer-error'), '');
    pending = { q: current.q, answer };
    $('submit').disabled = true;
    if (sock.send({ type: 'answer', q: current.q, answer })) {
      locked('Sending…', 'Your answer is on its way.');
    } else {
      locked('Waiting for the connection…', 'Your answer will be sent as soon as you are back online.');
    }
  });

  function showQuestion(m) {
    // Empty lists are left out of the message.
    m.options = m.options || [];
    m.right = m.right || [];
    current = m;
    $('pq-number').textContent = `Question ${m.q + 1} of ${m.of}`;
    $('pq-prompt').textContent = m.prompt;
    $('pq-kind').textContent = ({
      'single-choice': 'Choose one answer',
      'before-after': 'Choose the one that came first',
      'multi-select': 'Choose every answer that applies',
      'true-false': 'True or false?',
      numeric: 'Type a whole number',
      ordering: 'Put them in order',
      matching: 'Match each item on the left',
      cloze: 'Type the missing word or words',
    })[m.kind] || m.kind_label;
    $('pq-cloze').hidden = !m.cloze;
    $('pq-cloze').textContent = m.cloze || '';
    answerInput(m);
    $('answer-form').hidden = false;
    $('locked').hidden = true;
    $('submit').disabled = false;
    fieldError($('answer-error'), '');
    stopTimer();
    const cd = $('pq-countdown');
    if (m.remaining_ms != null) stopTimer = countdown(cd, m.remaining_ms);
    else { cd.textContent = ''; stopTimer = () => {}; }
    show('question');
    if (m.answered === true) {
      pending = null;
      locked('Answer locked', 'Your answer is saved. Wait for the reveal.');
    } else if (pending && pending.q === m.q) {
      // Back after a lost connection with an answer not yet acknowledged.
      sock.send({ type: 'answer', q: m.q, answer: pending.answer });
      locked('Sending…', 'Your answer is on its way.');
    }
  }

  function showResult() {
    const r = lastResult;
    if (!r) return;
    const words = { correct: 'Correct', partial: 'Partly correct', incorrect: 'Incorrect', none: 'No answer' };
    const h = $('res-heading');
    h.textContent = words[r.verdict] || r.verdict;
    h.className = 'verdict ' + r.verdict;
    $('res-number').textContent = `Question ${r.q + 1}`;
    $('res-points').textContent = `+${r.points.toLocaleString()} points · total ${r.score.toLocaleString()}` + (r.streak > 1 ? ` · streak ${r.streak}` : '');
    $('res-rank').textContent = r.rank ? `You are #${r.rank} of ${r.players}` : '';
    $('res-given').textContent = r.given ? 'You answered: ' + r.given : '';
    if (lastReveal && lastReveal.q === r.q) {
      $('res-correct').textContent = lastReveal.correct;
      $('res-explanation').textContent = lastReveal.explanation;
      $('res-source-wrap').hidden = !lastReveal.source;
      $('res-source').textContent = lastReveal.source || '';
    }
    show('result');
  }

  function onMessage(m) {
    switch (m.type) {
      case 'welcome':
        me = m.you;
        for (const n of document.querySelectorAll('.nick')) n.textContent = me.nickname;
        break;
      case 'lobby': show('lobby'); break;
      case 'question': showQuestion(m); break;
      case 'closed':
        stopTimer();
        $('pq-countdown').textContent = '0';
        if (!$('answer-form').hidden) locked('Time is up', 'The answer is about to be revealed.');
        break;
      case 'ack':
        pending = null;
        locked('Answer locked', `Saved after ${(m.time_ms / 1000).toFixed(1)} s. Wait for the reveal.`);
        break;
      case 'reveal': lastReveal = m; stopTimer(); break;
      case 'result': lastResult = m; showResult(); break;
      case 'leaderboard':
        lastTop = m.top;
        board($('pb-board'), m.top, me && me.nickname);
        $('pb-rank').textContent = lastResult && lastResult.rank ? `You are #${lastResult.rank} of ${lastResult.players}` : '';
        show('board-view');
        break;
      case 'ended': lastTop = m.top; stopTimer(); break;
      case 'final':
        $('fin-rank').textContent = m.rank ? `You finished #${m.rank} of ${m.players}` : 'The game is over';
        $('fin-score').textContent = `${m.score.toLocaleString()} points`;
        board($('fin-board'), lastTop, me && me.nickname);
        show('final');
        break;
      case 'kicked':
        sock.stop(); forget(code);
        $('gone-text').textContent = m.message;
        show('gone');
        break;
      case 'error':
        if (m.code === 'bad_token' || m.code === 'kicked' || m.code === 'no_room') {
          sock.stop(); forget(code);
          $('gone-text').textContent = m.message;
          show('gone');
        } else if (m.code === 'replaced') {
          // Another tab or phone took this seat; reconnecting would take it
          // back and the two would fight. Reloading this page takes it back.
          sock.stop();
          $('gone-text').textContent = 'This game is open in another tab or on another device. Reload this page to play here instead.';
          show('gone');
        } else if (m.code === 'invalid_answer') {
          pending = null;
          $('answer-form').hidden = false; $('locked').hidden = true; $('submit').disabled = false;
          fieldError($('answer-error'), m.message, $('submit'));
        } else if (m.code === 'closed') {
          pending = null;
          locked('Time is up', 'Your answer arrived after the question closed.');
        } else if (m.code === 'already_answered') {
          pending = null;
          locked('Answer locked', 'You already answered this question.');
        } else {
          connState($('conn'), '');
          $('conn').textContent = m.message;
        }
        break;
      default: break;
    }
  }

  async function start() {
    const s = saved(code);
    if (!s) { show('join'); return; }
    // A room that no longer exists: forget it instead of retrying forever.
    try {
      const res = await fetch('/api/rooms/' + code);
      if (res.status === 404) { forget(code); show('join'); return; }
    } catch (_) { /* offline: the socket keeps trying */ }
    sock = new Socket('/api/rooms/' + code + '/play', () => ({ type: 'hello', token: saved(code).token }),
      onMessage, (st) => connState($('conn'), st));
    sock.connect();
  }

  if (code && saved(code)) start(); else show('join');
})();
