// The arena page's script (plain browser JavaScript, no build step). It asks the server for a pair of anonymous
// replies to the person's own question or to an evaluation prompt, posts the person's vote, and only then shows
// which model wrote which reply and the person's tally (see lib/io/arenaServer.ts).
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var name = null;   // the person's name
  var pair = null;   // {id, prompt, own, a, b}; null when none is shown
  var voted = false; // whether the pair shown has been voted on
  var busy = false;

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data && data.error ? data.error : 'HTTP ' + res.status);
        return data;
      });
    });
  }

  function load() {
    var q = name ? '?name=' + encodeURIComponent(name) : '';
    return api('GET', '/api/state' + q).then(show, function (err) { showMessage(err.message); });
  }

  function show(s) {
    if (s.name) name = s.name;
    $('who-name').textContent = name ? 'human:' + name : '';
    $('name-form').hidden = !!name;
    $('arena').hidden = !name;
    $('votes-file').textContent = s.votesFile;
    $('max-chars').textContent = String(s.maxQuestionChars);
    $('question').maxLength = s.maxQuestionChars;
    showTally(s.votes, s.tally);
    if (!name) { $('name-input').focus(); return; }
    if (!pair) $('question').focus();
  }

  function showTally(votes, rows) {
    $('count').textContent = votes + (votes === 1 ? ' vote' : ' votes');
    var body = $('tally-body');
    body.innerHTML = '';
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      var model = document.createElement('td');
      model.textContent = r.label;
      model.title = r.policy;
      var wtl = document.createElement('td');
      wtl.className = 'num';
      wtl.textContent = r.wins + '–' + r.ties + '–' + r.losses;
      var rate = document.createElement('td');
      var bar = document.createElement('div');
      bar.className = 'rate-bar';
      bar.title = 'win rate ' + pct(r.winRate) + ', 95 % interval ' + pct(r.interval.low) + '–' + pct(r.interval.high);
      var span = document.createElement('div');
      span.className = 'rate-interval';
      span.style.left = (100 * r.interval.low) + '%';
      span.style.width = (100 * (r.interval.high - r.interval.low)) + '%';
      var dot = document.createElement('div');
      dot.className = 'rate-dot';
      dot.style.left = (100 * r.winRate) + '%';
      bar.appendChild(span);
      bar.appendChild(dot);
      var text = document.createElement('span');
      text.className = 'num';
      text.textContent = pct(r.winRate);
      rate.appendChild(text);
      rate.appendChild(bar);
      tr.appendChild(model);
      tr.appendChild(wtl);
      tr.appendChild(rate);
      body.appendChild(tr);
    });
    $('tally-table').hidden = rows.length === 0;
    $('tally-empty').hidden = rows.length > 0;
  }

  function pct(x) { return Math.round(100 * x) + ' %'; }

  // ---- a pair ----------------------------------------------------------------------------------------------

  function ask(question) {
    if (busy) return;
    busy = true;
    hideMessage();
    setButtons(true);
    $('busy').hidden = false;
    $('round').hidden = true;
    $('empty').hidden = true;
    api('POST', '/api/pair', { name: name, question: question }).then(function (p) {
      pair = p;
      voted = false;
      showPair();
    }, function (err) {
      showMessage(err.message);
      $('round').hidden = !pair;
      $('empty').hidden = !!pair;
    }).then(function () { busy = false; setButtons(false); $('busy').hidden = true; });
  }

  function showPair() {
    $('prompt-source').textContent = pair.own ? 'You ask' : 'From the evaluation set';
    $('prompt-text').textContent = pair.prompt;
    ['a', 'b'].forEach(function (side) {
      $('text-' + side).textContent = pair[side] === '' ? '(an empty reply)' : pair[side];
      $('text-' + side).classList.toggle('blank', pair[side] === '');
      $('author-' + side).textContent = '';
      $('reply-' + side).classList.remove('winner', 'loser', 'tied');
    });
    document.querySelectorAll('.vote').forEach(function (b) { b.classList.remove('chosen'); b.disabled = false; });
    $('votes').hidden = false;
    $('after').hidden = true;
    $('round').hidden = false;
    var first = document.querySelector('.vote');
    if (first && document.activeElement !== $('question')) first.focus({ preventScroll: true });
  }

  function vote(choice) {
    if (busy || !pair || voted) return;
    busy = true;
    setButtons(true);
    api('POST', '/api/vote', { name: name, id: pair.id, vote: choice }).then(function (r) {
      voted = true;
      reveal(r);
      showTally(r.votes, r.tally);
      toast('Saved ✓');
    }, function (err) {
      showMessage(err.message);
    }).then(function () { busy = false; setButtons(false); });
  }

  function reveal(r) {
    $('author-a').textContent = r.a.label;
    $('author-b').textContent = r.b.label;
    $('reply-a').classList.add(r.vote === 'a' ? 'winner' : r.vote === 'b' ? 'loser' : 'tied');
    $('reply-b').classList.add(r.vote === 'b' ? 'winner' : r.vote === 'a' ? 'loser' : 'tied');
    document.querySelectorAll('.vote').forEach(function (b) {
      b.disabled = true;
      if (b.dataset.vote === r.vote) b.classList.add('chosen');
    });
    $('verdict').textContent = r.vote === 'tie'
      ? 'You called it a tie between ' + r.a.label + ' and ' + r.b.label + '.'
      : 'You preferred ' + (r.vote === 'a' ? r.a.label : r.b.label) + ' over ' + (r.vote === 'a' ? r.b.label : r.a.label) + '.';
    $('after').hidden = false;
    $('next').focus({ preventScroll: true });
  }

  function setButtons(disabled) {
    $('ask').disabled = disabled;
    $('take').disabled = disabled;
    $('next').disabled = disabled;
    document.querySelectorAll('.vote').forEach(function (b) { if (!voted) b.disabled = disabled; });
  }

  function showMessage(text) { var m = $('message'); m.textContent = text; m.hidden = false; }
  function hideMessage() { $('message').hidden = true; }

  var toastTimer = null;
  function toast(text) {
    var t = $('toast');
    t.textContent = text;
    t.classList.add('show');
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.classList.remove('show'); }, 1400);
  }

  // ---- keyboard and wiring ---------------------------------------------------------------------------------

  var KEYS = { a: 'a', ArrowLeft: 'a', b: 'b', ArrowRight: 'b', t: 'tie', ArrowDown: 'tie' };

  document.addEventListener('keydown', function (e) {
    var tag = e.target && e.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '?') { toggleHelp(); return; }
    if (e.key === 'n' || e.key === 'N') { e.preventDefault(); ask(null); return; }
    var choice = KEYS[e.key] || KEYS[e.key.toLowerCase()];
    if (choice && pair && !voted) { e.preventDefault(); vote(choice); }
  });

  function toggleHelp() {
    var h = $('help');
    h.hidden = !h.hidden;
    $('help-toggle').setAttribute('aria-expanded', String(!h.hidden));
  }

  $('help-toggle').addEventListener('click', toggleHelp);
  $('ask-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var q = $('question').value.trim();
    if (q === '') { showMessage('Type a question first, or take one from the evaluation set.'); return; }
    ask(q);
  });
  $('question').addEventListener('input', function () { $('chars').textContent = String($('question').value.length); });
  $('take').addEventListener('click', function () { ask(null); });
  $('next').addEventListener('click', function () { ask(null); });
  document.querySelectorAll('.vote').forEach(function (b) {
    b.addEventListener('click', function () { vote(b.dataset.vote); });
  });
  $('name-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var v = $('name-input').value.trim();
    if (!/^[A-Za-z0-9._-]{1,40}$/.test(v)) { $('name-input').setCustomValidity('Use 1–40 letters, digits, ".", "_" or "-".'); $('name-input').reportValidity(); return; }
    name = v;
    try { localStorage.setItem('arena.name', v); } catch (err) { /* ignore */ }
    load();
  });
  $('name-input').addEventListener('input', function () { $('name-input').setCustomValidity(''); });

  try { name = localStorage.getItem('arena.name'); } catch (e) { name = null; }
  load();
})();
