"""``list``: streamed page by page, plain lines or --json, a spinner only on a terminal."""

from __future__ import annotations

import json

import pytest

from tests.cli.cli_support import CLI, KEY_ID, create


@pytest.fixture
def five_keys(cli: CLI) -> list[str]:
    """The bootstrap key and four more, in the order the API lists them."""
    for number in range(4):
        create(cli, f"key {number}")
    cli.recorder.sent.clear()
    return cli.key_ids()


def list_calls(cli: CLI) -> list:  # type: ignore[type-arg]
    return cli.recorder.api_calls("GET")


def test_plain_lines_one_per_key(cli: CLI, five_keys: list[str]) -> None:
    result = cli("list", "--page-size", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == five_keys
    assert all(len(line.split("\t")) == 4 for line in lines)
    assert result.stderr == ""  # no spinner off a terminal
    assert len(list_calls(cli)) == 3


def test_rows_of_each_page_are_printed_before_the_next_page_is_requested(
    cli: CLI, five_keys: list[str]
) -> None:
    result = cli("list", "--page-size", "2")
    assert result.exit_code == 0
    first, second, third = list_calls(cli)
    assert first.stdout_before == ""
    assert "pageToken" not in first.params
    assert second.params.get("pageToken")
    # page 1 was on stdout when page 2 was asked for, and page 3 not yet fetched
    assert five_keys[0] in second.stdout_before
    assert five_keys[1] in second.stdout_before
    assert five_keys[2] not in second.stdout_before
    assert five_keys[3] in third.stdout_before
    assert five_keys[4] not in third.stdout_before


def test_json_is_one_list_streamed_page_by_page(cli: CLI, five_keys: list[str]) -> None:
    result = cli("list", "--page-size", "2", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert isinstance(document, list)
    assert [k["accessKeyId"] for k in document] == five_keys
    assert set(document[0]) >= {
        "accessKeyId",
        "displayName",
        "projectId",
        "createTime",
        "updateTime",
    }
    assert all("secret" not in k for k in document)
    second = list_calls(cli)[1]
    assert five_keys[1] in second.stdout_before
    assert five_keys[2] not in second.stdout_before


def test_json_of_one_key(cli: CLI) -> None:
    result = cli("list", "--json")
    assert [k["accessKeyId"] for k in json.loads(result.stdout)] == [KEY_ID]


def test_default_page_size_is_one_request(cli: CLI, five_keys: list[str]) -> None:
    result = cli("list")
    assert result.exit_code == 0
    assert len(list_calls(cli)) == 1
    assert list_calls(cli)[0].params["pageSize"] == "100"


def test_terminal_shows_tables_and_a_spinner_only_while_more_pages_follow(
    cli: CLI, five_keys: list[str], terminal: None
) -> None:
    result = cli("list", "--page-size", "2")
    assert result.exit_code == 0, result.output
    for key_id in five_keys:
        assert key_id in result.stdout
    assert "ID" in result.stdout
    assert "NAME" in result.stdout
    assert "5 access keys" in result.stdout
    assert "Fetching page 2" in result.stderr
    assert "Fetching page 3" in result.stderr
    assert "Fetching page 1" not in result.stderr
    assert "Fetching page 4" not in result.stderr  # page 3 was the last
    second = list_calls(cli)[1]
    assert five_keys[0] in second.stdout_before  # streamed on a terminal too


def test_terminal_single_page_has_no_spinner(cli: CLI, terminal: None) -> None:
    result = cli("list")
    assert result.exit_code == 0
    assert "Fetching" not in result.stderr
    assert KEY_ID in result.stdout


def test_names_are_not_read_as_markup(cli: CLI, terminal: None) -> None:
    create(cli, "[bold]not bold[/bold]")
    result = cli("list")
    assert "[bold]not bold[/bold]" in result.stdout


def test_an_error_on_a_later_page_keeps_the_rows_already_printed(
    cli: CLI, five_keys: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from sinch_keys.cli import _session

    inner = cli.recorder

    class FailSecondPage(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.params.get("pageToken"):
                return httpx.Response(
                    403,
                    json={"error": {"code": 403, "message": "no", "status": "PERMISSION_DENIED"}},
                )
            return inner.handle_request(request)

    monkeypatch.setattr(
        _session, "make_http_client", lambda: httpx.Client(transport=FailSecondPage())
    )
    result = cli("list", "--page-size", "2")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].startswith(five_keys[0])
    assert result.stderr.strip() == "error: 403 PERMISSION_DENIED: no"
