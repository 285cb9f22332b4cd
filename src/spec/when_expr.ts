/**
 * The `when` expression language (HASHDIST.md §2.5): a parser for exactly the grammar the
 * corpus uses, and Python-compatible evaluation against a parameter set. No `eval`. Pure,
 * apart from a cache of parsed expressions.
 */
import { HitError } from "../errors.ts";
import { type Params, pyEquals, pyTruthy, type Value } from "./values.ts";

/** A parsed `when` expression. */
export type WhenExpr =
  | { kind: "name"; name: string }
  | { kind: "literal"; value: string | boolean | null }
  | { kind: "not"; operand: WhenExpr }
  | { kind: "and" | "or"; operands: WhenExpr[] }
  | { kind: "compare"; operator: "==" | "!="; left: WhenExpr; right: WhenExpr };

interface Token {
  kind: "name" | "keyword" | "string" | "operator" | "end";
  /** The source text of the token (with quotes for a string). */
  text: string;
  /** 1-based column of the token's first character. */
  column: number;
}

interface Parser {
  source: string;
  tokens: Token[];
  index: number;
}

const KEYWORDS = new Set(["and", "or", "not", "True", "False", "None"]);

/** Python keywords outside the grammar: never names, always an error. */
const RESERVED = new Set(
  ("as assert async await break class continue def del elif else except exec finally for " +
    "from global if import in is lambda nonlocal pass print raise return try while with yield")
    .split(" "),
);

const NAME_START = /[A-Za-z_]/;
const NAME_REST = /[A-Za-z0-9_]/;

const parsedByText = new Map<string, WhenExpr>();

/**
 * Parses a `when` expression.
 * @throws {HitError} when the text is outside the grammar, naming the expression and column.
 */
export function parseWhen(expr: string): WhenExpr {
  const parser: Parser = { source: expr, tokens: tokenize(expr), index: 0 };
  if (parser.tokens[0].kind === "end") throw parseError(expr, "the expression is empty");
  const ast = parseOr(parser);
  const next = peek(parser);
  if (next.kind !== "end") {
    throw parseError(expr, `unexpected ${describe(next)} at column ${next.column}`);
  }
  return ast;
}

/** Evaluates a parsed expression against `params` (unset names read as `''`) to a bool. */
export function evalWhen(ast: WhenExpr, params: Params): boolean {
  return pyTruthy(evaluate(ast, params));
}

/**
 * Parses (once per distinct text) and evaluates a `when` expression.
 * @throws {HitError} when the text is outside the grammar.
 */
export function evaluateWhen(expr: string, params: Params): boolean {
  let ast = parsedByText.get(expr);
  if (ast === undefined) {
    ast = parseWhen(expr);
    parsedByText.set(expr, ast);
  }
  return evalWhen(ast, params);
}

function evaluate(node: WhenExpr, params: Params): Value {
  switch (node.kind) {
    case "name":
      // A lookup, never an insertion: the original added '' for each missing name (§2.5).
      return Object.hasOwn(params, node.name) && params[node.name] !== undefined
        ? params[node.name]
        : "";
    case "literal":
      return node.value;
    case "not":
      return !pyTruthy(evaluate(node.operand, params));
    case "compare": {
      const equal = pyEquals(evaluate(node.left, params), evaluate(node.right, params));
      return node.operator === "==" ? equal : !equal;
    }
    case "and":
    case "or": {
      // Python's `and`/`or` return the deciding operand, not a bool.
      const stopWhen = node.kind === "or";
      let value: Value = null;
      for (const operand of node.operands) {
        value = evaluate(operand, params);
        if (pyTruthy(value) === stopWhen) return value;
      }
      return value;
    }
  }
}

function parseOr(parser: Parser): WhenExpr {
  const operands = [parseAnd(parser)];
  while (isKeyword(peek(parser), "or")) {
    parser.index++;
    operands.push(parseAnd(parser));
  }
  return operands.length === 1 ? operands[0] : { kind: "or", operands };
}

function parseAnd(parser: Parser): WhenExpr {
  const operands = [parseNot(parser)];
  while (isKeyword(peek(parser), "and")) {
    parser.index++;
    operands.push(parseNot(parser));
  }
  return operands.length === 1 ? operands[0] : { kind: "and", operands };
}

function parseNot(parser: Parser): WhenExpr {
  if (isKeyword(peek(parser), "not")) {
    parser.index++;
    return { kind: "not", operand: parseNot(parser) };
  }
  const left = parseAtom(parser);
  const next = peek(parser);
  if (next.kind !== "operator") return left;
  parser.index++;
  const operator = next.text === "==" ? "==" : "!=";
  return { kind: "compare", operator, left, right: parseAtom(parser) };
}

function parseAtom(parser: Parser): WhenExpr {
  const token = peek(parser);
  if (token.kind === "name") {
    parser.index++;
    return { kind: "name", name: token.text };
  }
  if (token.kind === "string") {
    parser.index++;
    return { kind: "literal", value: token.text.slice(1, -1) };
  }
  if (token.kind === "keyword" && (token.text === "True" || token.text === "False")) {
    parser.index++;
    return { kind: "literal", value: token.text === "True" };
  }
  if (isKeyword(token, "None")) {
    parser.index++;
    return { kind: "literal", value: null };
  }
  const found = token.kind === "end" ? "" : `, found ${describe(token)}`;
  throw parseError(
    parser.source,
    `expected a name, string, True, False or None at column ${token.column}${found}`,
  );
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    const column = i + 1;
    if (char === " " || char === "\t") {
      i++;
    } else if (NAME_START.test(char)) {
      let end = i + 1;
      while (end < source.length && NAME_REST.test(source[end])) end++;
      const text = source.slice(i, end);
      if (RESERVED.has(text)) {
        throw parseError(source, `unsupported keyword "${text}" at column ${column}`);
      }
      tokens.push({ kind: KEYWORDS.has(text) ? "keyword" : "name", text, column });
      i = end;
    } else if (char === "'" || char === '"') {
      const end = source.indexOf(char, i + 1);
      if (end < 0) throw parseError(source, `unterminated string at column ${column}`);
      const backslash = source.indexOf("\\", i + 1);
      if (backslash >= 0 && backslash < end) {
        throw parseError(source, `backslash escapes are not supported at column ${backslash + 1}`);
      }
      tokens.push({ kind: "string", text: source.slice(i, end + 1), column });
      i = end + 1;
    } else if ((char === "=" || char === "!") && source[i + 1] === "=") {
      tokens.push({ kind: "operator", text: char + "=", column });
      i += 2;
    } else {
      throw parseError(source, `unexpected character "${char}" at column ${column}`);
    }
  }
  tokens.push({ kind: "end", text: "", column: source.length + 1 });
  return tokens;
}

function peek(parser: Parser): Token {
  return parser.tokens[parser.index];
}

function isKeyword(token: Token, word: string): boolean {
  return token.kind === "keyword" && token.text === word;
}

function describe(token: Token): string {
  return token.kind === "string" ? token.text : `"${token.text}"`;
}

function parseError(source: string, detail: string): HitError {
  return new HitError(`parse "when" expression "${source}": ${detail}`);
}
