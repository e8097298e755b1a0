def test_catalog_lists_regional_prices(client):
    resp = client.get("/api/catalog?region=eu-west")
    assert resp.status_code == 200
