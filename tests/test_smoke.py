import pytest

pytestmark = pytest.mark.django_db


def test_liveness(client):
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
