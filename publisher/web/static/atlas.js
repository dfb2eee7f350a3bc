// Suggestions as one types in a search box (input[data-suggest]), from /search.json.
// Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function attach(input) {
    var endpoint = input.getAttribute("data-suggest");
    var list = document.createElement("ul");
    var listId = (input.id || "q") + "-suggestions";
    var timer = null;
    var active = -1;
    var lastQuery = "";
    var controller = null;

    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");
    input.parentNode.classList.add("has-suggestions");
    input.parentNode.appendChild(list);

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      items.forEach(function (item, i) {
        item.classList.toggle("active", i === index);
        item.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        var kind = document.createElement("span");
        item.setAttribute("role", "option");
        item.id = listId + "-" + i;
        link.href = result.href;
        link.textContent = result.label;
        kind.className = "kind";
        kind.textContent = result.type;
        link.appendChild(kind);
        item.appendChild(link);
        list.appendChild(item);
      });
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      active = -1;
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.length < 2) { close(); return; }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      fetch(endpoint + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" },
        signal: controller.signal
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        if (input.value.trim() === query) { show(data.results || []); }
      }).catch(function (error) {
        if (error.name !== "AbortError") { close(); }
      });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    });
    input.addEventListener("keydown", function (event) {
      var items = list.querySelectorAll("li");
      if (list.hidden || !items.length) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % items.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + items.length) % items.length);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = items[active].querySelector("a").href;
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(attach);
  });
})();
