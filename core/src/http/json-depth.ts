/** Deeper than any MindFlow request body needs; deep enough for any real client. */
export const maxJsonDepth = 64;

/**
 * How deep arrays and objects nest in JSON `text` (brackets inside strings do not count),
 * scanning no further than `limit + 1`: checked before parsing, so a body of 60,000 brackets
 * never reaches a recursive walk (prototype-poisoning checks, validation, our own).
 */
export function jsonDepthExceeds(text: string, limit = maxJsonDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === backslash) i += 1;
      else if (char === quote) inString = false;
    } else if (char === quote) {
      inString = true;
    } else if (char === openBracket || char === openBrace) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === closeBracket || char === closeBrace) {
      depth -= 1;
    }
  }
  return false;
}

const quote = 0x22;
const backslash = 0x5c;
const openBracket = 0x5b;
const closeBracket = 0x5d;
const openBrace = 0x7b;
const closeBrace = 0x7d;
