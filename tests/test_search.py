"""French full-text search: accents, case and inflections do not matter; every term must match."""

import pytest

from revoyure.registry.queries import ToolFilters, list_tools
from revoyure.registry.search import build_document, stems
from tests.factories import make_tool


def test_stems_ignore_accents_case_and_inflection():
    assert stems("Planification des ÉQUIPES") == stems("planifications des équipe")
    assert stems("évaluer")[0] == stems("EVALUER")[0]


def test_document_contains_each_stem_once():
    doc = build_document(["candidats candidat", "Candidat"])
    assert doc.count(" candidat") == 1


@pytest.fixture
def tools(personas):
    org = personas.org
    return [
        make_tool(org, name="TriCV", function="Présélection des candidatures", purpose="Recruter"),
        make_tool(org, name="Planif", function="Planification des équipes", purpose="Organiser le travail"),
        make_tool(org, name="Géoloc", function="Géolocalisation des véhicules", purpose="Tournées"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("candidature", ["TriCV"]),
        ("CANDIDATURES", ["TriCV"]),
        ("equipe planifier", ["Planif"]),
        ("geolocalisation", ["Géoloc"]),
        ("véhicule tournée", ["Géoloc"]),
        ("candidature véhicule", []),
        ("", ["Géoloc", "Planif", "TriCV"]),
    ],
)
def test_search_finds_tools_by_stemmed_unaccented_terms(tools, personas, query, expected):
    found = [t.name for t in list_tools(personas.org, ToolFilters(q=query))]
    assert found == expected


def test_search_is_limited_to_the_organisation(tools, personas):
    make_tool(personas.other_org, name="Other TriCV", function="candidatures")
    assert [t.name for t in list_tools(personas.org, ToolFilters(q="candidature"))] == ["TriCV"]


def test_search_document_follows_updates(tools, personas):
    from revoyure.registry import services

    services.update_tool(tools[2], personas.delegate, {"function": "Suivi des livraisons"}, "rename")
    assert [t.name for t in list_tools(personas.org, ToolFilters(q="livraison"))] == ["Géoloc"]
    assert list(list_tools(personas.org, ToolFilters(q="geolocalisation"))) == []
