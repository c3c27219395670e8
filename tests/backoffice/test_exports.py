"""backoffice.exports: CSV with BOM streamed lazily, xlsx through openpyxl's write-only workbook."""

import csv
import datetime as dt
import io
from decimal import Decimal
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from backoffice import exports
from backoffice.exports import csv_response, xlsx_response

UTC = dt.UTC
SEOUL = ZoneInfo("Asia/Seoul")


def body(response) -> bytes:
    # Not response.close(): that sends request_finished, which touches the database connection.
    return b"".join(response.streaming_content)


def read_csv(response) -> list[list[str]]:
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def read_xlsx(response):
    return load_workbook(io.BytesIO(body(response)))


def test_csv_is_utf8_with_bom_crlf_and_korean_headers():
    response = csv_response(
        filename="회원쿠폰 목록",
        headers=["쿠폰번호", "회원번호"],
        rows=[(1, "M0001"), (2, "M0002")],
    )

    data = body(response)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert data == "\ufeff쿠폰번호,회원번호\r\n1,M0001\r\n2,M0002\r\n".encode()


def test_csv_quotes_commas_quotes_and_newlines():
    rows = [("a,b", 'say "hi"', "line1\nline2", "plain")]

    response = csv_response(filename="x", headers=["가", "나", "다", "라"], rows=rows)

    data = body(response)
    assert data.endswith(b'"a,b","say ""hi""","line1\nline2",plain\r\n')
    assert read_csv(csv_response(filename="x", headers=["가", "나", "다", "라"], rows=rows))[1] == [
        "a,b",
        'say "hi"',
        "line1\nline2",
        "plain",
    ]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+82-10-1234", "'+82-10-1234"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("a=b", "a=b"),
        ("정상", "정상"),
    ],
)
def test_csv_prefixes_formula_looking_text(value, written):
    rows = read_csv(csv_response(filename="x", headers=["값"], rows=[(value,)]))

    assert rows[1] == [written]


def test_csv_numbers_dates_none_and_booleans():
    used_at = dt.datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 09:30 in Seoul

    rows = read_csv(
        csv_response(
            filename="x",
            headers=["금액", "음수", "일자", "일시", "없음", "여부", "소수"],
            rows=[(15000, -300, dt.date(2026, 12, 1), used_at, None, True, Decimal("1.50"))],
        )
    )

    assert rows[1] == ["15000", "-300", "2026-12-01", "2026-12-01 09:30:00", "", "Y", "1.50"]


def test_content_disposition_names_the_korean_file_rfc5987():
    response = csv_response(filename="회원쿠폰_20261201.csv", headers=["a"], rows=[])

    header = response["Content-Disposition"]
    body(response)

    assert header == (
        "attachment; filename=\"20261201.csv\"; filename*=UTF-8''"
        "%ED%9A%8C%EC%9B%90%EC%BF%A0%ED%8F%B0_20261201.csv"
    )
    assert unquote(header.split("''", 1)[1]) == "회원쿠폰_20261201.csv"


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("coupons.csv", 'attachment; filename="coupons.csv"'),
        ("coupons", 'attachment; filename="coupons.csv"'),
        ('a"b;c.csv', "attachment; filename=\"a_b_c.csv\"; filename*=UTF-8''a%22b%3Bc.csv"),
        ("쿠폰", "attachment; filename=\"export.csv\"; filename*=UTF-8''%EC%BF%A0%ED%8F%B0.csv"),
    ],
)
def test_content_disposition_of_other_names(filename, header):
    response = csv_response(filename=filename, headers=["a"], rows=[])
    body(response)

    assert response["Content-Disposition"] == header


def test_csv_consumes_rows_lazily_and_in_chunks():
    pulled = []

    def rows():
        for i in range(100_000):
            pulled.append(i)
            yield (i, f"회원{i}")

    response = csv_response(filename="x", headers=["번호", "이름"], rows=rows())
    assert pulled == []  # building the response reads nothing

    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first == "\ufeff번호,이름\r\n".encode()
    assert pulled == []
    second = next(chunks)
    assert len(pulled) == exports.CSV_CHUNK_ROWS
    assert second.startswith(b"0,")

    total = 1 + second.count(b"\r\n") + sum(chunk.count(b"\r\n") for chunk in chunks)
    assert len(pulled) == 100_000
    assert total == 100_001  # header and every row


def test_xlsx_reads_back_with_types_bold_header_and_widths():
    used_at = dt.datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    response = xlsx_response(
        filename="쿠폰 사용",
        sheet="쿠폰 사용",
        headers=["주문번호", "할인액", "사용일시", "일자", "비고"],
        rows=[
            ("O-1", 15000, used_at, dt.date(2026, 11, 30), None),
            ("=1+1", -300, used_at.astimezone(SEOUL), dt.date(2026, 12, 1), "a\x01b"),
        ],
    )

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith(
        "filename*=UTF-8''%EC%BF%A0%ED%8F%B0%20%EC%82%AC%EC%9A%A9.xlsx"
    )
    book = read_xlsx(response)

    assert book.sheetnames == ["쿠폰 사용"]
    ws = book["쿠폰 사용"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values == [
        ["주문번호", "할인액", "사용일시", "일자", "비고"],
        ["O-1", 15000, dt.datetime(2026, 12, 1, 9, 30), dt.datetime(2026, 11, 30), None],
        ["=1+1", -300, dt.datetime(2026, 12, 1, 9, 30), dt.datetime(2026, 12, 1), "ab"],
    ]
    # A text starting with "=" is a string cell, never a formula.
    assert ws["A3"].data_type == "s"
    assert ws["B2"].data_type == "n"
    assert all(cell.font.bold for cell in ws[1])
    assert not ws["A2"].font.bold
    assert ws["C2"].number_format == "yyyy-mm-dd h:mm:ss"
    assert ws["D2"].number_format == "yyyy-mm-dd"
    # 사용일시 header is 8 columns wide; its values (19 characters) decide the width.
    assert ws.column_dimensions["C"].width == 21
    assert ws.column_dimensions["A"].width == 10
    assert ws.freeze_panes == "A2"


def test_xlsx_consumes_rows_lazily():
    pulled = []

    def rows():
        for i in range(20_000):
            pulled.append(i)
            yield (i, f"회원{i}")

    file = io.BytesIO()
    progress = []

    count = exports.xlsx_write(
        file,
        headers=["번호", "이름"],
        rows=rows(),
        # When 5,000 rows are written, 5,000 have been pulled: none read ahead of the writer.
        progress=lambda n: progress.append((n, len(pulled))),
        progress_every=5_000,
    )

    assert count == 20_000
    assert progress == [
        (5_000, 5_000),
        (10_000, 10_000),
        (15_000, 15_000),
        (20_000, 20_000),
        (20_000, 20_000),
    ]
    ws = load_workbook(file, read_only=True).active
    values = list(ws.iter_rows(values_only=True))
    assert len(values) == 20_001
    assert values[0] == ("번호", "이름")
    assert values[-1] == (19_999, "회원19999")


def test_xlsx_response_writes_the_rows_one_by_one():
    # xlsx needs the whole file before its first byte (a zip), so the rows are written when the
    # response is built; it is the CSV that streams. What matters is that they come one by one.
    seen = []

    def rows():
        for i in range(3):
            seen.append(i)
            yield (i,)

    source = rows()
    assert seen == []
    response = xlsx_response(filename="x", headers=["a"], rows=source)
    assert seen == [0, 1, 2]
    assert [r for r in read_xlsx(response).active.iter_rows(values_only=True)] == [
        ("a",),
        (0,),
        (1,),
        (2,),
    ]


def test_xlsx_continues_on_a_new_sheet_past_the_row_limit(monkeypatch):
    # The limit is Excel's 1,048,576 rows; a smaller one shows the same split quickly.
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS_PER_SHEET", 4)

    book = read_xlsx(
        xlsx_response(filename="x", sheet="사용", headers=["번호"], rows=((i,) for i in range(8)))
    )

    assert book.sheetnames == ["사용", "사용 (2)", "사용 (3)"]
    assert [[c.value for c in row] for row in book["사용"].iter_rows()] == [["번호"], [0], [1], [2]]
    assert [[c.value for c in row] for row in book["사용 (2)"].iter_rows()] == [
        ["번호"],
        [3],
        [4],
        [5],
    ]
    assert [[c.value for c in row] for row in book["사용 (3)"].iter_rows()] == [
        ["번호"],
        [6],
        [7],
    ]


def test_xlsx_sheet_names_are_made_legal():
    book = read_xlsx(xlsx_response(filename="x", sheet="a/b:c" + "가" * 40, headers=["a"], rows=[]))

    assert book.sheetnames == ["a b c" + "가" * 26]
    assert read_xlsx(xlsx_response(filename="x", headers=["a"], rows=[])).sheetnames == ["Sheet1"]


def test_csv_guards_str_subclasses_too():
    from django.utils.safestring import mark_safe

    rows = read_csv(csv_response(filename="x", headers=["값"], rows=[(mark_safe("=1+1"),)]))

    assert rows[1] == ["'=1+1"]


@pytest.mark.pg
@pytest.mark.django_db
def test_fast_timestamps_reads_what_djangos_loader_reads():
    from django.db import connection

    from backoffice.jobs.models import Job

    job = Job.objects.create(target_type="t", target_id="1", operation="o")
    Job.objects.filter(pk=job.pk).update(
        created_at=dt.datetime(2026, 12, 1, 0, 30, 5, 123456, tzinfo=UTC),
        finished_at=dt.datetime(1, 1, 1, tzinfo=UTC),
    )
    fields = ("created_at", "finished_at", "next_attempt_at")
    expected = Job.objects.filter(pk=job.pk).values_list(*fields).get()
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text

    with exports.fast_timestamps():
        assert connection.connection.adapters.get_loader(1184, 0).__name__ == "IsoTzLoader"
        fast = Job.objects.filter(pk=job.pk).values_list(*fields).get()

    assert fast == expected
    assert fast[0] == dt.datetime(2026, 12, 1, 0, 30, 5, 123456, tzinfo=UTC)
    assert fast[0].tzinfo is expected[0].tzinfo
    assert fast[2] is None
    # the connection has Django's loader back
    assert connection.connection.adapters.get_loader(1184, 0) is loader
