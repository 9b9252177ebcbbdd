// The weekly review screen: students by areas, entered from the keyboard like the markbook, each
// change saved at once. Saves go out one request at a time (changes made meanwhile wait and go
// together next), so each names the version the previous save returned: the server's "first
// save wins, the second is told" rule then only refuses a change somebody else made.
(function () {
  "use strict";
  var table = document.getElementById("reviews-grid");
  if (!table || !table.tBodies[0]) return;
  var NAMES = { R: "Red", A: "Amber", G: "Green" };
  var ORDER = ["R", "A", "G"];
  var canRecord = table.dataset.canRecord === "1";
  var statusLine = document.getElementById("reviews-status");
  var problems = document.getElementById("reviews-problems");
  var headRow = table.tHead.rows[0];
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var nCols = headRow.querySelectorAll("th[data-col]").length;
  var nRows = rows.length;
  if (!nRows || !nCols) return;

  function at(r, c) { return rows[r].cells[c + 1]; }
  function position(el) { return { r: rows.indexOf(el.parentElement), c: el.cellIndex - 1 }; }
  function isCell(el) { return el && el.getAttribute("role") === "gridcell"; }
  function pupilName(cell) { return cell.parentElement.cells[0].dataset.name; }
  function where(cell) { return pupilName(cell) + ", " + cell.dataset.areaName; }
  var active = table.querySelector("td[tabindex='0']");

  function moveTo(el) {
    if (!el) return;
    if (active && active !== el) active.setAttribute("tabindex", "-1");
    el.setAttribute("tabindex", "0");
    active = el;
    el.focus();
  }

  // What the server holds for each cell: its rating, comment and version.
  rows.forEach(function (tr) {
    Array.prototype.forEach.call(tr.querySelectorAll("td[role=gridcell]"), function (cell) {
      cell.dataset.saved = cell.dataset.rating;
      cell.dataset.savedComment = cell.dataset.comment;
    });
  });

  function describe(cell) {
    var text = where(cell) + ": " + (NAMES[cell.dataset.rating] || "not rated") +
      " (last week " + (NAMES[cell.dataset.last] || "not rated") + ")";
    if (cell.dataset.comment) text += ". Comment: " + cell.dataset.comment;
    if (cell.dataset.state === "saving") text += " (saving)";
    if (cell.dataset.state === "failed") text += " (not saved: " + cell.dataset.reason + ")";
    cell.setAttribute("aria-label", text);
  }

  function show(cell, rating, comment) {
    cell.dataset.rating = rating || "";
    if (comment !== undefined) cell.dataset.comment = comment;
    cell.querySelector(".now").textContent = rating || "";
    cell.querySelector(".note").textContent = cell.dataset.comment ? "✎" : "";
    if (cell.dataset.comment) cell.title = cell.dataset.comment;
    else cell.removeAttribute("title");
    describe(cell);
  }

  function setState(cell, state, reason) {
    if (state) cell.dataset.state = state;
    else delete cell.dataset.state;
    cell.dataset.reason = reason || "";
    describe(cell);
  }

  // Saving ----------------------------------------------------------------------------------
  var queue = new Map(); // cell -> {rating, comment}: the latest wish wins
  var inFlight = false;
  var failed = new Set();

  function announce() {
    var waiting = queue.size + table.querySelectorAll("td[data-state=saving]").length;
    if (waiting) statusLine.textContent = "Saving…";
    else if (failed.size) {
      statusLine.textContent = failed.size + " change" + (failed.size > 1 ? "s" : "") +
        " not saved: see the list below the grid.";
    } else statusLine.textContent = "All changes saved.";
  }

  function want(cell, rating, comment) {
    if (!canRecord) return;
    rating = rating || "";
    var wish = queue.get(cell);
    var unchanged = rating === cell.dataset.rating &&
      (comment === undefined || comment === cell.dataset.comment);
    if (unchanged && !wish) return;
    if (!rating && !cell.dataset.saved && !wish) return;
    if (comment === undefined && wish) comment = wish.comment;
    show(cell, rating, comment);
    setState(cell, "saving");
    queue.set(cell, { rating: rating, comment: comment });
    announce();
    pump();
  }

  function report(cell, message) {
    var li = document.createElement("li");
    li.textContent = where(cell) + ": " + message;
    problems.appendChild(li);
  }

  function keep(cell, result) {
    cell.dataset.version = result.version;
    cell.dataset.saved = result.rating || "";
    cell.dataset.savedComment = result.comment || "";
  }

  function settle(cell, result) {
    if (result.status === "saved") {
      failed.delete(cell);
      keep(cell, result);
      if (!queue.has(cell)) {
        show(cell, cell.dataset.saved, cell.dataset.savedComment);
        setState(cell, "saved");
      }
      return;
    }
    failed.add(cell);
    if (result.status === "conflict") keep(cell, result); // theirs stands; the next edit is over it
    queue.delete(cell);
    show(cell, cell.dataset.saved, cell.dataset.savedComment);
    var message = result.message || "Not saved.";
    setState(cell, "failed", message);
    report(cell, message);
    statusLine.textContent = where(cell) + ": " + message;
  }

  function pump() {
    if (inFlight || !queue.size) return;
    var batch = [];
    queue.forEach(function (wish, cell) { batch.push([cell, wish]); });
    queue.clear();
    inFlight = true;
    var body = {
      cells: batch.map(function (item) {
        var cell = item[0], wish = item[1];
        var out = {
          pupil: Number(cell.dataset.pupil),
          area: Number(cell.dataset.area),
          week: table.dataset.week,
          rating: wish.rating || null,
          version: Number(cell.dataset.version || 0),
        };
        if (wish.comment !== undefined) out.comment = wish.comment;
        return out;
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
        announce();
        pump();
      });
  }

  function cycle(cell) {
    var next = ORDER[ORDER.indexOf(cell.dataset.rating) + 1];
    want(cell, next || "");
  }

  function repeatRow(r) {
    Array.prototype.forEach.call(rows[r].querySelectorAll("td[role=gridcell]"), function (cell) {
      if (!cell.dataset.rating && cell.dataset.last) want(cell, cell.dataset.last);
    });
  }

  // Comments --------------------------------------------------------------------------------
  var dialog = document.getElementById("reviews-comment");
  var ratingBox = document.getElementById("reviews-comment-rating");
  var textBox = document.getElementById("reviews-comment-text");
  function openComment(cell) {
    if (!isCell(cell)) return;
    dialog.querySelector("h2").textContent = "Comment: " + where(cell);
    var last = cell.dataset.lastComment;
    dialog.querySelector("[data-last-comment]").textContent = "Last week: " +
      (NAMES[cell.dataset.last] || "not rated") + (last ? ". " + last : "");
    ratingBox.value = cell.dataset.rating || "";
    textBox.value = cell.dataset.comment || "";
    ratingBox.disabled = textBox.readOnly = !canRecord;
    dialog.returnTo = cell;
    dialog.showModal();
    (canRecord ? textBox : dialog.querySelector("button")).focus();
  }
  dialog.addEventListener("close", function () {
    var cell = dialog.returnTo;
    if (dialog.returnValue === "save" && cell) {
      var comment = textBox.value.trim();
      if (comment && !ratingBox.value) {
        statusLine.textContent = where(cell) + ": give a rating before writing a comment; " +
          "the comment was not saved.";
      } else {
        want(cell, ratingBox.value, comment);
      }
    }
    dialog.returnValue = "";
    if (cell) moveTo(cell);
  });

  // Keys and taps ---------------------------------------------------------------------------
  var KEYS = { r: "R", a: "A", g: "G", 1: "R", 2: "A", 3: "G" };
  table.addEventListener("keydown", function (event) {
    var el = event.target.closest("th[scope=row], td[role=gridcell]");
    if (!el || !table.contains(el) || event.altKey || event.ctrlKey || event.metaKey) return;
    var p = position(el);
    var move = null;
    switch (event.key) {
      case "ArrowUp": move = [p.r - 1, p.c]; break;
      case "ArrowDown": case "Enter": move = [p.r + 1, p.c]; break;
      case "ArrowLeft": move = [p.r, p.c - 1]; break;
      case "ArrowRight": move = [p.r, p.c + 1]; break;
      case "Home": move = [p.r, -1]; break;
      case "End": move = [p.r, nCols - 1]; break;
    }
    if (move) {
      event.preventDefault();
      var r = Math.max(0, Math.min(nRows - 1, move[0]));
      var c = Math.max(-1, Math.min(nCols - 1, move[1]));
      moveTo(c === -1 ? rows[r].cells[0] : at(r, c));
      return;
    }
    var key = event.key.toLowerCase();
    if (key === "c") { event.preventDefault(); openComment(el); return; }
    if (!canRecord) return;
    if (key === "s") {
      event.preventDefault();
      if (isCell(el)) { if (el.dataset.last) want(el, el.dataset.last); }
      else repeatRow(p.r);
    } else if (KEYS[key] && isCell(el)) {
      event.preventDefault();
      want(el, KEYS[key]);
    } else if ((event.key === "Delete" || event.key === "Backspace") && isCell(el)) {
      event.preventDefault();
      want(el, "");
    }
  });

  var pointerType = "mouse";
  table.addEventListener("pointerdown", function (event) { pointerType = event.pointerType; });
  table.addEventListener("click", function (event) {
    var el = event.target.closest("th[scope=row], td[role=gridcell]");
    if (!el) return;
    // A tap on a tablet cycles at once; with a mouse the first click selects the cell.
    if (isCell(el) && canRecord && (el === active || pointerType === "touch")) cycle(el);
    moveTo(el);
  });
  document.querySelectorAll("[data-open-comment]").forEach(function (button) {
    button.addEventListener("click", function () { openComment(isCell(active) ? active : at(0, 0)); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (queue.size || inFlight) event.preventDefault();
  });
})();
