// The live dashboard: the figures, the coverage tree map and the latest signers, redrawn from
// each snapshot the server sends (server-sent events; the browser reconnects by itself).
(function () {
  var body = document.body;
  var live = document.getElementById('dash-live');
  var map = document.getElementById('treemap');
  var tiles = document.getElementById('tiles');
  var latest = document.getElementById('latest');
  var none = latest.querySelector('.empty');
  var noneText = none ? none.textContent : '';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Splits the items in two halves of about equal weight, and the box along its longer side,
  // until each item has its own box: a tree map whose tiles stay near square.
  function layout(items, x, y, w, h, out) {
    if (!items.length) return;
    if (items.length === 1) { out.push({ item: items[0], x: x, y: y, w: w, h: h }); return; }
    var total = 0, i, half = 0, cut = 0;
    for (i = 0; i < items.length; i++) total += items[i].weight;
    for (i = 0; i < items.length - 1 && half + items[i].weight <= total / 2; i++) half += items[i].weight;
    cut = Math.max(1, i);
    half = 0;
    for (i = 0; i < cut; i++) half += items[i].weight;
    var share = total ? half / total : 0.5;
    if (w >= h) {
      layout(items.slice(0, cut), x, y, w * share, h, out);
      layout(items.slice(cut), x + w * share, y, w * (1 - share), h, out);
    } else {
      layout(items.slice(0, cut), x, y, w, h * share, out);
      layout(items.slice(cut), x, y + h * share, w, h * (1 - share), out);
    }
  }

  function drawMap(coverage) {
    var items = coverage.filter(function (c) { return c.assigned > 0; })
      .map(function (c) { return { c: c, weight: c.assigned }; })
      .sort(function (a, b) { return b.weight - a.weight; });
    var boxes = [];
    layout(items, 0, 0, 100, 100, boxes);
    map.textContent = '';
    boxes.forEach(function (b) {
      var c = b.item.c, ratio = c.assigned ? c.covered / c.assigned : 0;
      var tile = el('div', 'tile');
      tile.style.left = b.x + '%'; tile.style.top = b.y + '%';
      tile.style.width = b.w + '%'; tile.style.height = b.h + '%';
      tile.style.setProperty('--cover', (0.18 + 0.82 * ratio).toFixed(3));
      tile.appendChild(el('span', 'name', c.name));
      tile.appendChild(el('span', 'value', c.covered + ' / ' + c.assigned));
      map.appendChild(tile);
    });
  }

  function draw(d) {
    var figures = {
      signins_today: d.signins_today, signins: d.signins, signatures: d.signatures, readers: d.readers,
      tests_taken: d.tests_taken,
      placements: d.placements, works: d.works, units_covered: d.units_covered, units_assigned: d.units_assigned,
      percent: d.units_assigned ? Math.floor(d.units_covered * 100 / d.units_assigned) : 0
    };
    Array.prototype.forEach.call(document.querySelectorAll('[data-key]'), function (e) {
      var v = String(figures[e.getAttribute('data-key')]);
      if (e.textContent !== v) { e.textContent = v; e.classList.remove('bump'); void e.offsetWidth; e.classList.add('bump'); }
    });
    drawMap(d.coverage);
    tiles.textContent = '';
    d.coverage.forEach(function (c) {
      var li = el('li'); li.appendChild(el('span', '', c.name)); li.appendChild(document.createTextNode(' '));
      li.appendChild(el('strong', '', c.covered + ' / ' + c.assigned)); tiles.appendChild(li);
    });
    latest.textContent = '';
    if (!d.latest.length) latest.appendChild(el('li', 'empty', noneText));
    d.latest.forEach(function (s) {
      var li = el('li');
      li.appendChild(el('strong', '', s.name)); li.appendChild(document.createTextNode(' '));
      li.appendChild(el('span', '', s.pledge)); li.appendChild(document.createTextNode(' '));
      var t = new Date(s.signed_at * 1000 + 8 * 3600 * 1000);
      var hm = ('0' + t.getUTCHours()).slice(-2) + ':' + ('0' + t.getUTCMinutes()).slice(-2);
      li.appendChild(el('time', '', hm));
      latest.appendChild(li);
    });
  }

  body.classList.add('js');
  if (!window.EventSource) return;
  var source = new EventSource(body.getAttribute('data-events'));
  source.addEventListener('snapshot', function (e) { draw(JSON.parse(e.data)); });
  source.onopen = function () { live.textContent = live.getAttribute('data-on'); live.classList.remove('off'); };
  source.onerror = function () { live.textContent = live.getAttribute('data-off'); live.classList.add('off'); };
})();
