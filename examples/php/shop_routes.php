<?php
// The smallest shop around exchange.php, so `payparts check` can judge it:
//
//   POST /checkout          the shop's order (random reference), then a Pay.Parts
//                           session for it: {"reference","sessionId","sessionToken","apiUrl"}
//   GET  /orders/{ref}      the order's status JSON:
//                           {"reference","state","orderId","amount":{"value","currency"},"bookings"}
//
// A real shop already has its orders and its checkout; it only needs exchange.php.
// What these routes answer is the contract of docs/reference-shop.md.

declare(strict_types=1);

require_once __DIR__ . '/lib.php';

const PRODUCT = ['Pay.Parts test mug', 2999, 'EUR']; // name, cents, currency (as examples/shop)

/** Where Pay.nl and the browser reach this shop: PAYPARTS_SHOP_URL, else the Host header. */
function shop_base_url(): string
{
    $fixed = getenv('PAYPARTS_SHOP_URL');
    if (is_string($fixed) && $fixed !== '') {
        return rtrim($fixed, '/'); // set it in production: a forged Host must not pick the exchangeUrl
    }
    $host = (string) ($_SERVER['HTTP_HOST'] ?? '127.0.0.1');
    if (!preg_match('/^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9a-fA-F:.]+\](:[0-9]{1,5})?$/', $host)) {
        $host = '127.0.0.1';
    }
    return 'http://' . $host;
}

function checkout_endpoint(): void
{
    $config = config();
    [$name, $value, $currency] = PRODUCT;
    // Random, not a counter: the status URL needs no login, so a reference must not be guessable.
    $reference = 'SHOP-' . strtoupper(bin2hex(random_bytes(5)));
    with_orders($config, function (array &$orders) use ($reference, $name, $value, $currency): void {
        $orders[$reference] = [
            'reference' => $reference, 'description' => $name, 'amount_value' => $value,
            'currency' => $currency, 'session_id' => null, 'order_id' => null,
            'state' => AWAITING, 'bookings' => 0, 'booked_at' => null, 'created_at' => now(),
        ];
    });
    $base = shop_base_url();
    $request = [
        'amount' => ['value' => $value, 'currency' => $currency],
        'returnUrl' => "$base/orders/$reference",
        'exchangeUrl' => "$base/exchange",
        'reference' => $reference,
        'description' => "Order $reference", // at most 32 characters
    ];
    [$status, $body] = http_call($config, 'POST', "{$config['base_url']}/v1/session/start", json_encode($request));
    $created = json_decode($body, true);
    if ($status < 200 || $status > 299 || !is_array($created)
        || !is_string($created['sessionId'] ?? null) || !is_string($created['sessionToken'] ?? null)) {
        error_log("no session for $reference: HTTP $status"); // the detail stays in the log
        send_json(502, ['error' => 'the payment could not be started; try again']);
        return;
    }
    with_orders($config, function (array &$orders) use ($reference, $created): void {
        $orders[$reference]['session_id'] = $created['sessionId'];
    });
    send_json(200, [
        'reference' => $reference,
        'sessionId' => $created['sessionId'],
        'sessionToken' => $created['sessionToken'],
        'apiUrl' => $config['base_url'],
    ]);
}

function order_status_endpoint(string $reference): void
{
    $order = find_order(config(), $reference);
    if ($order === null) {
        send_json(404, ['reference' => substr($reference, 0, 40), 'error' => 'no such order']);
        return;
    }
    send_json(200, order_json($order));
}
