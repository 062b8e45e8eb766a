/**
 * Shell-style globs over interface names (*, ? and [...] classes with ranges),
 * matched without regular expressions: a pattern is compiled into tokens and
 * matched by the greedy star-backtracking walk, which takes at most
 * pattern length × name length steps whatever the pattern. A range written
 * backwards ("[z-a]") matches nothing, as fnmatch(3) does.
 */
type Token =
  | { kind: "star" }
  | { kind: "any" }
  | { kind: "literal"; char: string }
  | { kind: "class"; ranges: [string, string][] };

export function compileGlob(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    const char = glob.charAt(i);
    const end = char === "[" ? glob.indexOf("]", i + 2) : -1;
    if (char === "*") tokens.push({ kind: "star" });
    else if (char === "?") tokens.push({ kind: "any" });
    else if (end !== -1) {
      tokens.push({ kind: "class", ranges: classRanges(glob.slice(i + 1, end)) });
      i = end;
    } else tokens.push({ kind: "literal", char });
  }
  return tokens;
}

function classRanges(body: string): [string, string][] {
  const ranges: [string, string][] = [];
  for (let i = 0; i < body.length; i++) {
    const low = body.charAt(i);
    if (body.charAt(i + 1) === "-" && i + 2 < body.length) {
      ranges.push([low, body.charAt(i + 2)]);
      i += 2;
    } else ranges.push([low, low]);
  }
  return ranges;
}

function tokenMatches(token: Token, char: string): boolean {
  switch (token.kind) {
    case "any":
      return true;
    case "literal":
      return token.char === char;
    case "class":
      return token.ranges.some(([low, high]) => low <= char && char <= high);
    case "star":
      return false;
  }
}

/** Whether `name` matches the compiled glob as a whole. */
export function globMatches(tokens: readonly Token[], name: string): boolean {
  let t = 0;
  let n = 0;
  // Where the last star was, and the name position it currently stands for.
  let starAt = -1;
  let starName = 0;
  while (n < name.length) {
    const token = tokens[t];
    if (token?.kind === "star") {
      starAt = t++;
      starName = n;
    } else if (token && tokenMatches(token, name.charAt(n))) {
      t++;
      n++;
    } else if (starAt !== -1) {
      t = starAt + 1;
      n = ++starName;
    } else return false;
  }
  while (tokens[t]?.kind === "star") t++;
  return t === tokens.length;
}

export const matchesGlob = (glob: string, name: string): boolean =>
  globMatches(compileGlob(glob), name);
