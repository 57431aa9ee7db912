/*
 * The return page: while the order waits for Pay.nl's exchange call, ask the shop for
 * its state every second and reload the page once it has changed.
 */
(function () {
  'use strict';

  var order = document.getElementById('order');
  if (!order || order.dataset.state !== 'awaiting payment') return;

  function poll() {
    fetch('/orders/' + encodeURIComponent(order.dataset.reference), {
      headers: {'Accept': 'application/json'}, cache: 'no-store'
    }).then(function (answer) { return answer.json(); }).then(function (data) {
      if (data.state !== order.dataset.state) window.location.reload();
      else setTimeout(poll, 1000);
    }, function () { setTimeout(poll, 1000); });
  }

  setTimeout(poll, 1000);
})();
