/**
 * The bundle a shipping command (`containerize`, `deploy`) was given: a directory or a registry reference,
 * resolved once, with its bento.yaml read.
 *
 * @module
 */
import { join } from "node:path";
import { type BentoDocument, parseBento } from "../bundle/bento_yaml.ts";
import { readRegularTextFile } from "../bundle/manifest.ts";
import { bundlePathOf } from "./bundle_path.ts";
import type { CliContext } from "./command.ts";

/** A resolved bundle. */
export interface ShipBundle {
  /** Its directory. */
  readonly path: string;
  /** Its bento.yaml. */
  readonly document: BentoDocument;
}

/** Resolves `ref` (a bundle directory, `Name`, `Name:version` or `Name:latest`) and reads its bento.yaml. */
export async function resolveShipBundle(ref: string, ctx: CliContext): Promise<ShipBundle> {
  const path = await bundlePathOf(ref, ctx);
  const yamlPath = join(path, "bento.yaml");
  // a FIFO or link at bento.yaml is refused, not read (reading a FIFO would block for good)
  const text = await readRegularTextFile(yamlPath, `${path} has no bento.yaml; is it a bundle directory?`);
  return { path, document: parseBento(text, yamlPath) };
}
