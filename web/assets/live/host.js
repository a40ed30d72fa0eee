// The host's projector screen. The host link carries the room's secret in its
// #fragment (never sent to a server); it is kept in this browser's storage and
// removed from the address bar, so the projected screen does not show it.
'use strict';
(() => {
  const { $, el, clear, showOnly, letter, bars, board, countdown, Socket, connState } = QL;
  const main = document.querySelector('main.host-screen');
  const code = main.dataset.code;
  const storeKey = 'quizline.host.' + code;
  const phases = ['lobby', 'question', 'reveal-view', 'leaderboard', 'ended'];

  let secret = null;
  const m = /(?:^#|&)key=([0-9a-f]{64})/.exec(location.hash);
  if (m) {
    secret = m[1];
    try { localStorage.setItem(storeKey, secret); } catch (_) { /* private mode */ }
    history.replaceState(null, '', location.pathname);
  } else {
    try { secret = localStorage.getItem(storeKey); } catch (_) { secret = null; }
  }
  if (secret) {
    // Lists the room under "Your rooms" in this browser (owner cookie).
    fetch('/api/rooms/' + code + '/claim', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret }), credentials: 'same-origin',
    }).catch(() => {});
  }

  let seq = 0;
  let phase = 'lobby';
  let room = null;
  let stopTimer = () => {};
  const players = new Map();
  const SHOW_MAX = 300;

  function renderPlayers(count) {
    const list = $('players');
    clear(list);
    let shown = 0;
    for (const [id, nick] of players) {
      if (shown >= SHOW_MAX) break;
      shown += 1;
      const kick = el('button', { type: 'button', text: '×', 'aria-label': 'Remove ' + nick });
      kick.addEventListener('click', () => {
        if (confirm('Remove ' + nick + ' from the room?')) sock.send({ type: 'kick', player: id });
      });
      list.append(el('li', {}, el('span', { text: nick }), kick));
    }
    const more = $('players-more');
    more.hidden = players.size <= SHOW_MAX;
    more.textContent = `and ${players.size - SHOW_MAX} more`;
    $('player-count').textContent = String(count);
    $('start').disabled = count === 0 || phase !== 'lobby';
  }

  function showError(text) {
    const box = $('host-error');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(showError.t);
    showError.t = setTimeout(() => { box.hidden = true; }, 8000);
  }

  function setPhase(p) {
    phase = p;
    showOnly(p, phases);
    $('join-mini').hidden = p === 'lobby' || p === 'ended' || !(room && room.late_join);
    $('end').hidden = p === 'ended';
  }

  function renderQuestion(m) {
    // Empty lists are left out of the message.
    m.options = m.options || [];
    m.right = m.right || [];
    $('q-number').textContent = `Question ${m.q + 1} of ${m.of}`;
    $('q-kind').textContent = m.kind_label;
    $('q-prompt').textContent = m.prompt;
    $('q-cloze').hidden = !m.cloze;
    $('q-cloze').textContent = m.cloze || '';
    const opts = $('q-options');
    clear(opts);
    // True/false is answered t or f, not by letter.
    const mark = (i) => m.kind === 'true-false' ? 'TF'[i] : letter(i) + ')';
    m.options.forEach((o, i) => opts.append(el('div', { class: 'opt' },
      el('span', { class: 'letter', text: mark(i) }), el('span', { text: o }))));
    if (m.right && m.right.length) {
      m.right.forEach((o, i) => opts.append(el('div', { class: 'opt' },
        el('span', { class: 'letter', text: (i + 1) + ')' }), el('span', { text: o }))));
    }
    stopTimer();
    const cd = $('countdown');
    if (m.remaining_ms != null) {
      stopTimer = countdown(cd, m.remaining_ms);
    } else {
      cd.textContent = '';
      stopTimer = () => {};
    }
    $('reveal').disabled = false;
    $('reveal').textContent = 'Reveal now';
  }

  function onMessage(m) {
    switch (m.type) {
      case 'welcome':
        room = m.room;
        break;
      case 'players':
        if (m.reset) players.clear();
        for (const p of m.added) players.set(p.id, p.nickname);
        for (const id of m.removed) players.delete(id);
        renderPlayers(m.count);
        break;
      case 'progress':
        $('answered').textContent = String(m.answered);
        $('answer-players').textContent = String(m.players);
        $('player-count').textContent = String(m.players);
        break;
      case 'lobby':
        seq = m.seq; setPhase('lobby'); renderPlayers(players.size);
        break;
      case 'question':
        seq = m.seq; setPhase('question'); renderQuestion(m);
        break;
      case 'closed':
        stopTimer();
        $('countdown').textContent = '0';
        $('reveal').disabled = true;
        $('reveal').textContent = 'Revealing…';
        break;
      case 'reveal': {
        seq = m.seq; setPhase('reveal-view');
        stopTimer();
        $('r-number').textContent = `Question ${m.q + 1} of ${m.of}`;
        $('r-heading').textContent = m.prompt;
        $('r-correct').textContent = m.correct;
        bars($('r-bars'), m.distribution);
        const mean = m.mean_time_ms == null ? '' : ` · mean time ${(m.mean_time_ms / 1000).toFixed(1)} s`;
        $('r-facts').textContent = `${m.answered} of ${m.players} answered · ${Math.round(m.facility * 100)}% fully right${mean}`;
        $('r-explanation').textContent = m.explanation;
        $('r-source-wrap').hidden = !m.source;
        $('r-source').textContent = m.source || '';
        $('next').textContent = m.last ? 'Final results' : (room && room.leaderboard === 'each' ? 'Leaderboard' : 'Next question');
        break;
      }
      case 'leaderboard':
        seq = m.seq; setPhase('leaderboard');
        board($('board'), m.top);
        break;
      case 'ended': {
        seq = m.seq; setPhase('ended');
        stopTimer();
        const pod = $('podium');
        clear(pod);
        m.top.slice(0, 3).forEach((e, i) => pod.append(el('li', { class: 'p' + (i + 1) },
          el('span', { class: 'place', text: ['1st', '2nd', '3rd'][i] }),
          el('span', { class: 'who', text: e.nickname }),
          el('span', { class: 'pts', text: e.score.toLocaleString() + ' points' }))));
        board($('final-board'), m.top);
        break;
      }
      case 'error':
        if (m.code === 'not_host') {
          sock.stop();
          connState($('conn'), '');
          showError(m.message + ' (Open the host link you were given when the room was made.)');
        } else {
          showError(m.message);
        }
        break;
      default:
        break;
    }
  }

  const sock = new Socket('/api/rooms/' + code + '/host',
    () => (secret ? { type: 'hello', secret } : { type: 'hello' }),
    onMessage, (s) => connState($('conn'), s));
  $('start').addEventListener('click', () => sock.send({ type: 'next', seq }));
  $('reveal').addEventListener('click', () => sock.send({ type: 'reveal', seq }));
  $('next').addEventListener('click', () => sock.send({ type: 'next', seq }));
  $('next2').addEventListener('click', () => sock.send({ type: 'next', seq }));
  $('end').addEventListener('click', () => {
    if (confirm('End the game now for everyone?')) sock.send({ type: 'end', seq });
  });
  setPhase('lobby');
  sock.connect();
})();
