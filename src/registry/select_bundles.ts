/**
 * What `select` means for any registry, local or remote: references (`Name:version`, `Name:latest`,
 * `Name`) and a label selector designate a set of bundles. {@link Registry.select} and
 * `RemoteRegistry.select` both call {@link selectBundles} with their own `list` and `resolve`.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { formatBundleRef, LATEST, parseBundleRef } from "./bundle_ref.ts";
import { matchesSelector, type Selector } from "./selector.ts";

/** A bundle as `list` and `resolve` return it: enough to key and filter it. */
export interface SelectableBundle {
  /** The bundle name. */
  readonly name: string;
  /** The bundle version. */
  readonly version: string;
  /** The bundle's labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The two reads {@link selectBundles} needs from a registry. */
export interface BundleLookup<T extends SelectableBundle> {
  /** Bundles of one name, or matching a selector. */
  list(options: { name?: string; selector?: Selector }): Promise<T[]>;
  /** One bundle by `Name:version` or `Name:latest`. */
  resolve(ref: string): Promise<T>;
}

/**
 * The bundles that `refs` and `selector` designate: `Name:version` and `Name:latest` one bundle, `Name`
 * every version; with no references, every bundle matching the selector. Each bundle once.
 *
 * @param notFound the NOT_FOUND message for a name with no bundle (it says where to look)
 * @throws {ObentoError} BAD_ARGUMENT when neither is given; NOT_FOUND for a reference that matches nothing
 */
export async function selectBundles<T extends SelectableBundle>(
  lookup: BundleLookup<T>,
  refs: readonly string[],
  selector: Selector | undefined,
  notFound: (name: string) => string,
): Promise<T[]> {
  if (refs.length === 0) {
    if (!selector) {
      throw new ObentoError("BAD_ARGUMENT", "name bundles (Name:version) or give a label selector");
    }
    return await lookup.list({ selector });
  }
  const found = new Map<string, T>();
  for (const ref of refs) {
    const parsed = parseBundleRef(ref);
    const matches = parsed.version === undefined && !ref.endsWith(`:${LATEST}`)
      ? await lookup.list({ name: parsed.name })
      : [await lookup.resolve(ref)];
    if (matches.length === 0) throw new ObentoError("NOT_FOUND", notFound(parsed.name));
    for (const m of matches) found.set(formatBundleRef(m.name, m.version), m);
  }
  const all = [...found.values()];
  return selector ? all.filter((b) => matchesSelector(selector, b.labels)) : all;
}
