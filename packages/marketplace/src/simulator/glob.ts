// Path globs for the fault injector, matched without backtracking: a regular expression from the control
// API could stall the event loop (`(a+)+$` against a long path took seconds), a glob cannot. `*` stands
// for any characters within one path segment, `**` for any characters at all; the rest is literal.

/** Whether `path` matches `glob`, in time proportional to their lengths' product whatever the glob. */
export function globMatches(glob: string, path: string): boolean {
  // matched[j]: the glob's parts so far match the first j characters of the path.
  let matched = Array.from({ length: path.length + 1 }, (_, j) => j === 0);
  for (const part of glob.split(/(\*+)/).filter(Boolean)) {
    const next: boolean[] = [];
    for (let j = 0; j <= path.length; j++) {
      const before = j > 0 && next[j - 1] === true;
      if (part.startsWith('**')) next.push(matched[j] === true || before);
      else if (part === '*') next.push(matched[j] === true || (before && path[j - 1] !== '/'));
      else next.push(j >= part.length && matched[j - part.length] === true && path.endsWith(part, j));
    }
    matched = next;
  }
  return matched[path.length] === true;
}
