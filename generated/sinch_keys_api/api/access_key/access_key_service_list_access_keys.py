from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error import Error
from ...models.list_access_keys_response import ListAccessKeysResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    project_id: str,
    *,
    page_size: int | Unset = 100,
    page_token: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["pageSize"] = page_size

    params["pageToken"] = page_token

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/projects/{project_id}/accessKeys".format(
            project_id=quote(str(project_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Error | ListAccessKeysResponse | None:
    if response.status_code == 200:
        response_200 = ListAccessKeysResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Error | ListAccessKeysResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = 100,
    page_token: str | Unset = UNSET,
) -> Response[Error | ListAccessKeysResponse]:
    """List Keys

     Lists all Access Keys for project.

    Args:
        project_id (str):
        page_size (int | Unset):  Default: 100.
        page_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListAccessKeysResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        page_size=page_size,
        page_token=page_token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = 100,
    page_token: str | Unset = UNSET,
) -> Error | ListAccessKeysResponse | None:
    """List Keys

     Lists all Access Keys for project.

    Args:
        project_id (str):
        page_size (int | Unset):  Default: 100.
        page_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListAccessKeysResponse
    """

    return sync_detailed(
        project_id=project_id,
        client=client,
        page_size=page_size,
        page_token=page_token,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = 100,
    page_token: str | Unset = UNSET,
) -> Response[Error | ListAccessKeysResponse]:
    """List Keys

     Lists all Access Keys for project.

    Args:
        project_id (str):
        page_size (int | Unset):  Default: 100.
        page_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | ListAccessKeysResponse]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        page_size=page_size,
        page_token=page_token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    *,
    client: AuthenticatedClient | Client,
    page_size: int | Unset = 100,
    page_token: str | Unset = UNSET,
) -> Error | ListAccessKeysResponse | None:
    """List Keys

     Lists all Access Keys for project.

    Args:
        project_id (str):
        page_size (int | Unset):  Default: 100.
        page_token (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | ListAccessKeysResponse
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            client=client,
            page_size=page_size,
            page_token=page_token,
        )
    ).parsed
