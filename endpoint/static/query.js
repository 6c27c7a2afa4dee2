// Progressive enhancement for the query page. Without this file the form submits to /query and
// the server draws the result. With it, the query runs without leaving the page, but the result
// is still the server's: the script fetches /query?query=... and puts that page's #results
// section in place, so a result looks the same in both paths (one table, one way of drawing
// values, links to the local pages). On top of the drawn table it adds sorting by a column and
// paging of long results. Bundled, no CDN, no inline script, no eval.
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  if (!form || !textarea || !window.fetch || !window.DOMParser) { return; }
  var PAGE = 50;
  var editor = window.Yasqe ? startEditor() : null;

  // YASQE (the YASGUI editor, from npm, served by this server): highlighting, checking and
  // completion. Its completers for prefixes, classes and properties normally ask prefix.cc and
  // LOV; here they get this dataset's own lists from /query/termen.json, so nothing leaves the site.
  function startEditor() {
    var terms = fetch("/query/termen.json").then(function (r) { return r.json(); });
    [["prefixes", "prefixes"], ["class", "classes"], ["property", "properties"]].forEach(function (pair) {
      var own = window.Yasqe.Autocompleters[pair[0]];
      if (!own) { return; }
      window.Yasqe.Autocompleters[pair[0]] = Object.assign({}, own, {
        bulk: true, persistenceId: null,
        get: function () { return terms.then(function (t) { return t[pair[1]]; }); }
      });
    });
    var box = document.createElement("div");
    box.className = "editor";
    textarea.parentNode.insertBefore(box, textarea);
    textarea.hidden = true;
    var yasqe = new window.Yasqe(box, {
      value: textarea.value, persistenceId: null, showQueryButton: false, resizeable: false,
      editorHeight: "22rem", requestConfig: { endpoint: "/sparql" }
    });
    yasqe.on("change", function () { textarea.value = yasqe.getValue(); });
    return yasqe;
  }

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var tpl = document.querySelector('template[data-example="' + link.dataset.name + '"]');
      if (!tpl) { return; }
      event.preventDefault();
      textarea.value = tpl.content ? tpl.content.textContent : tpl.textContent;
      if (editor) { editor.setValue(textarea.value); editor.focus(); } else { textarea.focus(); }
      history.replaceState(null, "", link.href);
    });
  });

  function sortKey(cell) {
    var literal = cell.querySelector(".literal");
    if (literal && literal.classList.contains("number")) { return parseFloat(literal.dataset.value); }
    return (literal ? literal.dataset.value : cell.textContent).toLowerCase();
  }

  function enhance(section) {
    var table = section.querySelector("table.results");
    if (!table || !table.tBodies.length) { return; }
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), page = 0, order = {};
    var pager = document.createElement("nav"); pager.className = "pager"; pager.setAttribute("aria-label", "Pagina's");
    var prev = document.createElement("button"), next = document.createElement("button"), where = document.createElement("span");
    prev.type = next.type = "button"; prev.textContent = "vorige"; next.textContent = "volgende";
    pager.appendChild(prev); pager.appendChild(where); pager.appendChild(next);
    function draw() {
      var pages = Math.max(1, Math.ceil(rows.length / PAGE));
      page = Math.min(Math.max(page, 0), pages - 1);
      rows.forEach(function (row, index) { row.hidden = Math.floor(index / PAGE) !== page; body.appendChild(row); });
      where.textContent = "pagina " + (page + 1) + " van " + pages;
      prev.disabled = page === 0; next.disabled = page === pages - 1;
      pager.hidden = pages === 1;
    }
    prev.addEventListener("click", function () { page -= 1; draw(); });
    next.addEventListener("click", function () { page += 1; draw(); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "sort"; button.textContent = th.textContent;
      button.title = "sorteer op " + th.textContent;
      th.textContent = ""; th.appendChild(button);
      button.addEventListener("click", function () {
        var up = order[column] = !order[column];
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[column]), y = sortKey(b.cells[column]);
          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
        });
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        page = 0; draw();
      });
    });
    table.parentNode.parentNode.insertBefore(pager, table.parentNode.nextSibling);
    draw();
  }

  function run() {
    var section = document.getElementById("results");
    var address = "/query?" + new URLSearchParams({ query: textarea.value }).toString();
    section.textContent = "Bezig…";
    fetch(address, { headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var drawn = new DOMParser().parseFromString(html, "text/html").getElementById("results");
        var fresh = drawn ? document.importNode(drawn, true) : document.createElement("section");
        if (!drawn) { fresh.id = "results"; fresh.textContent = "Geen resultaat."; }
        section.replaceWith(fresh);
        enhance(fresh);
        history.replaceState(null, "", address + "#run");
      })
      .catch(function (error) { section.textContent = "Fout: " + error; });
  }

  form.addEventListener("submit", function (event) {
    if (editor) { textarea.value = editor.getValue(); }
    if (event.submitter && event.submitter.getAttribute("formaction")) { return; }  // downloads
    event.preventDefault();
    run();
  });
  // `#run` in the address runs the query that is in the textarea (a shareable link to results);
  // a result the server drew already (the form without script) gets sorting and paging too.
  if (location.hash === "#run" && textarea.value.trim()) { run(); }
  else { enhance(document.getElementById("results") || document.createElement("section")); }
})();
