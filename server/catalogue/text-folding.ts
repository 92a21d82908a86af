/**
 * Vietnamese-aware folding for catalogue search: "Dân cư" and "dan cu" fold to the same tokens,
 * and so do "Đất đai" and "dat dai". Stored documents carry folded tokens so that search is an
 * indexable equality match that works on every MongoDB deployment (no `$text`).
 */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase();
}

/** Folded words of a text, with camelCase and snake_case identifiers split into their parts too. */
export function tokenize(text: string): string[] {
  const split = text.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  const words = fold(split).split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  return [...new Set(words)];
}

/** Tokens for an identifier such as a field name: its parts and the whole, so "citizenId" finds "citizenid" and "citizen". */
export function identifierTokens(name: string): string[] {
  return [...new Set([...tokenize(name), fold(name).replace(/[^a-z0-9]/g, '')])].filter((t) => t.length > 0);
}
