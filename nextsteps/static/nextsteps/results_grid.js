// The results grid. A "unit" is what one save covers: a pupil's row, or one part of a
// profile. A unit is saved when focus leaves it with something changed (or on Enter, which
// also moves down the column). Saves go out one at a time, each naming the version of the
// result the page shows, so a 409 only ever means somebody else changed it meanwhile.
(function () {
  "use strict";
  var table = document.getElementById("results-grid");
  if (!table || !table.tBodies[0]) return;
  var live = document.getElementById("grid-live");
  var units = Array.prototype.slice.call(table.querySelectorAll(".unit"));
  var queue = Promise.resolve();

  function fields(unit) { return Array.prototype.slice.call(unit.querySelectorAll("input, select")); }
  function values(unit) {
    var out = {};
    fields(unit).forEach(function (f) { out[f.name] = f.value.trim(); });
    return out;
  }
  function remember(unit) { unit.dataset.saved = JSON.stringify(values(unit)); }
  function dirty(unit) { return JSON.stringify(values(unit)) !== unit.dataset.saved; }
  function row(unit) { return unit.closest("tr"); }
  function who(unit) {
    return row(unit).dataset.name + (unit.dataset.part ? ", " + unit.dataset.part : "");
  }
  units.forEach(remember);

  function setState(unit, state, text) {
    var cell = row(unit).querySelector(".state");
    if (cell) {
      cell.dataset.state = state;
      cell.textContent = (unit.dataset.part ? unit.dataset.part + ": " : "") + text;
    }
    if (state !== "saving") live.textContent = who(unit) + ": " + text;
  }

  function put(el, selector, text) {
    var cell = el.querySelector(selector);
    if (cell) cell.textContent = text;
  }

  function show(unit, result) {
    var f = {};
    fields(unit).forEach(function (field) {
      f[field.name] = field;
      field.removeAttribute("aria-invalid");
    });
    unit.dataset.version = result ? result.version : 0;
    unit.dataset.converted = result && result.converted ? result.score : "";
    if (f.raw_score) f.raw_score.value = result ? result.raw_score : "";
    if (f.score) f.score.value = result ? result.score : "";
    if (f.grade) f.grade.value = result ? result.grade : "";
    if (unit.tagName === "TR") {
      put(unit, ".age", result ? result.age : "");
      put(unit, ".percentile", result && result.percentile !== null ? result.percentile : "");
      put(unit, ".met", !result || result.met === null ? "" : (result.met ? "Met" : "Not met"));
      var band = unit.querySelector(".band");
      if (band) {
        band.textContent = "";
        if (result && result.band) {
          var swatch = document.createElement("span");
          swatch.className = "swatch";
          swatch.setAttribute("aria-hidden", "true");
          swatch.style.background = result.band.colour;
          band.appendChild(swatch);
          band.appendChild(document.createTextNode(" " + result.band.label));
        }
      }
    }
    remember(unit);
  }

  function send(unit) {
    var v = values(unit);
    var body = {
      pupil: Number(row(unit).dataset.pupil),
      component: unit.dataset.component || "",
      version: Number(unit.dataset.version || 0),
      raw_score: v.raw_score || "",
      score: v.score || "",
      grade: v.grade || ""
    };
    // A score the server converted from the raw score is sent as empty, so that a changed
    // raw score is converted again rather than kept at the old figure.
    if (unit.dataset.converted && body.score === unit.dataset.converted) body.score = "";
    return fetch(table.dataset.saveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": table.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return [response.status, data]; },
        function () { return [response.status, { message: "The server did not answer properly." }]; });
    }).then(function (answer) {
      var status = answer[0], data = answer[1];
      if (status === 200) {
        show(unit, data.result);
        setState(unit, "saved", data.status === "cleared" ? "Removed" : "Saved");
      } else if (status === 409) {
        show(unit, data.result);
        setState(unit, "conflict", "Not saved: " + data.message);
      } else {
        var bad = unit.querySelector("[name='" + (data.field || "") + "']") || fields(unit)[0];
        if (bad) bad.setAttribute("aria-invalid", "true");
        setState(unit, "failed", "Not saved: " + (data.message || "error " + status));
      }
    }, function () {
      setState(unit, "failed", "Not saved: the connection failed. Change it again to retry.");
    });
  }

  function save(unit) {
    if (unit.dataset.pending) { unit.dataset.again = "1"; return; }
    if (!dirty(unit)) {
      // Put back as it was saved: any earlier refusal no longer applies.
      var cell = row(unit).querySelector(".state");
      if (cell && cell.dataset.state === "failed") {
        fields(unit).forEach(function (f) { f.removeAttribute("aria-invalid"); });
        setState(unit, "saved", "Saved");
      }
      return;
    }
    unit.dataset.pending = "1";
    setState(unit, "saving", "Saving…");
    queue = queue.then(function () { return send(unit); }).then(function () {
      delete unit.dataset.pending;
      if (unit.dataset.again) { delete unit.dataset.again; save(unit); }
    });
  }

  table.addEventListener("focusout", function (event) {
    var unit = event.target.closest(".unit");
    if (unit && !(event.relatedTarget && unit.contains(event.relatedTarget))) save(unit);
  });
  table.addEventListener("change", function (event) {
    // A choice made with the mouse saves at once; typing saves on leaving the unit.
    var unit = event.target.closest(".unit");
    if (unit && event.target.tagName === "SELECT" && document.activeElement !== event.target) save(unit);
  });
  table.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches("input, select")) return;
    event.preventDefault();
    var cell = event.target.closest("td");
    var next = cell.parentElement.nextElementSibling;
    var below = next && next.cells[cell.cellIndex] && next.cells[cell.cellIndex].querySelector("input, select");
    if (below) {
      below.focus();
      if (below.select) below.select();
    } else {
      save(event.target.closest(".unit"));
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (units.some(function (u) { return dirty(u) || u.dataset.pending; })) event.preventDefault();
  });
}());
