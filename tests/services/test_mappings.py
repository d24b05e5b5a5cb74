"""The mapping services, called directly: rules set per scope, listed, and refused where unread."""

import datetime as dt

import pytest
from sqlalchemy import select

from backoffice.errors import NeedsUserAction
from backoffice.secret import Secret
from billing.invoicing.health import DocumentFacts
from mapping.connection_settings import CompanyFacts
from mapping.connections import load_connection, remember_company
from mapping.models import RemoteLink
from services import batches, connections, mappings
from services.connections import System
from services.mappings import MappingEntry, MappingOption, UnmappedEntry
from tests.adapters.sandbox_apps import qbo_app
from tests.sandboxes.support import live_server
from tests.services.support import migrated_runtime


@pytest.fixture
def runtime(sqlite_runner):
    with migrated_runtime(sqlite_runner) as runtime:
        for name in ("books", "other"):
            connections.add_qbo_connection(runtime, name, client_id="abc",
                                           client_secret=Secret("client-secret-1"),
                                           redirect_uri="https://x")  # fmt: skip
        yield runtime


def test_rules_are_listed_by_field_scope_and_key_on_their_connection_only(runtime):
    mappings.set_mapping(runtime, "terms", "3", scope="terms", key="NET30", remote_name="Net 30")
    mappings.set_mapping(runtime, "income_account", "79")
    mappings.set_mapping(runtime, "income_account", "80", scope="product", key="STD_DH")
    mappings.set_mapping(runtime, "income_account", "12", connection="other")

    assert mappings.list_mappings(runtime) == [
        MappingEntry("income_account", "connection", "", "79", None),
        MappingEntry("income_account", "product", "STD_DH", "80", None),
        MappingEntry("terms", "terms", "NET30", "3", "Net 30"),
    ]
    assert mappings.list_mappings(runtime, "other") == [
        MappingEntry("income_account", "connection", "", "12", None)
    ]


def test_setting_a_rule_again_replaces_it(runtime):
    mappings.set_mapping(runtime, "subsidiary", "1", remote_name="Parent")

    again = mappings.set_mapping(runtime, "subsidiary", "2")

    assert again == MappingEntry("subsidiary", "connection", "", "2", None)
    assert mappings.list_mappings(runtime) == [again]


@pytest.mark.parametrize(
    ("field", "scope", "key", "code", "says"),
    [
        ("colour", "connection", "", "mapping:field", "'colour' is not a field that can be mapped"),
        ("terms", "connection", "", "mapping:scope", "terms is not mapped per connection"),
        ("subsidiary", "product", "X", "mapping:scope", "subsidiary is not mapped per product"),
        ("income_account", "connection", "STD_DH", "mapping:key", "A connection rule takes no key"),
        ("income_account", "product", "", "mapping:key", "A product rule needs the code or id"),
    ],
)  # fmt: skip
def test_a_rule_no_look_up_would_read_is_refused(runtime, field, scope, key, code, says):
    with pytest.raises(NeedsUserAction, match=says) as refused:
        mappings.set_mapping(runtime, field, "1", scope=scope, key=key)

    assert refused.value.code == code
    assert mappings.list_mappings(runtime) == []


def test_an_empty_remote_id_is_refused(runtime):
    with pytest.raises(NeedsUserAction, match="empty or too long"):
        mappings.set_mapping(runtime, "income_account", " ")


def test_rules_of_an_unknown_connection_say_to_add_one(runtime):
    with pytest.raises(NeedsUserAction, match="no connection named nowhere") as refused:
        mappings.list_mappings(runtime, "nowhere")

    assert "backoffice" not in refused.value.action


DRAFT = DocumentFacts("invoice for Billto 110 dated 2023-07-10", None, "invoice", 110, "USD",
                      "NET30", frozenset({"STD_DH"}))  # fmt: skip


def test_the_mapping_check_joins_the_health_check_once_a_connection_exists(sqlite_runner):
    with migrated_runtime(sqlite_runner) as runtime:
        with runtime.transaction() as session:
            assert mappings.mapping_checks(runtime, session) == []
        connections.add_netsuite_tba_connection(
            runtime, "ns", account_id="1",
            keys=connections.TbaKeys(*(Secret(f"key-{n}") for n in range(4))),
        )  # fmt: skip
        mappings.set_mapping(runtime, "currency", "1", scope="currency", key="USD")
        mappings.set_mapping(runtime, "terms", "2", scope="terms", key="NET30")
        mappings.set_mapping(runtime, "income_account", "79")

        with runtime.transaction() as session:
            [check] = mappings.mapping_checks(runtime, session)
            issues = check([DRAFT])

    assert [(i.field, i.message) for i in issues] == [
        ("mapping.subsidiary", "no subsidiary is mapped on connection ns: map it before approving")
    ]


@pytest.fixture
def qbo_sandbox(sqlite_runner):
    with migrated_runtime(sqlite_runner) as runtime, live_server(qbo_app()) as base_url:
        connections.add_sandbox_connection(runtime, "books", System.QBO_SANDBOX, base_url)
        yield runtime


def test_options_are_the_remote_records_a_field_can_point_at(qbo_sandbox):
    terms = mappings.list_mapping_options(qbo_sandbox, "terms")

    assert terms == [MappingOption("1", "Due on receipt"), MappingOption("2", "Net 15"),
                     MappingOption("3", "Net 30"), MappingOption("4", "Net 60")]  # fmt: skip


def test_a_search_keeps_the_options_whose_name_holds_it_in_any_case(qbo_sandbox):
    found = mappings.list_mapping_options(qbo_sandbox, "income_account", search="SERVICES")

    assert MappingOption("1", "Services") in found
    assert all("services" in option.name.casefold() for option in found)


def test_a_field_with_no_remote_list_is_refused_before_the_system_is_asked(runtime):
    with pytest.raises(NeedsUserAction, match="'colour' has no list of remote records") as refused:
        mappings.list_mapping_options(runtime, "colour")

    assert refused.value.code == "mapping:field"


def test_a_rule_set_against_the_system_keeps_the_remote_name(qbo_sandbox):
    entry = mappings.map_to_remote_record(qbo_sandbox, "terms", "3", scope="terms", key="NET30")

    assert entry == MappingEntry("terms", "terms", "NET30", "3", "Net 30")
    assert mappings.list_mappings(qbo_sandbox) == [entry]


def test_an_id_the_system_does_not_have_is_refused_and_nothing_is_kept(qbo_sandbox):
    with pytest.raises(NeedsUserAction, match="has no income_account with id '999'") as refused:
        mappings.map_to_remote_record(qbo_sandbox, "income_account", "999")

    assert refused.value.code == "mapping:unknown_remote"
    assert refused.value.action == "Choose one of the ids in the list of income_account options."
    assert mappings.list_mappings(qbo_sandbox) == []


def test_an_item_per_product_is_a_link_to_the_existing_remote_item(qbo_sandbox):
    entry = mappings.map_to_remote_record(qbo_sandbox, "item", "1", scope="product", key="STD_DH")

    assert entry == MappingEntry("item", "product", "STD_DH", "1", "Services")
    with qbo_sandbox.transaction() as session:
        link = session.scalars(select(RemoteLink)).one()
        assert (link.local_kind, link.local_key, link.remote_id, link.remote_name, link.origin) == (
            "product", "STD_DH", "1", "Services", "linked")  # fmt: skip


@pytest.mark.parametrize(
    ("field", "scope", "key", "says"),
    [("customer", "connection", "", "Customers are linked per billto, not per connection"),
     ("item", "family", "STAFF", "Items are linked per product, not per family")],
)  # fmt: skip
def test_a_customer_needs_a_billto_and_an_item_a_product_before_the_system_is_asked(
    runtime, field, scope, key, says
):
    with pytest.raises(NeedsUserAction, match=says):
        mappings.map_to_remote_record(
            runtime, field, "1", scope=scope, key="X" * (scope != "connection")
        )


def test_unset_removes_only_the_rule_at_that_scope_and_says_whether_there_was_one(runtime):
    mappings.set_mapping(runtime, "income_account", "79")
    mappings.set_mapping(runtime, "income_account", "80", scope="product", key="STD_DH")

    assert mappings.unset_mapping(runtime, "income_account", scope="product", key="STD_DH")
    assert not mappings.unset_mapping(runtime, "income_account", scope="product", key="STD_DH")
    assert mappings.list_mappings(runtime) == [
        MappingEntry("income_account", "connection", "", "79", None)
    ]


def test_unset_forgets_an_item_link(qbo_sandbox):
    mappings.map_to_remote_record(qbo_sandbox, "item", "1", scope="product", key="STD_DH")

    assert mappings.unset_mapping(qbo_sandbox, "item", scope="product", key="STD_DH")
    with qbo_sandbox.transaction() as session:
        assert session.scalars(select(RemoteLink)).all() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_unmapped_tells_each_gap_once_with_the_drafts_it_holds_and_what_to_map(realized, runner):
    with migrated_runtime(runner) as runtime:
        connections.add_qbo_connection(runtime, "books", client_id="abc",
                                       client_secret=Secret("client-secret-1"),
                                       redirect_uri="https://x")  # fmt: skip
        batches.build_batch(runtime, dt.date(2023, 12, 31))

        unmapped = mappings.list_unmapped(runtime)
        mappings.set_mapping(runtime, "income_account", "1", scope="product", key="STD_DH")
        left = mappings.list_unmapped(runtime)

    drafts = "invoice for Billto 110 dated 2023-07-10; invoice for Billto 110 dated 2023-10-08"
    terms = UnmappedEntry("terms", "terms", "NET30", drafts, "Map terms NET30.")
    assert unmapped == [
        UnmappedEntry("income_account", "product", "STD_DH", drafts,
                      "Map an income_account for product STD_DH (its item is created with it), "
                      "or link product STD_DH to an existing item."),
        terms,
    ]  # fmt: skip
    assert left == [terms]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_currency_quickbooks_cannot_take_says_to_turn_on_multicurrency(realized, runner):
    with migrated_runtime(runner) as runtime:
        connections.add_qbo_connection(runtime, "books", client_id="abc",
                                       client_secret=Secret("client-secret-1"),
                                       redirect_uri="https://x")  # fmt: skip
        with runtime.transaction() as session:
            record = load_connection(session, runtime.vault)
            remember_company(session, record.id, CompanyFacts("Books", "EUR", multicurrency=False))
        batches.build_batch(runtime, dt.date(2023, 12, 31))

        unmapped = mappings.list_unmapped(runtime)

    assert [(u.field, u.scope, u.key, u.action) for u in unmapped if u.field == "currency"] == [
        ("currency", "currency", "USD",
         "Turn on multicurrency in the QuickBooks company to invoice in USD.")]  # fmt: skip


def test_links_to_existing_records_are_listed_with_the_rules(qbo_sandbox):
    mappings.map_to_remote_record(qbo_sandbox, "item", "2", scope="product", key="STD_DH")
    mappings.map_to_remote_record(qbo_sandbox, "income_account", "1")

    assert mappings.list_mappings(qbo_sandbox) == [
        MappingEntry("income_account", "connection", "", "1", "Services"),
        MappingEntry("item", "product", "STD_DH", "2", "Hours"),
    ]
