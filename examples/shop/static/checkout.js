/*
 * The reference shop's checkout: mounts the Pay.Parts card component the way Pay.nl's
 * own Shopware plugin does (docs/reference/known-facts.md), step by step.
 */
(function () {
  'use strict';

  var payButton = document.getElementById('pay');
  var errorBox = document.getElementById('error');

  function postJson(url, body) {
    return fetch(url, {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json'},
      body: JSON.stringify(body || {})
    }).then(function (answer) {
      return answer.json().catch(function () { return null; }).then(function (data) {
        if (answer.ok && data) return data;
        var reason = data && (data.description || data.error);
        throw new Error(reason || 'the shop answered HTTP ' + answer.status);
      });
    });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error('could not load ' + src)); };
      document.head.appendChild(script);
    });
  }

  function showError(text, reference) {
    errorBox.textContent = text;
    if (reference) {
      var link = document.createElement('a');
      link.href = '/return/' + encodeURIComponent(reference);
      link.textContent = 'See order ' + reference;
      errorBox.appendChild(document.createTextNode(' '));
      errorBox.appendChild(link);
    }
  }

  async function checkout() {
    payButton.disabled = true;
    errorBox.textContent = '';
    try {
      // 1. The shop's backend creates its order and the Pay.Parts session first.
      var session = await postJson('/checkout');
      var returnUrl = '/return/' + encodeURIComponent(session.reference);
      // 2. Only then the SDK, from the Pay.Parts host the backend named.
      if (!window.PayPartsSDK) await loadScript(session.apiUrl + '/sdk/payparts-sdk.js');
      if (!window.PayPartsSDK) throw new Error('the Pay.Parts SDK did not load');
      // 3. init with the session token, then the handlers in one assignment.
      var sdk = await window.PayPartsSDK.init({
        sessionToken: session.sessionToken, apiUrl: session.apiUrl, country: 'NL', language: 'nl'
      });
      sdk.events = {
        onReady: function (event) { event.resolve(); },
        // The order exists already (POST /checkout made it): let the payment go on.
        onSubmit: function (event) { event.resolve(); },
        // The payment is authorised. Tell the backend which Pay.nl order it is (the backend
        // re-checks it with the order-status API), then send the customer to the return
        // page. Booking is the exchange call's job, never the browser's.
        onSuccess: function (event) {
          var linked = postJson('/orders/' + encodeURIComponent(session.reference) + '/link',
            {orderId: event.orderId});
          linked.catch(function () {}).then(function () {
            event.resolve();
            window.location.assign(returnUrl);
          });
        },
        // The component shows the error itself; resolve so the customer may go on.
        onError: function (event) {
          event.resolve();
          showError('The payment did not go through' +
            (event.error ? ': ' + event.error.message : '.'), session.reference);
        },
        onInfoUpdated: function (event) { event.resolve(); },
        onShippingUpdated: function (event) { event.resolve(); }
      };
      // 4. prepare synchronously, then bind to the element by its selector.
      var component = sdk.prepare('card-payments');
      await component.bind('#paynl-card-payments');
      payButton.hidden = true;
    } catch (error) {
      showError(error.message);
      payButton.disabled = false;
    }
  }

  payButton.addEventListener('click', checkout);
})();
