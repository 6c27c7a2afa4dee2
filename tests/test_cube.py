"""The built graph, checked by SPARQL: figures from both editions, revisions, renames, links, catalogue."""

import os
import stat

import pyoxigraph as ox
import pytest

B = "https://data.monitordigitaleoverheid.nl"
PREFIXES = f"""
PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
PREFIX id: <{B}/id/>
"""


@pytest.fixture(scope="module")
def union(built_dataset):
    return built_dataset


def rows(store, query):
    """Query the union of the named graphs; each value as its lexical form (None when unbound)."""
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [tuple(s[n].value if s[n] is not None else None for n in names) for s in solutions]


@pytest.mark.parametrize(
    "indicator, edition, year, expected",
    [
        ("digid-actieve-digids", "2020", 2019, "15023119"),
        ("digid-actieve-digids", "2024", 2023, "17179883"),
        ("beheervoorziening-bsn-verificatievragen", "2024", 2019, "99.5"),
        ("bag-bevragingen-bag-bevragen-landelijke-voorziening", "2024", 2023, "4600000000"),
    ],
)
def test_figures_by_sparql(union, indicator, edition, year, expected):
    found = rows(union, f"""
        SELECT ?value WHERE {{
          ?obs mdo:indicator <{B}/id/indicator/{indicator}> ; mdo:editie <{B}/id/editie/{edition}> ;
               mdo:jaar <{B}/id/jaar/{year}> ; mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ; mdo:waarde ?value .
        }}""")
    assert found == [(expected,)]


def test_revision_both_kept_newest_current(union):
    found = rows(union, f"""
        SELECT ?edition ?value ?current ?revises WHERE {{
          ?obs mdo:indicator <{B}/id/indicator/beheervoorziening-bsn-aangesloten-overheidsorganisaties-bv-bsn> ;
               mdo:jaar <{B}/id/jaar/2019> ; mdo:editie ?e ; mdo:waarde ?value ; mdo:actueel ?current .
          ?e skos:notation ?edition .
          OPTIONAL {{ ?obs mdo:herziet ?old . ?old mdo:editie/skos:notation ?revises }}
        }} ORDER BY ?edition""")
    assert found == [("2020", "500", "false", None), ("2024", "2910", "true", "2020")]


def test_derived_change_and_newest_year_of_a_series(union):
    """The current figures of active DigiDs as printed (2017-2019 in the 2020 edition, the rest in
    2024), each with the change against the year before that the converter derived."""
    found = rows(union, f"""
        SELECT ?year ?value ?previous ?change ?growth ?newest WHERE {{
          ?obs mdo:indicator <{B}/id/indicator/digid-actieve-digids> ; mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ;
               mdo:actueel true ; mdo:jaartal ?year ; mdo:waarde ?value .
          OPTIONAL {{ ?obs mdo:vorigCijfer/mdo:waarde ?previous }} OPTIONAL {{ ?obs mdo:verschil ?change }}
          OPTIONAL {{ ?obs mdo:groei ?growth }} OPTIONAL {{ ?obs mdo:laatsteJaar ?newest }}
        }} ORDER BY ?year""")
    assert found == [
        ("2017", "13529391", None, None, None, None),
        ("2018", "13772269", "13529391", "242878", "1.8", None),
        ("2019", "15023119", "13772269", "1250850", "9.1", None),
        ("2020", "18320835", "15023119", "3297716", "22", None),
        ("2021", "16515691", "18320835", "-1805144", "-9.9", None),
        ("2022", "16959681", "16515691", "443990", "2.7", None),
        ("2023", "17179883", "16959681", "220202", "1.3", "true"),
    ]
    years = rows(union, "SELECT DISTINCT (DATATYPE(?y) AS ?type) WHERE { ?o a qb:Observation ; mdo:jaartal ?y }")
    assert years == [("http://www.w3.org/2001/XMLSchema#gYear",)]


def test_derived_values_are_marked_and_only_on_current_figures(union):
    derived = rows(union, "SELECT ?p WHERE { ?p a mdo:AfgeleideEigenschap } ORDER BY ?p")
    assert [p for (p,) in derived] == [f"https://data.monitordigitaleoverheid.nl/def/mdo#{name}"
                                       for name in ("groei", "jaartal", "laatsteJaar", "verschil", "vorigCijfer")]
    assert rows(union, "SELECT ?o WHERE { ?o mdo:actueel false ; mdo:vorigCijfer|mdo:verschil|mdo:groei|mdo:laatsteJaar [] }") == []


def test_renamed_indicator_matched_across_editions(union):
    labels = rows(union, f"""
        SELECT ?label WHERE {{ <{B}/id/indicator/digid-machtigen-bevestigingen-door-aangesloten-diensten> skos:prefLabel|skos:altLabel ?label }}
        ORDER BY ?label""")
    assert labels == [("Totaal aantal bevestigingen door aangesloten diensten",), ("Totaal aantal bevragingen door aangesloten diensten",)]
    editions = rows(union, f"""
        SELECT DISTINCT ?e WHERE {{ ?o mdo:indicator <{B}/id/indicator/digid-machtigen-bevestigingen-door-aangesloten-diensten> ;
          mdo:jaar <{B}/id/jaar/2019> ; mdo:waarde 18475448 ; mdo:editie ?e }} ORDER BY ?e""")
    assert editions == [(f"{B}/id/editie/2020",), (f"{B}/id/editie/2024",)]


def test_provenance_to_the_source_cell(union):
    found = rows(union, f"""
        SELECT ?file ?line ?raw ?status WHERE {{
          ?o mdo:indicator <{B}/id/indicator/digid-authenticaties-basis> ; mdo:editie <{B}/id/editie/2024> ; mdo:jaar <{B}/id/jaar/2019> ;
             sdmx-attribute:obsStatus/skos:notation ?status ; prov:wasDerivedFrom ?cell .
          ?cell mdo:bestand ?file ; mdo:regel ?line ; mdo:ruweTekst ?raw .
        }}""")
    assert found == [("sources/mdo-2024.txt", "154", "223.949.53", "gecorrigeerd")]


def test_labels_and_code_lists(union):
    assert rows(union, f"SELECT ?l WHERE {{ <{B}/id/voorziening/brp> skos:prefLabel ?l }}") == [("Basisregistratie Personen (BRP)",)]
    assert rows(union, f"SELECT ?l WHERE {{ <{B}/id/editie/2024> skos:prefLabel ?l FILTER(lang(?l)='nl') }}") == [("Monitor Digitale Overheid 2024",)]
    missing = rows(union, "SELECT ?c WHERE { ?c a skos:Concept FILTER NOT EXISTS { ?c skos:prefLabel ?l FILTER(lang(?l)='nl') } }")
    assert missing == []
    assert rows(union, f"SELECT ?b WHERE {{ <{B}/id/voorziening/mijnoverheid-berichtenbox> skos:broader ?b }}") == [(f"{B}/id/voorziening/mijnoverheid",)]


def test_links(union):
    fed = rows(union, f"SELECT ?b WHERE {{ <{B}/id/voorziening/digilevering> mdo:gevoedDoor ?b }} ORDER BY ?b")
    assert [r[0].rsplit("/", 1)[1] for r in fed] == ["bag", "brk", "brp", "hr", "woz"]
    assert rows(union, f"SELECT ?m WHERE {{ <{B}/id/voorziening/brp> skos:closeMatch ?m }}") == []  # not seen in the Stelselcatalogus
    assert rows(union, f"SELECT ?m WHERE {{ <{B}/id/voorziening/bag> skos:closeMatch ?m }}") == [("http://opendata.stelselcatalogus.nl/id/registratie/BAG",)]
    assert rows(union, f"SELECT ?p WHERE {{ <{B}/id/voorziening/brp> dcterms:publisher/<http://www.w3.org/2002/07/owl#sameAs> ?p }}") == [
        ("https://identifier.overheid.nl/tooi/id/oorg/oorg10103",)]


def test_catalogue(union):
    found = rows(union, """
        SELECT ?title ?theme ?licence ?access WHERE {
          ?cat a dcat:Catalog ; dcat:dataset ?ds . ?ds dcterms:title ?title ; dcat:theme ?theme ; dcterms:license ?licence ; dcterms:accessRights ?access .
          FILTER(lang(?title) = 'nl' && STRENDS(STR(?theme), 'GOVE')) }""")
    assert found == [("Monitor Digitale Overheid: gebruikscijfers van de GDI",
                      "http://publications.europa.eu/resource/authority/data-theme/GOVE",
                      "https://definities.geostandaarden.nl/dcat-ap-nl/id/waardelijst/licenties/cc0",
                      "http://publications.europa.eu/resource/authority/access-right/PUBLIC")]
    downloads = rows(union, "SELECT ?url WHERE { ?d a dcat:Distribution ; dcat:downloadURL ?url } ORDER BY ?url")
    assert [u[0].rsplit("/", 1)[1] for u in downloads] == ["mdo.jsonld", "mdo.nq", "mdo.nt", "mdo.trig", "mdo.ttl",
                                                                  "observations.csv", "quality.md"]
    assert rows(union, "SELECT ?e WHERE { ?s a dcat:DataService ; dcat:endpointURL ?e }") == [(f"{B}/sparql",)]


def test_one_graph_per_edition(built_dataset):
    names = sorted(g.value for g in built_dataset.named_graphs())
    assert names == [f"{B}/graph/catalogus", f"{B}/graph/codes", f"{B}/graph/editie/2020", f"{B}/graph/editie/2024"]


def test_each_figure_and_all_said_about_it_is_in_its_editions_graph(built_dataset):
    """queries/10 asks for a figure's facts within one graph (GRAPH ?editiegraaf): that holds only
    while every statement about a figure or a missing cell, derived ones included, sits in the
    graph of its edition. The real cube: 1,251 figures and 59 cells printed without one, each
    in exactly that one graph."""
    placed = rows(built_dataset, """
        SELECT ?edition (COUNT(DISTINCT ?obs) AS ?figures) (COUNT(DISTINCT ?g) AS ?graphs) WHERE {
          ?obs a ?kind ; mdo:editie/skos:notation ?edition .
          VALUES ?kind { qb:Observation mdo:OntbrekendCijfer }
          GRAPH ?g { ?obs ?p ?o }
        } GROUP BY ?edition ORDER BY ?edition""")
    assert placed == [("2020", "493", "1"), ("2024", "817", "1")]  # 486 + 7 and 765 + 52
    strays = rows(built_dataset, f"""
        SELECT ?obs ?g WHERE {{
          ?obs a ?kind ; mdo:editie/skos:notation ?edition .
          VALUES ?kind {{ qb:Observation mdo:OntbrekendCijfer }}
          GRAPH ?g {{ ?obs ?p ?o }}
          FILTER(?g != IRI(CONCAT("{B}/graph/editie/", ?edition)))
        }} LIMIT 3""")
    assert strays == []


@pytest.mark.parametrize("name, keeps_graphs", [("mdo.nq", True), ("mdo.trig", True), ("mdo.jsonld", True),
                                                ("mdo.ttl", False), ("mdo.nt", False)])
def test_every_dump_holds_exactly_the_dataset(built_dist, built_dataset, name, keeps_graphs):
    """The N-Quads text written straight from the figures, and each format converted from it,
    hold the very quads of the dataset (merged into one graph where the format has none)."""
    dumped = set(ox.parse(path=str(built_dist / name)))
    if keeps_graphs:
        assert dumped == set(built_dataset)
    else:
        assert {(q.subject, q.predicate, q.object) for q in dumped} == {
            (q.subject, q.predicate, q.object) for q in built_dataset}
    assert len(dumped) > 28_000


@pytest.mark.parametrize("text", ['13 "lidstaten"', "a\\b", "line\nbreak\r", "€ 3,5 mlrd", ""])
def test_literals_written_as_text_read_back_unchanged(text):
    from converter.rdf.trig import literal

    line = f"<http://example.org/s> <http://example.org/p> {literal(text, 'nl')} <http://example.org/g> .\n"
    (quad,) = ox.parse(line, format=ox.RdfFormat.N_QUADS)
    assert quad.object == ox.Literal(text, language="nl")


def test_dumps_are_readable_by_others(built_dist):
    """A dump is published: mkstemp's private 0600 must not survive the atomic rename."""
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((built_dist / "mdo.trig").stat().st_mode) == 0o666 & ~umask


def test_graph_names_are_escaped_like_every_minted_iri():
    """An edition id with a space must not make the hand-written TriG unreadable."""
    from converter.rdf.iris import Iris
    from converter.rdf.trig import ObservationText

    iris = Iris(B)
    assert str(iris.graph("editie", "2020 voorjaar")) == f"{B}/graph/editie/2020%20voorjaar"
    block = f"{ObservationText(iris).graph('2020 voorjaar')} {{ <{B}/s> <{B}/p> <{B}/o> . }}"
    assert len(list(ox.parse(block, format=ox.RdfFormat.TRIG))) == 1


def test_the_trig_made_in_two_processes_is_the_text_of_one(built_cube, tmp_path):
    """A large cube has the second half of its observations made by a forked process
    (`dumps.write_trig`): the file is byte for byte what one process writes, with the same
    count, and nothing else is left beside it."""
    from converter.rdf.dumps import write_trig

    one = write_trig(built_cube, tmp_path / "one.trig", split_from=10**9)
    two = write_trig(built_cube, tmp_path / "two.trig", split_from=0)
    assert (tmp_path / "two.trig").read_bytes() == (tmp_path / "one.trig").read_bytes()
    assert two == one == 32_967
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.trig", "two.trig"]


def test_an_error_in_the_forked_half_is_raised_as_itself(built_cube, tmp_path):
    """An observation the cube cannot render, in the half a forked process makes: the build
    stops with that error, and no dump (or half of one) is left."""
    import dataclasses

    from converter.rdf.cube import observation_key
    from converter.rdf.dumps import write_trig

    last = built_cube.blocks()[-2]  # the last observation of the last edition
    revisions = {key: value for key, value in built_cube.revisions.items() if key != observation_key(last)}
    with pytest.raises(KeyError) as raised:
        write_trig(dataclasses.replace(built_cube, revisions=revisions), tmp_path / "x.trig", split_from=0)
    assert raised.value.args == (observation_key(last),)
    assert list(tmp_path.iterdir()) == []


def test_the_small_graphs_made_by_a_forked_process_are_the_same(registry, extraction, settings, built_cube):
    """A large cube has its vocabulary, code lists, links, findings and catalogue made by a forked
    process, sent back as N-Quads: the same quads, in the same order, and the same relations."""
    from converter.rdf.cube import build_cube

    forked = build_cube(registry, extraction, settings.base_iri, settings.ontology_dir, split_from=0)
    assert forked.quads == built_cube.quads
    assert (forked.revisions, forked.derived) == (built_cube.revisions, built_cube.derived)
