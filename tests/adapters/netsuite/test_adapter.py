from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import responses

from adapters.base import (
    CustomerDoc,
    DocumentState,
    DocumentType,
    OptionKind,
    RemoteOption,
    RemoteRef,
)
from adapters.netsuite.adapter import NetSuiteAdapter
from adapters.netsuite.options import OPTION_SOURCES
from backoffice.errors import NeedsUserAction
from tests.adapters.netsuite.conftest import CURRENCIES, RECORD, route_suiteql, suiteql_page


def test_health_names_the_top_subsidiary_and_its_currency(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    route_suiteql(
        rsps,
        {
            "FROM subsidiary": suiteql_page(
                [{"id": "1", "name": "Acme Staffing Inc.", "currency": "USD"}]
            ),
            "FROM currency": CURRENCIES,
        },
    )
    health = adapter.check_health()
    assert (health.ok, health.company_name, health.home_currency, health.multicurrency) == (
        True,
        "Acme Staffing Inc.",
        "USD",
        True,
    )


def test_health_reports_a_refusal_instead_of_raising(
    tba_adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.post(
        f"{RECORD[: -len('/record/v1')]}/query/v1/suiteql",
        status=401,
        json=ns_payload("error_401_invalid_login.json"),
    )
    health = tba_adapter.check_health()
    assert not health.ok and health.message is not None and "TBA tokens" in health.message


@pytest.mark.parametrize("kind", list(OptionKind))
def test_every_picker_kind_has_a_suiteql_source_ordered_by_id(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, kind: OptionKind
) -> None:
    seen = route_suiteql(
        rsps, {"SELECT id": suiteql_page([{"id": "7", "name": "X", "isinactive": "F"}])}
    )
    page = adapter.list_options(kind)
    assert page.items == (RemoteOption("7", "X", True, None),)
    assert f"FROM {OPTION_SOURCES[kind].table}" in seen[0]["q"]
    assert seen[0]["q"].endswith("ORDER BY id")


def test_options_page_on_and_mark_inactive_records(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rows = [{"id": "54", "name": "4020 Sales", "isinactive": "T", "detail": "4020"}]
    seen = route_suiteql(rsps, {"FROM account": suiteql_page(rows, has_more=True, offset=200)})
    page = adapter.list_options(OptionKind.INCOME_ACCOUNT, start=200)
    assert page.items == (RemoteOption("54", "4020 Sales", False, "4020"),)
    assert page.next_start == 400
    assert "accttype = 'Income'" in seen[0]["q"] and "offset=200" in seen[0]["url"]


def test_tax_codes_are_empty_where_the_account_has_no_legacy_tax_list(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    body = {
        "o:errorDetails": [{"detail": "Invalid search query.", "o:errorCode": "INVALID_SEARCH"}]
    }
    rsps.post(f"{RECORD[: -len('/record/v1')]}/query/v1/suiteql", status=400, json=body)
    assert adapter.list_options(OptionKind.TAX_CODE).items == ()


def test_document_state_from_the_recorded_invoice(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.get(f"{RECORD}/invoice/1227", json=ns_payload("invoice_get_response.json"))
    state = adapter.get_document_state(DocumentType.INVOICE, "1227")
    assert state == DocumentState(
        RemoteRef("1227", "2020-04-17T10:10:00Z"), "INV01", Decimal("2010.0"), Decimal("2010.0")
    )
    assert "expandSubResources=true" in rsps.calls[0].request.url


def test_voided_status_is_a_void(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    voided = {**ns_payload("invoice_get_response.json"), "status": "Voided", "total": 0.0}
    rsps.get(f"{RECORD}/invoice/1227", json=voided)
    assert adapter.get_document_state(DocumentType.INVOICE, "1227").voided


def test_a_record_netsuite_no_longer_has_is_deleted(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    rsps.get(
        f"{RECORD}/creditMemo/1241", status=404, json=ns_payload("error_404_nonexistent_id.json")
    )
    state = adapter.get_document_state(DocumentType.CREDIT_MEMO, "1241")
    assert state.deleted and state.total == Decimal("0")


def test_find_document_by_number_queries_tranid_quoted(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    seen = route_suiteql(
        rsps,
        {"FROM transaction": suiteql_page([{"id": "1227", "modified": "2024-03-01 10:00:00"}])},
    )
    found = adapter.find_document(DocumentType.INVOICE, number="INV-'7")
    assert found == RemoteRef("1227", "2024-03-01 10:00:00")
    assert "t.type = 'CustInvc' AND t.tranid = 'INV-''7'" in seen[0]["q"]


def test_unknown_currency_needs_a_person(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    with pytest.raises(NeedsUserAction) as raised:
        adapter.upsert_customer(CustomerDoc("Acme", None, "EUR"), "k-1")
    assert raised.value.code == "netsuite:currency"


def test_duplicate_customer_name_links_the_existing_customer(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    seen = route_suiteql(
        rsps, {"FROM currency": CURRENCIES, "FROM customer": suiteql_page([{"id": "1137"}])}
    )
    rsps.put(f"{RECORD}/customer/eid:k-1", status=400, json=ns_payload("error_400_dup_entity.json"))
    ref = adapter.upsert_customer(CustomerDoc("O'Hara Ltd", None, "USD"), "k-1")
    assert ref == RemoteRef("1137")
    assert "entityid = 'O''Hara Ltd'" in seen[-1]["q"]


def test_duplicate_reported_as_user_error_links_the_existing_customer(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(
        rsps, {"FROM currency": CURRENCIES, "FROM customer": suiteql_page([{"id": "1137"}])}
    )
    body = ns_payload("error_400_user_error_already_exists.json")
    rsps.put(f"{RECORD}/customer/eid:k-1", status=400, json=body)
    assert adapter.upsert_customer(CustomerDoc("Acme", None, "USD"), "k-1") == RemoteRef("1137")


def test_other_user_errors_are_not_taken_for_duplicates(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.put(f"{RECORD}/customer/eid:k-1", status=400, json=ns_payload("error_400_user_error.json"))
    with pytest.raises(NeedsUserAction) as raised:
        adapter.upsert_customer(CustomerDoc("Acme", None, "USD"), "k-1")
    assert raised.value.code == "netsuite:USER_ERROR"


def test_duplicate_name_held_by_another_kind_of_entity_needs_a_person(
    adapter: NetSuiteAdapter, rsps: responses.RequestsMock, ns_payload: Callable[[str], Any]
) -> None:
    route_suiteql(rsps, {"FROM currency": CURRENCIES})
    rsps.put(f"{RECORD}/customer/eid:k-1", status=400, json=ns_payload("error_400_dup_entity.json"))
    with pytest.raises(NeedsUserAction) as raised:
        adapter.upsert_customer(CustomerDoc("Jane Doe", None, "USD"), "k-1")
    assert raised.value.code == "netsuite:DUP_ENTITY"
    assert "another kind of record" in raised.value.message
