/**
 * The generated files of a bundle meant for people and container builders: `README.md` and `Dockerfile`.
 *
 * @module
 */
import type { BentoDocument } from "./bento_yaml.ts";

function exampleBody(api: BentoDocument["service"]["apis"][number]): string {
  switch (api.input.type) {
    case "DataframeInput":
      return `'[{"col": 1.0}]'`;
    case "FeatureTableInput": {
      // A zero-code model's feature columns, named at pack time; without names, a CSV's columns in order.
      const columns = api.input.config.columns;
      if (!Array.isArray(columns)) return "--input-file features.csv";
      const record = JSON.stringify([Object.fromEntries(columns.map((n) => [String(n), 1]))]);
      return `'${record.replaceAll("'", "'\\''")}'`;
    }
    case "ImageInput":
      return "--input-file picture.png";
    case "StringInput":
      return `'"some text"'`;
    default:
      return `'<json>'`;
  }
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
      "```sh",
      `obento run ${ref} ${api.name} --input ${exampleBody(api)}`,
      `obento serve ${ref}   # then: curl -X POST localhost:3000/${api.name} -H 'content-type: application/json' -d ...`,
      "```",
      "",
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
