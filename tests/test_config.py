"""Strict configuration: origins.yml through a schema (typos, unknown keys, YAML syntax errors exit 4, named)."""

import pytest

from sources.errors import ConfigError
from sources.ingestion.origins import configured_origins
from sources.ingestion.settings import Origin, Settings


def _settings(tmp_path, text: str) -> Settings:
    path = tmp_path / "origins.yml"
    path.write_text(text, encoding="utf-8")
    return Settings(data_dir=tmp_path, home=tmp_path, origins_path=path)


def test_paths_urls_and_checksums(tmp_path):
    settings = _settings(
        tmp_path,
        f"dgcl_epci:\n  - /data/2015.csv\n  - url: https://example.org/2016.csv\n    sha256: {'AB' * 32}\n"
        "insee_rp_age: /data/btx.zip\n",
    )
    assert configured_origins(settings) == {
        "dgcl_epci": [Origin("/data/2015.csv"), Origin("https://example.org/2016.csv", "AB" * 32)],
        "insee_rp_age": [Origin("/data/btx.zip")],
    }


def test_empty_or_absent_file_means_no_origins(tmp_path):
    assert configured_origins(_settings(tmp_path, "# nothing yet\n")) == {}
    assert configured_origins(Settings(data_dir=tmp_path, home=tmp_path, origins_path=tmp_path / "none.yml")) == {}


def test_unknown_source_id_lists_the_valid_ones(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown source id\(s\) \['dgcl_epic'\].*dgcl_epci.*insee_population"):
        configured_origins(_settings(tmp_path, "dgcl_epic:\n  - /data/2015.csv\n"))


def test_unknown_key_lists_the_valid_keys(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key.*sha265.*valid keys: path, sha256, url"):
        configured_origins(_settings(tmp_path, "dgcl_epci:\n  - url: https://x.org/a.csv\n    sha265: abc\n"))


def test_entry_needs_exactly_one_of_path_or_url(tmp_path):
    with pytest.raises(ConfigError, match="exactly one of url or path"):
        configured_origins(_settings(tmp_path, f"dgcl_epci:\n  - sha256: {'ab' * 32}\n"))


def test_a_sha256_is_64_hex_digits_and_quoted_when_yaml_would_read_a_number(tmp_path):
    # An unquoted digest of digits only is an integer for YAML (leading zeros lost): refused with the fix to make.
    with pytest.raises(ConfigError, match=r"dgcl_epci\[0\]: sha256: .*as a number; write it in quotes"):
        configured_origins(_settings(tmp_path, f"dgcl_epci:\n  - path: /a.csv\n    sha256: {'1' * 64}\n"))
    with pytest.raises(ConfigError, match="64 hexadecimal digits, got 6 characters"):
        configured_origins(_settings(tmp_path, "dgcl_epci:\n  - path: /a.csv\n    sha256: 5f3dab\n"))
    quoted = configured_origins(_settings(tmp_path, f"dgcl_epci:\n  - path: /a.csv\n    sha256: '{'1' * 64}'\n"))
    assert quoted == {"dgcl_epci": [Origin("/a.csv", "1" * 64)]}


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    settings = _settings(tmp_path, "dgcl_epci:\n  - /data/a.csv\n  - [unclosed\ninsee_rp_age: x\n")
    with pytest.raises(ConfigError) as err:
        configured_origins(settings)
    assert str(settings.origins_path) in str(err.value) and "line 4" in str(err.value)


def test_cli_exit_4_on_a_bad_origins_file(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from flows.cli import app

    path = tmp_path / "origins.yml"
    path.write_text("dgcl_epci: [a.csv\n", encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_ORIGINS", str(path))
    monkeypatch.setenv("OBSERVATOIRE_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["run", "--no-prefect"])
    assert result.exit_code == 4
    assert "configuration error" in result.output and "line" in result.output
    assert not (tmp_path / "home" / "landing").exists(), "nothing ran"


def test_every_project_yaml_passes_its_schema(tmp_path):
    from flows.configuration import check_configuration

    check_configuration(Settings(data_dir=tmp_path, home=tmp_path, origins_path=None))


def test_a_typo_in_a_project_yaml_names_the_key_and_the_valid_ones(tmp_path):
    import shutil

    from flows.configuration import SCHEMAS, check_configuration
    from sources.ingestion.settings import PROJECT_ROOT

    for relative in SCHEMAS:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / relative, tmp_path / relative)
    config = tmp_path / "transforms" / "config.yml"
    config.write_text(config.read_text().replace("member_level:", "member_levle:", 1))
    settings = Settings(data_dir=tmp_path, home=tmp_path, origins_path=None)
    with pytest.raises(ConfigError, match=r"config.yml.*unknown key 'groupings.bassin_minier.member_levle'.*label"):
        check_configuration(settings, root=tmp_path)
    config.write_text("groupings: {bassin_minier: [\n")
    with pytest.raises(ConfigError, match=r"config.yml, line 2"):
        check_configuration(settings, root=tmp_path)
