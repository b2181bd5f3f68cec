// A test paper: each answer is sent to the server as it is given, and kept on the phone until
// the server has it (a lost signal loses nothing; the next change, the network's return or the
// next quarter-minute sends it). The countdown hands the paper in when the time is up. Without
// this script the paper still works: its form sends every answer when handed in.
(function () {
  var form = document.getElementById('paper-form');
  if (!form) return;
  var url = form.getAttribute('data-save');
  var csrf = form.querySelector('input[name=_csrf]').value;
  var saved = document.getElementById('paper-saved');
  var count = document.getElementById('paper-count');
  var timer = document.getElementById('paper-timer');
  var key = 'ql-paper:' + url;
  var pending = {};
  try { pending = JSON.parse(localStorage.getItem(key) || '{}') || {}; } catch (e) { pending = {}; }
  var handingIn = false;

  function keep() {
    try { localStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* private mode: memory only */ }
  }
  function say(text) { saved.textContent = text; }
  function chosen(position) {
    var boxes = form.querySelectorAll('input[name="q' + position + '"]');
    return Array.prototype.filter.call(boxes, function (b) { return b.checked; }).map(function (b) { return b.value; });
  }
  function answered() {
    var n = 0;
    form.querySelectorAll('fieldset').forEach(function (f) { if (f.querySelector('input:checked')) n++; });
    count.querySelector('strong').textContent = n;
    return n;
  }
  function send(position) {
    var body = new URLSearchParams();
    body.append('_csrf', csrf);
    body.append('position', position);
    (pending[position] || []).forEach(function (v) { body.append('answer', v); });
    var sent = JSON.stringify(pending[position]);
    return fetch(url, { method: 'POST', body: body, credentials: 'same-origin', headers: { 'X-CSRF-Token': csrf } })
      .then(function (r) {
        if (r.ok || r.status === 409 || r.status === 422 || r.status === 404) {
          // Kept, or never to be kept (handed in, time up): either way nothing more to send.
          if (JSON.stringify(pending[position]) === sent) delete pending[position];
          keep();
          if (r.ok) say(form.getAttribute('data-saved'));
          else r.text().then(say);
        } else {
          say(form.getAttribute('data-offline'));
        }
      }, function () { say(form.getAttribute('data-offline')); });
  }
  function flush() { Object.keys(pending).forEach(send); }

  // Answers given while offline, before a reload, go back into the form and out again.
  Object.keys(pending).forEach(function (position) {
    form.querySelectorAll('input[name="q' + position + '"]').forEach(function (b) {
      b.checked = pending[position].indexOf(b.value) >= 0;
    });
  });
  answered();
  flush();

  form.addEventListener('change', function (ev) {
    var m = /^q(\d+)$/.exec(ev.target.name || '');
    if (!m) return;
    pending[m[1]] = chosen(m[1]);
    keep();
    answered();
    send(m[1]);
  });
  window.addEventListener('online', flush);
  setInterval(flush, 15000);

  form.addEventListener('submit', function (ev) {
    if (handingIn) return;
    var total = +count.getAttribute('data-total');
    if (answered() < total && !window.confirm(form.getAttribute('data-confirm'))) {
      ev.preventDefault();
      return;
    }
    handingIn = true;
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
  });

  var end = Date.now() + (+timer.getAttribute('data-remaining')) * 1000;
  var label = form.getAttribute('data-left');
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = label + ' ' + m + ':' + (s < 10 ? '0' : '') + s;
    timer.classList.toggle('urgent', left <= 60);
    if (left === 0 && !handingIn) {
      handingIn = true;
      try { localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
      form.submit();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
