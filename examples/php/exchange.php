<?php
// Pay.nl's exchange call (webhook) for one sales location, in plain PHP.
//
// Every call goes through the same steps, as examples/shop/exchange.py does:
//
// 1. Read the raw body once, from php://input (at most 64 KiB). Not $_POST, not
//    $_REQUEST: those are empty for a JSON POST, and re-encoded JSON is not the bytes
//    that were signed.
// 2. Signed call (Signature-Method, Signature-KeyID, Signature present): Method exactly
//    HMAC, KeyID = our SL code, algorithm sha256 (default) or sha512, and
//    hash_equals(hash_hmac(alg, raw, secret), Signature) BEFORE json_decode. A mismatch
//    is 403 {"result": false}.
// 3. Unsigned (legacy form action=…&order_id=…) or status code 0: nothing in it is
//    signed, so only its order id is used, to ask the order-status API; only that
//    answer is believed.
// 4. Before a payment is booked the order-status API is asked again: status accepted,
//    same reference, amount and currency as the shop's order (else 409, nothing booked).
// 5. The status is applied under an exclusive lock of the orders file: booked once; a
//    repeated or late call is answered true and changes nothing.
//
// Answer: JSON {"result": true|false, "description": …}, or TRUE| … / FALSE| … text to
// a legacy call. Pay.nl retries anything but result true, so what cannot be checked now
// (the order API unreachable) is answered false (503). Never a 500.

declare(strict_types=1);

require_once __DIR__ . '/lib.php';

const MAX_EXCHANGE_BODY = 65536;       // an exchange call is a few KiB
const ALGORITHMS = ['sha256', 'sha512'];
const ACCEPTED_CODES = [100, 95, 85, 20, 25, 50, 90]; // what Pay.nl's Shopware plugin accepts
const BOOKING_CODES = [100, 95];                       // of these, only 100 and 95 book

final class Answer
{
    public function __construct(
        public readonly int $status,
        public readonly bool $result,
        public readonly string $description,
        public readonly bool $legacy = false,
    ) {
    }

    public function send(): void
    {
        if ($this->legacy) {
            http_response_code($this->status);
            header('Content-Type: text/plain; charset=utf-8');
            echo ($this->result ? 'TRUE' : 'FALSE') . '| ' . $this->description;
            return;
        }
        send_json($this->status, ['result' => $this->result, 'description' => $this->description]);
    }
}

function yes(string $description, bool $legacy): Answer
{
    return new Answer(200, true, $description, $legacy);
}

function no(int $status, string $description, bool $legacy): Answer
{
    return new Answer($status, false, $description, $legacy);
}

/** The route: read the body (raw, bounded), answer, never a 500. */
function exchange_endpoint(): void
{
    try {
        $config = config();
        $declared = $_SERVER['CONTENT_LENGTH'] ?? '';
        if (ctype_digit((string) $declared) && (int) $declared > MAX_EXCHANGE_BODY) {
            $answer = no(413, 'the body is over ' . MAX_EXCHANGE_BODY . ' bytes', false);
        } else {
            $raw = file_get_contents('php://input', false, null, 0, MAX_EXCHANGE_BODY + 1);
            if ($raw === false) {
                $answer = no(400, 'the body could not be read', false);
            } elseif (strlen($raw) > MAX_EXCHANGE_BODY) {
                $answer = no(413, 'the body is over ' . MAX_EXCHANGE_BODY . ' bytes', false);
            } else {
                $answer = handle_exchange($config, signature_headers(), $raw);
            }
        }
    } catch (Throwable $error) {
        // The class only: a message could quote a URL with credentials or the body.
        error_log('exchange call not settled: ' . get_class($error));
        $answer = no(503, 'the shop could not record it now; try again', false);
    }
    error_log("exchange call: {$answer->status} " . ($answer->result ? 'true' : 'false') . " {$answer->description}");
    $answer->send();
}

/** The four signature headers, matched case-insensitively ($_SERVER upper-cases them). */
function signature_headers(): array
{
    return [
        'method' => $_SERVER['HTTP_SIGNATURE_METHOD'] ?? null,
        'key_id' => $_SERVER['HTTP_SIGNATURE_KEYID'] ?? null,
        'algorithm' => $_SERVER['HTTP_SIGNATURE_ALGORITHM'] ?? null,
        'signature' => $_SERVER['HTTP_SIGNATURE'] ?? null,
    ];
}

/** One call: the signature headers as received, the body as raw bytes. */
function handle_exchange(array $config, array $headers, string $raw): Answer
{
    if ($headers['method'] === null || $headers['key_id'] === null || $headers['signature'] === null) {
        return unsigned_call($config, $raw);
    }
    $refusal = signature_refusal($config, $headers, $raw);
    if ($refusal !== null) {
        return no(403, $refusal, false); // another secret or key id, a changed body, …
    }
    // Only now, with the signature verified, is the body parsed.
    $reported = signed_order($raw);
    if ($reported === null) {
        return no(400, 'the signed body is not an exchange call: JSON with an order', false);
    }
    if (status_for($reported['code']) === null) { // 0, or a code no SDK knows
        return from_order_api($config, $reported['order_id'], $reported['reference'], false);
    }
    return settle($config, $reported, false, false);
}

/** Why the signature does not hold, or null when it does. Never quotes the secret. */
function signature_refusal(array $config, array $headers, string $raw): ?string
{
    $method = trim((string) $headers['method']);
    if ($method !== 'HMAC') { // exactly: Pay.nl's PHP SDK treats another spelling as unsigned
        return 'Signature-Method is not exactly HMAC';
    }
    if (!hash_equals($config['sl_code'], trim((string) $headers['key_id']))) {
        return 'Signature-KeyID is not this shop\'s SL code: the call was signed for another sales location';
    }
    $algorithm = strtolower(trim((string) ($headers['algorithm'] ?? 'sha256')));
    if (!in_array($algorithm, ALGORITHMS, true)) {
        return 'Signature-Algorithm is not supported: expected sha256 or sha512';
    }
    // The HMAC of the raw bytes, lowercase hex, compared in constant time.
    $expected = hash_hmac($algorithm, $raw, $config['secret']);
    $given = trim((string) $headers['signature']);
    if (!hash_equals($expected, $given)) {
        $hint = hash_equals($expected, strtolower($given)) ? ' (it must be lowercase hex)' : '';
        return "the $algorithm HMAC of the body does not match Signature$hint: the body was changed, "
            . 'or it was signed with another secret; do not trust it';
    }
    return null;
}

/** The legacy call: nothing in it is signed, so only order_id is read. */
function unsigned_call(array $config, string $raw): Answer
{
    parse_str($raw, $form);
    $order_id = $form['order_id'] ?? '';
    if (!is_string($order_id) || $order_id === '') {
        return no(403, 'the call is not signed and names no order_id', false);
    }
    return from_order_api($config, $order_id, null, true);
}

/** Settle with what the order-status API says, never with what the call said. */
function from_order_api(array $config, string $order_id, ?string $reference, bool $legacy): Answer
{
    [$confirmed, $refusal] = ask_order_api($config, $order_id, $legacy);
    if ($confirmed === null) {
        return $refusal;
    }
    if ($reference !== null && $confirmed['reference'] !== $reference) {
        return no(409, "Pay.nl order {$confirmed['order_id']} is not for $reference", $legacy);
    }
    return settle($config, $confirmed, true, $legacy);
}

/** GET {orders_url}/v1/orders/{id}/status with Basic auth: [order, null] or [null, refusal]. */
function ask_order_api(array $config, string $order_id, bool $legacy): array
{
    $ref = preg_match(ORDER_ID_PATTERN, $order_id) ? $order_id
        : (preg_match(UUID_PATTERN, strtolower($order_id)) ? strtolower($order_id) : null);
    if ($ref === null) {
        return [null, no(400, 'the order_id is not a Pay.nl order id', $legacy)];
    }
    [$status, $body] = http_call($config, 'GET', "{$config['orders_url']}/v1/orders/$ref/status");
    if ($status === 404) {
        return [null, no(403, "Pay.nl knows no order $ref of this shop", $legacy)];
    }
    $order = $status === 200 ? read_order(json_decode($body, false, 64)) : null;
    if ($order === null) { // unreachable, 5xx, refused credentials, an answer we cannot read
        error_log("the order-status API could not be asked about $ref: HTTP $status");
        return [null, no(503, 'the order-status API could not be asked; try again', $legacy)];
    }
    return [$order, null];
}

/** The signed envelope's `object` read as an order, or null for anything else. */
function signed_order(string $raw): ?array
{
    $envelope = json_decode($raw, false, 64); // null for invalid JSON or invalid UTF-8
    if (!$envelope instanceof stdClass || !isset($envelope->object)) {
        return null;
    }
    return read_order($envelope->object);
}

/**
 * An order object (a signed call's `object`, or the order-status API's answer) as the
 * fields this shop uses; null when a field has the wrong JSON type (Pay.nl's SDK would
 * crash on it), so the caller refuses instead of guessing.
 */
function read_order(mixed $order): ?array
{
    if (!$order instanceof stdClass) {
        return null;
    }
    foreach (['id', 'type', 'serviceId', 'description', 'reference', 'manualTransferCode', 'orderId',
        'uuid', 'customerKey', 'receipt', 'createdAt', 'createdBy', 'modifiedAt', 'modifiedBy',
        'expiresAt', 'completedAt'] as $name) {
        if (isset($order->$name) && !is_string($order->$name)) {
            return null;
        }
    }
    $status = $order->status ?? null;
    $amount = $order->amount ?? null;
    if (!is_string($order->orderId ?? null) || $order->orderId === ''
        || !$status instanceof stdClass || !is_int($status->code ?? null)
        || (isset($status->action) && !is_string($status->action))
        || !$amount instanceof stdClass || !is_int($amount->value ?? null)
        || !is_string($amount->currency ?? null)) {
        return null;
    }
    return [
        'order_id' => $order->orderId,
        'reference' => $order->reference ?? null,
        'code' => $status->code,
        'action' => $status->action ?? '',
        'amount_value' => $amount->value,
        'currency' => $amount->currency,
    ];
}

/** The refusal when Pay.nl's order is not the shop's order as sold, else null. */
function compare(array $confirmed, array $shop_order, bool $legacy): ?Answer
{
    if ($confirmed['reference'] !== $shop_order['reference']) {
        return no(409, "Pay.nl order {$confirmed['order_id']} is not for {$shop_order['reference']}", $legacy);
    }
    $said = 'the order-status API says ' . status_text($confirmed['code'], $confirmed['action']);
    if (!in_array($confirmed['code'], ACCEPTED_CODES, true)) {
        return no(409, "$said: not a status this shop accepts", $legacy);
    }
    if ($confirmed['amount_value'] !== $shop_order['amount_value'] || $confirmed['currency'] !== $shop_order['currency']) {
        return no(409, "the order-status API says {$confirmed['amount_value']} {$confirmed['currency']}, but order "
            . "{$shop_order['reference']} is {$shop_order['amount_value']} {$shop_order['currency']}: not booked", $legacy);
    }
    return null;
}

/** Apply $order's status; $confirmed: it is the order-status API's answer. */
function settle(array $config, array $order, bool $confirmed, bool $legacy): Answer
{
    $reference = $order['reference'];
    $shop_order = is_string($reference) ? find_order($config, $reference) : null;
    if ($shop_order === null) {
        return no(403, 'no such order in this shop', $legacy);
    }
    if (in_array($order['code'], BOOKING_CODES, true)) {
        if (!$confirmed) { // a signed "paid" is not enough: ask the order-status API again
            [$rechecked, $refusal] = ask_order_api($config, $order['order_id'], $legacy);
            if ($rechecked === null) {
                return $refusal;
            }
            $order = $rechecked; // its status may have moved on
            $confirmed = true;
        }
        $refusal = compare($order, $shop_order, $legacy);
        if ($refusal !== null) {
            return $refusal;
        }
    } elseif (status_for($order['code']) === null) { // the order API itself said 0
        return no(409, 'the order-status API says ' . status_text($order['code'], $order['action']), $legacy);
    }
    [$accepted, $description] = apply_status($config, $shop_order['reference'], $order['order_id'], $order['code']);
    if (!$accepted) {
        return no(409, $description, $legacy);
    }
    $source = $confirmed ? 'the order-status API' : 'the signed call';
    return yes("$description (status from $source)", $legacy);
}

/**
 * Apply a verified status of Pay.nl order $order_id to the shop's order, under the
 * exclusive lock: books once (the first 100 or 95), lets 95 become 100 without a second
 * booking, ends an unbooked order on a negative code, acknowledges anything late
 * (a cancel after the booking) without undoing it. Returns [accepted, description].
 */
function apply_status(array $config, string $reference, string $order_id, int $code): array
{
    [$action, $category] = status_for($code);
    return with_orders($config, function (array &$orders) use ($reference, $order_id, $code, $action, $category): array {
        $order = $orders[$reference] ?? null;
        if ($order === null) {
            return [false, "no order $reference in this shop"];
        }
        if (!in_array($order['order_id'], [null, $order_id], true)) {
            return [false, "order $reference is paid through another Pay.nl order"];
        }
        foreach ($orders as $other => $row) {
            if ($other !== $reference && $row['order_id'] === $order_id) {
                return [false, "Pay.nl order $order_id belongs to another order"];
            }
        }
        $orders[$reference]['order_id'] = $order_id; // the first verified call names the Pay.nl order
        $state = $order['state'];
        $booked = $order['bookings'] > 0;
        $said = "$code $action";
        if ($category === 'paid' || $category === 'authorised') {
            if (!$booked) {
                $orders[$reference]['state'] = $category;
                $orders[$reference]['bookings'] = 1;
                $orders[$reference]['booked_at'] = now();
                return [true, "booked: $said, order $reference is $category"];
            }
            if ($state === 'authorised' && $category === 'paid') { // captured: no new booking
                $orders[$reference]['state'] = 'paid';
                return [true, "$said: the authorised payment was captured"];
            }
            return [true, "$said: already booked, nothing changed"];
        }
        if ($code < 0) {
            if ($booked) { // out of order or after the fact: never un-book here
                return [true, "$said after the booking: acknowledged, stays $state"];
            }
            $new_state = $category === 'denied' ? 'denied' : 'cancelled';
            $orders[$reference]['state'] = $new_state;
            return [true, "$said: order $reference is $new_state"];
        }
        return [true, "$said: nothing to book yet"];
    });
}
