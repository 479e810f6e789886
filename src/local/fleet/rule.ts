import type { AlarmStateValue } from '../../core/alarm-state.js';

/*
 * CloudWatch composite alarm rules: `ALARM("a") OR (ALARM(b) AND NOT OK("c"))`, `TRUE`, `FALSE`,
 * `INSUFFICIENT_DATA(x)`. Parsed once into an AST; evaluated against the children's states on
 * every change. Keywords are upper case only, as CloudWatch documents them: a rule CloudWatch
 * might refuse is refused here too.
 */

/** A parsed composite alarm rule. */
export type RuleNode =
  | { readonly type: 'const'; readonly value: boolean }
  | { readonly type: 'state'; readonly state: AlarmStateValue; readonly alarm: string }
  | { readonly type: 'not'; readonly operand: RuleNode }
  | { readonly type: 'and' | 'or'; readonly left: RuleNode; readonly right: RuleNode };

/** A rule that does not parse. `offset` is the character where the problem is. */
export class RuleSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RuleSyntaxError';
  }
}

type Token =
  | { readonly kind: 'lparen'; readonly at: number }
  | { readonly kind: 'rparen'; readonly at: number }
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'quoted'; readonly text: string; readonly at: number };

const STATE_FUNCTIONS: Readonly<Record<string, AlarmStateValue>> = {
  ALARM: 'ALARM',
  OK: 'OK',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
};

function stateFunction(word: string): AlarmStateValue | undefined {
  return Object.hasOwn(STATE_FUNCTIONS, word) ? STATE_FUNCTIONS[word] : undefined;
}

function tokenize(rule: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < rule.length) {
    const ch = rule[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push(ch === '(' ? { kind: 'lparen', at: i } : { kind: 'rparen', at: i });
      i++;
    } else if (ch === '"') {
      const start = i;
      let text = '';
      i++;
      while (i < rule.length && rule[i] !== '"') {
        // A backslash escapes the next character, so names may contain quotes.
        if (rule[i] === '\\' && i + 1 < rule.length) i++;
        text += rule[i];
        i++;
      }
      if (i >= rule.length) throw new RuleSyntaxError(`unterminated quoted alarm name at ${start}`, start);
      i++;
      tokens.push({ kind: 'quoted', text, at: start });
    } else {
      const start = i;
      while (i < rule.length && !/[\s()"]/.test(rule[i] as string)) i++;
      tokens.push({ kind: 'word', text: rule.slice(start, i), at: start });
    }
  }
  return tokens;
}

/** Recursive descent: or := and (OR and)*; and := not (AND not)*; not := NOT not | primary. */
class RuleParser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly length: number,
  ) {}

  parse(): RuleNode {
    if (this.tokens.length === 0) throw new RuleSyntaxError('the rule is empty', 0);
    const node = this.parseOr();
    const extra = this.tokens[this.pos];
    if (extra) throw new RuleSyntaxError(`unexpected ${describe(extra)} at ${extra.at}`, extra.at);
    return node;
  }

  private peekKeyword(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.kind === 'word' ? t.text : undefined;
  }

  private parseOr(): RuleNode {
    let left = this.parseAnd();
    while (this.peekKeyword() === 'OR') {
      this.pos++;
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): RuleNode {
    let left = this.parseNot();
    while (this.peekKeyword() === 'AND') {
      this.pos++;
      left = { type: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): RuleNode {
    if (this.peekKeyword() === 'NOT') {
      this.pos++;
      return { type: 'not', operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): RuleNode {
    const t = this.next('an alarm function, TRUE, FALSE, NOT or "("');
    if (t.kind === 'lparen') {
      const inner = this.parseOr();
      this.expect('rparen', '")"');
      return inner;
    }
    if (t.kind === 'word') {
      const word = t.text;
      if (word === 'TRUE' || word === 'FALSE') return { type: 'const', value: word === 'TRUE' };
      const state = stateFunction(word);
      if (state) {
        this.expect('lparen', `"(" after ${word}`);
        const name = this.next('an alarm name');
        if (!('text' in name)) {
          throw new RuleSyntaxError(`expected an alarm name at ${name.at}, got ${describe(name)}`, name.at);
        }
        this.expect('rparen', `")" after the alarm name`);
        return { type: 'state', state, alarm: alarmNameFromReference(name.text) };
      }
    }
    throw new RuleSyntaxError(
      `expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, NOT or "(" at ${t.at}, got ${describe(t)}`,
      t.at,
    );
  }

  private next(expected: string): Token {
    const t = this.tokens[this.pos];
    if (!t) throw new RuleSyntaxError(`expected ${expected} at the end of the rule`, this.length);
    this.pos++;
    return t;
  }

  private expect(kind: Token['kind'], expected: string): void {
    const t = this.next(expected);
    if (t.kind !== kind)
      throw new RuleSyntaxError(`expected ${expected} at ${t.at}, got ${describe(t)}`, t.at);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'lparen':
      return '"("';
    case 'rparen':
      return '")"';
    case 'quoted':
      return `"${t.text}"`;
    case 'word':
      return t.text;
  }
}

/** CloudWatch accepts an alarm ARN where a name is expected; the name is what follows `:alarm:`. */
function alarmNameFromReference(reference: string): string {
  const marker = reference.indexOf(':alarm:');
  return reference.startsWith('arn:') && marker >= 0 ? reference.slice(marker + ':alarm:'.length) : reference;
}

/**
 * Parses a composite alarm rule into an AST. Throws {@link RuleSyntaxError} with the offset.
 *
 * @example parseRule('ALARM("errors") AND NOT OK(latency)')
 */
export function parseRule(rule: string): RuleNode {
  return new RuleParser(tokenize(rule), rule.length).parse();
}

/**
 * Evaluates a rule against the children's states. An unknown child counts as INSUFFICIENT_DATA.
 *
 * @example evaluateRule(parseRule('ALARM(a)'), (name) => 'ALARM') // true
 */
export function evaluateRule(
  node: RuleNode,
  stateOf: (alarm: string) => AlarmStateValue | undefined,
): boolean {
  switch (node.type) {
    case 'const':
      return node.value;
    case 'state':
      return (stateOf(node.alarm) ?? 'INSUFFICIENT_DATA') === node.state;
    case 'not':
      return !evaluateRule(node.operand, stateOf);
    case 'and':
      return evaluateRule(node.left, stateOf) && evaluateRule(node.right, stateOf);
    case 'or':
      return evaluateRule(node.left, stateOf) || evaluateRule(node.right, stateOf);
  }
}

/** Every alarm name the rule references, in order of first appearance. */
export function ruleAlarmNames(node: RuleNode): string[] {
  const out: string[] = [];
  const visit = (n: RuleNode): void => {
    if (n.type === 'state') {
      if (!out.includes(n.alarm)) out.push(n.alarm);
    } else if (n.type === 'not') visit(n.operand);
    else if (n.type === 'and' || n.type === 'or') {
      visit(n.left);
      visit(n.right);
    }
  };
  visit(node);
  return out;
}

/** Returns the same rule with every alarm name passed through `rename` (placeholder expansion). */
export function mapRuleNames(node: RuleNode, rename: (alarm: string) => string): RuleNode {
  switch (node.type) {
    case 'const':
      return node;
    case 'state':
      return { ...node, alarm: rename(node.alarm) };
    case 'not':
      return { type: 'not', operand: mapRuleNames(node.operand, rename) };
    case 'and':
    case 'or':
      return {
        type: node.type,
        left: mapRuleNames(node.left, rename),
        right: mapRuleNames(node.right, rename),
      };
  }
}

/**
 * CloudWatch's limits on a composite alarm rule (PutCompositeAlarm `AlarmRule`): 10,240
 * characters, 100 child alarms, and 500 elements, where an element is a child alarm, TRUE or
 * FALSE, or a pair of grouping parentheses.
 */
export const RULE_LIMITS = { characters: 10_240, childAlarms: 100, elements: 500 } as const;

/**
 * How many elements CloudWatch counts in a rule that parses: each alarm function, TRUE, FALSE and
 * pair of grouping parentheses is one; AND, OR and NOT are not.
 *
 * @example countRuleElements('(ALARM(a) OR ALARM(b)) AND TRUE') // 4
 */
export function countRuleElements(rule: string): number {
  const tokens = tokenize(rule);
  let elements = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'lparen') elements++;
    else if (t.kind === 'word' && stateFunction(t.text)) {
      elements++;
      i += 3; // the function's own "(", name and ")"
    } else if (t.kind === 'word' && (t.text === 'TRUE' || t.text === 'FALSE')) elements++;
  }
  return elements;
}

/**
 * What breaks CloudWatch's limits in a rule, one sentence per limit ([] when none).
 *
 * @example ruleLimitViolations('ALARM(a)') // []
 */
export function ruleLimitViolations(text: string, rule: RuleNode = parseRule(text)): string[] {
  const out: string[] = [];
  const number = (n: number) => n.toLocaleString('en-US');
  if (text.length > RULE_LIMITS.characters) {
    out.push(
      `the rule is ${number(text.length)} characters long; CloudWatch allows at most ${number(RULE_LIMITS.characters)}`,
    );
  }
  const children = ruleAlarmNames(rule).length;
  if (children > RULE_LIMITS.childAlarms) {
    out.push(
      `the rule names ${number(children)} alarms; CloudWatch allows at most ${RULE_LIMITS.childAlarms} underlying alarms`,
    );
  }
  const elements = countRuleElements(text);
  if (elements > RULE_LIMITS.elements) {
    out.push(
      `the rule has ${number(elements)} elements (alarm functions, TRUE/FALSE, parentheses); CloudWatch allows at most ${RULE_LIMITS.elements}`,
    );
  }
  return out;
}
