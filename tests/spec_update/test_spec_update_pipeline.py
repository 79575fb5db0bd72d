"""The spec-update pipeline end to end, on a temporary copy of the repository's spec files.

Each test feeds a variant of the real upstream description (made here, never by editing
spec/upstream.yaml) and checks what is reported, written, regenerated and returned.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.spec_update.spec_update_support import (
    ROOT,
    copy_repo,
    facade_missing,
    load_upstream,
    run_with_generated,
    snapshot,
    write_variant,
)
from tools.spec import update
from tools.spec.release import ChangeClass, bump, read_version
from tools.spec.update import EXIT_BREAKING, EXIT_ERROR, EXIT_OK, EXIT_TESTS, Paths, run
from tools.spec.variants import description_only, fresh

LIST = "/v1/projects/{projectId}/accessKeys"
ITEM = "/v1/projects/{projectId}/accessKeys/{accessKeyId}"
# a host the vendor's document does not name, whatever host it names today
NEW_SERVER = "https://moved." + yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))[
    "servers"
][0]["url"].removeprefix("https://").rstrip("/")


@pytest.fixture(scope="module", autouse=True)
def real_repository_untouched() -> Iterator[None]:
    """Guard: these tests only ever write below tmp_path (checked after the module ran)."""
    watched = [ROOT / "spec", ROOT / "generated" / "sinch_keys_api"]
    before = [snapshot(path) for path in watched]
    files = [ROOT / "openapi.yaml", ROOT / "sinch_keys" / "_version.py", ROOT / "CHANGELOG.md"]
    contents = [path.read_bytes() if path.exists() else None for path in files]
    yield
    assert [snapshot(path) for path in watched] == before
    assert [path.read_bytes() if path.exists() else None for path in files] == contents


# a field and a list parameter the vendor's document does not have (it may add a region one day)
FIELD = fresh(load_upstream()["components"]["schemas"]["AccessKey"]["properties"], "region", "zone")
PARAM = fresh(
    {p["name"] for p in load_upstream()["paths"][LIST]["get"]["parameters"]},
    "newParam",
    "extraParam",
)
PARAM_PYTHON = {"newParam": "new_param", "extraParam": "extra_param"}[PARAM]


def named(code: str) -> str:
    """``code`` written with ``region`` and ``newParam``, using the names chosen above."""
    return code.replace("region", FIELD).replace("newParam", PARAM)


def run_quiet(source: str, paths: Paths, **kwargs: Any) -> update.UpdateResult:
    """Run the pipeline on ``paths`` (every path explicit), its report kept out of the log."""
    kwargs.setdefault("skip_tests", True)
    return run(
        source,
        root=paths.root,
        upstream=paths.upstream,
        overlay=paths.overlay,
        curated=paths.curated,
        generated=paths.generated,
        changes_file=paths.changes,
        out=io.StringIO(),
        **kwargs,
    )


def add_optional_field_and_param(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["AccessKey"]["properties"][FIELD] = {
        "type": "string",
        "description": "Where the key lives.",
    }
    doc["paths"][LIST]["get"]["parameters"].append(
        {"name": PARAM, "in": "query", "required": False, "schema": {"type": "string"}}
    )


def change_server(doc: dict[str, Any]) -> None:
    doc["servers"] = [{"url": NEW_SERVER}]


# ---- (a) unchanged ---------------------------------------------------------------------------


def test_unchanged_upstream_reports_no_changes_and_rewrites_nothing(repo: Paths) -> None:
    before = snapshot(repo.root)
    out = io.StringIO()
    result = run(str(ROOT / "spec" / "upstream.yaml"), root=repo.root, skip_tests=True, out=out)
    assert result.exit_code == EXIT_OK
    assert "no changes" in out.getvalue()
    assert result.changes == []
    assert result.written == []
    assert snapshot(repo.root) == before  # same bytes, same mtimes, no CHANGES.md
    assert not repo.changes.exists()


def test_unchanged_content_in_json_form_is_still_no_change(repo: Paths, variant: Any) -> None:
    before = snapshot(repo.root)
    result = run_quiet(variant(lambda doc: None), repo)
    assert result.exit_code == EXIT_OK
    assert result.written == []
    assert snapshot(repo.root) == before


# ---- (b) additive changes ----------------------------------------------------------------


@pytest.fixture(scope="module")
def additive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, update.UpdateResult]:
    """One pipeline run (generator included) on a new optional field and query parameter;
    the "test suite" is a probe that the regenerated package is the one tested."""
    tmp = tmp_path_factory.mktemp("additive")
    paths = copy_repo(tmp / "repo")
    source = write_variant(tmp / "upstream.json", add_optional_field_and_param)
    probe = (
        "import sinch_keys_api, sys; "
        f"sys.exit(0 if sinch_keys_api.__file__.startswith({str(paths.generated)!r}) else 9)"
    )
    result = run_quiet(source, paths, skip_tests=False, test_command=[sys.executable, "-c", probe])
    return paths, result


def test_additive_changes_are_non_breaking_and_regenerated(
    additive: tuple[Paths, update.UpdateResult],
) -> None:
    paths, result = additive
    assert result.exit_code == EXIT_OK, result.markdown
    rules = {(c.rule, c.breaking) for c in result.changes}
    assert ("response-property-added", False) in rules
    assert ("new-optional-request-parameter", False) in rules
    assert not result.breaking
    # written: upstream in YAML form, curated spec, generated code, the release, the report
    assert set(result.written) == {
        paths.upstream,
        paths.curated,
        paths.generated,
        paths.version,
        paths.changelog,
        paths.changes,
    }
    assert result.change_class == "additive"
    assert result.tests == "passed"
    assert (
        yaml.safe_load(paths.upstream.read_text())["paths"][LIST]["get"]["parameters"][-1]["name"]
        == PARAM
    )
    markdown = paths.changes.read_text()
    assert f"`{FIELD}`" in markdown
    assert f"`{PARAM}`" in markdown
    assert "tests passed" in markdown
    model = (paths.generated / "models" / "access_key.py").read_text()
    assert FIELD in model
    list_call = paths.generated / "api" / "access_key" / "access_key_service_list_access_keys.py"
    assert PARAM_PYTHON in list_call.read_text()


def test_additive_changes_reach_the_facade_through_a_mock_transport(
    additive: tuple[Paths, update.UpdateResult],
) -> None:
    """The same check as against the emulator, with httpx.MockTransport standing in for it."""
    reason = facade_missing(emulator=False)
    assert reason is None, reason  # a broken import is a failure, never a skip
    paths, _ = additive
    done = run_with_generated(
        paths.generated,
        named(
            """
        import attrs, httpx, sinch_keys

        sent = []

        def handler(request):
            sent.append(request)
            if request.url.path.endswith("/token"):
                return httpx.Response(
                    200, json={"access_token": "t", "expires_in": 3600, "token_type": "bearer"}
                )
            if request.url.path.endswith("/accessKeys"):
                return httpx.Response(200, json={"accessKeys": [], "nextPageToken": ""})
            return httpx.Response(200, json={
                "accessKeyId": "k-1", "displayName": "ci", "projectId": "p",
                "createTime": "2024-01-02T03:04:05Z", "updateTime": "2024-01-02T03:04:05Z",
                "region": "eu-1",
            })

        client = sinch_keys.SinchKeys(
            project_id="p", key_id="k", key_secret="s",
            base_url="https://api.test", token_url="https://auth.test/oauth2/token",
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )
        key = client.access_keys.get("k-1")
        assert "region" in attrs.fields_dict(type(key)), type(key)
        assert key.region == "eu-1", key.region
        assert "region" not in key.additional_properties
        list(client.access_keys.list(extra_query={"newParam": "x"}))
        assert sent[-1].url.params["newParam"] == "x", sent[-1].url
        print("facade ok")
        """
        ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "facade ok" in done.stdout


def test_additive_changes_reach_the_facade_against_the_emulator(
    additive: tuple[Paths, update.UpdateResult],
) -> None:
    reason = facade_missing()
    assert reason is None, reason  # a broken import is a failure, never a skip
    paths, _ = additive
    done = run_with_generated(
        paths.generated,
        named(
            """
        import attrs, httpx, sinch_keys
        from sinch_keys.testing import Emulator, Fault

        emu = Emulator()
        client = sinch_keys.SinchKeys(
            project_id=emu.project_id, key_id=emu.key_id, key_secret=emu.key_secret,
            base_url=emu.base_url, token_url=emu.token_url,
            http_client=httpx.Client(transport=emu.transport),
        )
        body = {
            "accessKeyId": "k-1", "displayName": "ci", "projectId": emu.project_id,
            "createTime": "2024-01-02T03:04:05Z", "updateTime": "2024-01-02T03:04:05Z",
            "region": "eu-1",
        }
        emu.faults.script("get", Fault(status=200, body=body))
        key = client.access_keys.get("k-1")
        # a real attribute of the regenerated model, not a leftover in additional_properties
        assert "region" in attrs.fields_dict(type(key)), type(key)
        assert key.region == "eu-1", key.region
        assert "region" not in key.additional_properties

        list(client.access_keys.list(extra_query={"newParam": "x"}))
        query = emu.requests[-1].query
        if isinstance(query, bytes):
            query = query.decode()
        if isinstance(query, str):
            from urllib.parse import parse_qs
            query = parse_qs(query)
        value = query["newParam"]
        assert value in ("x", ["x"]), query
        print("facade ok")
        """
        ),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "facade ok" in done.stdout


# ---- (c) breaking changes ------------------------------------------------------------------


def remove_response_field(doc: dict[str, Any]) -> None:
    del doc["components"]["schemas"]["ListAccessKeysResponse"]["properties"]["nextPageToken"]


def remove_operation(doc: dict[str, Any]) -> None:
    del doc["paths"][ITEM]["delete"]


def require_new_request_field(doc: dict[str, Any]) -> None:
    schema = doc["components"]["schemas"]["CreateAccessKey"]
    schema["properties"]["scope"] = {"type": "string"}
    schema["required"] = ["scope"]


def change_type(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["AccessKey"]["properties"]["displayName"]["type"] = "integer"


@pytest.mark.parametrize(
    ("edit", "rule", "mention"),
    [
        (remove_response_field, "response-property-removed", "`nextPageToken` removed"),
        (remove_operation, "operation-removed", "AccessKeyService_DeleteAccessKey"),
        (require_new_request_field, "new-required-request-property", "new required field"),
        (change_type, "response-schema-type-changed", "from `string` to `integer`"),
    ],
    ids=["removed-response-field", "removed-operation", "new-required-field", "changed-type"],
)
def test_breaking_change_is_reported_and_fails(
    repo: Paths,
    variant: Any,
    edit: Callable[[dict[str, Any]], None],
    rule: str,
    mention: str,
) -> None:
    result = run_quiet(variant(edit), repo)
    assert result.exit_code == EXIT_BREAKING
    breaking = [c for c in result.changes if c.breaking]
    assert rule in {c.rule for c in breaking}, result.markdown
    markdown = repo.changes.read_text()
    assert "## Breaking changes" in markdown
    assert mention in markdown
    assert "**BREAKING**" in markdown
    # the files are still written, so the change can be reviewed in a pull request
    assert repo.curated in result.written
    assert repo.generated in result.written


def test_allow_breaking_exits_zero_but_still_reports(repo: Paths, variant: Any) -> None:
    result = run_quiet(variant(remove_operation), repo, allow_breaking=True)
    assert result.exit_code == EXIT_OK
    assert result.breaking
    assert "--allow-breaking" in repo.changes.read_text()


def test_failing_test_suite_exits_non_zero(repo: Paths, variant: Any) -> None:
    fail = [sys.executable, "-c", "raise SystemExit(1)"]
    result = run_quiet(variant(change_server), repo, skip_tests=False, test_command=fail)
    assert result.exit_code == EXIT_TESTS
    assert "tests FAILED" in repo.changes.read_text()


# ---- (d) overlay target vanished -----------------------------------------------------------


def rename_create_schema(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    schemas["NewAccessKeyRequest"] = schemas.pop("CreateAccessKey")
    body = doc["paths"][LIST]["post"]["requestBody"]["content"]["application/json"]
    body["schema"]["$ref"] = "#/components/schemas/NewAccessKeyRequest"


def test_vanished_overlay_target_is_reported_by_name_and_nothing_written(
    repo: Paths, variant: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo.root)
    result = run_quiet(variant(rename_create_schema), repo)
    assert result.exit_code == EXIT_ERROR
    err = capsys.readouterr().err
    for name in ("require-create-displayName", "fix-create-request-description"):
        assert name in result.error
        assert name in err
    assert "require-update-displayName" not in result.error
    assert snapshot(repo.root) == before


# ---- (e) server URL --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def new_server(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, update.UpdateResult]:
    tmp = tmp_path_factory.mktemp("server")
    paths = copy_repo(tmp / "repo")
    result = run_quiet(write_variant(tmp / "upstream.json", change_server), paths)
    return paths, result


def test_server_change_is_reported_and_defaults_follow(
    new_server: tuple[Paths, update.UpdateResult],
) -> None:
    paths, result = new_server
    assert result.exit_code == EXIT_OK
    [change] = [c for c in result.changes if c.rule == "server-url-changed"]
    assert change.prominent
    assert not change.breaking
    markdown = paths.changes.read_text()
    assert "## Attention: servers and authentication" in markdown
    assert NEW_SERVER in markdown
    namespace: dict[str, Any] = {}
    exec((paths.generated / "_spec_defaults.py").read_text(), namespace)
    assert namespace["BASE_URL"] == NEW_SERVER


def test_server_change_reaches_the_facade_default(
    new_server: tuple[Paths, update.UpdateResult],
) -> None:
    reason = facade_missing(emulator=False)
    assert reason is None, reason  # a broken import is a failure, never a skip
    paths, _ = new_server
    done = run_with_generated(
        paths.generated,
        f"""
        import sinch_keys
        client = sinch_keys.SinchKeys(project_id="p", key_id="k", key_secret="s")
        url = getattr(client, "base_url", None) or getattr(client, "_base_url", None)
        assert str(url).rstrip("/") == {NEW_SERVER!r}, url
        print("facade ok")
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "facade ok" in done.stdout


# ---- the command line --------------------------------------------------------------------


def test_main_returns_the_exit_code(repo: Paths, variant: Any) -> None:
    source = variant(remove_response_field)
    code = update.main([source, "--root", str(repo.root), "--skip-tests"])
    assert code == EXIT_BREAKING
    assert yaml.safe_load(repo.curated.read_text())  # still valid YAML


def test_paths_layout() -> None:
    paths = update.Paths.under(Path("/r"))
    assert paths.generated == Path("/r/generated/sinch_keys_api")
    assert paths.changes == Path("/r/spec/CHANGES.md")
    assert paths.version == Path("/r/sinch_keys/_version.py")
    assert paths.changelog == Path("/r/CHANGELOG.md")


# ---- classification before tests, and the release ----------------------------------------


def test_breaking_change_is_classified_before_any_test_runs(
    tmp_path: Path, repo: Paths, variant: Any
) -> None:
    sentinel = tmp_path / "tests-ran"
    touch = [sys.executable, "-c", f"open({str(sentinel)!r}, 'w').close()"]
    result = run_quiet(variant(remove_response_field), repo, skip_tests=False, test_command=touch)
    assert result.exit_code == EXIT_BREAKING
    assert result.tests == "not-run"
    assert not sentinel.exists()
    assert "tests not run" in repo.changes.read_text()
    # --allow-breaking: the same change, and now the tests do run
    other = copy_repo(tmp_path / "other")
    allowed = run_quiet(
        variant(remove_response_field), other, skip_tests=False, test_command=touch,
        allow_breaking=True,
    )  # fmt: skip
    assert allowed.exit_code == EXIT_OK
    assert sentinel.exists()
    assert allowed.change_class == "breaking"


def test_additive_change_releases_a_patch_with_a_dated_changelog_entry(
    additive: tuple[Paths, update.UpdateResult],
) -> None:
    paths, result = additive
    before = read_version(ROOT / "sinch_keys" / "_version.py")
    expected = bump(before, ChangeClass.ADDITIVE)
    assert (result.version_before, result.version_after) == (before, expected)
    assert read_version(paths.version) == expected
    changelog = paths.changelog.read_text()
    assert result.entry in changelog
    assert result.entry.startswith(f"## [{expected}] - ")
    assert f"`{FIELD}`" in result.entry
    assert changelog.index("## [Unreleased]") < changelog.index(f"## [{expected}]")
    # the pull request body carries the entry, then the full report
    assert paths.changes.read_text().startswith(result.entry)


def test_breaking_change_releases_a_minor_with_breaking_items_first(
    repo: Paths, variant: Any
) -> None:
    before = read_version(repo.version)
    result = run_quiet(variant(require_new_request_field), repo, today=date(2030, 1, 2))
    assert result.version_after == bump(before, ChangeClass.BREAKING)
    entry = result.entry
    assert entry.startswith(f"## [{result.version_after}] - 2030-01-02\n")
    first = next(line for line in entry.splitlines() if line.startswith("- "))
    assert first.startswith("- **Breaking:**")
    assert entry in repo.changelog.read_text()


def test_description_only_change_is_a_docs_release(repo: Paths, variant: Any) -> None:
    before = read_version(repo.version)
    result = run_quiet(variant(description_only), repo)
    assert result.exit_code == EXIT_OK
    assert result.changes == []
    assert result.change_class == "docs"
    assert result.version_after == bump(before, ChangeClass.DOCS)
    assert "the API did not" in result.entry
    assert repo.generated in result.written


def test_upstream_change_the_overlay_already_made_is_no_release(repo: Paths, variant: Any) -> None:
    def vendor_fixes_its_example(doc: dict[str, Any]) -> None:
        example = doc["components"]["responses"]["503Error"]["content"]["application/json"]
        example["example"]["error"]["code"] = 503  # what our overlay sets

    before = snapshot(repo.root)
    result = run_quiet(variant(vendor_fixes_its_example), repo)
    assert result.exit_code == EXIT_OK
    assert result.change_class == "none"
    assert set(result.written) == {repo.upstream, repo.changes}
    after = snapshot(repo.root)
    assert {name for name in after if after[name] != before.get(name)} == {
        "spec/upstream.yaml",
        "spec/CHANGES.md",
    }


def test_same_document_in_another_key_order_is_no_change(repo: Paths, tmp_path: Path) -> None:
    source = tmp_path / "sorted.yaml"
    source.write_text(yaml.safe_dump(load_upstream(), sort_keys=True), encoding="utf-8")
    before = snapshot(repo.root)
    result = run_quiet(str(source), repo)
    assert result.exit_code == EXIT_OK
    assert result.written == []
    assert snapshot(repo.root) == before


def test_a_version_the_pipeline_cannot_bump_fails_before_writing(repo: Paths, variant: Any) -> None:
    repo.version.write_text('__version__ = "1.0.0rc1"\n', encoding="utf-8")
    before = snapshot(repo.root)
    result = run_quiet(variant(change_server), repo)
    assert result.exit_code == EXIT_ERROR
    assert "1.0.0rc1" in result.error
    assert snapshot(repo.root) == before
