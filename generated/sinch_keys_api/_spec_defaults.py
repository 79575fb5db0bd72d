"""Defaults read from the OpenAPI description at generation time (tools/spec/generate.py)."""

BASE_URL = 'https://account.api.sinch.com'
TOKEN_URL = 'https://auth.sinch.com/oauth2/token'
