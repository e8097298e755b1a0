package com.acme.shop.payments;

/** Captures the payment for a reserved checkout. */
public final class CheckoutPayment {
    private final PaymentGateway gateway;

    public CheckoutPayment(PaymentGateway gateway) {
        this.gateway = gateway;
    }

    public String capture(String orderId, long amountCents) {
        return gateway.charge(orderId, amountCents);
    }
}
