// Path globs for the fault injector, matched without backtracking: a regular expression from the control
// API could stall the event loop (`(a+)+$` against a long path took seconds), a glob cannot. `*` stands
// for any characters within one path segment, `**` for any characters at all; the rest is literal.

type Token = '*' | '**' | { literal: string };

export const GLOB_SYNTAX = /^\/[A-Za-z0-9._~%/*-]*$/;

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] !== '*') tokens.push({ literal: glob[i]! });
    else if (glob[i + 1] === '*') {
      tokens.push('**');
      while (glob[i + 1] === '*') i++;
    } else tokens.push('*');
  }
  return tokens;
}

/** Whether `path` matches `glob`, in time proportional to their lengths' product whatever the glob. */
export function globMatches(glob: string, path: string): boolean {
  // matched[j]: the tokens so far match the first j characters of the path.
  let matched = Array.from({ length: path.length + 1 }, (_, j) => j === 0);
  for (const token of tokenize(glob)) {
    const next = new Array<boolean>(path.length + 1).fill(false);
    for (let j = 0; j <= path.length; j++) {
      if (token === '**') next[j] = matched[j]! || (j > 0 && next[j - 1]!);
      else if (token === '*') next[j] = matched[j]! || (j > 0 && next[j - 1]! && path[j - 1] !== '/');
      else next[j] = j > 0 && matched[j - 1]! && path[j - 1] === token.literal;
    }
    matched = next;
  }
  return matched[path.length]!;
}
