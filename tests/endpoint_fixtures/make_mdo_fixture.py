"""Write `mdo-fixture.trig`: a small dataset that follows docs/MODEL.md, for the endpoint tests.

Why a generator: every observation repeats the same dozen triples, and writing them from one
table keeps the fixture consistent with the model (IRIs, graphs, actueel/herziet). The figures are
the ones printed in `data/sources/` (file:line given per row), so tests can assert exact values.
Run: `.venv/bin/python tests/endpoint_fixtures/make_mdo_fixture.py` (output is committed).
"""

from __future__ import annotations

from pathlib import Path

B = "https://data.monitordigitaleoverheid.nl"

PREFIXES = """@prefix mdo: <https://data.monitordigitaleoverheid.nl/def/mdo#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
"""

DOMAINS = {
    "identificeren-authenticeren": ("Identificeren en authenticeren", "A"),
    "gegevens-registreren": ("Gegevens en registreren", "C"),
    "dienstverlening-verbinden": ("Dienstverlening en verbinden", "D"),
}
# id: (label, domain, parent, extra turtle)
VOORZIENINGEN = {
    "digid": ("DigiD", "identificeren-authenticeren", None,
              f"dcterms:publisher <{B}/id/organisatie/logius> ; foaf:homepage <https://www.digid.nl/>"),
    "basisregistraties": ("Basisregistraties", "gegevens-registreren", None,
                          "rdfs:seeAlso <https://www.noraonline.nl/wiki/Het_huidige_Stelsel_van_Basisregistraties>"),
    "brp": ("Basisregistratie Personen (BRP)", "gegevens-registreren", "basisregistraties",
            f"dcterms:publisher <{B}/id/organisatie/rvig>"),
    "hr": ("Handelsregister (HR)", "gegevens-registreren", "basisregistraties", ""),
    "bri": ("Basisregistratie Inkomen (BRI)", "gegevens-registreren", "basisregistraties",
            "rdfs:seeAlso <https://www.noraonline.nl/wiki/BRI_(Basisregistratie_Inkomen)>"),
    "digilevering": ("Digilevering", "dienstverlening-verbinden", None,
                     f"mdo:gevoedDoor <{B}/id/voorziening/brp>, <{B}/id/voorziening/hr>"),
    "beheervoorziening-bsn": ("Beheervoorziening BSN", "dienstverlening-verbinden", None, ""),
    "samenwerkende-catalogi": ("Samenwerkende Catalogi", "dienstverlening-verbinden", None,
                               "skos:closeMatch <http://opendata.stelselcatalogus.nl/id/registratie/SCa>"),
}
# id: (voorziening, unit, prefLabel, {edition: printed label})
INDICATORS = {
    "digid-actieve-digids": ("digid", "aantal", "Aantal actieve DigiD's",
                             {"2020": "Aantal actieve DigiD’s", "2024": "Aantal actieve DigiD's"}),
    "digid-accounts-substantieel": ("digid", "aantal", "Aantal accounts op substantieel",
                                    {"2020": "Aantal accounts op substantieel", "2024": "Aantal accounts op substantieel"}),
    "digid-authenticaties-basis": ("digid", "aantal", "Aantal authenticaties op Basis",
                                   {"2020": "Aantal authenticaties op Basis", "2024": "Aantal authenticaties op Basis"}),
    "digid-authenticaties-hoog": ("digid", "aantal", "Aantal authenticaties op Hoog",
                                  {"2024": "Aantal authenticaties op Hoog"}),
    "beheervoorziening-bsn-aangesloten-overheidsorganisaties": (
        "beheervoorziening-bsn", "aantal", "Aantal aangesloten overheidsorganisaties",
        {"2020": "Aantal aangesloten overheidsorganisaties op BV BSN",
         "2024": "Aantal aangesloten overheidsorganisaties op BV BSN"}),
    "digilevering-aangesloten-overheidsorganisaties": (
        "digilevering", "aantal", "Totaal aantal aangesloten overheidsorganisaties",
        {"2024": "Totaal aantal aangesloten overheidsorganisaties"}),
}
# (edition, indicator, year, value or None, raw text, line, column, status, toelichting)
ROWS = [
    ("2020", "digid-actieve-digids", 2017, 13529391, "13.529.391", 286, 1, "normaal", None),
    ("2020", "digid-actieve-digids", 2018, 13772269, "13.772.269", 286, 2, "normaal", None),
    ("2020", "digid-actieve-digids", 2019, 15023119, "15.023.119", 286, 3, "normaal", None),
    ("2020", "digid-accounts-substantieel", 2017, None, "-", 292, 1, "niet-beschikbaar", None),
    ("2020", "digid-accounts-substantieel", 2018, 23758, "23.758", 292, 2, "normaal", None),
    ("2020", "digid-accounts-substantieel", 2019, 731644, "731.644", 292, 3, "normaal", None),
    ("2020", "digid-authenticaties-basis", 2019, 223949536, "223.949.536", 296, 3, "normaal", None),
    ("2020", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2017, 500, "500", 391, 1, "normaal", None),
    ("2020", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2018, 500, "500", 395, 2, "normaal", None),
    ("2020", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2019, 500, "500", 399, 3, "normaal", None),
    ("2024", "digid-actieve-digids", 2019, 15023119, "15.023.119", 149, 1, "normaal", None),
    ("2024", "digid-actieve-digids", 2020, 18320835, "18.320.835", 149, 2, "normaal", None),
    ("2024", "digid-actieve-digids", 2021, 16515691, "16.515.691", 149, 3, "normaal", None),
    ("2024", "digid-actieve-digids", 2022, 16959681, "16.959.681", 149, 4, "normaal", None),
    ("2024", "digid-actieve-digids", 2023, 17179883, "17.179.883", 149, 5, "normaal", None),
    ("2024", "digid-accounts-substantieel", 2019, 731644, "731.644", 152, 1, "normaal", None),
    ("2024", "digid-accounts-substantieel", 2020, 3444223, "3.444.223", 152, 2, "normaal", None),
    ("2024", "digid-accounts-substantieel", 2021, 6285860, "6.285.860", 152, 3, "normaal", None),
    ("2024", "digid-accounts-substantieel", 2022, 7551496, "7.551.496", 152, 4, "normaal", None),
    ("2024", "digid-accounts-substantieel", 2023, 8537930, "8.537.930", 152, 5, "normaal", None),
    ("2024", "digid-authenticaties-basis", 2019, 223949536, "223.949.53", 154, 1, "gecorrigeerd",
     "Afgedrukt als 223.949.53 (een cijfer weggevallen); gecorrigeerd naar de editie 2020."),
    ("2024", "digid-authenticaties-hoog", 2019, None, "-", 158, 1, "niet-beschikbaar", None),
    ("2024", "digid-authenticaties-hoog", 2020, 87, "87", 158, 2, "normaal", None),
    ("2024", "digid-authenticaties-hoog", 2021, 10086, "10.086", 158, 3, "normaal", None),
    ("2024", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2019, 2910, "2.910", 581, 1, "normaal", None),
    ("2024", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2020, 3060, "3.060", 581, 2, "normaal", None),
    ("2024", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2021, 2764, "2.764", 581, 3, "normaal", None),
    ("2024", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2022, 2636, "2.636", 581, 4, "normaal", None),
    ("2024", "beheervoorziening-bsn-aangesloten-overheidsorganisaties", 2023, 2387, "2.387", 581, 5, "normaal", None),
    ("2024", "digilevering-aangesloten-overheidsorganisaties", 2022, 111, "111", 532, 4, "normaal", None),
    ("2024", "digilevering-aangesloten-overheidsorganisaties", 2023, 147, "147", 532, 5, "normaal", None),
]
SECTIONS = {
    "digid": "Bijlage A: Identificeren en authenticeren > DigiD",
    "beheervoorziening-bsn": "Bijlage D: Dienstverlening en verbinden > Beheervoorziening BSN",
    "digilevering": "Bijlage D: Dienstverlening en verbinden > Digilevering",
}
EDITIONS = {
    "2020": ("Monitor Digitale Overheid 2020", "2020-06-01", "2019-12-31", "sources/mdo-2020.txt"),
    "2024": ("Monitor Digitale Overheid 2024", "2024-06-05", "2023-12-31", "sources/mdo-2024.txt"),
}
STATUSES = ["normaal", "ondergrens", "gecorrigeerd", "breuk", "niet-beschikbaar"]


def lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@nl'


def obs_iri(edition: str, indicator: str, year: int) -> str:
    return f"<{B}/id/observatie/{edition}/{indicator}/totaal/{year}>"


def codes() -> str:
    out = [f"<{B}/graph/codes> {{"]
    add = out.append
    add("mdo:jaar rdfs:subPropertyOf sdmx-dimension:refPeriod .")
    add("mdo:waarde rdfs:subPropertyOf sdmx-measure:obsValue .")
    add(f"<{B}/id/dataset/monitor-digitale-overheid> a qb:DataSet, dcat:Dataset ;")
    add('  dcterms:title "Monitor Digitale Overheid"@nl ;')
    add('  dcterms:description "Cijfers over het gebruik van de generieke digitale infrastructuur (GDI) van de Nederlandse overheid."@nl ;')
    add(f"  qb:structure <{B}/id/dsd/monitor-digitale-overheid> .")
    add(f"<{B}/id/dsd/monitor-digitale-overheid> a qb:DataStructureDefinition ;")
    comps = ["mdo:voorziening", "mdo:indicator", "mdo:jaar", "mdo:editie", "mdo:uitsplitsing"]
    add("  qb:component " + ", ".join(f"[ qb:dimension {c} ; qb:componentProperty {c} ]" for c in comps)
        + ", [ qb:measure mdo:waarde ; qb:componentProperty mdo:waarde ],"
        " [ qb:attribute sdmx-attribute:unitMeasure ; qb:componentProperty sdmx-attribute:unitMeasure ],"
        " [ qb:attribute sdmx-attribute:obsStatus ; qb:componentProperty sdmx-attribute:obsStatus ] .")
    for scheme, label in [("voorzieningen", "Voorzieningen"), ("indicatoren", "Indicatoren"), ("domeinen", "Domeinen"),
                          ("edities", "Edities"), ("jaren", "Jaren"), ("eenheden", "Eenheden"),
                          ("statussen", "Statussen"), ("uitsplitsingen", "Uitsplitsingen")]:
        add(f"<{B}/id/schema/{scheme}> a skos:ConceptScheme ; skos:prefLabel {lit(label)} .")
    for key, (label, notation) in DOMAINS.items():
        add(f"<{B}/id/domein/{key}> a mdo:Domein, skos:Concept ; skos:prefLabel {lit(label)} ; "
            f'skos:notation "{notation}" ; skos:inScheme <{B}/id/schema/domeinen> .')
    for key, (label, domain, parent, extra) in VOORZIENINGEN.items():
        add(f"<{B}/id/voorziening/{key}> a mdo:Voorziening, skos:Concept ; skos:prefLabel {lit(label)} ;")
        add(f'  skos:notation "{key}" ; skos:inScheme <{B}/id/schema/voorzieningen> ; mdo:domein <{B}/id/domein/{domain}>'
            + (f" ;\n  skos:broader <{B}/id/voorziening/{parent}>" if parent else "")
            + (f" ;\n  {extra}" if extra else "") + " .")
    for key, (voorziening, unit, label, labels) in INDICATORS.items():
        alts = sorted(set(labels.values()))
        add(f"<{B}/id/indicator/{key}> a mdo:Indicator, skos:Concept ; skos:prefLabel {lit(label)} ;")
        add(f"  skos:altLabel {', '.join(lit(a) for a in alts)} ; skos:inScheme <{B}/id/schema/indicatoren> ;")
        add(f"  skos:definition {lit(label + ' aan het eind van het jaar.')} ;")
        add(f"  mdo:voorziening <{B}/id/voorziening/{voorziening}> ; sdmx-attribute:unitMeasure <{B}/id/eenheid/{unit}> .")
    for key, (title, issued, peildatum, _file) in EDITIONS.items():
        add(f"<{B}/id/editie/{key}> a mdo:Editie, skos:Concept, prov:Entity ; skos:prefLabel {lit(title)} ;")
        add(f'  skos:notation "{key}" ; skos:inScheme <{B}/id/schema/edities> ; dcterms:issued "{issued}"^^xsd:date ; '
            f'mdo:peildatum "{peildatum}"^^xsd:date .')
    for year in range(2017, 2024):
        add(f'<{B}/id/jaar/{year}> a skos:Concept ; skos:prefLabel "{year}" ; skos:notation "{year}" ; '
            f"skos:inScheme <{B}/id/schema/jaren> .")
    for unit, label in [("aantal", "aantal"), ("procent", "procent")]:
        add(f"<{B}/id/eenheid/{unit}> a skos:Concept ; skos:prefLabel {lit(label)} ; skos:inScheme <{B}/id/schema/eenheden> .")
    for status in STATUSES:
        add(f"<{B}/id/status/{status}> a skos:Concept ; skos:prefLabel {lit(status.replace('-', ' '))} ; "
            f"skos:notation \"{status}\" ; skos:inScheme <{B}/id/schema/statussen> .")
    add(f"<{B}/id/uitsplitsing/totaal> a skos:Concept ; skos:prefLabel {lit('totaal')} ; "
        f"skos:inScheme <{B}/id/schema/uitsplitsingen> .")
    for org, label in [("logius", "Logius"), ("rvig", "Rijksdienst voor Identiteitsgegevens")]:
        add(f"<{B}/id/organisatie/{org}> a foaf:Organization ; foaf:name {lit(label)} ; skos:prefLabel {lit(label)} .")
    out.append("}")
    return "\n".join(out)


def edition_graph(edition: str) -> str:
    out = [f"<{B}/graph/editie/{edition}> {{"]
    newest = {}  # among figures: a cell without one (mdo:OntbrekendCijfer) is no observation
    for ed, ind, year, value, *_ in ROWS:
        if value is not None:
            newest[(ind, year)] = max(newest.get((ind, year), ed), ed)
    values = {(ed, ind, year): value for ed, ind, year, value, *_ in ROWS if value is not None}
    for ed, ind, year, value, raw, line, column, status, note in ROWS:
        if ed != edition:
            continue
        voorziening = INDICATORS[ind][0]
        cell = f"<{B}/id/broncel/{ed}/{line}/{column}>"
        head = (f"{obs_iri(ed, ind, year)} a qb:Observation ; qb:dataSet <{B}/id/dataset/monitor-digitale-overheid> ;"
                if value is not None else f"<{B}/id/ontbrekend-cijfer/{ed}/{ind}/totaal/{year}> a mdo:OntbrekendCijfer ;")
        triples = [
            head,
            f"  mdo:voorziening <{B}/id/voorziening/{voorziening}> ; mdo:indicator <{B}/id/indicator/{ind}> ;",
            f"  mdo:jaar <{B}/id/jaar/{year}> ; mdo:editie <{B}/id/editie/{ed}> ; mdo:uitsplitsing <{B}/id/uitsplitsing/totaal> ;",
        ]
        if value is not None:
            triples.append(f"  mdo:waarde {value} ;")
        triples.append(f"  sdmx-attribute:unitMeasure <{B}/id/eenheid/{INDICATORS[ind][1]}> ;")
        triples.append(f"  sdmx-attribute:obsStatus <{B}/id/status/{status}> ;")
        if note:
            triples.append(f"  mdo:statusToelichting {lit(note)} ;")
        if value is not None:
            triples.append(f"  mdo:actueel {'true' if newest[(ind, year)] == ed else 'false'} ;")
        older = [e for e in EDITIONS if e < ed and (e, ind, year) in values]
        if value is not None and older and values[(older[-1], ind, year)] != value:
            triples.append(f"  mdo:herziet {obs_iri(older[-1], ind, year)} ;")
        triples.append(f"  prov:wasDerivedFrom {cell} .")
        out.extend(triples)
        out.append(f"{cell} a mdo:Broncel, prov:Entity ; mdo:editie <{B}/id/editie/{ed}> ; "
                   f'mdo:bestand "{EDITIONS[ed][3]}" ; mdo:regel {line} ;')
        out.append(f'  mdo:ruweTekst "{raw}" ; mdo:rijlabel {lit(INDICATORS[ind][3][ed]).removesuffix("@nl")} ; '
                   f"mdo:sectie {lit(SECTIONS[voorziening]).removesuffix('@nl')} .")
    out.append("}")
    return "\n".join(out)


def catalogue() -> str:
    dists = {"trig": "application/trig", "nq": "application/n-quads", "ttl": "text/turtle",
             "nt": "application/n-triples", "jsonld": "application/ld+json"}
    out = [f"<{B}/graph/catalogus> {{",
           f"<{B}/id/catalogus> a dcat:Catalog ; dcterms:title {lit('Catalogus Monitor Digitale Overheid')} ;",
           f"  dcat:dataset <{B}/id/dataset/monitor-digitale-overheid> ; dcat:service <{B}/id/dienst/sparql> .",
           f"<{B}/id/dataset/monitor-digitale-overheid> dcterms:publisher <{B}/id/organisatie/logius> ;",
           "  dcat:distribution " + ", ".join(f"<{B}/id/distributie/{d}>" for d in dists) + " .",
           f"<{B}/id/dienst/sparql> a dcat:DataService ; dcterms:title {lit('SPARQL-endpoint')} ;",
           f"  dcat:endpointURL <{B}/sparql> ; dcat:servesDataset <{B}/id/dataset/monitor-digitale-overheid> ."]
    for ext, media in dists.items():
        out.append(f"<{B}/id/distributie/{ext}> a dcat:Distribution ; dcterms:title {lit('mdo.' + ext)} ; "
                   f'dcat:mediaType <https://www.iana.org/assignments/media-types/{media}> ; '
                   f"dcat:downloadURL <{B}/download/mdo.{ext}> .")
    out.append("}")
    return "\n".join(out)


def main() -> None:
    text = "\n\n".join([PREFIXES, codes(), edition_graph("2020"), edition_graph("2024"), catalogue()]) + "\n"
    Path(__file__).with_name("mdo-fixture.trig").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
