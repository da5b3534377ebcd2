"""Downloads open correctly in Excel, never run formulas, and never show a count under 5 people."""
import io

import openpyxl
import pandas as pd
import pytest

from data import export


def test_small_counts_of_people_show_as_less_than_five():
    frame = pd.DataFrame({"label": ["文化", "体育", "亲子", "助老", "议事协商"], "value": [12, 4, 1, 0, 5]})
    masked = export.mask_small_counts(frame, ["value"])
    assert masked["value"].tolist() == [12, "<5", "<5", 0, 5]
    assert frame["value"].tolist() == [12, 4, 1, 0, 5]  # the original is left alone


def test_masking_keeps_unknowns_and_leaves_other_columns_alone():
    frame = pd.DataFrame({"a": [3.0, None, 7.5], "b": [1, 2, 3]})
    masked = export.mask_small_counts(frame, ["a"])
    assert masked["a"].tolist()[0] == "<5" and pd.isna(masked["a"].tolist()[1]) and masked["a"].tolist()[2] == 7.5
    assert masked["b"].tolist() == [1, 2, 3]


def test_the_threshold_can_be_raised():
    masked = export.mask_small_counts(pd.DataFrame({"n": [9, 10]}), ["n"], threshold=10)
    assert masked["n"].tolist() == ["<10", 10]


def test_masking_an_unknown_column_says_which():
    with pytest.raises(KeyError, match="no column 'people'"):
        export.mask_small_counts(pd.DataFrame({"n": [1]}), ["people"])


def test_people_units_are_the_ones_masked():
    assert export.counts_people("人") and export.counts_people("人次")
    assert not export.counts_people("件") and not export.counts_people("%") and not export.counts_people(None)


@pytest.mark.parametrize("dangerous", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_text_a_spreadsheet_would_run_is_prefixed_with_a_quote(dangerous):
    assert export.neutralise(dangerous) == "'" + dangerous


def test_ordinary_text_and_numbers_are_untouched():
    assert export.neutralise("物业管理") == "物业管理"
    assert export.neutralise(-3) == -3
    assert export.neutralise("<5") == "<5"


def test_csv_is_utf8_with_a_byte_order_mark_so_excel_reads_chinese():
    frame = pd.DataFrame({"名称": ["汇泉路社区"], "数值（人次）": ["<5"]})
    data = export.to_csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["名称,数值（人次）", "汇泉路社区,<5"]


def test_csv_neutralises_formulas_in_cells_and_headers():
    frame = pd.DataFrame({"=cmd": ["=1+1", "安全"], "value": [-1, 2]})
    rows = pd.read_csv(io.BytesIO(export.to_csv_bytes(frame)), encoding="utf-8-sig")
    assert list(rows.columns) == ["'=cmd", "value"]
    assert rows.iloc[:, 0].tolist() == ["'=1+1", "安全"]
    assert rows["value"].tolist() == [-1, 2]  # numbers stay numbers


def test_excel_has_a_sheet_per_table_with_text_never_turned_into_formulas():
    sheets = {"趋势": pd.DataFrame({"期间": ["2026-01-01"], "数值": [3.5]}),
              "分解": pd.DataFrame({"名称": ["=2*3", "@SUM(1)"], "数值": ["<5", 8]})}
    book = openpyxl.load_workbook(io.BytesIO(export.to_excel_bytes(sheets)))
    assert book.sheetnames == ["趋势", "分解"]
    rows = list(book["分解"].iter_rows(values_only=True))
    assert rows == [("名称", "数值"), ("'=2*3", "<5"), ("'@SUM(1)", 8)]
    assert all(cell.data_type != "f" for row in book["分解"].iter_rows() for cell in row)
    assert list(book["趋势"].iter_rows(values_only=True))[1] == ("2026-01-01", 3.5)


def test_excel_sheet_names_are_made_valid_and_unique():
    sheets = {"a/b:c": pd.DataFrame({"x": [1]}), "a_b_c": pd.DataFrame({"x": [2]}), "x" * 40: pd.DataFrame()}
    book = openpyxl.load_workbook(io.BytesIO(export.to_excel_bytes(sheets)))
    assert book.sheetnames == ["a_b_c", "a_b_c (2)", "x" * 31]


def test_download_names_are_safe_file_names():
    assert export.download_name("hotline_received", "510104011000", "20260101-20260331", ext="csv") == \
        "hotline_received_510104011000_20260101-20260331.csv"
    assert export.download_name("a/b", "c d", ext="xlsx") == "a-b_c-d.xlsx"


# --------------------------------------------------------------------------- secondary suppression

def _attack(values: dict, groups: list, hidden: dict) -> dict:
    """Every value each hidden cell can take, given what is shown and every group's sum.

    The reader's knowledge: shown cells exactly, "<5" between 1 and 4, "*" at least 5 (it
    was not small), a group's total None known exactly (shown elsewhere). Brute force.
    """
    import itertools

    keys = sorted(hidden, key=str)
    biggest = int(sum(v for v in values.values() if v)) or 1
    ranges = [range(1, 5) if hidden[k] == "<5" else range(5, biggest + 1) for k in keys]
    possible: dict = {k: set() for k in keys}
    for guess in itertools.product(*ranges):
        world = {**values, **dict(zip(keys, guess))}
        ok = True
        for total, parts in groups:
            shown_total = sum(values[p] or 0 for p in parts) if total is None else world[total]
            if sum(world[p] or 0 for p in parts) != shown_total:
                ok = False
                break
        if ok:
            for k, v in zip(keys, guess):
                possible[k].add(v)
    return possible


@pytest.mark.parametrize("values, groups", [
    ({"t": 13, "a": 3, "b": 10, "c": 0}, [("t", ["a", "b", "c"])]),
    ({"t": 6, "a": 1, "b": 5}, [("t", ["a", "b"])]),
    ({"t": 8, "a": 4, "b": 4}, [("t", ["a", "b"])]),
    ({"a": 1, "b": 5, "c": 20}, [(None, ["a", "b", "c"])]),
    ({"t": 22, "a": 12, "b": 4, "c": 1, "d": 0, "e": 5}, [("t", ["a", "b", "c", "d", "e"])]),
    # a day-by-type table with its day totals and its type totals
    ({"d1": 11, "d2": 15, "p": 10, "c": 16, "d1p": 2, "d1c": 9, "d2p": 8, "d2c": 7},
     [("d1", ["d1p", "d1c"]), ("d2", ["d2p", "d2c"]), ("p", ["d1p", "d2p"]), ("c", ["d1c", "d2c"])]),
])
def test_no_masked_cell_can_be_worked_out_from_the_totals(values, groups):
    hidden = export.suppress(values, groups)
    assert any(mark == "<5" for mark in hidden.values())
    for key, options in _attack(values, groups, hidden).items():
        assert len(options) > 1, f"{key} is pinned to {options} by {hidden}"


def test_a_lone_small_count_under_a_small_total_needs_nothing_more():
    """党建 3 and every other type 0: the total 3 is small too, and that is enough."""
    assert export.suppress({"total": 3, "党建": 3, "文化": 0}, [("total", ["党建", "文化"])]) == {
        "total": "<5", "党建": "<5"}


def test_suppression_hides_the_smallest_sibling_and_leaves_zeros_alone():
    hidden = export.suppress({"t": 40, "a": 2, "b": 0, "c": 6, "d": 32}, [("t", ["a", "b", "c", "d"])])
    assert hidden == {"a": "<5", "c": export.SUPPRESSED}


def test_a_league_table_column_hides_a_sibling_when_its_total_is_shown_elsewhere():
    frame = pd.DataFrame({"name": ["甲", "乙", "丙", "丁"], "n": [3, 40, 9, 0], "m": [30, 40, 9, 7]})
    masked = export.suppress_columns(frame, ["n", "m"])
    assert masked["n"].tolist() == ["<5", 40, export.SUPPRESSED, 0]
    assert masked["m"].tolist() == [30, 40, 9, 7]
    with pytest.raises(KeyError, match="no column 'people'"):
        export.suppress_columns(frame, ["people"])
