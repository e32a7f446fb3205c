import pandas as pd
import pytest

from roadnet.timeparse import month_keys, parse_times


@pytest.mark.parametrize(
    "raw",
    [
        "2023-06-01 08:00:05",
        "2023/6/1 8:00:05",
        "20230601080005",
        "2023-06-01T00:00:05Z",
        "2023-06-01T08:00:05+08:00",
        "2023年6月1日 08:00:05",
        1685577605,
        "1685577605000",
    ],
)
def test_formats_agree(raw):
    parsed = parse_times(pd.Series([raw], dtype=object))
    assert parsed.iloc[0] == pd.Timestamp("2023-06-01 00:00:05", tz="UTC")


def test_unreadable_is_nat_and_index_kept():
    s = pd.Series(["garbage", None, "2023-01-31 23:30:00"], index=[10, 11, 12], dtype=object)
    parsed = parse_times(s)
    assert list(parsed.index) == [10, 11, 12]
    assert parsed.isna().tolist() == [True, True, False]
    # local month of 2023-01-31 23:30 +08:00 is January even though UTC is 15:30
    assert month_keys(parsed.iloc[2:]).tolist() == ["2023-01"]


def test_datetime_column_localised():
    s = pd.Series(pd.to_datetime(["2023-06-01 08:00:05"]))
    assert parse_times(s).iloc[0] == pd.Timestamp("2023-06-01 00:00:05", tz="UTC")
