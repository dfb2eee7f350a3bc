// The query editor of /sparql: YASGUI (served from /static/vendor, installed from the npm lock file)
// set up to query this endpoint only, with the example queries of sparql/ and completion from this
// dataset's prefixes and vocabulary. Nothing is fetched from another origin.
(function () {
  "use strict";

  var settingsElement = document.getElementById("editor-settings");
  var root = document.getElementById("yasgui");
  if (!settingsElement || !root || typeof window.Yasgui === "undefined") {
    return;
  }
  var config = JSON.parse(settingsElement.textContent);
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  var endpoint = new URL(config.endpoint, window.location.href).toString();
  var examples = {};
  config.examples.forEach(function (example) { examples[example.name] = example; });

  // -- Completion: our prefixes first, then the list bundled with the editor; our classes and
  // properties instead of the remote vocabulary service the editor would otherwise call.
  var ownPrefixes = Object.keys(config.prefixes).map(function (prefix) {
    return prefix + ": <" + config.prefixes[prefix] + ">";
  });
  Yasqe.forkAutocompleter("prefixes", {
    name: "atlasPrefixes",
    persistenceId: null,
    get: function (yasqe) {
      return Yasqe.Autocompleters.prefixes.get(yasqe).then(function (bundled) {
        var seen = {};
        ownPrefixes.forEach(function (line) { seen[line.split(":")[0]] = true; });
        return ownPrefixes.concat(bundled.filter(function (line) { return !seen[line.split(":")[0]]; }));
      });
    },
  }, false);
  function vocabularyCompleter(name, from, terms) {
    Yasqe.forkAutocompleter(from, {
      name: name,
      persistenceId: null,
      get: function (yasqe, token) {
        var start = (token && token.autocompletionString) || "";
        return Promise.resolve(terms.filter(function (iri) { return iri.indexOf(start) === 0; }));
      },
    }, false);
  }
  vocabularyCompleter("atlasClasses", "class", config.classes);
  vocabularyCompleter("atlasProperties", "property", config.properties);

  // -- The editor, bound to this endpoint; nothing kept in the browser's storage.
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false,
    tabName: "Requête",
    yasqe: {
      prefixCcApi: null,
      autocompleters: ["atlasPrefixes", "atlasClasses", "atlasProperties", "variables"],
      persistenceId: null,
      consumeShareLink: null,
      editorHeight: "22rem",
    },
    yasr: {
      prefixes: config.prefixes,
      persistenceId: null,
      maxPersistentResponseSize: 0,
      defaultPlugin: "table",
    },
  });

  // -- IRIs minted under the base IRI open this server's page for them, whatever host they name.
  function localHref(iri) {
    if (iri.indexOf(config.baseIri) !== 0) {
      return null;
    }
    return "/" + iri.slice(config.baseIri.length);
  }
  function relink(scope) {
    var links = scope.querySelectorAll ? scope.querySelectorAll("a[href]") : [];
    Array.prototype.forEach.call(links, function (link) {
      var local = localHref(link.getAttribute("href"));
      if (local !== null) {
        link.setAttribute("href", local);
        link.removeAttribute("target");
        link.title = link.title || "Ouvrir la page de cette ressource";
      }
    });
  }
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      Array.prototype.forEach.call(change.addedNodes, function (node) {
        if (node.nodeType === 1) {
          if (node.matches && node.matches("a[href]")) {
            relink(node.parentNode);
          } else {
            relink(node);
          }
        }
      });
    });
  }).observe(root, { childList: true, subtree: true });

  // -- A notice when the endpoint cut the answer (header X-Atlas-Truncated).
  var notice = document.getElementById("truncation-notice");
  var truncatedTabs = {};
  function showNotice(tab) {
    var state = tab && truncatedTabs[tab.getId()];
    if (state) {
      notice.textContent = "Résultats tronqués : le point d'accès renvoie au plus " + state.limit +
        " lignes par requête. Affinez la requête, ou parcourez les résultats avec ORDER BY, LIMIT et OFFSET.";
      notice.hidden = false;
    } else {
      notice.hidden = true;
    }
  }
  var watched = typeof WeakSet === "function" ? new WeakSet() : null;
  function watch(tab) {
    if (!tab || (watched && watched.has(tab))) {
      return;
    }
    if (watched) {
      watched.add(tab);
    }
    var yasqe = tab.getYasqe();
    yasqe.on("query", function () {
      delete truncatedTabs[tab.getId()];
      showNotice(tab);
    });
    yasqe.on("queryResponse", function (_yasqe, response) {
      var headers = response && response.headers;
      if (headers && typeof headers.get === "function" && headers.get("X-Atlas-Truncated") === "true") {
        truncatedTabs[tab.getId()] = { limit: headers.get("X-Atlas-Row-Limit") || config.rowLimit };
      }
      showNotice(tab);
    });
  }
  yasgui.on("tabSelect", function (_yasgui, tabId) {
    window.setTimeout(function () {
      var tab = yasgui.getTab(tabId);
      watch(tab);
      showNotice(tab);
    }, 0);
  });

  // -- The example queries: each opens in a tab of its own (or the tab it is already in).
  var openTabs = {};
  function openExample(name) {
    var example = examples[name];
    if (!example) {
      return null;
    }
    var tab = openTabs[name] && yasgui.getTab(openTabs[name]);
    if (tab) {
      yasgui.selectTabId(tab.getId());
    } else {
      tab = yasgui.addTab(true, { name: example.title, yasqe: { value: example.query } });
      openTabs[name] = tab.getId();
    }
    watch(tab);
    showNotice(tab);
    return tab;
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-example]"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      openExample(link.getAttribute("data-example"));
      window.history.replaceState(null, "", "#example=" + link.getAttribute("data-example"));
    });
  });

  // The first tab holds the example the address names (#example=...), else the first one; an
  // address naming another example later opens it too.
  function exampleInAddress() {
    var wanted = /^#example=([a-z0-9-]+)$/.exec(window.location.hash);
    return wanted ? examples[wanted[1]] : undefined;
  }
  window.addEventListener("hashchange", function () {
    var example = exampleInAddress();
    if (example) {
      openExample(example.name);
    }
  });
  var first = yasgui.getTab();
  var initial = exampleInAddress() || config.examples[0];
  if (first && initial) {
    first.setQuery(initial.query);
    first.setName(initial.title);
    openTabs[initial.name] = first.getId();
  }
  watch(first);
  root.setAttribute("data-ready", "true");
})();
