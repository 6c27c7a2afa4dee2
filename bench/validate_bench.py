"""Time `converter.validate.validate` on synthetic cubes that follow docs/MODEL.md.

    .venv/bin/python bench/validate_bench.py                 # 1000, 10000 and 100000 observations
    .venv/bin/python bench/validate_bench.py -n 5000 -n 50000
    .venv/bin/python bench/validate_bench.py --real dist/mdo.trig
    .venv/bin/python bench/validate_bench.py -n 0 --real /tmp/v/c100k.nq   # a cube from bench/synthetic.py

The cube is written as N-Quads (one graph per edition, plus the codes and catalogue graphs) to
a temporary file and validated from that path, so the figures include loading. Every cube is
valid: a run whose result does not conform is an error (the shapes or the generator are wrong).
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.settings import DEFAULT_BASE_IRI  # noqa: E402
from converter.validate import ValidationResult, format_report, validate  # noqa: E402

QB = "http://purl.org/linked-data/cube#"
MDO = "https://data.monitordigitaleoverheid.nl/def/mdo#"
SDMX_ATTR = "http://purl.org/linked-data/sdmx/2009/attribute#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_MEAS = "http://purl.org/linked-data/sdmx/2009/measure#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"

EDITIONS = ("2020", "2024")
YEARS = tuple(range(2014, 2024))
BREAKDOWNS = ("totaal", "leeftijd-0-17", "leeftijd-18-64", "leeftijd-65-plus", "onbekend")
DIMENSIONS = ("voorziening", "indicator", "jaar", "editie", "uitsplitsing")


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def synthetic_quads(n: int, base: str = DEFAULT_BASE_IRI) -> Iterator[str]:
    """N-Quads lines of a valid cube with `n` observations (plus codes and catalogue)."""
    per_indicator = len(EDITIONS) * len(BREAKDOWNS) * len(YEARS)
    n_indicators = max(1, math.ceil(n / per_indicator))
    n_voorzieningen = max(1, min(40, n_indicators))
    codes = _iri(f"{base}/graph/codes")
    cat = _iri(f"{base}/graph/catalogus")
    ds = _iri(f"{base}/id/dataset/monitor-digitale-overheid")
    dsd = _iri(f"{base}/id/dsd/monitor-digitale-overheid")
    a = _iri(RDF_TYPE)

    def q(s: str, p: str, o: str, g: str) -> str:
        return f"{s} {p} {o} {g} .\n"

    def scheme(name: str) -> str:
        return _iri(f"{base}/id/schema/{name}")

    def concept(kind: str, ref: str, label: str, scheme_name: str) -> Iterator[str]:
        c = _iri(f"{base}/id/{kind}/{ref}")
        yield q(c, a, _iri(SKOS + "Concept"), codes)
        yield q(c, _iri(SKOS + "prefLabel"), _lit(label, "nl"), codes)
        yield q(c, _iri(SKOS + "notation"), _lit(ref), codes)
        yield q(c, _iri(SKOS + "inScheme"), scheme(scheme_name), codes)

    # Structure: dimension, measure and attribute properties, DSD, data set.
    code_lists = {
        "voorziening": "voorzieningen",
        "indicator": "indicatoren",
        "jaar": "jaren",
        "editie": "edities",
        "uitsplitsing": "uitsplitsingen",
    }
    for order, dim in enumerate(DIMENSIONS, start=1):
        p = _iri(MDO + dim)
        yield q(p, a, _iri(QB + "DimensionProperty"), codes)
        yield q(p, a, _iri(QB + "CodedProperty"), codes)
        yield q(p, _iri(RDFS + "range"), _iri(SKOS + "Concept"), codes)
        yield q(p, _iri(QB + "codeList"), scheme(code_lists[dim]), codes)
        spec = f"_:dim{order}"
        yield q(dsd, _iri(QB + "component"), spec, codes)
        yield q(spec, _iri(QB + "dimension"), p, codes)
        yield q(spec, _iri(QB + "order"), _lit(str(order), datatype=XSD + "integer"), codes)
    yield q(_iri(MDO + "jaar"), _iri(RDFS + "subPropertyOf"), _iri(SDMX_DIM + "refPeriod"), codes)
    yield q(_iri(MDO + "waarde"), a, _iri(QB + "MeasureProperty"), codes)
    yield q(_iri(MDO + "waarde"), _iri(RDFS + "subPropertyOf"), _iri(SDMX_MEAS + "obsValue"), codes)
    yield q(_iri(MDO + "waarde"), _iri(RDFS + "range"), _iri(XSD + "decimal"), codes)
    yield q(dsd, _iri(QB + "component"), "_:measure", codes)
    yield q("_:measure", _iri(QB + "measure"), _iri(MDO + "waarde"), codes)
    attributes = [
        (SDMX_ATTR + "unitMeasure", True),
        (SDMX_ATTR + "obsStatus", True),
        (MDO + "statusToelichting", False),
        (MDO + "voetnoot", False),
    ]
    for i, (attr, required) in enumerate(attributes):
        spec = f"_:attr{i}"
        yield q(_iri(attr), a, _iri(QB + "AttributeProperty"), codes)
        yield q(dsd, _iri(QB + "component"), spec, codes)
        yield q(spec, _iri(QB + "attribute"), _iri(attr), codes)
        yield q(spec, _iri(QB + "componentRequired"), _lit(str(required).lower(), datatype=XSD + "boolean"), codes)
    yield q(dsd, a, _iri(QB + "DataStructureDefinition"), codes)
    yield q(ds, a, _iri(QB + "DataSet"), codes)
    yield q(ds, _iri(QB + "structure"), dsd, codes)

    # Code lists.
    for scheme_name in (*code_lists.values(), "eenheden", "statussen", "domeinen"):
        yield q(scheme(scheme_name), a, _iri(SKOS + "ConceptScheme"), codes)
        yield q(scheme(scheme_name), _iri(SKOS + "prefLabel"), _lit(scheme_name.capitalize(), "nl"), codes)
    for unit in ("aantal", "procent"):
        yield from concept("eenheid", unit, unit.capitalize(), "eenheden")
    for status in ("normaal", "ondergrens", "gecorrigeerd", "breuk", "niet-beschikbaar"):
        yield from concept("status", status, status.capitalize(), "statussen")
    for year in YEARS:
        yield from concept("jaar", str(year), str(year), "jaren")
    for edition in EDITIONS:
        yield from concept("editie", edition, f"Monitor Digitale Overheid {edition}", "edities")
        yield q(_iri(f"{base}/id/editie/{edition}"), a, _iri(MDO + "Editie"), codes)
    for breakdown in BREAKDOWNS:
        yield from concept("uitsplitsing", breakdown, breakdown, "uitsplitsingen")
    yield from concept("domein", "gegevens-registreren", "Gegevens registreren", "domeinen")
    for v in range(n_voorzieningen):
        vid = f"voorziening-{v}"
        yield from concept("voorziening", vid, f"Voorziening {v}", "voorzieningen")
        vi = _iri(f"{base}/id/voorziening/{vid}")
        yield q(vi, a, _iri(MDO + "Voorziening"), codes)
        yield q(vi, _iri(MDO + "domein"), _iri(f"{base}/id/domein/gegevens-registreren"), codes)
        yield q(vi, _iri(RDFS + "seeAlso"), _iri(f"https://www.noraonline.nl/wiki/Voorziening_{v}"), codes)
    for i in range(n_indicators):
        iid = f"indicator-{i}"
        ii = _iri(f"{base}/id/indicator/{iid}")
        unit = "procent" if i % 3 == 0 else "aantal"
        yield from concept("indicator", iid, f"Indicator {i}", "indicatoren")
        yield q(ii, a, _iri(MDO + "Indicator"), codes)
        yield q(ii, _iri(MDO + "voorziening"), _iri(f"{base}/id/voorziening/voorziening-{i % n_voorzieningen}"), codes)
        yield q(ii, _iri(SDMX_ATTR + "unitMeasure"), _iri(f"{base}/id/eenheid/{unit}"), codes)

    yield from _catalogue(base, ds, cat, q, a)

    # Observations and their source cells, one graph per edition.
    count = 0
    for i in range(n_indicators):
        unit = "procent" if i % 3 == 0 else "aantal"
        for edition in EDITIONS:
            g = _iri(f"{base}/graph/editie/{edition}")
            for b, breakdown in enumerate(BREAKDOWNS):
                for y, year in enumerate(YEARS):
                    if count >= n:
                        return
                    count += 1
                    line = 1 + i * 50 + b * 10 + y
                    obs = _iri(f"{base}/id/observatie/{edition}/indicator-{i}/{breakdown}/{year}")
                    cell = _iri(f"{base}/id/broncel/{edition}/{line}/{y + 2}")
                    yield q(obs, a, _iri(QB + "Observation"), g)
                    yield q(obs, _iri(QB + "dataSet"), ds, g)
                    yield q(obs, _iri(MDO + "voorziening"), _iri(f"{base}/id/voorziening/voorziening-{i % n_voorzieningen}"), g)
                    yield q(obs, _iri(MDO + "indicator"), _iri(f"{base}/id/indicator/indicator-{i}"), g)
                    yield q(obs, _iri(MDO + "jaar"), _iri(f"{base}/id/jaar/{year}"), g)
                    yield q(obs, _iri(MDO + "editie"), _iri(f"{base}/id/editie/{edition}"), g)
                    yield q(obs, _iri(MDO + "uitsplitsing"), _iri(f"{base}/id/uitsplitsing/{breakdown}"), g)
                    yield q(obs, _iri(SDMX_ATTR + "unitMeasure"), _iri(f"{base}/id/eenheid/{unit}"), g)
                    missing = count % 97 == 0
                    status = "niet-beschikbaar" if missing else "normaal"
                    yield q(obs, _iri(SDMX_ATTR + "obsStatus"), _iri(f"{base}/id/status/{status}"), g)
                    if not missing:
                        if unit == "procent":
                            value = _lit(f"{(count * 7) % 1000 / 10:.1f}", datatype=XSD + "decimal")
                        else:
                            value = _lit(str(count * 13), datatype=XSD + "integer")
                        yield q(obs, _iri(MDO + "waarde"), value, g)
                    yield q(obs, _iri(PROV + "wasDerivedFrom"), cell, g)
                    yield q(cell, a, _iri(MDO + "Broncel"), g)
                    yield q(cell, _iri(MDO + "editie"), _iri(f"{base}/id/editie/{edition}"), g)
                    yield q(cell, _iri(MDO + "bestand"), _lit(f"sources/mdo-{edition}.txt"), g)
                    yield q(cell, _iri(MDO + "regel"), _lit(str(line), datatype=XSD + "integer"), g)
                    yield q(cell, _iri(MDO + "ruweTekst"), _lit("-" if missing else str(count)), g)


def _catalogue(base: str, ds: str, g: str, q, a: str) -> Iterator[str]:
    catalog = _iri(f"{base}/id/catalogus")
    org = _iri(f"{base}/id/organisatie/ictu")
    contact = _iri(f"{base}/id/contact/ictu")
    service = _iri(f"{base}/id/dienst/sparql")
    theme = _iri("http://publications.europa.eu/resource/authority/data-theme/GOVE")
    public = _iri("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
    licence = _iri("http://creativecommons.org/publicdomain/zero/1.0/deed.nl")
    yield q(org, a, _iri(FOAF + "Organization"), g)
    yield q(org, a, _iri(FOAF + "Agent"), g)
    yield q(org, _iri(FOAF + "name"), _lit("ICTU", "nl"), g)
    yield q(contact, a, _iri(VCARD + "Organization"), g)
    yield q(contact, _iri(VCARD + "fn"), _lit("ICTU", "nl"), g)
    yield q(contact, _iri(VCARD + "hasEmail"), _iri("mailto:info@ictu.nl"), g)
    common = [
        (_iri(DCT + "publisher"), org),
        (_iri(DCT + "creator"), org),
        (_iri(DCAT + "contactPoint"), contact),
        (_iri(DCT + "description"), _lit("Cijfers uit de Monitor Digitale Overheid.", "nl")),
    ]
    yield q(catalog, a, _iri(DCAT + "Catalog"), g)
    yield q(catalog, _iri(DCT + "title"), _lit("Catalogus Monitor Digitale Overheid", "nl"), g)
    yield q(catalog, _iri(DCAT + "dataset"), ds, g)
    yield q(catalog, _iri(DCAT + "service"), service, g)
    yield q(catalog, _iri(DCT + "license"), licence, g)
    for p, o in common:
        yield q(catalog, p, o, g)
    yield q(ds, a, _iri(DCAT + "Dataset"), g)
    yield q(ds, _iri(DCT + "title"), _lit("Monitor Digitale Overheid", "nl"), g)
    yield q(ds, _iri(DCT + "identifier"), _lit(f"{base}/id/dataset/monitor-digitale-overheid"), g)
    yield q(ds, _iri(DCAT + "theme"), theme, g)
    yield q(ds, _iri(DCT + "accessRights"), public, g)
    for p, o in common:
        yield q(ds, p, o, g)
    for fmt, mime in (("trig", "TRIG"), ("nq", "N_QUADS"), ("ttl", "RDF_TURTLE")):
        dist = _iri(f"{base}/id/distributie/{fmt}")
        yield q(ds, _iri(DCAT + "distribution"), dist, g)
        yield q(dist, a, _iri(DCAT + "Distribution"), g)
        yield q(dist, _iri(DCAT + "accessURL"), _iri(f"{base}/download/mdo.{fmt}"), g)
        yield q(dist, _iri(DCAT + "downloadURL"), _iri(f"{base}/download/mdo.{fmt}"), g)
        yield q(dist, _iri(DCT + "format"), _iri(f"http://publications.europa.eu/resource/authority/file-type/{mime}"), g)
        yield q(dist, _iri(DCT + "license"), licence, g)
    yield q(service, a, _iri(DCAT + "DataService"), g)
    yield q(service, _iri(DCT + "title"), _lit("SPARQL-endpoint Monitor Digitale Overheid", "nl"), g)
    yield q(service, _iri(DCT + "identifier"), _lit(f"{base}/id/dienst/sparql"), g)
    yield q(service, _iri(DCAT + "endpointURL"), _iri(f"{base}/sparql"), g)
    yield q(service, _iri(DCAT + "endpointDescription"), _iri(f"{base}/sparql"), g)
    yield q(service, _iri(DCAT + "servesDataset"), ds, g)
    yield q(service, _iri(DCAT + "theme"), theme, g)
    yield q(service, _iri(DCT + "accessRights"), public, g)
    yield q(service, _iri(DCT + "license"), licence, g)
    for p, o in common:
        yield q(service, p, o, g)


def write_cube(n: int, path: Path, base: str = DEFAULT_BASE_IRI) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.writelines(synthetic_quads(n, base))
    return path


def _run(label: str, path: Path, observations: int | None) -> tuple[str, int | None, float, ValidationResult]:
    start = time.perf_counter()
    result = validate(path)
    seconds = time.perf_counter() - start
    if observations is not None and not result.conforms:
        print(format_report(result), file=sys.stderr)
        raise SystemExit(f"{label}: the synthetic cube does not conform; fix the generator or the shapes")
    return label, observations, seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, action="append", help="observations (repeatable)")
    parser.add_argument("--real", type=Path, help="also time a built cube, e.g. dist/mdo.trig")
    args = parser.parse_args(argv)
    sizes = [n for n in (args.n or [1000, 10000, 100000]) if n > 0]  # -n 0: only --real
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = write_cube(n, Path(tmp) / f"cube-{n}.nq")
            rows.append(_run(f"synthetic {n}", path, n))
    if args.real:
        rows.append(_run(f"real {args.real}", args.real, None))
    print(f"{'cube':<32} {'observations':>12} {'triples':>10} {'seconds':>8} {'obs/s':>8}  result")
    for label, n, seconds, result in rows:
        rate = f"{n / seconds:,.0f}" if n else "-"
        verdict = "conforms" if result.conforms else f"{len(result.violations)} violations"
        print(f"{label:<32} {n if n is not None else '-':>12} {result.triples:>10,} {seconds:>8.2f} {rate:>8}  {verdict}")
    # ru_maxrss is in KiB on Linux; the peak of the whole run, so of the largest cube above
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
