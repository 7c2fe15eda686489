// Renders this node's OpenAPI document (GET /openapi/v1.json, fetched from the same node) as a reference page:
// operations by tag with their parameters, request body, responses and security, then the schemas.
// Served from the node's assembly with the page; it loads nothing else, so it works in closed networks.
// Text from the document is always set with textContent, never parsed as HTML.
"use strict";

(function () {
  let schemas = {};
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  // /openapi -> /openapi/v1.json, also behind a reverse proxy that adds a path prefix.
  const documentUrl = location.pathname.replace(/\/+$/, "") + "/v1.json";

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value !== undefined && value !== null) node.setAttribute(name, value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function refName(ref) {
    return ref.substring(ref.lastIndexOf("/") + 1);
  }

  function anchor(prefix, name) {
    return prefix + "-" + name.replace(/[^A-Za-z0-9_-]/g, "_");
  }

  // A short type label: a schema name links to its definition; unions are joined with |.
  function typeLabel(schema) {
    if (!schema) return el("span", { class: "type" }, "any");
    if (schema.$ref) {
      const name = refName(schema.$ref);
      return el("span", { class: "type" }, el("a", { href: "#" + anchor("schema", name) }, name));
    }
    const parts = [];
    for (const key of ["oneOf", "anyOf"]) {
      if (Array.isArray(schema[key])) {
        schema[key].forEach((s, i) => {
          if (i > 0 || parts.length > 0) parts.push(" | ");
          parts.push(typeLabel(s));
        });
      }
    }
    if (parts.length > 0) return el("span", { class: "type" }, parts);
    let types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.length === 0 && Array.isArray(schema.enum)) types = ["string"];
    const labels = types.map((t) => {
      if (t === "array") return el("span", {}, "array of ", typeLabel(schema.items));
      if (t === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object" && !schema.properties) {
        return el("span", {}, "map of ", typeLabel(schema.additionalProperties));
      }
      return t + (schema.format ? " (" + schema.format + ")" : "");
    });
    if (labels.length === 0) labels.push("any");
    const out = [];
    labels.forEach((label, i) => { if (i > 0) out.push(" | "); out.push(label); });
    return el("span", { class: "type" }, out);
  }

  function constraints(schema) {
    if (!schema || schema.$ref) return null;
    const said = [];
    if (Array.isArray(schema.enum)) said.push("one of " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
    if (schema.minimum !== undefined) said.push("min " + schema.minimum);
    if (schema.maximum !== undefined) said.push("max " + schema.maximum);
    if (schema.minLength !== undefined) said.push("min length " + schema.minLength);
    if (schema.maxLength !== undefined) said.push("max length " + schema.maxLength);
    if (schema.pattern !== undefined) said.push("pattern " + schema.pattern);
    if (schema.default !== undefined) said.push("default " + JSON.stringify(schema.default));
    return said.length ? el("span", { class: "constraint" }, " — " + said.join("; ")) : null;
  }

  // The description of a property may sit on the property or, for a nullable reference, inside its oneOf.
  function describe(schema) {
    if (!schema) return null;
    if (schema.description) return schema.description;
    for (const s of schema.oneOf || []) if (s.description) return s.description;
    return null;
  }

  // An object's properties as a nested list; referenced schemas are linked, not expanded, so cycles cannot recurse.
  function schemaBlock(schema) {
    if (!schema) return el("p", { class: "desc" }, "No schema.");
    if (schema.$ref || !schema.properties) {
      return el("p", {}, typeLabel(schema), constraints(schema), describe(schema) && !schema.$ref ? el("span", { class: "desc" }, " — " + describe(schema)) : null);
    }
    const required = new Set(schema.required || []);
    const list = el("ul", { class: "props" });
    for (const [name, property] of Object.entries(schema.properties)) {
      const description = describe(property);
      list.append(el("li", {},
        el("code", {}, name), required.has(name) ? el("span", { class: "req", title: "required" }, "required") : null, " ",
        typeLabel(property), constraints(property),
        description ? el("span", { class: "desc" }, " — " + description) : null,
        property.properties ? schemaBlock(property) : null));
    }
    return list;
  }

  // A body: its media type and schema; a referenced object schema is also shown expanded when asked to.
  function contentBlock(content, expand) {
    const blocks = [];
    for (const [mediaType, media] of Object.entries(content || {})) {
      const schema = media.schema;
      const target = expand && schema && schema.$ref ? schemas[refName(schema.$ref)] : null;
      blocks.push(el("div", {}, el("span", { class: "constraint" }, mediaType + ": "), schemaBlock(schema),
        target && target.properties ? schemaBlock(target) : null));
    }
    return blocks;
  }

  function parametersTable(parameters) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "description")));
    for (const p of parameters) {
      table.append(el("tr", {},
        el("td", {}, el("code", {}, p.name), p.required ? el("span", { class: "req" }, "required") : null),
        el("td", {}, p.in),
        el("td", {}, typeLabel(p.schema), constraints(p.schema)),
        el("td", {}, p.description || "")));
    }
    return table;
  }

  function responsesTable(responses) {
    const table = el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "meaning"), el("th", {}, "headers"), el("th", {}, "body")));
    const codes = Object.keys(responses || {}).sort();
    for (const code of codes) {
      const response = responses[code];
      const headers = Object.entries(response.headers || {}).map(([name, header]) =>
        el("div", {}, el("code", {}, name), header.description ? el("span", { class: "desc" }, " " + header.description) : null));
      table.append(el("tr", {},
        el("td", { class: "code s" + code.charAt(0) }, code),
        el("td", {}, response.description || ""),
        el("td", {}, headers),
        el("td", {}, response.content ? contentBlock(response.content) : el("span", { class: "desc" }, "empty"))));
    }
    return table;
  }

  function securityLine(operation, doc) {
    const requirements = operation.security || doc.security || [];
    const schemes = (doc.components && doc.components.securitySchemes) || {};
    const names = requirements.flatMap((r) => Object.keys(r));
    if (names.length === 0) return el("p", { class: "desc" }, "No token needed.");
    return el("p", {}, "Needs ", names.map((name, i) => [i > 0 ? " or " : null,
      el("code", {}, "Authorization: Bearer <" + name + ">"),
      schemes[name] && schemes[name].description ? el("span", { class: "desc" }, " — " + schemes[name].description) : null]));
  }

  function operationArticle(method, path, operation, doc) {
    const id = anchor("op", operation.operationId || method + path);
    return el("article", { class: "op", id: id },
      el("h3", {}, el("span", { class: "method " + method }, method), el("span", { class: "path" }, path),
        el("span", { class: "summary" }, operation.summary || ""), el("span", { class: "opid" }, operation.operationId || "")),
      operation.description ? el("p", {}, operation.description) : null,
      securityLine(operation, doc),
      operation.parameters && operation.parameters.length ? [el("h4", {}, "Parameters"), parametersTable(operation.parameters)] : null,
      operation.requestBody ? [el("h4", {}, "Request body" + (operation.requestBody.required ? "" : " (optional)")), contentBlock(operation.requestBody.content, true)] : null,
      el("h4", {}, "Responses"), responsesTable(operation.responses));
  }

  function render(doc) {
    schemas = (doc.components && doc.components.schemas) || {};
    const info = doc.info || {};
    document.title = (info.title || "API") + " " + (info.version || "") + " — API reference";
    document.getElementById("title").textContent = (info.title || "API") + " API reference";
    const subtitle = document.getElementById("subtitle");
    subtitle.textContent = "";
    subtitle.append("Version " + (info.version || "?") + ", OpenAPI " + (doc.openapi || doc.swagger || "?") + ". ",
      info.description || "", " ", el("a", { href: documentUrl }, "The document as JSON."));

    // Operations grouped by their first tag, in the order the document lists the tags.
    const groups = new Map();
    for (const tag of doc.tags || []) groups.set(tag.name, { description: tag.description, operations: [] });
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const method of methods) {
        const operation = item[method];
        if (!operation) continue;
        const tag = (operation.tags && operation.tags[0]) || "Other";
        if (!groups.has(tag)) groups.set(tag, { operations: [] });
        groups.get(tag).operations.push({ method, path, operation: Object.assign({}, operation, { parameters: (item.parameters || []).concat(operation.parameters || []) }) });
      }
    }

    const toc = document.getElementById("toc");
    const content = document.getElementById("content");
    content.textContent = "";
    toc.textContent = "";
    for (const [tag, group] of groups) {
      if (group.operations.length === 0) continue;
      toc.append(el("h2", {}, tag));
      const section = el("section", { class: "tag", id: anchor("tag", tag) }, el("h2", {}, tag), group.description ? el("p", { class: "desc" }, group.description) : null);
      for (const { method, path, operation } of group.operations) {
        toc.append(el("a", { href: "#" + anchor("op", operation.operationId || method + path) }, method.toUpperCase() + " " + path));
        section.append(operationArticle(method, path, operation, doc));
      }
      content.append(section);
    }

    if (Object.keys(schemas).length > 0) {
      toc.append(el("h2", {}, "Schemas"));
      const section = el("section", { class: "tag", id: "schemas" }, el("h2", {}, "Schemas"));
      for (const name of Object.keys(schemas).sort()) {
        const schema = schemas[name];
        toc.append(el("a", { href: "#" + anchor("schema", name) }, name));
        section.append(el("article", { class: "op", id: anchor("schema", name) },
          el("h3", {}, el("span", { class: "path" }, name), el("span", { class: "summary" }, typeLabel(schema))),
          schema.description ? el("p", {}, schema.description) : null,
          schema.properties ? schemaBlock(schema) : el("p", {}, constraints(schema))));
      }
      content.append(section);
    }

    // The content did not exist when the browser looked for the fragment's target; look again (links to #op-createTimer).
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.substring(1)));
    if (target) target.scrollIntoView();
  }

  fetch(documentUrl, { headers: { accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error("GET " + documentUrl + " answered " + response.status);
      return response.json();
    })
    .then(render)
    .catch((error) => {
      const status = document.getElementById("status");
      if (status) {
        status.className = "error";
        status.textContent = "Could not load the OpenAPI document: " + error.message;
      }
    });
})();
