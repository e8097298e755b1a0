package com.acme.shop.payments.http;

import java.io.IOException;

/** Thin HTTP client for the payment gateway (30 s read timeout). */
public interface GatewayClient {
    Response post(String path, String orderId, long amountCents) throws IOException;

    record Response(String authorizationId, Throwable cause) {
        public static Response empty(Throwable cause) {
            return new Response(null, cause);
        }
    }
}
