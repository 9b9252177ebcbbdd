// The markbook grid: spreadsheet-speed entry with a roving tabindex, saving every change at
// once. Saves go out one request at a time (changes made while one is in flight wait and go
// together in the next), so each cell's save names the judgement the previous save returned:
// the server's "first save wins, the second is told" rule then only ever refuses a change
// somebody else made in between.
(function () {
  "use strict";
  var table = document.getElementById("markbook");
  if (!table || !table.tBodies[0]) return;
  var grades = JSON.parse(document.getElementById("markbook-grades").textContent);
  var gradeById = {};
  grades.forEach(function (g) { gradeById[g.id] = g; });
  var canRecord = table.dataset.canRecord === "1";
  var statusLine = document.getElementById("markbook-status");
  var problems = document.getElementById("markbook-problems");
  var headRow = table.tHead.rows[0];
  var rows = Array.prototype.filter.call(table.tBodies[0].rows, function (tr) {
    return tr.querySelector("td[role=gridcell]");
  });
  var nCols = headRow.querySelectorAll("th[data-col]").length;
  var nRows = rows.length;
  if (!nRows || !nCols) return;

  // Positions: row -1 is the objective headings, column -1 the pupil names.
  function at(r, c) {
    if (r < 0) return headRow.cells[c + 1];
    return rows[r].cells[c + 1];
  }
  function position(el) {
    var c = el.cellIndex - 1;
    var r = el.parentElement.parentElement === table.tHead ? -1 : rows.indexOf(el.parentElement);
    return { r: r, c: c };
  }
  var active = table.querySelector("td[tabindex='0']");

  function moveTo(el) {
    if (!el) return;
    if (active && active !== el) active.setAttribute("tabindex", "-1");
    el.setAttribute("tabindex", "0");
    active = el;
    el.focus();
  }

  function isCell(el) { return el && el.getAttribute("role") === "gridcell"; }
  function pupilName(cell) { return cell.parentElement.cells[0].dataset.name; }

  function describe(cell) {
    var g = gradeById[cell.dataset.shown];
    var label = g ? g.label : "Not assessed";
    var text = pupilName(cell) + ", objective " + cell.dataset.code + ": " + label;
    if (cell.dataset.state === "saving") text += " (saving)";
    if (cell.dataset.state === "failed") text += " (not saved: " + cell.dataset.reason + ")";
    cell.setAttribute("aria-label", text);
  }

  function show(cell, gradeId) {
    cell.dataset.shown = gradeId || "";
    var g = gradeById[gradeId];
    cell.querySelector(".label").textContent = g ? g.short : "";
    if (g) cell.style.setProperty("--grade", g.colour);
    else cell.style.removeProperty("--grade");
    describe(cell);
  }

  function setState(cell, state, reason) {
    if (state) cell.dataset.state = state;
    else delete cell.dataset.state;
    cell.dataset.reason = reason || "";
    cell.title = reason || "";
    describe(cell);
  }

  rows.forEach(function (tr) {
    Array.prototype.forEach.call(tr.querySelectorAll("td[role=gridcell]"), function (cell) {
      cell.dataset.shown = cell.dataset.grade;
    });
  });

  // Coverage: share of shown pupils secure per objective, and of shown objectives per pupil.
  function refreshCoverage() {
    var colSecure = new Array(nCols).fill(0);
    rows.forEach(function (tr) {
      var secure = 0;
      for (var c = 0; c < nCols; c++) {
        var g = gradeById[tr.cells[c + 1].dataset.grade];
        if (g && g.secure) { secure++; colSecure[c]++; }
      }
      var pct = Math.round((100 * secure) / nCols);
      var box = tr.querySelector("[data-pupil-coverage]");
      box.querySelector(".bar > span").style.width = pct + "%";
      box.querySelector(".coverage").textContent = secure + "/" + nCols + " (" + pct + "%)";
    });
    for (var c = 0; c < nCols; c++) {
      var th = headRow.cells[c + 1];
      var pct = Math.round((100 * colSecure[c]) / nRows);
      th.querySelector(".bar > span").style.width = pct + "%";
      th.querySelector("[data-coverage]").textContent =
        colSecure[c] + "/" + nRows + " secure (" + pct + "%)";
    }
  }

  // Saving --------------------------------------------------------------------------------
  var queue = new Map(); // cell -> grade id wanted ("" to clear); the latest wish wins
  var inFlight = false;
  var failed = new Set(); // cells whose last change was not saved

  function announce() {
    var waiting = queue.size + table.querySelectorAll("td[data-state=saving]").length;
    if (waiting) statusLine.textContent = "Saving…";
    else if (failed.size) {
      statusLine.textContent = failed.size + " change" + (failed.size > 1 ? "s" : "") +
        " not saved: see the list below the markbook.";
    }
    else statusLine.textContent = "All changes saved.";
  }

  function want(cell, gradeId) {
    if (!canRecord) return;
    gradeId = gradeId ? String(gradeId) : "";
    if (cell.dataset.shown === gradeId && !queue.has(cell)) return;
    if (!gradeId && !cell.dataset.judgement && !queue.has(cell)) return;
    show(cell, gradeId);
    setState(cell, "saving");
    queue.set(cell, gradeId);
    announce();
    pump();
  }

  function report(cell, message) {
    var li = document.createElement("li");
    li.textContent = pupilName(cell) + ", " + cell.dataset.code + ": " + message;
    problems.appendChild(li);
  }

  function settle(cell, result) {
    if (result.status === "saved") {
      failed.delete(cell);
      cell.dataset.judgement = result.judgement || "";
      cell.dataset.grade = result.grade ? result.grade.id : "";
      if (!queue.has(cell)) { show(cell, cell.dataset.grade); setState(cell, "saved"); }
      return;
    }
    failed.add(cell);
    if (result.status === "conflict") {
      // Theirs stands: show it, and base the next edit on it.
      cell.dataset.judgement = result.judgement || "";
      cell.dataset.grade = result.grade ? result.grade.id : "";
    }
    queue.delete(cell);
    show(cell, cell.dataset.grade);
    var message = result.message || "Not saved.";
    setState(cell, "failed", message);
    report(cell, message);
    statusLine.textContent = pupilName(cell) + ", " + cell.dataset.code + ": " + message;
  }

  function pump() {
    if (inFlight || !queue.size) return;
    var batch = [];
    queue.forEach(function (gradeId, cell) { batch.push([cell, gradeId]); });
    queue.clear();
    inFlight = true;
    var body = {
      cells: batch.map(function (item) {
        var cell = item[0];
        return {
          pupil: Number(cell.dataset.pupil),
          objective: Number(cell.dataset.objective),
          grade: item[1] ? Number(item[1]) : null,
          expected: cell.dataset.judgement ? Number(cell.dataset.judgement) : null,
        };
      }),
    };
    fetch(table.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": table.dataset.csrf },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().catch(function () {
          throw new Error("the server refused the change (" + response.status + ")");
        });
      })
      .then(function (data) {
        if (!data.results) throw new Error(data.error || "the server sent no results");
        batch.forEach(function (item, i) { settle(item[0], data.results[i]); });
      })
      .catch(function (error) {
        batch.forEach(function (item) {
          settle(item[0], { status: "failed", message: "Not saved: " + error.message + "." });
        });
      })
      .then(function () {
        inFlight = false;
        refreshCoverage();
        announce();
        pump();
      });
  }

  function fill(cells, gradeId) {
    cells.forEach(function (cell) { want(cell, gradeId); });
  }
  function columnCells(c) { return rows.map(function (tr) { return tr.cells[c + 1]; }); }
  function rowCells(r) {
    return Array.prototype.slice.call(rows[r].querySelectorAll("td[role=gridcell]"));
  }

  function cycle(cell) {
    var i = grades.findIndex(function (g) { return String(g.id) === cell.dataset.shown; });
    var next = grades[i + 1];
    want(cell, next ? next.id : "");
  }

  // History -------------------------------------------------------------------------------
  var dialog = document.getElementById("markbook-history");
  function history(cell) {
    if (!isCell(cell)) return;
    var url = table.dataset.historyUrl.replace(/0\/0\/$/, cell.dataset.pupil + "/" + cell.dataset.objective + "/");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("history unavailable (" + response.status + ")");
        return response.text();
      })
      .then(function (html) {
        dialog.querySelector("[data-history-body]").innerHTML = html;
        dialog.returnTo = cell;
        dialog.showModal();
        dialog.querySelector("[data-close]").focus();
      })
      .catch(function (error) { statusLine.textContent = "Could not show the history: " + error.message; });
  }
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { if (dialog.returnTo) moveTo(dialog.returnTo); });

  // Keys and taps -------------------------------------------------------------------------
  table.addEventListener("keydown", function (event) {
    var el = event.target.closest("th, td");
    if (!el || !table.contains(el) || event.altKey || event.ctrlKey || event.metaKey) return;
    var p = position(el);
    var move = null;
    switch (event.key) {
      case "ArrowUp": move = [p.r - 1, p.c]; break;
      case "ArrowDown": move = [p.r + 1, p.c]; break;
      case "ArrowLeft": move = [p.r, p.c - 1]; break;
      case "ArrowRight": move = [p.r, p.c + 1]; break;
      case "Enter": move = [p.r + 1, p.c]; break;
      case "Home": move = [p.r, 0]; break;
      case "End": move = [p.r, nCols - 1]; break;
    }
    if (move) {
      event.preventDefault();
      var r = Math.max(-1, Math.min(nRows - 1, move[0]));
      var c = Math.max(-1, Math.min(nCols - 1, move[1]));
      if (r === -1 && c === -1) return;
      moveTo(at(r, c));
      return;
    }
    if (event.key === "h" || event.key === "H") { event.preventDefault(); history(el); return; }
    if (!canRecord) return;
    var n = Number(event.key);
    if (event.key.length === 1 && n >= 1 && n <= grades.length) {
      event.preventDefault();
      var id = grades[n - 1].id;
      if (isCell(el)) want(el, id);
      else if (p.r === -1) fill(columnCells(p.c), id);
      else fill(rowCells(p.r), id);
    } else if ((event.key === "Delete" || event.key === "Backspace") && isCell(el)) {
      event.preventDefault();
      want(el, "");
    }
  });

  var pointerType = "mouse";
  table.addEventListener("pointerdown", function (event) { pointerType = event.pointerType; });
  table.addEventListener("click", function (event) {
    var el = event.target.closest("th[tabindex], td[role=gridcell]");
    if (!el) return;
    // A tap on a tablet cycles at once; with a mouse the first click selects the cell.
    if (isCell(el) && canRecord && (el === active || pointerType === "touch")) cycle(el);
    moveTo(el);
  });

  // Toolbar buttons act on the cell last selected.
  document.querySelectorAll("[data-fill]").forEach(function (button) {
    button.addEventListener("click", function () {
      var n = Number(document.getElementById("mb-fill-grade").value);
      var p = position(active);
      var id = grades[n - 1].id;
      if (button.dataset.fill === "column") fill(columnCells(Math.max(p.c, 0)), id);
      else fill(rowCells(Math.max(p.r, 0)), id);
    });
  });
  document.querySelectorAll("[data-history]").forEach(function (button) {
    button.addEventListener("click", function () { history(isCell(active) ? active : at(0, 0)); });
  });
})();
