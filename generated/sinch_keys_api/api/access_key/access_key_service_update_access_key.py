from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.access_key import AccessKey
from ...models.error import Error
from ...models.update_access_key import UpdateAccessKey
from ...types import Response


def _get_kwargs(
    project_id: str,
    access_key_id: str,
    *,
    body: UpdateAccessKey,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/projects/{project_id}/accessKeys/{access_key_id}".format(
            project_id=quote(str(project_id), safe=""),
            access_key_id=quote(str(access_key_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AccessKey | Error | None:
    if response.status_code == 200:
        response_200 = AccessKey.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Error.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Error.from_dict(response.json())

        return response_409

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AccessKey | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    project_id: str,
    access_key_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateAccessKey,
) -> Response[AccessKey | Error]:
    """Update Access Key

     Updates an Access Key with new information.

    Args:
        project_id (str):
        access_key_id (str):
        body (UpdateAccessKey): Update Access Key request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessKey | Error]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        access_key_id=access_key_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    project_id: str,
    access_key_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateAccessKey,
) -> AccessKey | Error | None:
    """Update Access Key

     Updates an Access Key with new information.

    Args:
        project_id (str):
        access_key_id (str):
        body (UpdateAccessKey): Update Access Key request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessKey | Error
    """

    return sync_detailed(
        project_id=project_id,
        access_key_id=access_key_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    project_id: str,
    access_key_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateAccessKey,
) -> Response[AccessKey | Error]:
    """Update Access Key

     Updates an Access Key with new information.

    Args:
        project_id (str):
        access_key_id (str):
        body (UpdateAccessKey): Update Access Key request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AccessKey | Error]
    """

    kwargs = _get_kwargs(
        project_id=project_id,
        access_key_id=access_key_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    project_id: str,
    access_key_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: UpdateAccessKey,
) -> AccessKey | Error | None:
    """Update Access Key

     Updates an Access Key with new information.

    Args:
        project_id (str):
        access_key_id (str):
        body (UpdateAccessKey): Update Access Key request.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AccessKey | Error
    """

    return (
        await asyncio_detailed(
            project_id=project_id,
            access_key_id=access_key_id,
            client=client,
            body=body,
        )
    ).parsed
