<?php
// Shared by exchange.php and shop_routes.php: configuration, the shop's orders (one
// JSON file under flock), the order-status table and a small curl helper.
//
// Plain PHP 8 with ext-curl and ext-json; no framework, no database extension.
// Nothing here logs or prints the secret.

declare(strict_types=1);

const REFERENCE_PATTERN = '/^SHOP-[0-9A-F]{10}$/';
const ORDER_ID_PATTERN = '/^[4-9][0-9]{10}X[0-9a-f]{4}$/';
const UUID_PATTERN = '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/';
const AWAITING = 'awaiting payment';

/** One setting from the environment; a missing one is a configuration error. */
function setting(string $name, ?string $default = null): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        if ($default !== null) {
            return $default;
        }
        throw new RuntimeException("set the environment variable $name");
    }
    return $value;
}

/** @return array{base_url: string, orders_url: string, sl_code: string, secret: string, data: string} */
function config(): array
{
    $base = rtrim(setting('PAYPARTS_BASE_URL'), '/');
    return [
        'base_url' => $base,                                   // the Pay.Parts host (or the sandbox)
        'orders_url' => rtrim(setting('PAYPARTS_ORDERS_URL', $base), '/'), // Pay.nl: https://connect.pay.nl
        'sl_code' => trim(setting('PAYPARTS_SL_CODE')),        // the key id in Signature-KeyID
        'secret' => setting('PAYPARTS_SECRET'),                // the HMAC key; never printed
        'data' => rtrim(setting('PAYPARTS_SHOP_DATA'), '/'),   // where orders.json lives
    ];
}

function send_json(int $status, array $data): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    header('Cache-Control: no-store');
    echo json_encode($data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
}

function now(): string
{
    return gmdate('Y-m-d\TH:i:s\Z');
}

// --- the shop's orders: one JSON file, every change under an exclusive flock ----------

/**
 * Run $change(array &$orders) with the orders file locked exclusively, and write the
 * result back before the lock is released. Two exchange calls for the same payment (a
 * retry racing the first try) run one after the other here, so only one of them can
 * see "not booked yet". With $write false the lock is shared and nothing is written.
 */
function with_orders(array $config, callable $change, bool $write = true): mixed
{
    if (!is_dir($config['data']) && !mkdir($config['data'], 0700, true) && !is_dir($config['data'])) {
        throw new RuntimeException('cannot create the shop data directory');
    }
    $handle = fopen($config['data'] . '/orders.json', 'c+');
    if ($handle === false) {
        throw new RuntimeException('cannot open the orders file');
    }
    try {
        if (!flock($handle, $write ? LOCK_EX : LOCK_SH)) {
            throw new RuntimeException('cannot lock the orders file');
        }
        $text = stream_get_contents($handle);
        $orders = ($text === false || $text === '') ? [] : json_decode($text, true, 16, JSON_THROW_ON_ERROR);
        $result = $change($orders);
        if ($write) {
            $encoded = json_encode($orders, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
            ftruncate($handle, 0);
            rewind($handle);
            if (fwrite($handle, $encoded) !== strlen($encoded) || !fflush($handle)) {
                throw new RuntimeException('cannot write the orders file');
            }
        }
        return $result;
    } finally {
        flock($handle, LOCK_UN);
        fclose($handle);
    }
}

function find_order(array $config, string $reference): ?array
{
    if (!preg_match(REFERENCE_PATTERN, $reference)) {
        return null; // anything else never reaches the store
    }
    return with_orders($config, fn (array &$orders) => $orders[$reference] ?? null, false);
}

/** What GET /orders/{reference} answers (docs/reference-shop.md). */
function order_json(array $order): array
{
    return [
        'reference' => $order['reference'],
        'state' => $order['state'],
        'orderId' => $order['order_id'],
        'amount' => ['value' => $order['amount_value'], 'currency' => $order['currency']],
        'bookings' => $order['bookings'],
    ];
}

// --- Pay.nl's status codes (PayStatus in Pay.nl's PHP SDK) ----------------------------

/** [action, category] for a code; null for 0, an unknown positive code or a non-integer. */
function status_for(mixed $code): ?array
{
    static $table = [
        20 => ['PENDING', 'pending'], 25 => ['PENDING', 'pending'], 50 => ['PENDING', 'pending'],
        90 => ['PENDING', 'pending'], 98 => ['PENDING', 'pending'],
        75 => ['CONFIRMED', 'confirmed'], 76 => ['CONFIRMED', 'confirmed'],
        80 => ['PARTIAL_PAYMENT', 'partial payment'], 85 => ['VERIFY', 'verify'],
        95 => ['AUTHORIZE', 'authorised'], 97 => ['PARTLY_CAPTURED', 'partly captured'],
        100 => ['PAID', 'paid'],
        -61 => ['VOID', 'void'], -63 => ['DENIED', 'denied'], -64 => ['DENIED', 'denied'],
        -70 => ['CHARGEBACK', 'chargeback'], -71 => ['CHARGEBACK', 'chargeback'],
        -72 => ['REFUND', 'refunded'], -81 => ['REFUND', 'refunded'],
        -82 => ['PARTIAL_REFUND', 'partially refunded'],
        -80 => ['EXPIRED', 'cancelled'], -90 => ['CANCEL', 'cancelled'],
    ];
    if (!is_int($code)) {
        return null;
    }
    return $table[$code] ?? ($code < 0 ? ['CANCEL', 'cancelled'] : null);
}

function status_text(int $code, string $action): string
{
    $status = status_for($code);
    return $status === null ? "$code $action (not a status Pay.nl's SDK knows)" : "$code $status[0] ($status[1])";
}

// --- HTTP to Pay.nl --------------------------------------------------------------------

/**
 * One request with Basic auth and short timeouts (Pay.nl waits at most 5 s for the
 * exchange answer). Returns [HTTP status, body], or [0, ''] when nothing answered.
 */
function http_call(array $config, string $method, string $url, ?string $json = null): array
{
    $curl = curl_init($url);
    $options = [
        CURLOPT_CUSTOMREQUEST => $method,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_HTTPAUTH => CURLAUTH_BASIC,
        CURLOPT_USERPWD => $config['sl_code'] . ':' . $config['secret'],
        CURLOPT_HTTPHEADER => ['Accept: application/json', 'Content-Type: application/json'],
        CURLOPT_CONNECTTIMEOUT => 2,
        CURLOPT_TIMEOUT => 4,
        CURLOPT_FOLLOWLOCATION => false,
        CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
    ];
    if ($json !== null) {
        $options[CURLOPT_POSTFIELDS] = $json;
    }
    curl_setopt_array($curl, $options);
    $body = curl_exec($curl);
    $status = $body === false ? 0 : (int) curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    return [$status, $body === false ? '' : (string) $body];
}
