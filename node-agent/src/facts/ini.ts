/**
 * The sections of an INI file in order, each with its options (later ones
 * win, as Python's ConfigParser with strict=False and GLib's key files do).
 * Written here rather than taken from the `ini` package: that package nests
 * dotted section names ([sysctl.thunderx] inside [sysctl]) and knows neither
 * continuation lines nor inline comments, all of which TuneD profiles use.
 */
export type IniFile = Map<string, Map<string, string>>;

export interface IniDialect {
  /** "key = value  # note": TuneD's profiles (ConfigParser's inline_comment_prefixes "#"). */
  inlineComments: boolean;
}

export function parseIni(text: string, dialect: IniDialect): IniFile {
  const sections: IniFile = new Map();
  let options: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split("\n")) {
    const line = dialect.inlineComments ? raw.replace(/\s#.*$/, "") : raw;
    if (isBlankOrComment(line)) continue;
    const header = /^\[(.+)\]$/.exec(line.trim())?.[1]?.trim();
    if (header !== undefined) {
      options = sections.get(header) ?? new Map<string, string>();
      sections.set(header, options);
      lastKey = undefined;
    } else if (options) {
      lastKey = addLine(options, line, lastKey);
    } // lines before the first section belong to none
  }
  return sections;
}

function isBlankOrComment(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";");
}

/** Adds "key = value" or an indented continuation of the last key; returns the key now last. */
function addLine(
  options: Map<string, string>,
  line: string,
  lastKey: string | undefined,
): string | undefined {
  const trimmed = line.trim();
  if (/^\s/.test(line) && lastKey !== undefined) {
    options.set(lastKey, `${options.get(lastKey) ?? ""}\n${trimmed}`);
    return lastKey;
  }
  const at = trimmed.indexOf("=");
  if (at < 0) return lastKey;
  const key = trimmed.slice(0, at).trim();
  options.set(key, trimmed.slice(at + 1).trim());
  return key;
}
