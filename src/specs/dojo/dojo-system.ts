// Placeholder until the Dojo hierarchy lands (being written in parallel).
export function dojoSystemPresets(): unknown[] {
  return [];
}
