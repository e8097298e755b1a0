def test_checkout_reserves_stock(client, payload):
    resp = client.post("/api/checkout", json=payload)
    assert resp.status_code == 201


def test_checkout_applies_coupon(client, payload):
    resp = client.post("/api/checkout", json={**payload, "coupon": "WINTER25"})
    assert resp.json()["total"] == "75.00"
