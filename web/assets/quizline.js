// quizline: progressive enhancement only. Every page and form works without
// this file; it adds move-up/move-down buttons to ordering questions, a live
// countdown for a time limit, local times in the history, and a guard
// against sending an answer twice.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // Ordering: the position menus work alone; with the script the list also
  // shows the order chosen, and each item gets Up and Down buttons.
  function enhanceOrdering(list) {
    var live = list.parentNode.querySelector(".order-live");
    var rows = function () {
      return Array.prototype.slice.call(list.querySelectorAll(".order-item"));
    };
    var menu = function (row) {
      return row.querySelector("select");
    };
    var label = function (row) {
      return row.querySelector(".order-text").textContent.trim();
    };
    var count = rows().length;

    function renumber() {
      rows().forEach(function (row, k) {
        menu(row).value = String(k + 1);
      });
    }

    function say(text) {
      if (live) {
        live.textContent = "";
        // A fresh text node each time, so a repeated message is read again.
        window.setTimeout(function () {
          live.textContent = text;
        }, 50);
      }
    }

    function place(row, index, focusTarget) {
      var all = rows();
      var from = all.indexOf(row);
      index = Math.max(0, Math.min(count - 1, index));
      if (index === from) {
        say(label(row) + " is already in position " + (from + 1) + " of " + count + ".");
        return;
      }
      all.splice(from, 1);
      all.splice(index, 0, row);
      all.forEach(function (r) {
        list.appendChild(r);
      });
      renumber();
      rows().forEach(function (r) {
        r.classList.remove("moved");
      });
      row.classList.add("moved");
      if (focusTarget) {
        focusTarget.focus();
      }
      say(label(row) + " moved to position " + (index + 1) + " of " + count + ".");
    }

    // Show the order already chosen (after a form came back with a message),
    // unless two items share a place: then leave it as the person set it.
    var chosen = rows().map(function (r) {
      return Number(menu(r).value);
    });
    var unique = chosen.filter(function (v, i) {
      return chosen.indexOf(v) === i;
    });
    if (unique.length === count) {
      rows()
        .sort(function (a, b) {
          return Number(menu(a).value) - Number(menu(b).value);
        })
        .forEach(function (r) {
          list.appendChild(r);
        });
    }

    rows().forEach(function (row) {
      var controls = row.querySelector(".order-controls");
      var text = label(row);
      [
        ["up", "↑ Up", "Move up: "],
        ["down", "↓ Down", "Move down: "],
      ].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "move small secondary";
        button.setAttribute("data-move", spec[0]);
        button.textContent = spec[1];
        button.setAttribute("aria-label", spec[2] + text);
        button.addEventListener("click", function () {
          var at = rows().indexOf(row);
          place(row, spec[0] === "up" ? at - 1 : at + 1, button);
        });
        controls.appendChild(button);
      });
      menu(row).addEventListener("change", function () {
        place(row, Number(menu(row).value) - 1, menu(row));
      });
    });
    list.classList.add("enhanced");
  }

  // Written as the server writes it: "4 min 12 s", "1 h 3 min", "45 s".
  function format(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    if (h > 0) {
      return h + " h " + m + " min";
    }
    return m > 0 ? m + " min " + sec + " s" : sec + " s";
  }

  // The countdown counts from what the server said was left, not from this
  // device's clock, which may be wrong.
  function enhanceTimer(box) {
    var end = performance.now() + Number(box.getAttribute("data-remaining-ms"));
    var out = box.querySelector(".timer-remaining");
    var warning = box.querySelector(".timer-warning");
    var warned = false;
    function tick() {
      var left = end - performance.now();
      out.textContent = format(left);
      if (left <= 0) {
        box.classList.add("low");
        warning.textContent =
          "Time is up. Answers sent from now on are not counted; see your results.";
        var link = document.createElement("a");
        link.href = box.getAttribute("data-results");
        link.textContent = " Go to your results.";
        warning.appendChild(link);
        return;
      }
      if (!warned && left <= 60000) {
        warned = true;
        box.classList.add("low");
        warning.textContent =
          "Less than a minute left. Press \u201cAdd 5 minutes\u201d if you need more time.";
      }
      window.setTimeout(tick, (Math.floor(left) % 1000) + 5);
    }
    tick();
  }

  // The server writes times in UTC, not knowing the reader's time zone.
  function localTimes() {
    var full, short;
    try {
      full = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
      short = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
    } catch (e) {
      return;
    }
    document.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d.getTime())) {
        t.textContent = (t.getAttribute("data-format") === "time" ? short : full).format(d);
      }
    });
  }

  function guardDoubleSubmit(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent") === "1") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
      // Let the person try again if the network dropped the first one.
      window.setTimeout(function () {
        form.removeAttribute("data-sent");
      }, 8000);
    });
  }

  ready(function () {
    document.querySelectorAll(".order-list").forEach(enhanceOrdering);
    document.querySelectorAll(".timer[data-remaining-ms]").forEach(enhanceTimer);
    document.querySelectorAll("form[method='post']").forEach(guardDoubleSubmit);
    localTimes();
  });
})();
