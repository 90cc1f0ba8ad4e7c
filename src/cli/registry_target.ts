/**
 * Which registry a command works on: the local one (`$OBENTO_HOME`), or a server given by `--registry URL`
 * or `$OBENTO_REGISTRY_URL` (with `$OBENTO_TOKEN`). Both offer the operations `list`, `get`, `delete` and
 * `retrieve` use, with the same shapes.
 *
 * @module
 */
import {
  type BundleDetails,
  type BundleSummary,
  isRegistryRef,
  openRegistry,
  type Registry,
} from "../registry/mod.ts";
import { pullBundle } from "../registry_client/transfer.ts";
import type { ListOptions, SavedBundle, SelectOptions } from "../registry/registry.ts";
import { RemoteRegistry } from "../registry_client/remote_registry.ts";
import { type ParsedArgs, stringFlag } from "./args.ts";
import type { CliContext } from "./command.ts";

/** What list/get/delete/retrieve need from a registry, local or remote. */
export interface RegistryTarget {
  /** Bundles, newest first. */
  list(options?: ListOptions): Promise<BundleSummary[]>;
  /** One bundle by reference. */
  resolve(ref: string): Promise<BundleSummary>;
  /** A bundle's bento.yaml and location. */
  get(name: string, version?: string): Promise<BundleDetails>;
  /** Bundles designated by references and a selector. */
  select(refs: readonly string[], options?: SelectOptions): Promise<BundleSummary[]>;
  /** Deletes chosen bundles. */
  deleteSelected(targets: readonly SavedBundle[]): Promise<SavedBundle[]>;
  /** Copies a bundle into a new directory. */
  retrieve(ref: string, targetDir: string): Promise<SavedBundle>;
  /** Releases it. */
  close(): void;
}

/** The `--registry URL` flag definition, for a command's flag table. */
export const REGISTRY_FLAG = { registry: { type: "string" } } as const;

/** The help lines for `--registry`. */
export const REGISTRY_HELP =
  "  --registry URL     a registry server instead of the local registry (default $OBENTO_REGISTRY_URL;\n" +
  "                     the token is $OBENTO_TOKEN)";

/** The server URL a command should use (`--registry`, else `$OBENTO_REGISTRY_URL`), or undefined for local. */
export function registryUrlOf(ctx: CliContext, parsed: ParsedArgs): string | undefined {
  return stringFlag(parsed, "registry") ?? ctx.registryUrl;
}

/** A client of `url` with the context's token. */
export function remoteRegistry(ctx: CliContext, url: string): RemoteRegistry {
  return new RemoteRegistry({ url, token: ctx.token });
}

/** Opens the registry a command's flags and environment name. */
export async function openRegistryTarget(ctx: CliContext, parsed: ParsedArgs): Promise<RegistryTarget> {
  const url = registryUrlOf(ctx, parsed);
  if (url !== undefined) return remoteRegistry(ctx, url);
  const local: Registry = await openRegistry({ home: ctx.home });
  return local;
}

/**
 * For `serve` and `run` with `--registry URL`: pulls `ref` from the server into the local registry (unless
 * that exact version is there already) and returns its exact `Name:version`, which then resolves locally.
 * A path-like `ref` is returned as it is.
 */
export async function pullForUse(ctx: CliContext, url: string, ref: string): Promise<string> {
  if (!isRegistryRef(ref)) return ref;
  const local = await openRegistry({ home: ctx.home });
  try {
    const pulled = await pullBundle(remoteRegistry(ctx, url), local, ctx.home, ref);
    if (pulled.bytes > 0) {
      ctx.err(`pulled ${pulled.name}:${pulled.version} from ${url} (${pulled.bytes} bytes)\n`);
    }
    return `${pulled.name}:${pulled.version}`;
  } finally {
    local.close();
  }
}
