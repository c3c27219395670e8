import pytest
from django.core.exceptions import ValidationError

from backoffice.paste import PastedNumbersField, check_known, parse_numbers


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("1\n2\n3", [1, 2, 3]),
        ("2000003\r\n2000004\r\n", [2000003, 2000004]),  # a column copied from Excel
        ("1\t2\r\n3\t4", [1, 2, 3, 4]),  # a block
        ("5, 6; 7  8", [5, 6, 7, 8]),
        ("9\n9\n10", [9, 10]),  # each once, in order
        ("", []),
    ],
)
def test_parse_numbers(text, numbers):
    assert parse_numbers(text) == numbers


def test_every_bad_token_is_named():
    with pytest.raises(ValidationError) as raised:
        parse_numbers("1\nabc\n2.5\n-3\n0\n１２")
    assert raised.value.messages == ["숫자가 아닌 값이 5개 있습니다: abc, 2.5, -3, 0, １２"]


def test_more_than_the_cap_is_refused():
    with pytest.raises(ValidationError) as raised:
        parse_numbers("\n".join(str(n) for n in range(1, 12)), max_count=10)
    assert raised.value.code == "too_many"


def test_check_known_names_every_unknown_number():
    check_known([1, 2], [1, 2, 3], what="상품번호")
    with pytest.raises(ValidationError) as raised:
        check_known([1, 7, 2, 8], [1, 2], what="상품번호")
    assert raised.value.messages == ["없는 상품번호 2개: 7, 8"]


def test_the_field_cleans_to_numbers():
    field = PastedNumbersField(required=False)
    assert field.clean("3\n1") == [3, 1]
    assert field.clean("") == []
    with pytest.raises(ValidationError):
        PastedNumbersField().clean("")
