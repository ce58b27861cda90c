from partnership import services


def token_headers(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {services.issue_api_token(user=user).key}"}
