import pytest

from backoffice.errors import NeedsUserAction
from services.billtos import billto_names, list_billtos
from tests.services.books import load_demo, sqlite_runtime


def test_billtos_list_with_their_parents_in_id_order(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_demo(runtime, placements=20)
        billtos = list_billtos(runtime)

    ids = [b.id for b in billtos]
    assert ids == sorted(ids)
    tops = [b for b in billtos if b.parent_id is None]
    assert tops and all(b.parent_id in ids for b in billtos if b.parent_id is not None)
    assert all(isinstance(b.active, bool) and b.name for b in billtos)


def test_names_are_given_for_the_billtos_the_ats_holds(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        load_demo(runtime, placements=20)
        first = list_billtos(runtime)[0]

        assert billto_names(runtime, {first.id, 999_999}) == {first.id: first.name}


def test_an_ats_without_a_billto_table_gives_no_names_but_refuses_a_listing(tmp_path):
    with sqlite_runtime(tmp_path) as runtime:
        assert billto_names(runtime, {100}) == {}
        with pytest.raises(NeedsUserAction, match="ats_billto"):
            list_billtos(runtime)
