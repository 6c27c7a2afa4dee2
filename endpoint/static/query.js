// Progressive enhancement for the query page: the form works without this file (it submits to
// /query and the server renders the table). With it, examples load into the textarea and
// results arrive as SPARQL JSON from /sparql without a page reload. Bundled, no CDN.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  if (!form || !textarea || !window.fetch) { return; }

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var tpl = document.querySelector('template[data-example="' + link.dataset.name + '"]');
      if (!tpl) { return; }
      event.preventDefault();
      textarea.value = tpl.content ? tpl.content.textContent : tpl.textContent;
      textarea.focus();
      history.replaceState(null, "", link.href);
    });
  });

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri" && /^https?:\/\//i.test(term.value)) {  // never a javascript: or data: link
      var a = document.createElement("a");
      a.href = term.value; a.textContent = term.value; td.appendChild(a);
    } else {
      td.textContent = term.type === "bnode" ? "_:" + term.value : term.value;
      if (term["xml:lang"]) { td.title = "@" + term["xml:lang"]; }
      else if (term.datatype) { td.title = term.datatype; }
    }
    return td;
  }

  function show(section, data, truncatedAt) {
    section.innerHTML = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p"); p.className = "boolean";
      p.textContent = "Resultaat: " + (data.boolean ? "waar (true)" : "onwaar (false)");
      section.appendChild(p); return;
    }
    var vars = data.head.vars, rows = data.results.bindings;
    var count = document.createElement("p"); count.className = "count";
    count.textContent = rows.length + (rows.length === 1 ? " rij" : " rijen") +
      (truncatedAt ? " — afgekapt op " + truncatedAt + ": gebruik LIMIT/OFFSET om verder te bladeren" : "") + ".";
    section.appendChild(count);
    var wrap = document.createElement("div"); wrap.className = "scroll";
    var table = document.createElement("table"); table.className = "results";
    var head = table.createTHead().insertRow();
    vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = v; head.appendChild(th); });
    var body = table.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
    });
    wrap.appendChild(table); section.appendChild(wrap);
  }

  function run() {
    var section = document.getElementById("results");
    section.textContent = "Bezig…";
    var body = new URLSearchParams(); body.set("query", textarea.value);
    fetch("/sparql", { method: "POST", body: body,
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.5" } })
      .then(function (response) {
        return response.text().then(function (text) { return { response: response, text: text }; });
      })
      .then(function (r) {
        var type = r.response.headers.get("Content-Type") || "";
        if (!r.response.ok) {
          section.innerHTML = ""; var p = document.createElement("p"); p.className = "error";
          p.setAttribute("role", "alert"); p.textContent = r.response.status + ": " + r.text; section.appendChild(p);
        } else if (type.indexOf("json") >= 0) {
          var headers = r.response.headers, cut = headers.get("MDO-Result-Truncated") ? headers.get("MDO-Result-Cut") : null;
          show(section, JSON.parse(r.text), cut === "bytes" ? headers.get("MDO-Result-Byte-Limit") + " bytes"
               : cut ? headers.get("MDO-Result-Limit") + " rijen" : null);
        } else {
          section.innerHTML = ""; var pre = document.createElement("pre"); pre.textContent = r.text; section.appendChild(pre);
        }
        history.replaceState(null, "", "/query?" + new URLSearchParams({ query: textarea.value }).toString());
      })
      .catch(function (error) { section.textContent = "Fout: " + error; });
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.getAttribute("formaction")) { return; }  // downloads
    event.preventDefault();
    run();
  });
  // `#run` in the address runs the query that is in the textarea (a shareable link to results).
  if (location.hash === "#run" && textarea.value.trim()) { run(); }
})();
