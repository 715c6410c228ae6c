"""The scale-data generator behind `make bench` (`generate_scale_data`)."""

from __future__ import annotations

from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from revoyure.core.audit import verify_chain
from revoyure.core.models import AuditEntry
from revoyure.core.permissions import Role
from revoyure.organisations.models import Membership, Organisation
from revoyure.registry.fields import GROUPS
from revoyure.registry.models import Tool, Vendor
from revoyure.registry.scale import BENCH_EMAIL, BENCH_PASSWORD, ScaleParams, generate
from revoyure.registry.search import SEARCHED_FIELDS, build_document

SMALL = ScaleParams(organisations=3, tools_per_organisation=4, versions=3, seed=7)
HistoricalTool = Tool.history.model  # type: ignore[attr-defined]


def _snapshot() -> dict[str, Any]:
    """Everything generated, keyed by natural keys rather than database ids (which a second run in the same
    database cannot reuse)."""
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    emails = dict(get_user_model().objects.values_list("pk", "email"))
    vendors = dict(Vendor.objects.values_list("pk", "name"))
    tool_names = dict(Tool.objects.values_list("pk", "name"))

    def rows(queryset: Any, drop: tuple[str, ...], **renames: dict[int, str]) -> list[tuple[Any, ...]]:
        result = []
        for row in queryset.values():
            for key in drop:
                row.pop(key)
            for key, names in renames.items():
                row[key] = names.get(row[key])
            result.append(tuple(sorted((k, repr(v)) for k, v in row.items())))
        return sorted(result)

    return {
        "organisations": rows(Organisation.objects.all(), ("id",)),
        "users": rows(get_user_model().objects.all(), ("id", "last_login")),
        "memberships": rows(Membership.objects.all(), ("id",), organisation_id=slugs, user_id=emails),
        "vendors": rows(Vendor.objects.all(), ("id",)),
        "tools": rows(Tool.objects.all(), ("id",), organisation_id=slugs, vendor_id=vendors),
        "history": rows(
            HistoricalTool.objects.all(),
            ("history_id",),
            id=tool_names,
            organisation_id=slugs,
            vendor_id=vendors,
            history_user_id=emails,
        ),
    }


def _wipe() -> None:
    Tool.objects.all().delete()
    Organisation.objects.all().delete()
    Vendor.objects.all().delete()
    get_user_model().objects.all().delete()
    for model in (Tool, Organisation, Vendor):
        model.history.model.objects.all().delete()  # type: ignore[attr-defined]


def test_it_writes_the_requested_volumes(db: Any) -> None:
    report = generate(SMALL)
    assert Organisation.objects.count() == 3
    assert Tool.objects.count() == report.tools == 12
    assert HistoricalTool.objects.count() == report.history_rows == 36
    assert Vendor.objects.count() == report.vendors == 200


def test_the_same_seed_gives_the_same_data(db: Any) -> None:
    generate(SMALL)
    first = _snapshot()
    _wipe()
    generate(SMALL)
    assert _snapshot() == first


def test_another_seed_gives_other_data(db: Any) -> None:
    generate(SMALL)
    first = _snapshot()
    _wipe()
    generate(ScaleParams(3, 4, 3, seed=8))
    assert _snapshot()["tools"] != first["tools"]


def test_each_organisation_has_one_member_per_role_and_the_bench_user_as_delegate(db: Any) -> None:
    generate(SMALL)
    for organisation in Organisation.objects.all():
        roles = list(
            Membership.objects.filter(organisation=organisation)
            .exclude(user__email=BENCH_EMAIL)
            .values_list("role", flat=True)
        )
        assert sorted(roles) == sorted(r for r in Role.values if r != Role.SECTOR_OBSERVER)
        assert Membership.objects.filter(
            organisation=organisation, user__email=BENCH_EMAIL, role=Role.DELEGATE
        ).exists()


def test_only_the_bench_user_can_log_in(db: Any) -> None:
    generate(SMALL)
    assert authenticate(username=BENCH_EMAIL, password=BENCH_PASSWORD) is not None
    others = get_user_model().objects.exclude(email=BENCH_EMAIL)
    assert others.count() == 3 * 7
    assert not any(user.has_usable_password() for user in others)


def test_each_tool_has_the_requested_versions_with_reasons_and_authors(db: Any) -> None:
    generate(SMALL)
    for tool in Tool.objects.all():
        versions = list(tool.history.order_by("history_date"))  # type: ignore[attr-defined]
        assert [v.history_type for v in versions] == ["+", "~", "~"]
        assert all(v.history_change_reason for v in versions)
        members = set(
            Membership.objects.filter(
                organisation=tool.organisation_id, role__in=[Role.DELEGATE, Role.MANAGEMENT]
            ).values_list("user_id", flat=True)
        )
        assert {v.history_user_id for v in versions} <= members
        assert versions[0].history_date == tool.created_at
        assert versions[-1].history_date == tool.updated_at


def test_each_update_changes_the_record(db: Any) -> None:
    generate(SMALL)
    for tool in Tool.objects.all():
        versions = list(tool.history.order_by("history_date"))  # type: ignore[attr-defined]
        for before, after in pairwise(versions):
            assert after.diff_against(before).changes


def test_the_latest_version_is_the_tool_as_it_stands(db: Any) -> None:
    generate(SMALL)
    for tool in Tool.objects.all():
        latest = tool.history.order_by("-history_date").first()  # type: ignore[attr-defined]
        assert (
            latest.diff_against(
                tool.history.model(
                    **{  # type: ignore[attr-defined]
                        f.attname: getattr(tool, f.attname)
                        for f in Tool._meta.concrete_fields
                        if f.name != "search_document"
                    }
                )
            ).changes
            == []
        )


def test_every_group_of_the_record_has_content(db: Any) -> None:
    generate(SMALL)
    for tool in Tool.objects.all():
        for group in GROUPS:
            values = [getattr(tool, name) for name in group.fields]
            assert any(v not in (None, "", [], "unknown") for v in values), (tool.name, group.letter)


def test_the_search_document_is_built_as_the_services_build_it(db: Any) -> None:
    generate(SMALL)
    for tool in Tool.objects.select_related("vendor"):
        texts = [str(getattr(tool, f) or "") for f in SEARCHED_FIELDS]
        if tool.vendor:
            texts.append(tool.vendor.name)
        assert tool.search_document == build_document(texts)


def test_it_writes_one_audit_entry_and_keeps_the_chain_intact(db: Any) -> None:
    generate(SMALL)
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["scale_data.generated"]
    assert verify_chain().intact


def test_the_command_prints_the_volumes_and_the_bench_login(db: Any) -> None:
    out = StringIO()
    call_command("generate_scale_data", organisations=2, tools_per_organisation=3, versions=2, stdout=out)
    assert "generated 2 organisations" in out.getvalue()
    assert f"{BENCH_EMAIL} / {BENCH_PASSWORD}" in out.getvalue()
    assert Tool.objects.count() == 6


def test_the_command_refuses_a_database_that_already_has_scale_data(db: Any) -> None:
    generate(SMALL)
    with pytest.raises(CommandError, match="already exists"):
        call_command("generate_scale_data", organisations=1, tools_per_organisation=1, stdout=StringIO())
    assert Organisation.objects.count() == 3


def test_the_command_refuses_zero_versions(db: Any) -> None:
    with pytest.raises(CommandError, match="versions"):
        call_command(
            "generate_scale_data", organisations=1, tools_per_organisation=1, versions=0, stdout=StringIO()
        )
    assert not Organisation.objects.exists()


def test_the_command_refuses_to_run_in_production(db: Any, settings: Any) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("generate_scale_data", organisations=1, tools_per_organisation=1, stdout=StringIO())
    assert not Organisation.objects.exists()
