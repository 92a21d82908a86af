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
  depth: number;
}

/**
 * How deep any input may nest. Nothing the API takes needs more (a filter nests at most 12 levels,
 * a record schema is one flat object), and code that walks input recursively — validators,
 * JSON.stringify, GraphQL's own variable coercion — would overflow the stack far below what the
 * body limit lets through.
 */
export const MAX_INPUT_DEPTH = 64;

export const ILL_FORMED_FAULT = 'must be well-formed text: no lone surrogate (\\ud800–\\udfff) and no NUL';
export const TOO_DEEP_FAULT = `nests deeper than ${MAX_INPUT_DEPTH} levels`;

/**
 * The first fault of shape in `value` — an ill-formed string (object keys included) or nesting
 * deeper than MAX_INPUT_DEPTH — with its dotted path (`input.keywords.2`, `where.and.0`), or null.
 * `path` names the value itself. Pure, so every edge (GraphQL variables, export query strings)
 * and every domain entry point that takes structured input applies the same rule.
 */
export function inputFault(value: unknown, path: string): { path: string; message: string } | null {
  // An explicit stack with parent links: JSON within the body limit can nest far deeper than
  // the call stack allows, and paths are only spelled out for the one fault reported.
  const stack: Frame[] = [{ value, key: path, parent: null, depth: 0 }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const current = frame.value;
    if (typeof current === 'string') {
      if (!isWellFormedText(current)) return { path: spell(frame), message: ILL_FORMED_FAULT };
    } else if (current !== null && typeof current === 'object') {
      if (frame.depth >= MAX_INPUT_DEPTH) return { path: spell(frame), message: TOO_DEEP_FAULT };
      const depth = frame.depth + 1;
      if (Array.isArray(current)) {
        for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], key: String(i), parent: frame, depth });
        continue;
      }
      const entries = Object.entries(current);
      for (const [key] of entries) {
        // The key is not echoed: the path names where it sits, not what it holds.
        if (!isWellFormedText(key)) return { path: `${spell(frame)}.<key>`, message: ILL_FORMED_FAULT };
      }
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ value: entries[i]![1], key: entries[i]![0], parent: frame, depth });
    }
  }
  return null;
}

function spell(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | null = frame; f; f = f.parent) keys.push(f.key);
  return keys.reverse().join('.');
}
