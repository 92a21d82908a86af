/**
 * A lone surrogate cannot be encoded as UTF-8 (drivers replace it, or fail, differently: the same
 * text would then match in one source and not in another), and NUL truncates strings in C-based
 * sources and log tooling. In `u` mode a well-paired surrogate is one code point, so `\p{Cs}`
 * matches only lone halves.
 */
const ILL_FORMED = /[\p{Cs}\u0000]/u;

/** True when `text` is well-formed UTF-16 and holds no NUL. */
export function isWellFormedText(text: string): boolean {
  return !ILL_FORMED.test(text);
}

interface Frame {
  value: unknown;
  key: string;
  parent: Frame | null;
}

/**
 * The dotted path (`input.keywords.2`, `where.and.0`) of the first ill-formed string in `value`,
 * object keys included, or null when every string is well-formed. `path` names the value itself.
 * Pure, so every edge (GraphQL variables, export query strings) applies the same rule.
 */
export function illFormedPath(value: unknown, path: string): string | null {
  // An explicit stack with parent links: JSON within the body limit can nest far deeper than
  // the call stack allows, and paths are only spelled out for the one fault reported.
  const stack: Frame[] = [{ value, key: path, parent: null }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const current = frame.value;
    if (typeof current === 'string') {
      if (!isWellFormedText(current)) return spell(frame);
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], key: String(i), parent: frame });
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (const [key] of entries) {
        // The key is not echoed: the path names where it sits, not what it holds.
        if (!isWellFormedText(key)) return `${spell(frame)}.<key>`;
      }
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], key: entries[i]![0], parent: frame });
    }
  }
  return null;
}

function spell(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | null = frame; f; f = f.parent) keys.push(f.key);
  return keys.reverse().join('.');
}
