// The leaderboard page's sorting: click a header, or open leaderboard.html#sort=<column key>[:asc|:desc].
(function () {
  function value(cell, type) {
    var raw = cell.getAttribute("data-value");
    if (raw === null || raw === "") return null;
    if (type === "number") { var n = parseFloat(raw); return isNaN(n) ? null : n; }
    return raw.toLowerCase();
  }
  function sortBy(table, index, direction) {
    var headers = table.tHead.rows[0].cells, type = headers[index].getAttribute("data-type");
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var sign = direction === "ascending" ? 1 : -1;
    rows.sort(function (a, b) {
      var x = value(a.cells[index], type), y = value(b.cells[index], type);
      if (x === null && y === null) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -sign : x > y ? sign : 0;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    for (var i = 0; i < headers.length; i++) headers[i].removeAttribute("aria-sort");
    headers[index].setAttribute("aria-sort", direction);
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "descending" ? "ascending" :
          th.getAttribute("aria-sort") === "ascending" ? "descending" :
          th.getAttribute("data-type") === "number" ? "descending" : "ascending";
        sortBy(table, index, next);
      });
    });
  });
  // leaderboard.html#sort=<column key>[:asc|:desc] opens the page sorted
  var match = /sort=([^:&]+)(?::(asc|desc))?/.exec(decodeURIComponent(location.hash));
  if (match) {  // by clicking the header, as a reader would
    var th = document.querySelector('#leaderboard th[data-key="' + match[1] + '"]');
    var wanted = match[2] === "asc" ? "ascending" : "descending";
    for (var clicks = 0; th && clicks < 2 && th.getAttribute("aria-sort") !== wanted; clicks++) th.click();
  }
  document.body.setAttribute("data-ready", "1");
})();
