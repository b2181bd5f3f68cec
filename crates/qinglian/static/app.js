// Progressive enhancement only: every page works without this file.
"use strict";
// Long submissions (imports, uploads) show that work is under way and cannot be sent twice.
document.addEventListener('submit', function (ev) {
  var form = ev.target;
  if (!form.hasAttribute('data-progress')) return;
  var button = form.querySelector('button[type=submit]');
  if (!button) return;
  setTimeout(function () { button.disabled = true; }, 0);
  var note = document.createElement('span');
  note.className = 'progress-note';
  note.setAttribute('role', 'status');
  note.textContent = document.documentElement.lang === 'en' ? 'Working, please wait…' : '正在处理，请稍候…';
  button.after(note);
});
document.addEventListener('click', function (ev) {
  var link = ev.target.closest && ev.target.closest('a[data-back]');
  if (link && history.length > 1) { ev.preventDefault(); history.back(); }
});
// A page of work under way (a ledger being built) reloads itself to show progress.
(function () {
  var link = document.querySelector('a[data-autoreload]');
  if (!link) return;
  var seconds = parseInt(link.getAttribute('data-autoreload'), 10) || 2;
  setTimeout(function () { location.reload(); }, seconds * 1000);
})();
var zh = document.documentElement.lang !== 'en';
// The phone menu: one button opens the whole navigation; Escape closes it.
(function () {
  var button = document.querySelector('.menu-button');
  var nav = document.getElementById('site-nav');
  if (!button || !nav) return;
  function set(open) { nav.classList.toggle('open', open); button.setAttribute('aria-expanded', open ? 'true' : 'false'); }
  button.addEventListener('click', function () { set(!nav.classList.contains('open')); });
  document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape' && nav.classList.contains('open')) { set(false); button.focus(); } });
})();
// The tab bar and the menu mark where the user is.
(function () {
  var here = location.pathname;
  document.querySelectorAll('.tabbar a, .site-nav nav a').forEach(function (a) {
    var path = a.getAttribute('href').split('#')[0];
    if (path === here || (path !== '/' && here.indexOf(path + '/') === 0)) a.setAttribute('aria-current', 'page');
  });
})();
// Larger text (适老化), remembered on this device; prefs.js applies it before the page draws.
// The button carries both of its labels: data-on (while large) and its text otherwise.
(function () {
  var toggle = document.querySelector('[data-text-size]');
  if (!toggle) return;
  var root = document.documentElement, off = toggle.textContent, on = toggle.getAttribute('data-on');
  function label() { toggle.textContent = root.classList.contains('large') ? on : off; }
  toggle.hidden = false;
  label();
  toggle.addEventListener('click', function () {
    var large = root.classList.toggle('large');
    try { localStorage.setItem('qinglian-text', large ? 'large' : 'normal'); } catch (e) {}
    label();
  });
})();
// Any table not already in a bounded scrolling box gets one, so a phone page never scrolls sideways.
document.querySelectorAll('main table').forEach(function (table) {
  if (table.closest('.scroll') || table.classList.contains('stack')) return;
  var box = document.createElement('div');
  box.className = 'scroll';
  table.parentNode.insertBefore(box, table);
  box.appendChild(table);
});
// Scrolling boxes can be reached and scrolled by keyboard.
document.querySelectorAll('.scroll').forEach(function (box) {
  if (box.scrollWidth > box.clientWidth && !box.hasAttribute('tabindex')) {
    box.setAttribute('tabindex', '0');
    var caption = box.querySelector('caption');
    box.setAttribute('role', 'region');
    box.setAttribute('aria-label', caption ? caption.textContent : (zh ? '可左右滑动的表格' : 'Table, scrolls sideways'));
  }
});
// Live counters on text limits, counted as the server counts (letters and digits):
// <textarea data-limits="select-id" data-counter="out-id">, the limits being those of the option
// chosen in the select (a genre's data-min and data-max); the counter's data-format says it.
document.querySelectorAll('[data-limits]').forEach(function (field) {
  var out = document.getElementById(field.getAttribute('data-counter') || '');
  var from = document.getElementById(field.getAttribute('data-limits'));
  if (!out || !from) return;
  var format = out.getAttribute('data-format');
  function update() {
    var option = from.options[from.selectedIndex];
    var min = parseInt(option.getAttribute('data-min') || '0', 10), max = parseInt(option.getAttribute('data-max') || '0', 10);
    var n = (field.value.match(/[\p{L}\p{N}]/gu) || []).length;
    out.textContent = format.replace('{n}', n).replace('{min}', min).replace('{max}', max);
    out.classList.toggle('over', (max > 0 && n > max) || (n > 0 && n < min));
  }
  field.addEventListener('input', update);
  from.addEventListener('change', update);
  update();
});
// The unit picker: find units by name; ticking a unit ticks the units under it too.
document.querySelectorAll('[data-unit-filter]').forEach(function (input) {
  var tree = document.getElementById(input.getAttribute('data-unit-filter'));
  if (!tree) return;
  input.addEventListener('input', function () {
    var q = input.value.trim();
    tree.querySelectorAll('li').forEach(function (li) { li.hidden = q !== '' && li.textContent.indexOf(q) < 0; });
  });
  tree.addEventListener('change', function (ev) {
    var box = ev.target, path = box.getAttribute('data-path');
    if (!path) return;
    tree.querySelectorAll('input[data-path^="' + path + '"]').forEach(function (b) { if (!b.closest('li').hidden) b.checked = box.checked; });
    var set = tree.closest('fieldset'), by = set && set.querySelector('input[type=radio][value=units]');
    if (by && box.checked) by.checked = true;
  });
});
// Irreversible actions, and downloads that are not ready, ask first: <form data-confirm="…">,
// <a data-confirm="…">.
document.addEventListener('submit', function (ev) {
  var message = ev.target.getAttribute && ev.target.getAttribute('data-confirm');
  if (message && !window.confirm(message)) { ev.preventDefault(); ev.stopImmediatePropagation(); }
}, true);
document.addEventListener('click', function (ev) {
  var link = ev.target.closest && ev.target.closest('a[data-confirm]');
  if (link && !window.confirm(link.getAttribute('data-confirm'))) ev.preventDefault();
});

// Location check. The organiser's "use my current position" fills the venue's degrees
// (<button data-locate="prefix">, the fields prefix-lat and prefix-lon); a sign-in form that
// checks the place (<form data-geofence>) asks the phone where it is before it is sent. A phone
// that will not say is sent on without a position, and the server's answer sends it to the clerk.
(function () {
  if (!navigator.geolocation) return;
  var ask = { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 };
  document.querySelectorAll('[data-locate]').forEach(function (button) {
    var prefix = button.getAttribute('data-locate');
    var status = document.getElementById(prefix + '-locate-status');
    button.hidden = false;
    button.addEventListener('click', function () {
      status.textContent = button.getAttribute('data-busy');
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById(prefix + '-lat').value = p.coords.latitude.toFixed(6);
        document.getElementById(prefix + '-lon').value = p.coords.longitude.toFixed(6);
        status.textContent = button.getAttribute('data-done').replace('{n}', Math.round(p.coords.accuracy));
      }, function () { status.textContent = button.getAttribute('data-fail'); }, ask);
    });
  });
  document.querySelectorAll('form[data-geofence]').forEach(function (form) {
    var status = form.querySelector('.locating');
    form.addEventListener('submit', function (ev) {
      if (form.elements.latitude.value || form.getAttribute('data-asked')) return;
      ev.preventDefault();
      form.setAttribute('data-asked', '1');
      status.textContent = status.getAttribute('data-busy');
      var button = form.querySelector('button[type=submit]');
      button.disabled = true;
      function send() { button.disabled = false; form.requestSubmit ? form.requestSubmit(button) : form.submit(); }
      navigator.geolocation.getCurrentPosition(function (p) {
        form.elements.latitude.value = p.coords.latitude.toFixed(6);
        form.elements.longitude.value = p.coords.longitude.toFixed(6);
        send();
      }, function () { status.textContent = ''; send(); }, ask);
    });
  });
})();
