// The registry's web UI: a list of bundles (label selector, search), a page per bundle, token sign-in.
// Plain JavaScript, no build step, no dependencies. Everything a bundle supplies (names, labels, docs,
// metadata, schemas) is untrusted: the page is built with createElement and text nodes only — no
// string is ever parsed as HTML — so such text is always shown as text. The token lives in sessionStorage (this tab only) and
// goes to the JSON API as a bearer header; no cookies.
"use strict";

(() => {
  const TOKEN_KEY = "obento.registry.token";
  const main = document.getElementById("main");
  const session = document.getElementById("session");
  /** Bumped on every render, so an answer that arrives after the user moved on is dropped. */
  let generation = 0;

  // ---- DOM building: strings become text nodes, never markup ----

  function append(parent, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  /** An element; `attrs` values are set with setAttribute, `on…` keys must be functions (listeners). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs ?? {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) {
        if (typeof value !== "function") throw new TypeError(`${key} must be a function`);
        el.addEventListener(key.slice(2), value);
      } else if (key === "class") el.className = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, children);
    return el;
  }

  function show(...children) {
    main.replaceChildren();
    append(main, children);
  }

  // ---- token ----

  function getToken() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) ?? "";
    } catch {
      return "";
    }
  }

  function setToken(token) {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    drawSession();
  }

  /** The token's public part (`obt_<id>`), never the secret. */
  function tokenId(token) {
    const m = /^(obt_[0-9a-f]+)_/.exec(token);
    return m ? m[1] : "a token";
  }

  function drawSession() {
    const token = getToken();
    session.replaceChildren();
    if (token) {
      append(session, [
        h("span", { id: "signed-in" }, "Signed in with ", h("code", null, tokenId(token))),
        h("button", { type: "button", class: "secondary", id: "sign-out", onclick: signOut }, "Sign out"),
      ]);
    } else {
      append(session, [
        h(
          "button",
          { type: "button", class: "secondary", id: "sign-in", onclick: () => showLogin("") },
          "Sign in",
        ),
      ]);
    }
  }

  function signOut() {
    setToken("");
    render(true);
  }

  // ---- the JSON API ----

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path) {
    const headers = { accept: "application/json" };
    const token = getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(path, { headers, cache: "no-store" });
    } catch (error) {
      throw new ApiError(0, "UNREACHABLE", `the registry did not answer (${error.message})`);
    }
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      throw new ApiError(
        response.status,
        body?.error?.code ?? `HTTP_${response.status}`,
        body?.error?.message ?? `${response.status} ${response.statusText}`,
      );
    }
    return body;
  }

  const enc = encodeURIComponent;
  const bundleHash = (name, version) => `#/bundles/${enc(name)}/${enc(version)}`;
  const archiveUrl = (name, version) => `/v1/bundles/${enc(name)}/${enc(version)}/archive`;

  function listHash(labels, q) {
    const params = new URLSearchParams();
    if (labels) params.set("labels", labels);
    if (q) params.set("q", q);
    const query = params.toString();
    return query ? `#/?${query}` : "#/";
  }

  /** A 401 shows the sign-in form (dropping a refused token); true when it did. */
  function handledAuth(error) {
    if (!(error instanceof ApiError) || error.status !== 401) return false;
    const hadToken = getToken() !== "";
    setToken("");
    showLogin(
      hadToken
        ? `The registry refused the token: ${error.message}`
        : "This registry needs a token to show its bundles.",
    );
    return true;
  }

  function errorBox(error) {
    const text = error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`;
    return h("div", { class: "error", role: "alert" }, text);
  }

  // ---- formatting ----

  function formatBytes(n) {
    if (typeof n !== "number" || !Number.isFinite(n)) return "—";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = n;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
  }

  function timeAgo(ms) {
    const s = Math.round((Date.now() - ms) / 1000);
    if (s < 60) return "just now";
    const steps = [[60, "minute"], [24, "hour"], [30, "day"], [12, "month"], [Infinity, "year"]];
    let value = Math.floor(s / 60);
    for (const [size, word] of steps) {
      if (value < size) return `${value} ${word}${value === 1 ? "" : "s"} ago`;
      value = Math.floor(value / size);
    }
    return "";
  }

  /** A <time>: UTC date and time, with the age in the tooltip. */
  function timeEl(iso) {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) return h("span", null, String(iso ?? "—"));
    const utc = new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
    return h("time", { datetime: new Date(ms).toISOString(), title: timeAgo(ms) }, utc);
  }

  function chips(labels) {
    const entries = Object.entries(labels ?? {});
    if (entries.length === 0) return h("span", { class: "muted" }, "none");
    return h("ul", { class: "chips" }, entries.map(([k, v]) => h("li", { class: "chip" }, `${k}=${v}`)));
  }

  function json(value) {
    return h("pre", null, h("code", null, JSON.stringify(value ?? null, null, 2)));
  }

  function isEmpty(value) {
    return value === undefined || value === null ||
      (typeof value === "object" && Object.keys(value).length === 0);
  }

  // ---- views ----

  function heading(text) {
    return h("h1", { tabindex: "-1" }, text);
  }

  function showLogin(message) {
    generation++;
    document.title = "Sign in · obento registry";
    const input = h("input", {
      id: "token",
      name: "token",
      type: "password",
      autocomplete: "off",
      spellcheck: "false",
      required: true,
      "aria-describedby": "token-help",
    });
    const problem = h("div", { id: "login-error", "aria-live": "assertive" });
    const form = h(
      "form",
      {
        onsubmit: async (event) => {
          event.preventDefault();
          const token = input.value.trim();
          if (!token) return;
          setToken(token);
          try {
            await api("/v1/bundles?limit=1");
          } catch (error) {
            if (error instanceof ApiError && error.status === 401) {
              setToken("");
              problem.replaceChildren(h("div", { class: "error", role: "alert" }, error.message));
              input.focus();
              return;
            }
            // 403 or anything else: the token is known; the page shows what it may see.
          }
          render(true);
        },
      },
      h("div", null, h("label", { for: "token" }, "Access token"), input),
      h(
        "p",
        { id: "token-help", class: "help" },
        "An admin makes one with ",
        h("code", null, "obento registry token create --scope read"),
        ". It is kept in this tab only (sessionStorage) and sent to the registry as a bearer token.",
      ),
      h("div", null, h("button", { type: "submit", id: "sign-in-submit" }, "Sign in")),
    );
    show(
      h(
        "section",
        { class: "login", "aria-labelledby": "login-title" },
        h("h1", { id: "login-title", tabindex: "-1" }, "Sign in"),
        message ? h("p", { id: "login-reason" }, message) : null,
        problem,
        form,
      ),
    );
    input.focus();
  }

  function matches(bundle, q) {
    const text = [
      bundle.name,
      bundle.version,
      `${bundle.name}:${bundle.version}`,
      ...(bundle.apis ?? []),
      ...(bundle.artifacts ?? []).flatMap((a) => [a.name, a.type]),
      ...Object.entries(bundle.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    ].join("\n").toLowerCase();
    return q.split(/\s+/).every((word) => text.includes(word));
  }

  function bundleTable(bundles) {
    return h(
      "table",
      { id: "bundles" },
      h("caption", { class: "sr-caption" }, "Bundles, newest first"),
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["Bundle", "Created", "APIs", "Artifacts", "Labels"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        null,
        bundles.map((b) =>
          h(
            "tr",
            { "data-bundle": `${b.name}:${b.version}` },
            h(
              "td",
              { class: "nowrap" },
              h("a", { href: bundleHash(b.name, b.version) }, `${b.name}:${b.version}`),
            ),
            h("td", { class: "nowrap" }, timeEl(b.createdAt)),
            h("td", null, (b.apis ?? []).join(", ") || "—"),
            h("td", null, (b.artifacts ?? []).map((a) => `${a.name} (${a.type})`).join(", ") || "—"),
            h("td", null, chips(b.labels)),
          )
        ),
      ),
    );
  }

  async function renderList(route, gen) {
    document.title = "Bundles · obento registry";
    const selector = h("input", {
      id: "labels",
      name: "labels",
      type: "text",
      value: route.labels,
      placeholder: "stage=prod, team In (ml, data)",
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": "labels-help",
    });
    const search = h("input", {
      id: "q",
      name: "q",
      type: "search",
      value: route.q,
      placeholder: "name, version, API, artifact, label",
      autocomplete: "off",
      "aria-controls": "results",
    });
    const status = h("p", { id: "list-status", class: "status", role: "status" }, "Loading…");
    const problem = h("div", { id: "list-error" });
    const results = h("div", { id: "results" });
    const form = h(
      "form",
      {
        class: "filters",
        role: "search",
        onsubmit: (event) => {
          event.preventDefault();
          location.hash = listHash(selector.value.trim(), search.value.trim());
        },
      },
      h(
        "div",
        null,
        h("label", { for: "labels" }, "Label selector"),
        selector,
        h(
          "p",
          { id: "labels-help", class: "help" },
          "key=value, key!=value, key In (a, b), key NotIn (a, b), key Exists, key DoesNotExist; a comma means AND.",
        ),
      ),
      h("div", null, h("label", { for: "q" }, "Search"), search),
      h("button", { type: "submit", id: "apply" }, "Apply"),
    );
    show(heading("Bundles"), form, problem, status, results);
    let bundles;
    try {
      const query = route.labels ? `?labels=${enc(route.labels)}` : "";
      bundles = (await api(`/v1/bundles${query}`)).bundles;
    } catch (error) {
      if (gen !== generation || handledAuth(error)) return;
      status.textContent = "";
      problem.replaceChildren(errorBox(error));
      return;
    }
    if (gen !== generation) return;
    const draw = () => {
      const q = search.value.trim().toLowerCase();
      const shown = q ? bundles.filter((b) => matches(b, q)) : bundles;
      const of = shown.length === bundles.length ? "" : ` of ${bundles.length}`;
      status.textContent = `${shown.length}${of} bundle${bundles.length === 1 ? "" : "s"}` +
        (route.labels ? ` matching ${route.labels}` : "");
      results.replaceChildren(
        shown.length ? bundleTable(shown) : h("p", { class: "muted" }, "No bundles to show."),
      );
    };
    search.addEventListener("input", () => {
      draw();
      history.replaceState(null, "", listHash(route.labels, search.value.trim()));
    });
    draw();
  }

  function apiCard(api) {
    return h(
      "article",
      { class: "card api", "data-api": api.name },
      h("h3", null, h("code", null, api.name), api.batch ? h("span", { class: "muted" }, " · batch") : null),
      api.doc ? h("p", { class: "doc" }, api.doc) : null,
      h(
        "dl",
        { class: "facts" },
        h("dt", null, "Input"),
        h(
          "dd",
          { class: "input-type" },
          h("code", null, api.input?.type ?? "—"),
          Array.isArray(api.input?.content_types) && api.input.content_types.length
            ? ` (${api.input.content_types.join(", ")})`
            : "",
        ),
        isEmpty(api.input?.config)
          ? null
          : [h("dt", null, "Input settings"), h("dd", null, json(api.input.config))],
        h("dt", null, "Output"),
        h("dd", { class: "output-type" }, h("code", null, api.output?.type ?? "—")),
        isEmpty(api.output?.config)
          ? null
          : [h("dt", null, "Output settings"), h("dd", null, json(api.output.config))],
      ),
      h(
        "details",
        { class: "schema-request" },
        h("summary", null, "Request schema"),
        json(api.schema?.request),
      ),
      h(
        "details",
        { class: "schema-response" },
        h("summary", null, "Response schema"),
        json(api.schema?.response),
      ),
    );
  }

  function artifactTable(artifacts) {
    return h(
      "table",
      { id: "artifacts" },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          ["Name", "Type", "File", "Size", "SHA-256", "Metadata"].map((t) => h("th", { scope: "col" }, t)),
        ),
      ),
      h(
        "tbody",
        null,
        artifacts.map((a) =>
          h(
            "tr",
            { "data-artifact": a.name },
            h("td", { class: "nowrap" }, h("code", null, a.name)),
            h("td", { class: "nowrap" }, a.type),
            h("td", null, h("code", null, a.file)),
            h("td", { class: "num size", title: `${a.size} bytes` }, formatBytes(a.size)),
            h("td", { class: "nowrap" }, h("code", { title: a.sha256 }, String(a.sha256 ?? "").slice(0, 12))),
            h(
              "td",
              { class: "metadata" },
              isEmpty(a.metadata) ? h("span", { class: "muted" }, "none") : json(a.metadata),
              isEmpty(a.info) ? null : h("details", null, h("summary", null, "Inspected"), json(a.info)),
            ),
          )
        ),
      ),
    );
  }

  async function download(event, name, version) {
    const token = getToken();
    if (!token) return; // public reads: the plain link works
    event.preventDefault();
    const status = document.getElementById("download-status");
    status.textContent = "Downloading…";
    try {
      const response = await fetch(archiveUrl(name, version), {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!response.ok) {
        const body = await response.json().catch(() => undefined);
        throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: `${name}-${version}.tar`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Downloaded ${formatBytes(blob.size)}.`;
    } catch (error) {
      status.textContent = `The download failed: ${error.message}`;
    }
  }

  async function renderBundle(route, gen) {
    document.title = `${route.name}:${route.version} · obento registry`;
    const back = h("p", null, h("a", { href: "#/" }, "← All bundles"));
    show(
      back,
      heading(`${route.name}:${route.version}`),
      h("p", { class: "status", role: "status" }, "Loading…"),
    );
    let detail;
    let versions;
    try {
      [detail, versions] = await Promise.all([
        api(`/v1/bundles/${enc(route.name)}/${enc(route.version)}`),
        api(`/v1/bundles?name=${enc(route.name)}`),
      ]);
    } catch (error) {
      if (gen !== generation || handledAuth(error)) return;
      show(back, heading(`${route.name}:${route.version}`), errorBox(error));
      return;
    }
    if (gen !== generation) return;
    const { bundle, document: doc } = detail;
    const artifacts = doc.artifacts ?? [];
    const apis = doc.service?.apis ?? [];
    const total = artifacts.reduce((sum, a) => sum + (typeof a.size === "number" ? a.size : 0), 0);
    document.title = `${bundle.name}:${bundle.version} · obento registry`;
    show(
      back,
      heading(`${bundle.name}:${bundle.version}`),
      doc.service?.doc ? h("p", { class: "doc", id: "service-doc" }, doc.service.doc) : null,
      h(
        "dl",
        { class: "facts", id: "facts" },
        h("dt", null, "Created"),
        h("dd", { id: "created" }, timeEl(bundle.createdAt)),
        h("dt", null, "Service"),
        h("dd", null, doc.service?.name ?? "—"),
        h("dt", null, "Packed by"),
        h("dd", null, `obento ${doc.obento_version ?? "?"}`),
        h("dt", null, "Artifacts"),
        h("dd", null, `${artifacts.length} (${formatBytes(total)})`),
        h("dt", null, "Labels"),
        h("dd", { id: "labels-list" }, chips(bundle.labels)),
      ),
      h(
        "p",
        null,
        h("a", {
          class: "button",
          id: "download",
          href: archiveUrl(bundle.name, bundle.version),
          download: `${bundle.name}-${bundle.version}.tar`,
          onclick: (event) => download(event, bundle.name, bundle.version),
        }, "Download archive (.tar)"),
        " ",
        h("span", { id: "download-status", class: "status", role: "status" }),
      ),
      h("p", { class: "help" }, "Or: ", h("code", null, `obento pull ${bundle.name}:${bundle.version}`)),
      h("h2", null, `APIs (${apis.length})`),
      h("div", { id: "apis" }, apis.length ? apis.map(apiCard) : h("p", { class: "muted" }, "none")),
      h("h2", null, `Artifacts (${artifacts.length})`),
      artifacts.length ? artifactTable(artifacts) : h("p", { class: "muted" }, "none"),
      h("h2", null, `Versions of ${bundle.name} (${versions.bundles.length})`),
      h(
        "ul",
        { class: "versions", id: "versions" },
        versions.bundles.map((v) =>
          h(
            "li",
            { "aria-current": v.version === bundle.version ? "page" : null },
            h("a", { href: bundleHash(v.name, v.version) }, v.version),
            " · ",
            timeEl(v.createdAt),
          )
        ),
      ),
    );
  }

  // ---- routing (#/…, so the server serves one page) ----

  function parseRoute() {
    const hash = location.hash || "#/";
    if (!hash.startsWith("#/")) return undefined; // e.g. the skip link's #main
    const at = hash.indexOf("?");
    const path = at < 0 ? hash.slice(1) : hash.slice(1, at);
    const params = new URLSearchParams(at < 0 ? "" : hash.slice(at + 1));
    let parts;
    try {
      parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      return { view: "missing" };
    }
    if (parts.length === 0) {
      return { view: "list", labels: params.get("labels") ?? "", q: params.get("q") ?? "" };
    }
    if (parts[0] === "bundles" && parts.length === 3) {
      return { view: "bundle", name: parts[1], version: parts[2] };
    }
    return { view: "missing" };
  }

  function render(moveFocus) {
    const route = parseRoute();
    if (!route) return;
    const gen = ++generation;
    const done = route.view === "list"
      ? renderList(route, gen)
      : route.view === "bundle"
      ? renderBundle(route, gen)
      : Promise.resolve(show(heading("Not found"), h("p", null, h("a", { href: "#/" }, "All bundles"))));
    done.then(() => {
      if (moveFocus && gen === generation) main.querySelector("h1")?.focus();
    });
  }

  document.querySelector("[data-skip]")?.addEventListener("click", (event) => {
    event.preventDefault();
    main.focus();
  });
  addEventListener("hashchange", () => render(true));
  drawSession();
  render(false);
})();
