/**
 * The bundle format version, apart from src/bundle/bento_yaml.ts so that code which only stamps or compares
 * it (a model worker describing its bundle) does not load the YAML parser.
 *
 * @module
 */

/** The bundle format version this obento writes and reads. */
export const BUNDLE_FORMAT = 1;
