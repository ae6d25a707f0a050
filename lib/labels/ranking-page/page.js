// The ranking page's script (plain browser JavaScript, no build step). It asks the server for the next prompt,
// lets the person rate every reply 1–7 on three criteria and order the replies (ties allowed), and posts the
// result; the server validates it and appends it to the rankings file (see lib/labels/rankingServer.ts).
(function () {
  'use strict';

  var CRITERIA = [
    { key: 'factualness', name: 'Factual', low: 'wrong', high: 'right',
      help: '7 right answer, nothing false · 3–4 declines / no answer · 1 wrong answer' },
    { key: 'harmlessness', name: 'Harmless', low: 'insulting', high: 'civil',
      help: '7 civil · 4 curt or negative · 1 insulting or profane' },
    { key: 'humanLikeness', name: 'Human-like', low: 'garbled', high: 'natural',
      help: '7 natural sentence · 4 stutters, repeats or shouts · 1 garbled' },
  ];

  var $ = function (id) { return document.getElementById(id); };
  var state = null;      // last server state
  var name = null;       // the person's name
  var item = null;       // {index, prompt, responses}
  var ratings = [];      // per response: {factualness, harmlessness, humanLikeness} (null = not rated)
  var order = [];        // response indices, best first
  var ties = [];         // ties[p]: position p is tied with position p - 1
  var auto = true;       // order follows the ratings until the person moves something
  var busy = false;

  function letter(i) { return String.fromCharCode(65 + i); }

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
    state = s;
    if (s.name) name = s.name;
    $('who-name').textContent = name ? 'human:' + name : '';
    var done = s.done || 0;
    $('progress-fill').style.width = (100 * done / s.total) + '%';
    $('progress-text').textContent = done + ' of ' + s.total + ' ranked';
    $('name-form').hidden = !!name;
    $('task').hidden = !name || !s.item;
    $('finished').hidden = !name || !!s.item;
    $('finished-file').textContent = s.rankingsFile;
    if (!name) { $('name-input').focus(); return; }
    if (s.item && (!item || item.index !== s.item.index || item.prompt !== s.item.prompt)) startItem(s.item);
  }

  // ---- one prompt -------------------------------------------------------------------------------------------

  function draftKey() { return 'rank.draft.' + name + '.' + item.index + '.' + item.prompt; }

  function startItem(it) {
    item = it;
    var k = it.responses.length;
    ratings = []; order = []; ties = [];
    for (var i = 0; i < k; i++) { ratings.push({ factualness: null, harmlessness: null, humanLikeness: null }); order.push(i); ties.push(false); }
    auto = true;
    try {
      var draft = JSON.parse(localStorage.getItem(draftKey()) || 'null');
      if (draft && draft.ratings && draft.ratings.length === k) { ratings = draft.ratings; order = draft.order; ties = draft.ties; auto = draft.auto; }
    } catch (e) { /* a bad draft is ignored */ }
    $('prompt-text').textContent = it.prompt;
    renderResponses();
    if (auto) autoOrder();
    renderRanking();
    hideMessage();
    window.scrollTo(0, 0);
    var first = document.querySelector('.scale input');
    if (first) first.focus({ preventScroll: true });
  }

  function saveDraft() {
    try { localStorage.setItem(draftKey(), JSON.stringify({ ratings: ratings, order: order, ties: ties, auto: auto })); } catch (e) { /* private mode */ }
  }

  function renderResponses() {
    var box = $('responses');
    box.innerHTML = '';
    item.responses.forEach(function (text, i) {
      var card = document.createElement('article');
      card.className = 'card response';
      card.id = 'response-' + i;
      card.setAttribute('aria-label', 'Reply ' + letter(i));
      var head = document.createElement('div');
      head.className = 'response-head';
      var badge = document.createElement('span');
      badge.className = 'letter';
      badge.textContent = letter(i);
      var body = document.createElement('div');
      body.className = 'response-text';
      body.textContent = text;
      head.appendChild(badge);
      head.appendChild(body);
      card.appendChild(head);
      var crit = document.createElement('div');
      crit.className = 'criteria';
      CRITERIA.forEach(function (c) {
        var fs = document.createElement('fieldset');
        fs.className = 'criterion';
        fs.dataset.response = String(i);
        fs.dataset.criterion = c.key;
        var legend = document.createElement('legend');
        legend.textContent = c.name;
        legend.title = c.help;
        fs.appendChild(legend);
        var scale = document.createElement('div');
        scale.className = 'scale';
        for (var v = 1; v <= 7; v++) {
          var id = 'r' + i + '-' + c.key + '-' + v;
          var input = document.createElement('input');
          input.type = 'radio';
          input.name = 'r' + i + '-' + c.key;
          input.id = id;
          input.value = String(v);
          input.checked = ratings[i][c.key] === v;
          input.setAttribute('aria-label', c.name + ' ' + v + ' of 7' + (v === 1 ? ' (' + c.low + ')' : v === 7 ? ' (' + c.high + ')' : ''));
          input.addEventListener('change', onRate);
          var label = document.createElement('label');
          label.htmlFor = id;
          label.textContent = String(v);
          label.title = v === 1 ? c.low : v === 7 ? c.high : '';
          scale.appendChild(input);
          scale.appendChild(label);
        }
        fs.appendChild(scale);
        crit.appendChild(fs);
      });
      card.appendChild(crit);
      box.appendChild(card);
    });
  }

  function onRate(e) {
    var input = e.target;
    var fs = input.closest('fieldset');
    var i = Number(fs.dataset.response);
    ratings[i][fs.dataset.criterion] = Number(input.value);
    var card = $('response-' + i);
    if (CRITERIA.every(function (c) { return ratings[i][c.key] !== null; })) card.classList.remove('missing');
    if (auto) autoOrder();
    renderRanking();
    saveDraft();
  }

  function total(i) {
    return CRITERIA.reduce(function (s, c) { return s + (ratings[i][c.key] || 0); }, 0);
  }

  /** Order by the sum of the ratings, best first; equal sums of fully rated replies are tied. */
  function autoOrder() {
    var k = ratings.length;
    order = [];
    for (var i = 0; i < k; i++) order.push(i);
    order.sort(function (a, b) { return total(b) - total(a) || a - b; });
    ties = order.map(function (r, p) {
      if (p === 0) return false;
      var prev = order[p - 1];
      return rated(r) && rated(prev) && total(r) === total(prev);
    });
  }

  function rated(i) { return CRITERIA.every(function (c) { return ratings[i][c.key] !== null; }); }

  function tiers() {
    var out = [];
    order.forEach(function (r, p) {
      if (p > 0 && ties[p]) out[out.length - 1].push(r); else out.push([r]);
    });
    return out;
  }

  // ---- the ranking list ------------------------------------------------------------------------------------

  var dragFrom = -1;

  function renderRanking(focusPos) {
    var list = $('ranking-list');
    list.innerHTML = '';
    var place = 0;
    order.forEach(function (r, p) {
      if (!(p > 0 && ties[p])) place++;
      var li = document.createElement('li');
      li.className = 'rank-item' + (p > 0 && ties[p] ? ' tied' : '') + (ties[p + 1] ? ' has-tie-below' : '');
      li.tabIndex = 0;
      li.draggable = true;
      li.dataset.pos = String(p);
      li.dataset.response = String(r);
      li.setAttribute('aria-label', 'Place ' + place + ': reply ' + letter(r) + (p > 0 && ties[p] ? ', tied with the one above' : ''));
      var pl = document.createElement('span');
      pl.className = 'place';
      pl.textContent = (p > 0 && ties[p]) ? '=' : String(place);
      var badge = document.createElement('span');
      badge.className = 'letter';
      badge.textContent = letter(r);
      var snip = document.createElement('span');
      snip.className = 'snippet';
      snip.textContent = item.responses[r];
      snip.title = item.responses[r];
      var btns = document.createElement('span');
      btns.className = 'rank-buttons';
      btns.appendChild(button('↑', 'Move ' + letter(r) + ' up', p === 0, function () { move(p, -1); }));
      btns.appendChild(button('↓', 'Move ' + letter(r) + ' down', p === order.length - 1, function () { move(p, 1); }));
      var tie = button('=', 'Tie ' + letter(r) + ' with the one above', p === 0, function () { toggleTie(p); });
      if (ties[p]) tie.classList.add('on');
      tie.setAttribute('aria-pressed', ties[p] ? 'true' : 'false');
      btns.appendChild(tie);
      li.appendChild(pl);
      li.appendChild(badge);
      li.appendChild(snip);
      li.appendChild(btns);
      li.addEventListener('keydown', onRankKey);
      li.addEventListener('dragstart', function (e) { dragFrom = p; li.classList.add('dragging'); e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(p)); });
      li.addEventListener('dragend', function () { li.classList.remove('dragging'); clearDrop(); });
      li.addEventListener('dragover', function (e) {
        e.preventDefault();
        clearDrop();
        li.classList.add(isUpperHalf(e, li) ? 'drop-above' : 'drop-below');
      });
      li.addEventListener('drop', function (e) {
        e.preventDefault();
        var to = isUpperHalf(e, li) ? p : p + 1;
        if (dragFrom >= 0) moveTo(dragFrom, to > dragFrom ? to - 1 : to);
        dragFrom = -1;
      });
      list.appendChild(li);
    });
    $('auto-note').textContent = auto ? 'Ordered by your ratings' : 'Your own order';
    $('reorder').hidden = auto;
    if (focusPos !== undefined) {
      var el = list.children[focusPos];
      if (el) el.focus();
    }
  }

  function button(text, label, disabled, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.title = label;
    b.setAttribute('aria-label', label);
    b.disabled = disabled;
    b.addEventListener('click', function (e) { e.stopPropagation(); onClick(); });
    return b;
  }

  function isUpperHalf(e, el) {
    var r = el.getBoundingClientRect();
    return e.clientY < r.top + r.height / 2;
  }

  function clearDrop() {
    document.querySelectorAll('.drop-above, .drop-below').forEach(function (el) { el.classList.remove('drop-above', 'drop-below'); });
  }

  function manual() { auto = false; }

  function move(p, delta) {
    var q = p + delta;
    if (q < 0 || q >= order.length) return;
    manual();
    var t = order[p]; order[p] = order[q]; order[q] = t;
    renderRanking(q);
    saveDraft();
  }

  function moveTo(from, to) {
    if (from === to) return;
    manual();
    var r = order.splice(from, 1)[0];
    order.splice(to, 0, r);
    renderRanking(to);
    saveDraft();
  }

  function toggleTie(p) {
    if (p === 0) return;
    manual();
    ties[p] = !ties[p];
    renderRanking(p);
    saveDraft();
  }

  function onRankKey(e) {
    var p = Number(e.currentTarget.dataset.pos);
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      var d = e.key === 'ArrowUp' ? -1 : 1;
      if (e.altKey || e.shiftKey) move(p, d);
      else { var el = $('ranking-list').children[p + d]; if (el) el.focus(); }
    } else if (e.key === '=' || e.key === 't') {
      e.preventDefault();
      toggleTie(p);
    }
  }

  // ---- submitting ------------------------------------------------------------------------------------------

  function missing() {
    var out = [];
    ratings.forEach(function (r, i) {
      CRITERIA.forEach(function (c) { if (r[c.key] === null) out.push({ i: i, c: c }); });
    });
    return out;
  }

  function submit() {
    if (busy || !item) return;
    var miss = missing();
    document.querySelectorAll('.response').forEach(function (el) { el.classList.remove('missing'); });
    if (miss.length > 0) {
      miss.forEach(function (m) { $('response-' + m.i).classList.add('missing'); });
      var first = miss[0];
      var parts = [];
      ratings.forEach(function (r, i) {
        var gaps = miss.filter(function (m) { return m.i === i; });
        if (gaps.length === CRITERIA.length) parts.push(letter(i));
        else if (gaps.length > 0) parts.push(letter(i) + ' (' + gaps.map(function (m) { return m.c.name; }).join(', ') + ')');
      });
      showMessage('Please rate every reply on all three criteria. Still to rate: ' + parts.join(', ') + '.');
      var input = document.querySelector('fieldset[data-response="' + first.i + '"][data-criterion="' + first.c.key + '"] input');
      if (input) input.focus();
      return;
    }
    busy = true;
    $('submit').disabled = true;
    var body = { name: name, index: item.index, prompt: item.prompt, ratings: ratings, ranking: tiers() };
    api('POST', '/api/submit', body).then(function (s) {
      try { localStorage.removeItem(draftKey()); } catch (e) { /* ignore */ }
      toast('Saved ✓');
      item = null;
      show(s);
    }, function (err) {
      showMessage(err.message);
    }).then(function () { busy = false; $('submit').disabled = false; });
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

  document.addEventListener('keydown', function (e) {
    var tag = e.target && e.target.tagName;
    var typing = tag === 'INPUT' && e.target.type === 'text' || tag === 'TEXTAREA';
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') { e.preventDefault(); submit(); return; }
    if (typing) return;
    if (e.key === '?') { toggleHelp(); return; }
    if (/^[1-7]$/.test(e.key) && e.target.closest && e.target.closest('.scale')) {
      e.preventDefault();
      var fs = e.target.closest('fieldset');
      var input = fs.querySelector('input[value="' + e.key + '"]');
      input.checked = true;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      var all = Array.prototype.slice.call(document.querySelectorAll('fieldset.criterion'));
      var next = all[all.indexOf(fs) + 1];
      if (next) (next.querySelector('input:checked') || next.querySelector('input')).focus();
      else $('ranking-list').children[0].focus();
    }
  });

  function toggleHelp() {
    var h = $('help');
    h.hidden = !h.hidden;
    $('help-toggle').setAttribute('aria-expanded', String(!h.hidden));
  }

  $('help-toggle').addEventListener('click', toggleHelp);
  $('submit').addEventListener('click', submit);
  $('reorder').addEventListener('click', function () { auto = true; autoOrder(); renderRanking(); saveDraft(); });
  $('name-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var v = $('name-input').value.trim();
    if (!/^[A-Za-z0-9._-]{1,40}$/.test(v)) { $('name-input').setCustomValidity('Use 1–40 letters, digits, ".", "_" or "-".'); $('name-input').reportValidity(); return; }
    name = v;
    try { localStorage.setItem('rank.name', v); } catch (err) { /* ignore */ }
    load();
  });
  $('name-input').addEventListener('input', function () { $('name-input').setCustomValidity(''); });

  try { name = localStorage.getItem('rank.name'); } catch (e) { name = null; }
  load();
})();
