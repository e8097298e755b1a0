package com.acme.shop.payments;

import com.acme.shop.payments.http.GatewayClient;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Charges cards through the external payment gateway. */
public final class PaymentGateway {
    private final GatewayClient client;

    public PaymentGateway(GatewayClient client) {
        this.client = client;
    }

    public String charge(String orderId, long amountCents) {
        GatewayClient.Response response;
        try {
            response = client.post("/v2/charges", orderId, amountCents);
        } catch (IOException e) {
            response = GatewayClient.Response.empty(e);
        }
        if (response.authorizationId() == null) {
            throw new IllegalStateException(
                    "Gateway response missing authorization id for order " + orderId, response.cause());
        }
        return response.authorizationId();
    }
}
