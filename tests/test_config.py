"""The cycle config: defaults from mailmerge.toml, paths relative to it, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailmerge.config import RosterField, load_config
from mailmerge.errors import ConfigError
from mailmerge.roster import load_roster

from helpers import REPO


def test_repository_config_gives_the_2024_cycle() -> None:
    config = load_config(REPO / "mailmerge.toml")
    assert config.cycle == "2024"
    assert config.output == REPO / "out" / "2024"
    assert config.roster == REPO / "data" / "members.xlsx"
    assert config.groups == {"enrolled": "加入", "unenrolled": "未加入"}
    assert dict(config.documents) == {
        "letter": REPO / "templates/letter.docx",
        "overview": REPO / "templates/overview.docx",
    }
    assert config.constants["renewal_date"] == "2024年2月1日"
    assert config.constants["chairman"] == "山田太郎"
    assert config.constants["agent"]["tel"] == "0120-000-000"


def test_wareki_option_prints_every_date_in_the_imperial_era(config_in) -> None:
    config = load_config(config_in(date_style='"wareki"'))
    assert config.constants["renewal_date"] == "令和6年2月1日"
    assert config.constants["issue_date"] == "令和5年12月1日"


def test_missing_config_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config()
    assert (
        str(raised.value)
        == f"{tmp_path / 'mailmerge.toml'}: 設定ファイル（mailmerge.toml）が見つかりません。プロジェクトのフォルダー"
        f"で実行するか、--config で設定ファイルを指定してください"
    )


def test_bad_date_style_is_refused(config_in) -> None:
    with pytest.raises(ConfigError, match="date_style は western, wareki のどれかにしてください（いまは 'iso'）"):
        load_config(config_in(date_style='"iso"'))


def test_groups_must_differ(config_in) -> None:
    with pytest.raises(ConfigError, match=r"\[groups\] の enrolled と unenrolled には別々の言葉を書いてください"):
        load_config(config_in(unenrolled='"加入"'))


def test_a_date_wareki_cannot_write_is_a_config_error(config_in) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(config_in(date_style='"wareki"', issue_date="1920-01-01"))
    assert str(raised.value).endswith(
        "mailmerge.toml: [letter] の日付: 1920-01-01 は昭和より前の日付なので和暦で書けません。date_style = "
        '"western" にしてください'
    )


@pytest.mark.parametrize(
    ("line", "where", "reason"),
    [
        ("cycle = 2024年", "4:13", '値の後に余分な文字があります。文字は "…" で囲み、1 行に 1 項目だけ書きます'),
        ("cycle 2024", "4:7", "項目名の後に「=」がありません"),
        (
            "cycle = 二〇二四",
            "4:9",
            '値の書き方が正しくありません。文字は "…" で囲み、日付は 2026-12-01 のように書きます',
        ),
    ],
)
def test_a_config_written_wrong_is_said_in_japanese_with_line_and_column(tmp_path: Path, line, where, reason) -> None:
    text = (REPO / "mailmerge.toml").read_text(encoding="utf-8").splitlines()
    assert text[3].startswith("cycle = ")  # the line the cases replace
    text[3] = line
    (tmp_path / "mailmerge.toml").write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "mailmerge.toml")
    assert str(raised.value).endswith(
        f"mailmerge.toml:{where}: 設定ファイルの書き方に誤りがあります（{reason}）。"
        "Word ではなくテキストエディターで開き、直してください"
    )


LEGACY_ROSTER = """[roster.columns]
member_id = "会員番号"
organisation = "会員名"
department = "部署"
representative_title = "代表者役職"
representative_name = "代表者氏名"
postal_code = "郵便番号"
address1 = "住所1"
address2 = "住所2"
group = "加入状況"

[roster.required]
fields = ["member_id", "organisation", "postal_code", "address1", "group"]

[roster.max_length]
organisation = 40
department = 30
representative_title = 20
representative_name = 20
address1 = 40
address2 = 40

"""


def with_roster_fields(path: Path, fields: str) -> Path:
    """Return ``path`` with its [roster.fields] table replaced by ``fields``."""
    text = path.read_text(encoding="utf-8")
    start = text.index("[roster.fields]")
    path.write_text(text[:start] + fields + text[text.index("# The roster's words for each group") :], encoding="utf-8")
    return path


def test_each_roster_field_is_declared_once_with_the_codes_defaults(config_in) -> None:
    config = load_config(config_in())
    assert config.field("postal_code") == RosterField("postal_code", "郵便番号", True, True, None, "postal_code")
    assert config.field("department") == RosterField("department", "部署", max_length=30)
    assert config.template_fields == (
        "member_id",
        "organisation",
        "department",
        "representative_title",
        "representative_name",
        "postal_code",
        "address1",
        "address2",
        "honorific",
    )
    assert config.field("honorific") == RosterField("honorific", "敬称", check="honorific", default="様")


def test_an_older_config_with_roster_columns_reads_the_same_fields(config_in) -> None:
    current = load_config(config_in())
    older = load_config(with_roster_fields(config_in(), LEGACY_ROSTER))
    # An older config names no 敬称 column: its templates print 様 themselves.
    assert older.fields == tuple(f for f in current.fields if f.name not in ("email", "channel", "honorific"))


def test_a_roster_field_with_an_unknown_setting_is_refused(config_in) -> None:
    path = config_in()
    text = path.read_text(encoding="utf-8").replace(
        'address2 = { header = "住所2", max_length = 40 }', 'address2 = { header = "住所2", prinetd = false }'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value).endswith(
        "mailmerge.toml: [roster.fields.address2] の prinetd は使えません（使えるのは header, printed, required, "
        "max_length, check, default）"
    )


def test_a_field_without_a_checker_of_that_name_is_a_config_error(config_in) -> None:
    text = (
        config_in()
        .read_text(encoding="utf-8")
        .replace(
            'address2 = { header = "住所2", max_length = 40 }', 'address2 = { header = "住所2", check = "adress" }'
        )
    )
    path = config_in()
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_roster(load_config(path))
    assert str(raised.value).startswith(
        'mailmerge.toml: [roster.fields.address2] の check = "adress" はありません（使えるのは text, member_id, group, '
    )
