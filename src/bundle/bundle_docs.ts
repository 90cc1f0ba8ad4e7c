/**
 * The generated files of a bundle meant for people and container builders: `README.md` and `Dockerfile`.
 *
 * @module
 */
import type { BentoDocument } from "./bento_yaml.ts";
import { exampleInput } from "./example_input.ts";

type ApiRecord = BentoDocument["service"]["apis"][number];

/** Bodies longer than this go in a file instead of on the command line. */
const INLINE_LIMIT = 200;

/** `text` quoted for a POSIX shell. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The README lines showing how to call `api` with `obento run` and with curl, with a real example body. */
function usageLines(ref: string, api: ApiRecord): string[] {
  const example = exampleInput(api);
  const url = `localhost:3000/${api.name}`;
  if (example !== undefined) {
    const body = JSON.stringify(example);
    const inline = body.length <= INLINE_LIMIT;
    return [
      "Example request body (built from the API's input schema):",
      "",
      "```json",
      inline ? body : JSON.stringify(example, null, 1),
      "```",
      "",
      "```sh",
      inline
        ? `obento run ${ref} ${api.name} --input ${shellQuote(body)}`
        : `obento run ${ref} ${api.name} --input-file requests.json   # a JSON list of bodies like the one above`,
      `obento serve ${ref} &`,
      inline
        ? `curl -s ${url} -H 'content-type: application/json' -d ${shellQuote(body)}`
        : `curl -s ${url} -H 'content-type: application/json' -d @body.json   # the body above`,
      "```",
      "",
    ];
  }
  const type = api.input.content_types[0] ?? "application/octet-stream";
  if (type.startsWith("text/")) {
    return [
      "```sh",
      `obento run ${ref} ${api.name} --input '"some text"'`,
      `obento serve ${ref} &`,
      `curl -s ${url} -H 'content-type: ${type}' --data-binary 'some text'`,
      "```",
      "",
    ];
  }
  const file = type.startsWith("image/") ? `picture.${type.slice("image/".length)}` : "input.bin";
  return [
    "```sh",
    `obento run ${ref} ${api.name} --input-file ${file}`,
    `obento serve ${ref} &`,
    `curl -s ${url} -H 'content-type: ${type}' --data-binary @${file}`,
    "```",
    "",
  ];
}

/** Renders the bundle's README.md. */
export function renderReadme(doc: BentoDocument): string {
  const ref = `${doc.name}:${doc.version}`;
  const lines = [
    `# ${doc.name} ${doc.version}`,
    "",
    doc.service.doc || `An obento bundle packed ${doc.created_at} with obento ${doc.obento_version}.`,
    "",
    "## APIs",
    "",
  ];
  for (const api of doc.service.apis) {
    lines.push(
      `### \`${api.name}\`${api.batch ? " (batch)" : ""}`,
      "",
      api.doc || "(no description)",
      "",
      `- input: \`${api.input.type}\` (${api.input.content_types.join(", ")})`,
      `- output: \`${api.output.type}\``,
      "",
      ...usageLines(ref, api),
    );
  }
  lines.push(
    "## Artifacts",
    "",
    "| name | type | file | sha256 | metadata |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const a of doc.artifacts) {
    lines.push(
      `| ${a.name} | ${a.type} | ${a.file} | ${a.sha256.slice(0, 12)}… | ${
        Object.keys(a.metadata).length ? JSON.stringify(a.metadata).replaceAll("|", "\\|") : ""
      } |`,
    );
  }
  const labels = Object.entries(doc.labels);
  if (labels.length) {
    lines.push("", "## Labels", "", ...labels.map(([k, v]) => `- ${k}=${v}`));
  }
  lines.push(
    "",
    "## Files",
    "",
    "- `bento.yaml`: everything above, machine-readable",
    `- \`${doc.service.module}\`: the service code, bundled into one ES module`,
    "- `artifacts/`: models and data files",
    "- `MANIFEST`: sha256 of every file, checked on load",
    "- `Dockerfile`: an image that serves this bundle with the obento binary",
    "",
  );
  return lines.join("\n");
}

/** Renders the bundle's Dockerfile: the compiled obento binary plus the bundle, serving on port 3000. */
export function renderDockerfile(doc: BentoDocument): string {
  return [
    `# Serves ${doc.name}:${doc.version}. Build from the bundle directory after copying the obento binary`,
    "# (from `deno task compile`) next to this file:",
    "#   cp /path/to/obento . && docker build -t " +
    `${doc.name.toLowerCase()}:${doc.version.toLowerCase()} .`,
    `FROM ${doc.env.docker_base_image}`,
    "RUN useradd --system --home /srv obento",
    "COPY --chmod=0755 obento /usr/local/bin/obento",
    "COPY --chown=obento . /srv/bundle",
    "RUN rm -f /srv/bundle/obento",
    "USER obento",
    "ENV OBENTO_HOME=/srv/.obento",
    "EXPOSE 3000",
    `ENTRYPOINT ["obento", "serve", "/srv/bundle", "--host", "0.0.0.0", "--port", "3000"]`,
    "",
  ].join("\n");
}
