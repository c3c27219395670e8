"""CSV imports: idempotent upserts that report created, updated and rejected rows by line."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coupons.models import Exhibition, Goods, Member

pytestmark = pytest.mark.django_db


def run(command, path):
    out, err = StringIO(), StringIO()
    call_command(command, str(path), stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip().splitlines()


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_members_1000_rows_with_3_bad(tmp_path):
    rows = [
        [
            f"M{i:05d}",
            ["10", "20", "30", "40", "50"][i % 5],
            "1990-01-02",
            "",
            "2024-03-01T10:00:00+09:00",
            "1",
        ]
        for i in range(1000)
    ]
    rows[10][1] = "99"  # line 12: unknown grade
    rows[500][2] = "1990-02-30"  # line 502: impossible date
    rows[998][0] = ""  # line 1000: no member number
    path = write_csv(
        tmp_path / "members.csv",
        ["mbrNo", "gradeCd", "birthday", "anniversary", "joinedAt", "siteNo"],
        rows,
    )
    summary, rejected = run("import_members", path)
    assert summary == "created 997, updated 0, rejected 3"
    assert rejected == [
        "line 12: gradeCd: 알 수 없는 회원등급입니다: '99' (10/20/30/40/50)",
        "line 502: birthday: YYYY-MM-DD 형식의 날짜가 아닙니다: '1990-02-30'",
        "line 1000: mbrNo: 필수 항목입니다.",
    ]
    assert Member.objects.count() == 997
    assert not Member.objects.filter(mbr_no__in=["M00010", "M00500"]).exists()
    # Again: nothing duplicated, the good rows updated.
    summary, _ = run("import_members", path)
    assert summary == "created 0, updated 997, rejected 3"
    assert Member.objects.count() == 997


def test_goods_and_exhibitions(tmp_path):
    goods = write_csv(
        tmp_path / "goods.csv",
        ["goodsNo", "goodsNm", "salePrice", "entrNo", "dispCtgNo", "brandNo", "siteNo"],
        [
            ["G1", "티셔츠", "19900", "E1", "100", "B1", "1"],
            ["G2", "운동화", "abc", "E1", "100", "B1", "1"],
            ["G3", "백팩", "59,000", "E2", "200", "", "1"],
        ],
    )
    summary, rejected = run("import_goods", goods)
    assert summary == "created 2, updated 0, rejected 1"
    assert rejected == ["line 3: salePrice: 정수가 아닙니다: 'abc'"]
    assert Goods.objects.get(pk="G3").sale_price == 59000
    exhibitions = write_csv(
        tmp_path / "ex.csv",
        ["exhibitionNo", "exhibitionNm", "goodsNoList"],
        [["EX1", "여름 기획전", "G1,G3"], ["EX2", "없는 상품", "G1,G9"]],
    )
    summary, rejected = run("import_exhibitions", exhibitions)
    assert summary == "created 1, updated 0, rejected 1"
    assert rejected == ["line 3: goodsNoList: 없는 상품번호입니다: G9"]
    assert sorted(Exhibition.objects.get(pk="EX1").goods.values_list("pk", flat=True)) == [
        "G1",
        "G3",
    ]


def test_missing_file_and_header(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_members", str(tmp_path / "nope.csv"))
    bad = write_csv(tmp_path / "bad.csv", ["member", "grade"], [["1", "10"]])
    with pytest.raises(CommandError, match="header must include mbrNo"):
        call_command("import_members", str(bad))


GOODS_HEADER = "goodsNo,goodsNm,salePrice,entrNo,dispCtgNo,brandNo,siteNo\r\n"
GOODS_ROWS = "G1,여름 티셔츠,19900,E1,100,B1,1\r\nG2,운동화 (흰색),59000,E1,100,B1,1\r\n"


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "cp949"], ids=["utf-8", "utf-8 with BOM", "cp949"]
)
def test_goods_in_utf8_with_or_without_bom_and_cp949_read_alike(tmp_path, encoding):
    path = tmp_path / "goods.csv"
    path.write_bytes((GOODS_HEADER + GOODS_ROWS).encode(encoding))
    summary, rejected = run("import_goods", path)
    assert (summary, rejected) == ("created 2, updated 0, rejected 0", [])
    assert dict(Goods.objects.values_list("pk", "goods_nm")) == {
        "G1": "여름 티셔츠",
        "G2": "운동화 (흰색)",
    }


def test_members_in_cp949_from_stdin(monkeypatch):
    import io
    import sys

    raw = "mbrNo,gradeCd,birthday,anniversary,joinedAt,siteNo\n홍길동01,10,,,,1\n".encode("cp949")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    summary, rejected = run("import_members", "-")
    assert (summary, rejected) == ("created 1, updated 0, rejected 0", [])
    assert Member.objects.get().mbr_no == "홍길동01"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_with_a_clear_message(tmp_path, encoding):
    path = tmp_path / "members.csv"
    path.write_bytes("mbrNo,gradeCd\n100000001,10\n".encode(encoding))
    with pytest.raises(CommandError) as refused:
        run("import_members", path)
    assert str(refused.value) == (
        f'{path}: the file is UTF-16 (Excel\'s "Unicode text"), which is not supported; '
        'save it as "CSV UTF-8" or as CSV (cp949)'
    )
    assert not Member.objects.exists()


@pytest.mark.parametrize("command", ["import_members", "import_goods", "import_exhibitions"])
def test_undecodable_bytes_are_refused_naming_the_line_and_the_encodings(tmp_path, command):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"mbrNo,gradeCd\n100000001,10\n100000002,\xff\xfe\n")
    with pytest.raises(CommandError) as refused:
        run(command, path)
    assert str(refused.value) == (
        f"{path}: line 3: not utf-8-sig (byte 0xff); line 3: not cp949 (byte 0xff); "
        'save the file as "CSV UTF-8" or as CSV (cp949)'
    )
    assert not Member.objects.exists() and not Goods.objects.exists()


def test_nul_in_a_csv_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"mbrNo,gradeCd\n100000001,10\n100000002\x00,10\n")
    with pytest.raises(CommandError, match=r"line 3: a NUL character cannot be imported"):
        run("import_members", path)
    assert not Member.objects.exists()
