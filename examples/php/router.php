<?php
// The router for PHP's built-in server:
//
//   PAYPARTS_BASE_URL=… PAYPARTS_SL_CODE=… PAYPARTS_SECRET=… PAYPARTS_SHOP_DATA=… \
//     php -S 127.0.0.1:8080 examples/php/router.php
//
// POST /exchange → exchange.php; POST /checkout, GET /orders/{reference} → shop_routes.php;
// anything else a JSON 404 (never a file of this directory: the router serves no files).

declare(strict_types=1);

ini_set('display_errors', '0'); // a warning must never reach the answer
ini_set('log_errors', '1');

require_once __DIR__ . '/exchange.php';
require_once __DIR__ . '/shop_routes.php';

function route(string $method, string $path): void
{
    if ($path === '/exchange') {
        $method === 'POST' ? exchange_endpoint() : method_not_allowed('POST');
        return;
    }
    if ($path === '/checkout') {
        $method === 'POST' ? checkout_endpoint() : method_not_allowed('POST');
        return;
    }
    if (preg_match('#^/orders/([^/]+)$#', $path, $match)) {
        $method === 'GET' ? order_status_endpoint(rawurldecode($match[1])) : method_not_allowed('GET');
        return;
    }
    send_json(404, ['error' => 'not found']);
}

function method_not_allowed(string $allowed): void
{
    header("Allow: $allowed");
    send_json(405, ['error' => "use $allowed"]);
}

try {
    route((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'), (string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH));
} catch (Throwable $error) {
    error_log('request failed: ' . get_class($error));
    if (!headers_sent()) {
        send_json(503, ['error' => 'the shop could not answer now; try again']);
    }
}
return true;
