// The venue screen: swap in the new QR code as each one expires, show the count rising, and
// redraw the page when sign-in opens or closes, or the sitting is moved or called off.
(function () {
  var url = document.body.getAttribute('data-poll');
  var state = document.body.getAttribute('data-state');
  var img = document.getElementById('qr');
  var link = document.getElementById('qr-link');
  var present = document.getElementById('present');
  var number = document.getElementById('short-number');
  var current = link ? link.getAttribute('href') : '';
  function poll() {
    fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) {
        if (d.state !== state) { location.reload(); return; }
        present.textContent = d.present;
        if (number && d.number) number.textContent = d.number;
        if (img && d.url !== current) {
          current = d.url;
          img.src = img.src.split('?')[0] + '?t=' + Date.now();
          link.href = d.url;
          link.textContent = d.url;
        }
        setTimeout(poll, Math.min(3000, d.refresh_in * 1000 + 200));
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
