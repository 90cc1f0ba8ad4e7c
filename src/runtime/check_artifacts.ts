/**
 * The one check between a bundle's service module and its bento.yaml: the artifacts the code declares are
 * the ones that were packed. Shared by `load.ts` (Deno) and the browser page `obento export web` writes
 * (src/web/site_service.ts), so it imports nothing that a browser lacks.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import type { Service } from "../sdk/service.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";

/**
 * Checks that a loaded service declares exactly the artifacts its bento.yaml lists, with the same types.
 *
 * @param service the service the bundle's module exported
 * @param doc the bundle's bento.yaml
 * @param where names the bundle in errors (its bento.yaml path, or a URL in a browser)
 * @throws {ObentoError} BAD_BUNDLE naming the artifact that is missing, extra or of another type
 *
 * @example
 * ```ts
 * import { checkArtifacts } from "./check_artifacts.ts";
 * import { parseBento } from "../bundle/bento_yaml.ts";
 * import { loadServiceModule } from "../bundle/module_loader.ts";
 * import type { ArtifactSpecs } from "../sdk/artifact.ts";
 * import type { Service } from "../sdk/service.ts";
 * import * as sdk from "./service_sdk.ts";
 * const document = parseBento(await Deno.readTextFile("./iris-bundle/bento.yaml"), "bento.yaml");
 * const code = await Deno.readTextFile("./iris-bundle/service.js");
 * const service = await loadServiceModule(code, sdk) as Service<ArtifactSpecs>;
 * checkArtifacts(service, document, "iris-bundle/bento.yaml"); // throws BAD_BUNDLE unless it packed one "model"
 * ```
 */
export function checkArtifacts(service: Service<ArtifactSpecs>, doc: BentoDocument, where: string): void {
  const declared = Object.keys(service.artifacts);
  const packed = doc.artifacts.map((a) => a.name);
  for (const name of declared) {
    const record = doc.artifacts.find((a) => a.name === name);
    if (!record) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${where}: the service declares artifact "${name}" but the bundle has none`,
      );
    }
    if (record.type !== service.artifacts[name].type) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${where}: artifact "${name}" is packed as ${record.type} but the service declares ${
          service.artifacts[name].type
        }`,
      );
    }
  }
  for (const name of packed) {
    if (!declared.includes(name)) {
      throw new ObentoError(
        "BAD_BUNDLE",
        `${where}: bundle artifact "${name}" is not declared by the service`,
      );
    }
  }
}
