/**
 * The words a service's refused permission is reported with: Deno's refusal, reworded to say that the
 * bundle's sandbox refused it and where the bundle declares what it may do.
 *
 * @module
 */

/**
 * Rewrites Deno's refusal of a permission ("Requires read access to "/etc/passwd", run again with the
 * --allow-read flag") to say what to do about it in obento: the service may do only what its bundle
 * declares (`where`: "pack" when the refusal came from pack's sandbox, which evaluates the service module).
 * Other messages are returned as they are.
 *
 * @example
 * ```ts
 * import { explainRefusal } from "./permission_refusal.ts";
 * console.log(explainRefusal('Requires net access to "example.com:443", run again with the --allow-net flag'));
 * // Requires net access to "example.com:443": refused by the service's sandbox (…)
 * ```
 */
export function explainRefusal(message: string, where: "serve" | "pack" = "serve"): string {
  const match = /^(Requires \w+ access(?: to .*?)?)(, run again with the --allow-\w+ flag)?$/s.exec(message);
  if (match === null) return message;
  if (where === "pack") {
    return `${
      match[1]
    }: refused by pack's sandbox (pack evaluates the service module with no permission but ` +
      `reading its folder; do such work inside an API and declare it in env.permissions; docs/bundling.md, ` +
      `"Permissions")`;
  }
  return `${match[1]}: refused by the service's sandbox (its code may only read its bundle and do what ` +
    `bento.yaml's env.permissions declares; docs/bundling.md, "Permissions")`;
}
