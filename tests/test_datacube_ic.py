"""The built cube against the Data Cube recommendation's own integrity constraints (section 11.1).

An off-the-shelf checker runs the recommendation's ASK queries on the published triples, with
or without first applying its normalization algorithm (section 10.1). Both must find nothing:
the published structure is already normalized, so no inference is needed for the verdict.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from w3c_datacube import IC, IC_20, IC_20_PARAMETERS, IC_21, IC_21_PARAMETERS, NORMALIZE_PHASE_1, NORMALIZE_PHASE_2, PREFIXES


def _merged(dataset: ox.Store) -> ox.Store:
    """All graphs of the dataset as one default graph, as a checker loading the N-Triples dump sees it."""
    store = ox.Store()
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in dataset)
    return store


def _normalized(store: ox.Store) -> ox.Store:
    copy = ox.Store()
    copy.extend(store)
    copy.update(PREFIXES + NORMALIZE_PHASE_1)
    copy.update(PREFIXES + NORMALIZE_PHASE_2)
    return copy


PAIRWISE = "IC-12 No duplicate observations"
QB_DATASET = ox.NamedNode("http://purl.org/linked-data/cube#dataSet")
PARTITION_BY = ox.NamedNode("https://data.monitordigitaleoverheid.nl/def/mdo#indicator")


def _pairwise_broken(store: ox.Store) -> bool:
    """The recommendation's IC-12 query, word for word, run on each indicator's observations
    instead of on every pair of observations at once.

    Exact: IC-12 is broken by two observations of one data set whose values are equal for
    every dimension. `mdo:indicator` is a dimension, so two such observations have the same
    indicator and meet in one partition; each partition holds every triple about its
    observations and every triple that is not about an observation (the structure the query
    reads), so the query sees such a pair exactly as it does in the whole store. An
    observation without an indicator goes into every partition. Each partition is a named
    graph, queried together with the rest as the default graph, so nothing is copied.
    """
    observations = {q.subject for q in store.quads_for_pattern(None, QB_DATASET, None)}
    split = ox.Store()
    rest = ox.NamedNode("urn:ic12:rest")
    split.extend(ox.Quad(q.subject, q.predicate, q.object, rest) for q in store if q.subject not in observations)
    groups: dict[ox.Term, list[ox.Term]] = {}
    loose = []
    for observation in observations:
        values = {q.object for q in store.quads_for_pattern(observation, PARTITION_BY, None)}
        for value in values:
            groups.setdefault(value, []).append(observation)
        if not values:
            loose.append(observation)
    for number, members in enumerate(groups.values() or [[]]):
        graph = ox.NamedNode(f"urn:ic12:partition:{number}")
        split.extend(ox.Quad(q.subject, q.predicate, q.object, graph)
                     for o in members + loose for q in store.quads_for_pattern(o, None, None))
        if split.query(PREFIXES + IC[PAIRWISE], default_graph=[rest, graph]):
            return True
    return False


def _broken(store: ox.Store) -> list[str]:
    """The names of the constraints whose ASK query is true (broken) on `store`."""
    broken = [name for name, query in IC.items()
              if (_pairwise_broken(store) if name == PAIRWISE else store.query(PREFIXES + query))]
    for name, template, parameters in (("IC-20 Codes from hierarchy", IC_20, IC_20_PARAMETERS),
                                       ("IC-21 Codes from hierarchy (inverse)", IC_21, IC_21_PARAMETERS)):
        for (p,) in store.query(PREFIXES + parameters):  # type: ignore[misc]
            if store.query(PREFIXES + template.replace("$p", p.value)):
                broken.append(name)
    return broken


@pytest.fixture(scope="module")
def published(built_dataset: ox.Store) -> ox.Store:
    return _merged(built_dataset)


def test_the_queries_are_the_recommendations_twenty_one() -> None:
    numbers = {name.split(" ")[0] for name in IC} | {"IC-20", "IC-21"}
    assert numbers == {f"IC-{n}" for n in range(1, 22)}


def test_every_constraint_holds_on_the_published_triples(published: ox.Store) -> None:
    assert _broken(published) == []


def test_every_constraint_holds_after_normalization(published: ox.Store) -> None:
    """Normalization adds nothing: the normalized graph is the published one, so every verdict
    is the same; the queries run again all the same."""
    normalized = _normalized(published)
    assert set(normalized) == set(published)
    assert _broken(normalized) == []


def test_the_measures_and_figures_are_as_published(published: ox.Store) -> None:
    """What the ICs see: one measure, 1,251 observations, each with a value; the 59 printed
    cells without a figure are no observations."""
    rows = published.query(PREFIXES + """PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
        SELECT (COUNT(DISTINCT ?m) AS ?measures) (COUNT(DISTINCT ?o) AS ?observations) (COUNT(DISTINCT ?v) AS ?valued)
               (COUNT(DISTINCT ?missing) AS ?missingFigures) WHERE {
          { ?c qb:componentProperty ?m . ?m a qb:MeasureProperty }
          UNION { ?o a qb:Observation . OPTIONAL { ?o mdo:waarde [] BIND (?o AS ?v) } }
          UNION { ?missing a mdo:OntbrekendCijfer FILTER NOT EXISTS { ?missing qb:dataSet [] } } }""")
    assert [int(term.value) for term in next(iter(rows))] == [1, 1251, 1251, 59]  # type: ignore[arg-type]


def test_without_the_component_property_closure_ic3_and_the_rest_cannot_see_the_structure(published: ox.Store) -> None:
    """What the issue saw: a structure with only qb:dimension/qb:measure/qb:attribute fails
    IC-3 for plain queries, and the normalization repairs it."""
    bare = ox.Store()
    bare.extend(published)
    bare.update(PREFIXES + "DELETE WHERE { ?c qb:componentProperty ?p }")
    assert _broken(bare) == ["IC-3 DSD includes measure"]
    assert _broken(_normalized(bare)) == []


def test_an_observation_without_a_value_breaks_ic14(published: ox.Store) -> None:
    broken = ox.Store()
    broken.extend(published)
    broken.update(PREFIXES + """PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
        DELETE { ?o mdo:waarde ?v } WHERE { { SELECT ?o ?v WHERE { ?o a qb:Observation ; mdo:waarde ?v } ORDER BY ?o LIMIT 1 } }""")
    assert _broken(broken) == ["IC-14 All measures present"]


def test_a_duplicate_observation_breaks_ic12(published: ox.Store) -> None:
    """A second observation with the same data set and dimension values as an existing one,
    the figure changed, is found by the partitioned IC-12 as by the recommendation's query."""
    duplicated = ox.Store()
    duplicated.extend(published)
    duplicated.update(PREFIXES + """PREFIX mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#>
        INSERT { ?copy ?p ?o ; mdo:waarde 1 } WHERE {
          { SELECT ?obs WHERE { ?obs a qb:Observation ; mdo:waarde [] } ORDER BY ?obs LIMIT 1 }
          ?obs ?p ?o FILTER (?p != mdo:waarde) BIND (IRI(CONCAT(STR(?obs), "-kopie")) AS ?copy) }""")
    assert _broken(duplicated) == [PAIRWISE]
