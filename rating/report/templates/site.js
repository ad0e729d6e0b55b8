// Sorting and filtering for the report tables: our only script, inline and
// static (no data from the report is ever put in it). Tables work without it.
(function () {
  "use strict";
  // Numbers compare exactly as decimal text (the JSON report's, in data-value):
  // sign, then integer digits, then fraction digits; never through a float.
  function decimalParts(text) {
    var negative = text.charAt(0) === "-";
    var parts = (negative ? text.slice(1) : text).split(".");
    var whole = parts[0].replace(/^0+/, "");
    var fraction = (parts[1] || "").replace(/0+$/, "");
    return { negative: negative && (whole !== "" || fraction !== ""), whole: whole, fraction: fraction };
  }
  function compareDecimal(x, y) {
    if (x === null || y === null) { return x === y ? 0 : x === null ? -1 : 1; }
    var a = decimalParts(x), b = decimalParts(y), order = 0;
    if (a.negative !== b.negative) { return a.negative ? -1 : 1; }
    if (a.whole.length !== b.whole.length) { order = a.whole.length < b.whole.length ? -1 : 1; }
    else if (a.whole !== b.whole) { order = a.whole < b.whole ? -1 : 1; }
    else if (a.fraction !== b.fraction) { order = a.fraction < b.fraction ? -1 : 1; }
    return a.negative ? -order : order;
  }
  function compareCells(a, b, index, kind) {
    var x = a.cells[index], y = b.cells[index];
    if (kind === "num") {
      return compareDecimal(x ? x.getAttribute("data-value") : null, y ? y.getAttribute("data-value") : null);
    }
    var s = x ? x.textContent.trim().toLowerCase() : "", t = y ? y.textContent.trim().toLowerCase() : "";
    return s < t ? -1 : s > t ? 1 : 0;
  }
  function sortBy(table, header, index) {
    var kind = header.getAttribute("data-sort");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      if (other.hasAttribute("aria-sort")) { other.setAttribute("aria-sort", "none"); }
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var order = compareCells(a, b, index, kind);
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  }
  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      if (!header.hasAttribute("data-sort")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      header.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { sortBy(table, header, index); });
    });
  }
  function makeFilterable(table, number) {
    var box = document.createElement("div");
    box.className = "filter";
    var label = document.createElement("label");
    var id = "filter-" + (table.id || number);
    label.htmlFor = id;
    label.textContent = "Filter rows: ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    var status = document.createElement("output");
    status.setAttribute("aria-live", "polite");
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    table.parentNode.insertBefore(box, table);
    function apply() {
      var query = input.value.trim().toLowerCase();
      var shown = 0, all = 0;
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var match = query === "" || row.textContent.toLowerCase().indexOf(query) !== -1;
          row.hidden = !match;
          all += 1;
          if (match) { shown += 1; }
        });
      });
      status.textContent = query === "" ? "" : shown + " of " + all + " rows";
    }
    input.addEventListener("input", apply);
    table.ratecardFilter = function (value) { input.value = value; apply(); };
  }
  var tables = document.querySelectorAll("table.sortable, table.filterable");
  Array.prototype.forEach.call(tables, function (table, number) {
    var features = [];
    if (table.classList.contains("sortable") && table.tHead) { makeSortable(table); features.push("sort"); }
    if (table.classList.contains("filterable")) { makeFilterable(table, number); features.push("filter"); }
    table.setAttribute("data-enhanced", features.join(" "));
  });
  Array.prototype.forEach.call(document.querySelectorAll("a[data-filter]"), function (link) {
    link.addEventListener("click", function () {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target && target.ratecardFilter) { target.ratecardFilter(link.getAttribute("data-filter")); }
    });
  });
  // Print the daily tables too (the charts' text alternatives), then close them again.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
  });
}());
