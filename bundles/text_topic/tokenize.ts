/** Lower-cases `text` and splits it on anything that is not a-z or 0-9, as the model was trained. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length > 0);
}
