// Matching handset numbers against failure-injection rules without attacker-controlled
// backtracking: globs run on a small iterative matcher (no RegExp), and `/regex/` rules are
// accepted only from a subset whose worst case stays polynomial and small.

/** Limits on a rule's `match` and on what a regular expression is run against. */
export const MATCH_LIMITS = {
  /** Longest `match` (glob, number or `/regex/`), in characters. */
  length: 256,
  /** Longest regex source between the slashes. */
  regexLength: 100,
  /** Variable quantifiers (`*`, `+`, `?`, `{n,m}`) a regex may hold in all. */
  regexQuantifiers: 4,
  /** Longest number a regex is run against; longer ones never match a regex rule. */
  regexInput: 32,
} as const;

/**
 * Whether `text` matches `glob`, where `*` stands for any run of characters (possibly empty)
 * and every other character only for itself. Greedy with a single back-tracking point (the
 * last `*`), so it takes at most `glob.length × text.length` steps whatever the input.
 */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1; // position in glob after the last `*` seen
  let resume = 0; // position in text where that `*` started matching
  while (t < text.length) {
    if (g < glob.length && glob[g] === '*') {
      star = ++g;
      resume = t;
    } else if (g < glob.length && glob[g] === text[t]) {
      g++;
      t++;
    } else if (star >= 0) {
      g = star;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/**
 * Why a regular expression source is refused, or `null` when it is in the safe subset: no
 * backreferences or lookarounds, no variable quantifier applied to a group that itself holds a
 * variable quantifier or an alternation (`(a+)+`, `(a|aa)*`), at most
 * {@link MATCH_LIMITS.regexQuantifiers} variable quantifiers, and at most
 * {@link MATCH_LIMITS.regexLength} characters.
 */
export function unsafeRegex(source: string): string | null {
  if (source.length > MATCH_LIMITS.regexLength) {
    return `is longer than ${MATCH_LIMITS.regexLength} characters`;
  }
  // One frame per open group: does it hold a variable quantifier or an alternation?
  const groups: { quantified: boolean; alternation: boolean }[] = [
    { quantified: false, alternation: false },
  ];
  // What the next quantifier would apply to: a group (and how complex it was) or a single atom.
  let last: { group: boolean; complex: boolean } | null = null;
  let variable = 0;
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    const top = groups[groups.length - 1] as { quantified: boolean; alternation: boolean };
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (/[1-9k]/.test(next)) return 'uses a backreference';
      i += 2;
      last = { group: false, complex: false };
      continue;
    }
    if (c === '[') {
      i = skipClass(source, i);
      if (i < 0) return 'has an unterminated character class';
      last = { group: false, complex: false };
      continue;
    }
    if (c === '(') {
      if (/^\(\?<?[=!]/.test(source.slice(i, i + 4))) return 'uses a lookaround';
      groups.push({ quantified: false, alternation: false });
      last = null;
      // Skip a group's `?:` or `?<name>` prefix, which is not a quantifier.
      const prefix = /^\(\?(:|<[A-Za-z_$][\w$]*>)?/.exec(source.slice(i));
      i += prefix ? prefix[0].length : 1;
      continue;
    }
    if (c === ')') {
      if (groups.length === 1) return 'has an unbalanced parenthesis';
      const closed = groups.pop() as { quantified: boolean; alternation: boolean };
      const parent = groups[groups.length - 1] as { quantified: boolean };
      if (closed.quantified) parent.quantified = true;
      last = { group: true, complex: closed.quantified || closed.alternation };
      i++;
      continue;
    }
    if (c === '|') {
      top.alternation = true;
      last = null;
      i++;
      continue;
    }
    const q = quantifierAt(source, i);
    if (q) {
      if (q.variable) {
        if (last?.group && last.complex) {
          return 'repeats a group that holds a quantifier or an alternation (nested quantifiers)';
        }
        variable++;
        top.quantified = true;
      }
      i = q.end;
      if (source[i] === '?') i++; // lazy modifier, not another quantifier
      last = null;
      continue;
    }
    last = { group: false, complex: false };
    i++;
  }
  if (groups.length > 1) return 'has an unbalanced parenthesis';
  if (variable > MATCH_LIMITS.regexQuantifiers) {
    return `has more than ${MATCH_LIMITS.regexQuantifiers} quantifiers`;
  }
  return null;
}

/** Index just past the character class opening at `start`, or -1 when it never closes. */
function skipClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  if (source[i] === ']') i++; // a leading `]` is literal
  while (i < source.length) {
    if (source[i] === '\\') i += 2;
    else if (source[i] === ']') return i + 1;
    else i++;
  }
  return -1;
}

/** The quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), if any. */
function quantifierAt(source: string, i: number): { variable: boolean; end: number } | null {
  const c = source[i];
  if (c === '*' || c === '+' || c === '?') return { variable: true, end: i + 1 };
  if (c !== '{') return null;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
  if (!m) return null;
  const fixed = m[2] === undefined || m[3] === m[1];
  return { variable: !fixed, end: i + m[0].length };
}

/**
 * Compiles a rule's `match` into a predicate over handset numbers: an exact number, a glob with
 * `*`, or `/regex/` from the safe subset ({@link unsafeRegex}). `fail` builds the error thrown
 * for a refused `match`.
 */
export function compileMatch(
  match: string,
  fail: (message: string) => Error,
): (number: string) => boolean {
  if (match.length > MATCH_LIMITS.length) {
    throw fail(`match must be at most ${MATCH_LIMITS.length} characters`);
  }
  if (match.length > 2 && match.startsWith('/') && match.endsWith('/')) {
    const source = match.slice(1, -1);
    const why = unsafeRegex(source);
    if (why) throw fail(`regular expression ${match} ${why}; use a simpler one or a glob`);
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch {
      throw fail(`invalid regular expression ${match}`);
    }
    return (n) => n.length <= MATCH_LIMITS.regexInput && re.test(n);
  }
  if (match.includes('*')) return (n) => globMatch(match, n);
  return (n) => n === match;
}
