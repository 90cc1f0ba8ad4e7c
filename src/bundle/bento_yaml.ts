/**
 * The `bento.yaml` document: everything known about a bundle, readable by people and by the registry.
 *
 * @module
 */
import { parse, stringify } from "yaml";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { validateName, validateVersion } from "../sdk/names.ts";
import { type BundlePermissions, parsePermissions } from "./permissions.ts";

export { BUNDLE_FORMAT } from "./format.ts";
import { BUNDLE_FORMAT } from "./format.ts";

/** One API as recorded in bento.yaml. */
export interface ApiRecord {
  /** API name (the route). */
  name: string;
  /** Whether the API is a batch API. */
  batch: boolean;
  /** Description. */
  doc: string;
  /** Input adapter type, settings and content types. */
  input: { type: string; config: Record<string, JsonValue>; content_types: string[] };
  /** Output adapter type and settings. */
  output: { type: string; config: Record<string, JsonValue> };
  /** JSON Schemas of the request and response bodies. */
  schema: { request: Record<string, unknown>; response: Record<string, unknown> };
}

/** One artifact as recorded in bento.yaml. */
export interface ArtifactRecord {
  /** Artifact name as the service declares it. */
  name: string;
  /** Artifact type, e.g. OnnxModelArtifact. */
  type: string;
  /** Path inside the bundle, e.g. `artifacts/model.onnx`. */
  file: string;
  /** Hex sha256 of the file. */
  sha256: string;
  /** File size in bytes. */
  size: number;
  /** Immutable user metadata given at pack time. */
  metadata: Record<string, JsonValue>;
  /** What the artifact found when it inspected the file (e.g. model inputs/outputs). */
  info: Record<string, JsonValue>;
}

/** The whole bento.yaml. */
export interface BentoDocument {
  /** Bundle format version ({@link BUNDLE_FORMAT}). */
  bundle_format: number;
  /** The obento version that packed it. */
  obento_version: string;
  /** Bundle name. */
  name: string;
  /** Bundle version. */
  version: string;
  /** Pack time, ISO 8601. */
  created_at: string;
  /** Labels (BentoML rules). */
  labels: Record<string, string>;
  /** The service: its name, docs, bundled module and APIs. */
  service: {
    name: string;
    doc: string;
    /** The bundled service module inside the bundle. */
    module: string;
    apis: ApiRecord[];
  };
  /** Packed artifacts. */
  artifacts: ArtifactRecord[];
  /** Folder inside the bundle with web static content served under `/static/`, if any. */
  web_static_content?: string | null;
  /** What the service needs from its host. */
  env: {
    /** What the service code may do beyond reading its bundle (src/bundle/permissions.ts); `{}` for nothing. */
    permissions: BundlePermissions;
    docker_base_image: string;
    deno_version: string;
  };
}

/** Serialises a document to YAML. */
export function stringifyBento(doc: BentoDocument): string {
  // No anchors: the same object written twice (e.g. 784 identical column types) would become aliases, and
  // parsing refuses more than 100 of them (the yaml package's guard against alias bombs).
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Parses and checks bento.yaml text; `where` names the file in errors. */
export function parseBento(text: string, where: string): BentoDocument {
  let doc: unknown;
  try {
    // logLevel "error": a YAML warning (an unknown tag or directive) is not printed as a multi-line Node
    // warning on stderr, where it would break the server's one-line (and JSON) log.
    doc = parse(text, { logLevel: "error" });
  } catch (error) {
    throw new ObentoError(
      "BAD_BUNDLE",
      `${where} is not valid YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const fail = (what: string): never => {
    throw new ObentoError("BAD_BUNDLE", `${where}: ${what}`);
  };
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) fail("expected a mapping at the top level");
  const d = doc as Record<string, unknown>;
  if (d.bundle_format !== BUNDLE_FORMAT) {
    fail(
      `bundle_format ${
        JSON.stringify(d.bundle_format)
      } is not supported (this obento reads ${BUNDLE_FORMAT})`,
    );
  }
  try {
    validateName(d.name, "bundle name");
    validateVersion(d.version);
  } catch (error) {
    fail((error as Error).message);
  }
  if (typeof d.created_at !== "string" || Number.isNaN(Date.parse(d.created_at))) {
    fail("created_at is missing");
  }
  if (!d.service || typeof d.service !== "object") fail("service is missing");
  const service = d.service as Record<string, unknown>;
  const inside = (path: unknown) =>
    typeof path === "string" && path !== "" && !path.startsWith("/") && !/^[A-Za-z]:/.test(path) &&
    !path.split(/[\\/]/).some((part) => part === ".." || part === "");
  if (typeof service.module !== "string") fail("service.module is missing");
  if (!inside(service.module)) {
    fail(`service.module ${JSON.stringify(service.module)} must be a path inside the bundle`);
  }
  if (!Array.isArray(service.apis)) fail("service.apis must be a list");
  if (!Array.isArray(d.artifacts)) fail("artifacts must be a list");
  for (const a of d.artifacts as Record<string, unknown>[]) {
    if (typeof a?.name !== "string" || typeof a.file !== "string" || typeof a.sha256 !== "string") {
      fail("each artifact needs name, file and sha256");
    }
    if (!inside(a.file)) fail(`artifact file ${JSON.stringify(a.file)} must be a path inside the bundle`);
  }
  if (
    d.web_static_content !== undefined && d.web_static_content !== null && d.web_static_content !== "static"
  ) {
    fail(`web_static_content must be "static" or absent, got ${JSON.stringify(d.web_static_content)}`);
  }
  if (d.env !== undefined && d.env !== null) {
    if (typeof d.env !== "object" || Array.isArray(d.env)) fail("env must be a mapping");
    const env = d.env as Record<string, unknown>;
    env.permissions = parsePermissions(env.permissions, `${where} env.permissions`);
  } else d.env = { permissions: {}, docker_base_image: "", deno_version: "" };
  if (d.labels === undefined || d.labels === null) d.labels = {};
  if (typeof d.labels !== "object" || Array.isArray(d.labels)) fail("labels must be a mapping");
  return d as unknown as BentoDocument;
}
