// Progressive enhancement only: every page works without this file.
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
