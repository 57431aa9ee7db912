/*
 * Pay.Parts SDK stand-in, served by the local sandbox at GET /sdk/payparts-sdk.js.
 *
 * It offers the surface Pay.nl's own shop plugin uses (docs/payments.md):
 *
 *   const checkout = await PayPartsSDK.init({sessionToken, apiUrl, country, language, debugMode});
 *   checkout.events = {onReady, onSubmit, onSuccess, onError, onInfoUpdated, onShippingUpdated};
 *   const component = checkout.prepare('card-payments');
 *   await component.bind('#paynl-card-payments');
 *
 * and renders a TEST card form. What is typed into it never leaves the page: the
 * sandbox is told only which test card was chosen, and nothing typed is logged.
 * Plain JavaScript, no build step, no external resources.
 */
(function () {
  'use strict';

  var COMPONENT = 'card-payments';
  var APPROVED = [100, 95]; // PAID, AUTHORIZE: the codes onSuccess fires for
  var DEFAULT_NOTICE_MS = 5000;
  var BANNER = 'Pay.Parts sandbox \u2014 TEST payment, no money moves';
  var WAITING = 'Waiting for the shop: its onSubmit handler has not called ' +
    'event.resolve() or event.reject() yet.';

  // document.currentScript exists only while this script first runs: keep its origin
  // now, as the default apiUrl (the sandbox that served the script).
  var scriptOrigin = (function () {
    try {
      return new URL(document.currentScript.src).origin;
    } catch (error) {
      return window.location.origin; // inlined, or loaded as a module
    }
  })();
  var componentCount = 0;

  // --- talking to the sandbox --------------------------------------------------------

  function post(settings, path, body) {
    var request = {method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body)};
    return fetch(settings.apiUrl + path, request).then(function (answer) {
      return answer.json().catch(function () { return null; }).then(function (data) {
        if (answer.ok && data) return data;
        var problem = data || {};
        var error = new Error(problem.detail || problem.title || 'HTTP ' + answer.status);
        error.sandboxStatus = answer.status; // the HTTP status, for the component
        throw error;
      });
    }, function () {
      throw new Error('could not reach the Pay.Parts sandbox at ' + settings.apiUrl +
        ': is it running?');
    });
  }

  // --- events ------------------------------------------------------------------------

  function asError(reason) {
    if (reason instanceof Error) return reason;
    return new Error(reason ? String(reason) : 'the shop stopped the payment');
  }

  // Fires checkout.events[type], looked up now: the shop assigns checkout.events after
  // init. Settles when the handler calls event.resolve() or event.reject(error), not
  // when it returns (the plugin's versions return a promise or nothing); a handler that
  // throws or returns a rejected promise rejects. No handler: resolved at once.
  function fire(checkout, type, extra) {
    if (checkout.debugMode) {
      var order = extra && extra.orderId ? ' order ' + extra.orderId : '';
      console.info('[PayPartsSDK] ' + type + order); // never anything typed
    }
    return new Promise(function (resolve, reject) {
      var settled = false;
      var event = {
        type: type,
        resolve: function () { if (!settled) { settled = true; resolve(); } },
        reject: function (error) { if (!settled) { settled = true; reject(asError(error)); } }
      };
      Object.keys(extra || {}).forEach(function (key) { event[key] = extra[key]; });
      var handler = checkout.events && checkout.events[type];
      if (typeof handler !== 'function') return event.resolve();
      try {
        var returned = handler(event);
        if (returned && typeof returned.then === 'function') returned.then(null, event.reject);
      } catch (error) {
        event.reject(error);
      }
    });
  }

  // For events whose answer changes nothing (onReady, onSuccess, onError).
  function notify(checkout, type, extra) {
    fire(checkout, type, extra).catch(function () {
      if (checkout.debugMode) console.info('[PayPartsSDK] ' + type + ' handler rejected');
    });
  }

  // --- rendering ---------------------------------------------------------------------

  var STYLE = [
    '.ppsdk-root{font:15px/1.4 system-ui,sans-serif;color:#1d2430;border:2px solid #d97706;',
    'border-radius:8px;max-width:640px;background:#fff;overflow:hidden}',
    '.ppsdk-banner{background:repeating-linear-gradient(45deg,#fde68a,#fde68a 12px,#fcd34d 12px,',
    '#fcd34d 24px);font-weight:700;padding:8px 12px;letter-spacing:.02em}',
    '.ppsdk-body{padding:12px}',
    '.ppsdk-summary{display:flex;justify-content:space-between;font-size:17px;margin-bottom:8px}',
    '.ppsdk-amount{font-weight:700}',
    '.ppsdk-cards{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 12px}',
    '.ppsdk-cards caption{text-align:left;font-weight:600;padding-bottom:2px}',
    '.ppsdk-cards th,.ppsdk-cards td{border-bottom:1px solid #e5e7eb;padding:3px 6px;',
    'text-align:left}',
    '.ppsdk-cards td:first-child{font-family:ui-monospace,monospace;white-space:nowrap}',
    '.ppsdk-fields{display:grid;grid-template-columns:2fr 1fr 1fr;gap:8px}',
    '.ppsdk-field label{display:block;font-size:13px;font-weight:600;margin-bottom:2px}',
    '.ppsdk-field input{box-sizing:border-box;width:100%;padding:6px 8px;font:inherit;',
    'border:1px solid #9ca3af;border-radius:4px}',
    '.ppsdk-field input[aria-invalid=true]{border-color:#b91c1c;outline-color:#b91c1c}',
    '.ppsdk-actions{display:flex;gap:8px;margin-top:12px}',
    '.ppsdk-root button{font:inherit;padding:6px 14px;border-radius:4px;border:1px solid #374151;',
    'background:#f3f4f6;cursor:pointer}',
    '.ppsdk-root button.ppsdk-pay{background:#1d4ed8;border-color:#1d4ed8;color:#fff;',
    'font-weight:600}',
    '.ppsdk-root button:disabled{opacity:.5;cursor:not-allowed}',
    '.ppsdk-3ds{margin-top:12px;padding:10px;border:1px dashed #1d4ed8;border-radius:6px;',
    'background:#eff6ff}',
    '.ppsdk-3ds h3{margin:0 0 4px;font-size:15px}',
    '.ppsdk-message{margin-top:12px;white-space:pre-line;padding:8px 10px;border-radius:4px;',
    'background:#f3f4f6}',
    '.ppsdk-message:empty{display:none}',
    '.ppsdk-message[data-kind=error]{background:#fef2f2;color:#991b1b}',
    '.ppsdk-message[data-kind=success]{background:#f0fdf4;color:#166534;font-weight:600}'
  ].join('');

  function addStyle() {
    if (document.getElementById('ppsdk-style')) return;
    var style = document.createElement('style');
    style.id = 'ppsdk-style';
    style.textContent = STYLE;
    document.head.appendChild(style);
  }

  // A tiny element builder: text only through textContent, so nothing from the
  // sandbox's answer is ever parsed as HTML.
  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === 'text') node.textContent = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  // Inputs carry no name: inside a shop's own <form>, nothing typed would be submitted.
  function field(id, label, placeholder, autocomplete) {
    var input = el('input', {id: id, type: 'text', inputmode: 'numeric', placeholder: placeholder,
      autocomplete: autocomplete, spellcheck: 'false'});
    return {input: input, node: el('div', {class: 'ppsdk-field'},
      [el('label', {for: id, text: label}), input])};
  }

  function cardTable(cards) {
    var rows = cards.map(function (card) {
      return el('tr', {}, [el('td', {text: card.number}), el('td', {text: card.label}),
        el('td', {text: card.outcome || ''})]);
    });
    var head = el('tr', {}, ['Card number', 'Card', 'What happens'].map(function (title) {
      return el('th', {text: title});
    }));
    return el('table', {class: 'ppsdk-cards'}, [el('caption', {text: 'Test cards'}),
      el('thead', {}, [head]), el('tbody', {}, rows)]);
  }

  function render(target, session) {
    addStyle();
    var id = 'ppsdk-' + (++componentCount);
    var number = field(id + '-number', 'Card number', 'a test card from the table', 'cc-number');
    var expiry = field(id + '-expiry', 'Expiry (MM/YY)', 'MM/YY', 'cc-exp');
    var cvc = field(id + '-cvc', 'CVC', '123', 'cc-csc');
    // type=button: a click never submits a shop's form around the component.
    var ui = {
      number: number.input, expiry: expiry.input, cvc: cvc.input,
      pay: el('button', {type: 'button', class: 'ppsdk-pay', text: 'Pay'}),
      cancel: el('button', {type: 'button', class: 'ppsdk-cancel', text: 'Cancel payment'}),
      secure: el('div', {class: 'ppsdk-3ds', role: 'group', 'aria-label': '3-D Secure test step'}),
      message: el('div', {class: 'ppsdk-message', role: 'alert', 'aria-live': 'assertive'})
    };
    ui.secure.hidden = true;
    var summary = el('div', {class: 'ppsdk-summary'}, [
      el('span', {class: 'ppsdk-merchant', text: session.merchantName || ''}),
      el('span', {class: 'ppsdk-amount', text: (session.amount || {}).formatted || ''})]);
    var root = el('div', {class: 'ppsdk-root', 'data-ppsdk': 'card-payments'}, [
      el('div', {class: 'ppsdk-banner', text: BANNER}),
      el('div', {class: 'ppsdk-body'}, [summary, cardTable(session.testCards),
        el('div', {class: 'ppsdk-fields'}, [number.node, expiry.node, cvc.node]),
        el('div', {class: 'ppsdk-actions'}, [ui.pay, ui.cancel]), ui.secure, ui.message])]);
    target.replaceChildren(root);
    return ui;
  }

  function show(ui, text, kind) {
    ui.message.textContent = text;
    ui.message.setAttribute('data-kind', kind || 'info');
  }

  // --- the card form -----------------------------------------------------------------

  function digits(text) { return String(text || '').replace(/\s+/g, ''); }

  // Valid through the end of its month.
  function expiryProblem(text) {
    var match = /^(\d{2})\s*\/\s*(\d{2})$/.exec(text.trim());
    if (!match || +match[1] < 1 || +match[1] > 12) {
      return 'Expiry: enter the month and year as MM/YY, e.g. 12/30.';
    }
    var now = new Date();
    var year = 2000 + +match[2];
    var month = +match[1];
    if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) {
      return 'Expiry: that month has passed; use a date in the future (MM/YY).';
    }
    return null;
  }

  // Returns {card} for a usable form, else {problems}; each problem names its field.
  function readForm(ui, cards) {
    var number = digits(ui.number.value);
    var card = cards.filter(function (c) { return digits(c.number) === number; })[0];
    var problems = [];
    var marks = {number: !card, expiry: false, cvc: false};
    if (!card) {
      problems.push('Card number: use a test card: ' +
        cards.map(function (c) { return c.number; }).join(', ') + '.');
    }
    var expiry = expiryProblem(ui.expiry.value);
    if (expiry) { problems.push(expiry); marks.expiry = true; }
    if (!/^\d{3}$/.test(ui.cvc.value.trim())) {
      problems.push('CVC: enter the three digits, e.g. 123.');
      marks.cvc = true;
    }
    Object.keys(marks).forEach(function (name) {
      ui[name].setAttribute('aria-invalid', marks[name] ? 'true' : 'false');
    });
    return problems.length ? {problems: problems} : {card: card};
  }

  // --- one mounted component ---------------------------------------------------------

  function statusText(status) {
    return 'status ' + status.code + (status.action ? ' ' + status.action : '');
  }

  function failureText(status) {
    var what = {'-63': 'was declined by the bank', '-90': 'was cancelled'}[status.code];
    return 'The test payment ' + (what || 'did not go through') + ' (' + statusText(status) + ').';
  }

  function mount(checkout, target) {
    var ui = render(target, checkout.session);
    // busy: a call to the sandbox is on its way; submitting: onSubmit is unanswered
    // (the customer may still cancel); over: the order is final, the session is done.
    var state = {busy: false, submitting: false, over: false};
    var token = {sessionToken: checkout.settings.sessionToken};

    function refresh() {
      if (state.over) ui.secure.hidden = true;
      ui.pay.disabled = state.busy || state.submitting || state.over || !ui.secure.hidden;
      ui.cancel.disabled = state.busy || state.over;
      ui.secure.querySelectorAll('button').forEach(function (b) { b.disabled = state.busy; });
    }

    function fail(error) {
      state.busy = false;
      if (error.sandboxStatus === 409) state.over = true; // the order is final already
      show(ui, error.message, 'error');
      refresh();
    }

    // An answer of pay, 3ds or cancel: a 3-D Secure step to show, or the final status.
    function settle(answer) {
      state.busy = false;
      if (answer.next === '3ds') return showSecureStep();
      ui.secure.hidden = true;
      state.over = true;
      refresh();
      var status = answer.status || {};
      var details = {orderId: answer.orderId, status: status};
      if (APPROVED.indexOf(status.code) >= 0) {
        var order = 'order ' + answer.orderId + ', ' + statusText(status);
        show(ui, 'Payment approved (test): ' + order + '.', 'success');
        // The plugin's oldest version reads event.transaction.transactionId.
        details.transaction = {transactionId: answer.orderId};
        return notify(checkout, 'onSuccess', details);
      }
      var message = failureText(status);
      show(ui, message, 'error');
      details.error = new Error(message);
      notify(checkout, 'onError', details);
    }

    function call(path, body) {
      state.busy = true;
      refresh();
      return post(checkout.settings, path, body).then(settle, fail);
    }

    function showSecureStep() {
      ui.secure.replaceChildren(el('h3', {text: '3-D Secure test step'}),
        el('p', {text: 'The bank would now ask the customer to confirm. ' +
          'Choose how this test ends:'}));
      var choices = [['Complete', 'authenticated'], ['Fail', 'failed'], ['Cancel', 'cancelled']];
      choices.forEach(function (pair) {
        var button = el('button', {type: 'button', text: pair[0]});
        button.addEventListener('click', function () {
          call('/_sandbox/sdk/3ds', {sessionToken: token.sessionToken, result: pair[1]});
        });
        ui.secure.appendChild(button);
      });
      ui.secure.hidden = false;
      show(ui, '3-D Secure test step: choose Complete, Fail or Cancel.', 'info');
      refresh();
    }

    function pay() {
      if (ui.pay.disabled) return;
      var form = readForm(ui, checkout.session.testCards);
      if (form.problems) return show(ui, form.problems.join('\n'), 'error');
      // Only the test card's id is kept; what was typed is gone from the page now.
      ui.number.value = ui.expiry.value = ui.cvc.value = '';
      state.submitting = true;
      refresh();
      show(ui, '', 'info');
      var notice = setTimeout(function () {
        if (state.submitting && !state.busy && !state.over) show(ui, WAITING, 'info');
      }, checkout.settings.submitNoticeMs);
      fire(checkout, 'onSubmit', {}).then(function () {
        clearTimeout(notice);
        state.submitting = false;
        if (state.over) return; // cancelled while the shop was deciding
        show(ui, 'Paying with the test card\u2026', 'info');
        call('/_sandbox/sdk/pay', {sessionToken: token.sessionToken, testCard: form.card.testCard});
      }, function (error) {
        clearTimeout(notice);
        state.submitting = false;
        if (!state.over && !state.busy) fail(error); // else a cancel is on its way
      });
    }

    ui.pay.addEventListener('click', pay);
    ui.cancel.addEventListener('click', function () {
      if (!state.busy && !state.over) call('/_sandbox/sdk/cancel', token);
    });
    // Enter in a field pays, and never submits a shop's form around the component.
    [ui.number, ui.expiry, ui.cvc].forEach(function (input) {
      input.addEventListener('keydown', function (event) {
        if (event.key === 'Enter') { event.preventDefault(); pay(); }
      });
    });
    refresh();
  }

  // --- the public surface ------------------------------------------------------------

  function resolveTarget(selectorOrElement) {
    if (selectorOrElement instanceof Element) return selectorOrElement;
    if (typeof selectorOrElement !== 'string' || !selectorOrElement) {
      throw new Error('bind(target): pass a CSS selector such as "#paynl-card-payments" ' +
        'or an element');
    }
    var target;
    try {
      target = document.querySelector(selectorOrElement);
    } catch (error) {
      throw new Error('bind("' + selectorOrElement + '"): that is not a valid CSS selector');
    }
    if (!target) {
      throw new Error('bind("' + selectorOrElement + '"): no element matches; add one to the ' +
        'page before calling bind');
    }
    return target;
  }

  function createCheckout(settings, session) {
    session.testCards = Array.isArray(session.testCards) ? session.testCards : [];
    var checkout = {events: {}};
    // Internal state, hidden from enumeration and from JSON.stringify(checkout).
    Object.defineProperty(checkout, 'settings', {value: settings});
    Object.defineProperty(checkout, 'session', {value: session});
    Object.defineProperty(checkout, 'debugMode', {value: settings.debugMode});
    checkout.prepare = function (name) {
      if (name !== COMPONENT) {
        throw new Error('prepare("' + name + '"): this sandbox offers only "' + COMPONENT + '"');
      }
      return {
        bind: function (selectorOrElement) {
          return new Promise(function (resolve) {
            mount(checkout, resolveTarget(selectorOrElement));
            resolve();
            notify(checkout, 'onReady', {}); // after the render; bind does not wait for it
          });
        }
      };
    };
    return checkout;
  }

  // What is wrong with a sessionToken, or null. The token itself is never repeated.
  function tokenProblem(token) {
    if (token === '') return 'is empty';
    if (typeof token !== 'string') return 'is ' + (token == null ? 'missing' : 'a ' + typeof token);
    if (token.indexOf('st_') !== 0) return 'does not start with "st_"';
    if (token === 'st_') return 'is only "st_", the rest is missing';
    return null;
  }

  function readSettings(options) {
    options = options || {};
    var problem = tokenProblem(options.sessionToken);
    if (problem) {
      throw new Error('init: sessionToken ' + problem + ': pass the whole sessionToken ' +
        '(it starts with "st_") that POST /v1/session/start answered');
    }
    var token = options.sessionToken;
    var notice = Number(options.submitNoticeMs);
    return {
      sessionToken: token,
      apiUrl: String(options.apiUrl || scriptOrigin).replace(/\/+$/, ''),
      country: options.country,
      language: options.language,
      debugMode: Boolean(options.debugMode),
      submitNoticeMs: options.submitNoticeMs != null && notice >= 0 ? notice : DEFAULT_NOTICE_MS
    };
  }

  function init(options) {
    return new Promise(function (resolve) {
      resolve(readSettings(options)); // a thrown validation error becomes the rejection
    }).then(function (settings) {
      if (settings.debugMode) console.info('[PayPartsSDK] init');
      return post(settings, '/_sandbox/sdk/init', {sessionToken: settings.sessionToken})
        .then(function (session) { return createCheckout(settings, session); });
    });
  }

  window.PayPartsSDK = {init: init};
})();
