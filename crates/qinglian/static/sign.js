// The signature pad: pointer strokes on a 1000 × 400 pad, sent as JSON in the form's `strokes`
// field. The server draws the SVG itself; without this script the typed-name option remains.
(function () {
  var canvas = document.getElementById('pad');
  if (!canvas) return;
  var form = canvas.closest('form');
  var field = form.querySelector('input[name=strokes]');
  var ctx = canvas.getContext('2d');
  var strokes = [];
  var current = null;
  function point(ev) {
    var r = canvas.getBoundingClientRect();
    return [Math.round((ev.clientX - r.left) * 1000 / r.width), Math.round((ev.clientY - r.top) * 400 / r.height)];
  }
  function redraw() {
    ctx.clearRect(0, 0, 1000, 400);
    ctx.lineWidth = 6; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#111';
    strokes.forEach(function (s) {
      ctx.beginPath();
      s.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
      ctx.stroke();
    });
    field.value = strokes.length ? JSON.stringify(strokes) : '';
  }
  canvas.addEventListener('pointerdown', function (ev) {
    ev.preventDefault();
    canvas.setPointerCapture(ev.pointerId);
    current = [point(ev)];
    strokes.push(current);
  });
  canvas.addEventListener('pointermove', function (ev) {
    if (!current) return;
    var p = point(ev), last = current[current.length - 1];
    if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= 3 && current.length < 800) { current.push(p); redraw(); }
  });
  ['pointerup', 'pointercancel', 'pointerleave'].forEach(function (t) {
    canvas.addEventListener(t, function () { current = null; redraw(); });
  });
  var clear = document.getElementById('pad-clear');
  if (clear) clear.addEventListener('click', function () { strokes = []; redraw(); });
  redraw();
})();
