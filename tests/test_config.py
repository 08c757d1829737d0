"""The cycle config: defaults from mailmerge.toml, paths relative to it, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO

from mailmerge.config import load_config
from mailmerge.errors import ConfigError


def test_repository_config_gives_the_2024_cycle() -> None:
    config = load_config(REPO / "mailmerge.toml")
    assert config.cycle == "2024"
    assert config.output == REPO / "out" / "2024"
    assert config.roster == REPO / "data" / "members.xlsx"
    assert config.groups == {"enrolled": "加入", "unenrolled": "未加入"}
    assert dict(config.documents) == {"letter": REPO / "templates/letter.docx", "overview": REPO / "templates/overview.docx"}
    assert config.constants["renewal_date"] == "2024年2月1日"
    assert config.constants["chairman"] == "煎本正博"
    assert config.constants["agent"]["tel"] == "0120-934-086"


def test_wareki_option_prints_every_date_in_the_imperial_era(config_in) -> None:
    config = load_config(config_in(date_style='"wareki"'))
    assert config.constants["renewal_date"] == "令和6年2月1日"
    assert config.constants["issue_date"] == "令和5年12月1日"


def test_missing_config_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config()
    assert str(raised.value) == f"{tmp_path / 'mailmerge.toml'}: 設定ファイル（mailmerge.toml）が見つかりません。プロジェクトのフォルダーで実行するか、--config で設定ファイルを指定してください"


def test_bad_date_style_is_refused(config_in) -> None:
    with pytest.raises(ConfigError, match="date_style は western, wareki のどれかにしてください（いまは 'iso'）"):
        load_config(config_in(date_style='"iso"'))


def test_groups_must_differ(config_in) -> None:
    with pytest.raises(ConfigError, match=r"\[groups\] の enrolled と unenrolled には別々の言葉を書いてください"):
        load_config(config_in(unenrolled='"加入"'))


def test_a_date_wareki_cannot_write_is_a_config_error(config_in) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(config_in(date_style='"wareki"', issue_date="1920-01-01"))
    assert str(raised.value).endswith("mailmerge.toml: [letter] の日付: 1920-01-01 は昭和より前の日付なので和暦で書けません。date_style = \"western\" にしてください")
