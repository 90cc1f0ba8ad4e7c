/**
 * What an exported site's `site.json` holds, shared by the exporter (Deno) and the page's script (browser):
 * the bundle's bento.yaml as JSON and where, relative to the page, its module, artifacts and onnxruntime-web's
 * files are. Types only.
 *
 * @module
 */
import type { BentoDocument } from "../bundle/bento_yaml.ts";

/** The contents of `site.json`. */
export interface SiteData {
  /** The bundle's bento.yaml. */
  readonly document: BentoDocument;
  /** The bundled service module, relative to the page (`bundle/service.js`). */
  readonly module: string;
  /** Each artifact's file, relative to the page, by artifact name. */
  readonly artifacts: Readonly<Record<string, string>>;
  /** The folder with onnxruntime-web's WASM files, relative to the page, with a trailing slash (`ort/`). */
  readonly ort: string;
}

/**
 * How an API's form builds its request: `object` (one field per property, sent as a JSON object), `rows`
 * (one field per column, sent as a list of one record), `string` (a text box, sent as a JSON string) or
 * `file` (a file, sent as its bytes with its type).
 */
export type FieldKind = "object" | "rows" | "string" | "file";
