"""Settings: every one documented, the docs in step with the code, the environment read."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.settings import load_settings, setting_fields, settings_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_has_a_help_line() -> None:
    for name, _default, help_text in setting_fields():
        assert len(help_text) > 20, f"setting {name} needs a help line"


def test_docs_page_is_generated_from_the_code() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is out of date: run `atlas-ld settings > docs/settings.md`"
    )


def test_environment_overrides_defaults(tmp_path: Path) -> None:
    config = tmp_path / "atlas.toml"
    config.write_text('page_size = 7\nbase_iri = "https://a.example/"\n', encoding="utf-8")
    settings = load_settings({"ATLAS_LD_CONFIG": str(config), "ATLAS_LD_PAGE_SIZE": "9",
                              "ATLAS_LD_PUBLISH_EMAILS": "yes"})
    assert settings.page_size == 9
    assert settings.base_iri == "https://a.example/"
    assert settings.publish_emails is True
    assert load_settings({}).publish_emails is False


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"ATLAS_LD_PAGE_SIZE": "many"}, "page_size"),
        ({"ATLAS_LD_PUBLISH_EMAILS": "perhaps"}, "publish_emails"),
        ({"ATLAS_LD_BASE_IRI": "https://a.example"}, "must end with '/'"),
    ],
)
def test_bad_values_are_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(environ)


def test_unknown_setting_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "atlas.toml"
    config.write_text("page_sise = 7\n", encoding="utf-8")
    with pytest.raises(ValueError, match="page_sise"):
        load_settings({"ATLAS_LD_CONFIG": str(config)})
