/**
 * A number written in JSON's decimal grammar (`-12`, `0.5`, `1e3`), for the numeric operators.
 * Stricter than `Number()` on purpose, which reads "" and " " as 0, "0x10" as 16 and "Infinity"
 * as a number; Unleash's `parseFloat` also reads "12abc" as 12. Scanned by hand, no regular
 * expression. Undefined when the text is not such a number or does not fit in a finite double.
 */
export function parseDecimalNumber(text: string): number | undefined {
  let index = 0;
  const digitsFrom = (start: number): number => {
    let end = start;
    while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end += 1;
    return end;
  };
  if (text[index] === '-') index += 1;
  const integerEnd = digitsFrom(index);
  if (integerEnd === index) return undefined;
  if (text[index] === '0' && integerEnd - index > 1) return undefined;
  index = integerEnd;
  if (text[index] === '.') {
    const fractionEnd = digitsFrom(index + 1);
    if (fractionEnd === index + 1) return undefined;
    index = fractionEnd;
  }
  if (text[index] === 'e' || text[index] === 'E') {
    index += 1;
    if (text[index] === '+' || text[index] === '-') index += 1;
    const exponentEnd = digitsFrom(index);
    if (exponentEnd === index) return undefined;
    index = exponentEnd;
  }
  if (index !== text.length) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
