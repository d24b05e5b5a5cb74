"""Spreading a reduction: covered part first, then each invoice's room in order, rest held."""

from decimal import Decimal

from billing.invoicing.credit_spread import Piece, Reduction, Room, spread


def d(value: str) -> Decimal:
    return Decimal(value)


def test_reduction_fills_the_rooms_in_order():
    pieces = spread([Reduction(7, d("4400"))], d("0"), [Room(2, d("500")), Room(1, d("4000"))])

    assert pieces == [Piece(7, 2, d("500")), Piece(7, 1, d("3900"))]


def test_covered_part_is_held_first_and_rooms_take_the_rest():
    pieces = spread([Reduction(7, d("2000"))], d("1000"), [Room(1, d("3000"))])

    assert pieces == [Piece(7, None, d("1000")), Piece(7, 1, d("1000"))]


def test_what_finds_no_room_is_held_in_one_piece_with_the_covered_part():
    pieces = spread([Reduction(7, d("600"))], d("100"), [Room(1, d("200")), Room(2, d("0"))])

    assert pieces == [Piece(7, None, d("400")), Piece(7, 1, d("200"))]


def test_several_installments_share_the_rooms_and_each_adds_up():
    pieces = spread(
        [Reduction(7, d("300")), Reduction(8, d("300"))], d("0"),
        [Room(1, d("400")), Room(2, d("1000"))],
    )  # fmt: skip

    assert pieces == [
        Piece(7, 1, d("300")), Piece(8, 1, d("100")), Piece(8, 2, d("200")),
    ]  # fmt: skip
